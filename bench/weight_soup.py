#!/usr/bin/env python3
"""A uniform model soup (Wortsman et al., ICML 2022): the element-wise mean of the weights of
checkpoints fine-tuned from one base (same architecture and tokenizer, e.g. `srthub finetune`
with different --seed), written as a new checkpoint folder that `srthub eval` reads.
Usage: python3 bench/weight_soup.py OUT_FOLDER CHECKPOINT CHECKPOINT...
OUT_FOLDER is a copy of the first checkpoint with its model.safetensors replaced (needs numpy).
"""
import json
import os
import shutil
import struct
import sys

import numpy as np


def read(path):
    blob = open(path, "rb").read()
    size = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + size])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            sys.exit(f"{path}: tensor {name} is {entry['dtype']}; only F32 checkpoints can be souped")
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(blob[8 + size + start:8 + size + end], dtype=np.float32).reshape(entry["shape"])
    return header.get("__metadata__"), tensors


def write(path, metadata, tensors):
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    if metadata:
        header["__metadata__"] = metadata
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, folders = sys.argv[1], sys.argv[2:]
    if os.path.exists(out):
        sys.exit(f"{out} exists: pass a new folder")
    metadata, first = read(os.path.join(folders[0], "model.safetensors"))
    others = [read(os.path.join(folder, "model.safetensors"))[1] for folder in folders[1:]]
    for folder, tensors in zip(folders[1:], others):
        if {k: v.shape for k, v in tensors.items()} != {k: v.shape for k, v in first.items()}:
            sys.exit(f"{folder}: its tensors differ from {folders[0]}'s; soup checkpoints of one base and tokenizer")
    soup = {name: sum([first[name]] + [t[name] for t in others]) / len(folders) for name in first}
    shutil.copytree(folders[0], out)
    write(os.path.join(out, "model.safetensors"), metadata, soup)
    print(f"{out}: the mean of {len(folders)} checkpoints' weights")


if __name__ == "__main__":
    main()
