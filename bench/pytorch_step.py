#!/usr/bin/env python3
"""PyTorch's figure for bench/train_step.sh, measured on this machine in the same run.

The step of PEERS.md's "PyTorch training step" table: a SASRec-style model (ID item embeddings
tied to the output, learned positions, LayerNorm and dropout 0.5 on the input, post-LN
transformer layers with GELU, inner size 4 × hidden, causal attention), batch 256 × length 50,
full-catalog cross-entropy over 12,101 items at all 50 positions, then Adam. Prints one line per
preset and writes JSON: {"torch": version, "threads": n, "rows": [{"preset", "seconds_per_step",
"targets_per_second"}]}.

With --twin, also srthub's PyTorch twin (python/srthub: `torchrun -m srthub.train`'s objective, full
CE) at the same batch, length and catalog, its items encoded from text (12 pieces per item drawn
from a 30,000-piece vocabulary, the amazon-beauty title's typical length): issue 26 asks it to be
within 1.5x of the plain model's step. Run from the repository root with PYTHONPATH=python.

With --items N and --batch B the catalog and batch change (bench/losses.sh runs one catalog size per
process, so each row's peak_rss_mb, the process's peak resident memory, belongs to that size).

usage: bench/pytorch_step.py --presets 64x2,256x4 [--threads 2] [--steps 10] [--twin] [--items N] [--batch B] [--json PATH]
"""
import argparse
import inspect
import json
import resource
import statistics
import time

import torch
import torch.nn as nn

CAUSAL_FLAG = "is_causal" in inspect.signature(nn.TransformerEncoder.forward).parameters
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
        nested = {"enable_nested_tensor": False} if "enable_nested_tensor" in inspect.signature(nn.TransformerEncoder).parameters else {}
        self.encoder = nn.TransformerEncoder(layer, layers, **nested)
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(LENGTH))

    def forward(self, sequences):
        x = self.items(sequences) + self.positions.weight
        causal = {"is_causal": True} if CAUSAL_FLAG else {}  # torch ≥ 2.0 (Debian's 1.13 has only the mask)
        x = self.encoder(self.dropout(self.norm(x)), mask=self.causal, **causal)
        return x @ self.items.weight.T  # [B, T, V]: every position scores the whole catalog


def twin(layers, heads, hidden):
    """srthub's PyTorch twin with a text item encoder, and a step function over its objective."""
    from srthub.torch_model import SRT
    from srthub.train import Objective
    shape = {"architecture": {"name": "bench", "layers": layers, "heads": heads, "hidden": hidden, "inner": 4 * hidden,
                              "max_length": LENGTH, "hidden_dropout": 0.5, "attention_dropout": 0.5, "norm": "post"},
             "item_encoder": {"kind": "text", "fields": ["title"], "max_pieces": [40], "vocab_size": 30000, "token_embedding": hidden},
             "items": ITEMS}
    objective = Objective(SRT(shape), "ce", torch.zeros(ITEMS))
    tokens = torch.full((ITEMS, 1, 12), -1, dtype=torch.long)
    tokens[:, 0, :] = torch.randint(30000, (ITEMS, 12))
    rows = torch.arange(BATCH * LENGTH)
    return objective, lambda sequences, targets: objective(sequences, tokens, rows, targets, torch.empty(0, dtype=torch.long))


def measure(preset, steps, warmup, use_twin=False):
    torch.manual_seed(1)
    if use_twin:
        model, loss_of = twin(*PRESETS[preset])
    else:
        model = SASRec(*PRESETS[preset])
        loss_of = lambda sequences, targets: nn.functional.cross_entropy(model(sequences).reshape(-1, ITEMS), targets)  # noqa: E731
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    sequences = torch.randint(ITEMS, (BATCH, LENGTH))
    targets = torch.randint(ITEMS, (BATCH * LENGTH,))
    times = []
    for step in range(warmup + steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(sequences, targets)
        loss.backward()
        optimizer.step()
        if step >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    global ITEMS, BATCH
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presets", default="64x2,128x4,256x4")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--twin", action="store_true", help="also measure srthub's PyTorch twin (python/srthub)")
    parser.add_argument("--items", type=int, default=ITEMS, help="catalog size (default: amazon-beauty's)")
    parser.add_argument("--batch", type=int, default=BATCH, help="sequences per step")
    parser.add_argument("--json")
    args = parser.parse_args()
    ITEMS, BATCH = args.items, args.batch
    torch.set_num_threads(args.threads)
    # PyTorch at its best: the softmax gradient is full of denormal floats, and without flushing
    # them to zero the two large backward GEMMs ran 20× slower on this machine's Intel CPU.
    torch.set_flush_denormal(True)
    rows = []
    capability = torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else "?"
    print(f"PyTorch {torch.__version__} ({capability}, denormals flushed), {args.threads} threads, "
          f"median of {args.steps} steps after {args.warmup} warm-up")
    for preset in args.presets.split(","):
        seconds = measure(preset, args.steps, args.warmup)
        rows.append({"preset": preset, "items": ITEMS, "batch": BATCH, "seconds_per_step": seconds,
                     "targets_per_second": BATCH * LENGTH / seconds,
                     "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
        print(f"pytorch {preset:6} {seconds:7.3f} s/step {BATCH * LENGTH / seconds:9.0f} targets/s", flush=True)
        if args.twin:
            twin_seconds = measure(preset, args.steps, args.warmup, use_twin=True)
            rows[-1].update(twin_seconds_per_step=twin_seconds, twin_ratio=twin_seconds / seconds)
            print(f"twin    {preset:6} {twin_seconds:7.3f} s/step {BATCH * LENGTH / twin_seconds:9.0f} targets/s  ({twin_seconds / seconds:.2f}x the plain model's step)", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "threads": args.threads, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
