#!/usr/bin/env python3
"""PyTorch's figure for bench/train_step.sh, measured on this machine in the same run.

The step of PEERS.md's "PyTorch training step" table: a SASRec-style model (ID item embeddings
tied to the output, learned positions, LayerNorm and dropout 0.5 on the input, post-LN
transformer layers with GELU, inner size 4 × hidden, causal attention), batch 256 × length 50,
full-catalog cross-entropy over 12,101 items at all 50 positions, then Adam. Prints one line per
preset and writes JSON: {"torch": version, "threads": n, "rows": [{"preset", "seconds_per_step",
"targets_per_second"}]}.

usage: bench/pytorch_step.py --presets 64x2,256x4 [--threads 2] [--steps 10] [--json PATH]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn

PRESETS = {"64x2": (2, 2, 64), "128x4": (4, 2, 128), "256x4": (4, 4, 256)}  # layers, heads, hidden
ITEMS, BATCH, LENGTH = 12_101, 256, 50


class SASRec(nn.Module):
    def __init__(self, layers, heads, hidden):
        super().__init__()
        self.items = nn.Embedding(ITEMS, hidden)
        self.positions = nn.Embedding(LENGTH, hidden)
        self.norm = nn.LayerNorm(hidden)
        self.dropout = nn.Dropout(0.5)
        layer = nn.TransformerEncoderLayer(hidden, heads, 4 * hidden, dropout=0.5, activation="gelu",
                                           batch_first=True, norm_first=False)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(LENGTH))

    def forward(self, sequences):
        x = self.items(sequences) + self.positions.weight
        x = self.encoder(self.dropout(self.norm(x)), mask=self.causal, is_causal=True)
        return x @ self.items.weight.T  # [B, T, V]: every position scores the whole catalog


def measure(preset, steps, warmup):
    torch.manual_seed(1)
    model = SASRec(*PRESETS[preset]).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    sequences = torch.randint(ITEMS, (BATCH, LENGTH))
    targets = torch.randint(ITEMS, (BATCH * LENGTH,))
    times = []
    for step in range(warmup + steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(sequences).reshape(-1, ITEMS), targets)
        loss.backward()
        optimizer.step()
        if step >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presets", default="64x2,128x4,256x4")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    # PyTorch at its best: the softmax gradient is full of denormal floats, and without flushing
    # them to zero the two large backward GEMMs ran 20× slower on this machine's Intel CPU.
    torch.set_flush_denormal(True)
    rows = []
    print(f"PyTorch {torch.__version__} ({torch.backends.cpu.get_cpu_capability()}, denormals flushed), {args.threads} threads, "
          f"median of {args.steps} steps after {args.warmup} warm-up")
    for preset in args.presets.split(","):
        seconds = measure(preset, args.steps, args.warmup)
        rows.append({"preset": preset, "seconds_per_step": seconds, "targets_per_second": BATCH * LENGTH / seconds})
        print(f"pytorch {preset:6} {seconds:7.3f} s/step {BATCH * LENGTH / seconds:9.0f} targets/s", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "threads": args.threads, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
