#!/usr/bin/env python3
"""A uniform model soup (Wortsman et al., ICML 2022): the element-wise mean of the weights of
checkpoints fine-tuned from one base (same architecture and tokenizer, e.g. `srthub finetune`
with different --seed), written as a new checkpoint folder that `srthub eval` reads.
Usage: python3 bench/weight_soup.py OUT_FOLDER CHECKPOINT CHECKPOINT...
OUT_FOLDER is a copy of the first checkpoint with its model.safetensors replaced (needs numpy and
safetensors, as python/srthub).
"""
import os
import shutil
import sys

from safetensors import safe_open
from safetensors.numpy import load_file, save_file


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, folders = sys.argv[1], sys.argv[2:]
    if os.path.exists(out):
        sys.exit(f"{out} exists: pass a new folder")
    path = os.path.join(folders[0], "model.safetensors")
    with safe_open(path, "np") as f:
        metadata = f.metadata()
    first = load_file(path)
    others = [load_file(os.path.join(folder, "model.safetensors")) for folder in folders[1:]]
    for folder, tensors in zip(folders[1:], others):
        if {k: v.shape for k, v in tensors.items()} != {k: v.shape for k, v in first.items()}:
            sys.exit(f"{folder}: its tensors differ from {folders[0]}'s; soup checkpoints of one base and tokenizer")
    soup = {name: sum([first[name]] + [t[name] for t in others]) / len(folders) for name in first}
    shutil.copytree(folders[0], out)
    save_file(soup, os.path.join(out, "model.safetensors"), metadata=metadata)
    print(f"{out}: the mean of {len(folders)} checkpoints' weights")


if __name__ == "__main__":
    main()
