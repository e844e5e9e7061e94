#!/usr/bin/env bash
# Step time and peak memory of each training loss against catalog size (issue 22).
# One training step of srt-64x2's text encoder, batch 128 × length 50, 2 workers, for ce, ssm:1000,
# rece (and with 2 rounds), gbce:256, bce and ce-:1024 at 12,101 items (amazon-beauty's size), 138,204 (the amazon-7
# pretraining union) and 1,000,000 (a synthetic catalog: random 12-piece titles, items drawn with a
# popularity skew); one process per loss and size, so each peak RSS is that configuration's.
# PyTorch's full-CE step (bench/pytorch_step.py, ID-embedding SASRec at the same batch) runs in the
# same script where `import torch` works; at 1M items its [6,400 × 1M] logits alone would take 25.6 GB
# (51 GB with their gradient) on a 24 GiB machine, so it is not run there and the table says so.
# Prints a table, writes bench/results/losses.json. Override with SIZES="…", LOSSES="…", STEPS=N, APPEND=1, PEERS=0 (no PyTorch).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift build -c release --product SRTBench 2>&1 | grep -E "error|warning: unre" || true
bench="$(swift build -c release --show-bin-path)/SRTBench"
sizes="${SIZES:-12101 138204 1000000}"
losses="${LOSSES:-ce ssm:1000 rece rece:rounds=2 gbce:256 bce ce-:1024}"
out=bench/results/losses.jsonl
mkdir -p bench/results
[[ -n "${APPEND:-}" ]] || : > "$out"  # APPEND=1 adds rows to the last run's (re-measuring a loss adds a row that replaces its older one)
python=python3
[[ -x .cache/torch-venv/bin/python ]] && python=.cache/torch-venv/bin/python
for items in $sizes; do
  for loss in $losses; do
    "$bench" loss_step --loss "$loss" --items "$items" --threads "${THREADS:-2}" --steps "${STEPS:-3}" | tee -a "$out"
  done
  if [[ "${PEERS:-1}" == 1 ]] && "$python" -c "import torch" 2>/dev/null && (( items <= 200000 )); then
    "$python" bench/pytorch_step.py --presets 64x2 --items "$items" --batch 128 --threads "${THREADS:-2}" --steps "${STEPS:-3}" \
      --warmup 1 --json bench/results/losses-pytorch-$items.json > /dev/null
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['rows'][0]; print(json.dumps({'loss': 'pytorch ce', 'items': r['items'], 'seconds_per_step': r['seconds_per_step'], 'peak_rss_mb': r['peak_rss_mb']}))" \
      bench/results/losses-pytorch-$items.json | tee -a "$out"
  fi
done
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sizes = sorted({r["items"] for r in rows})
losses = list(dict.fromkeys(r["loss"] for r in rows))
cell = {(r["loss"], r["items"]): r for r in rows}  # a later row of the same loss and size wins
print("\nseconds per step / peak RSS MB (srt-64x2 text encoder, batch 128 × 50)")
print("loss".ljust(12) + "".join(f"{s:>22,}" for s in sizes))
for loss in losses:
    line = loss.ljust(12)
    for s in sizes:
        r = cell.get((loss, s))
        line += f"{r['seconds_per_step']:>11.2f} s {r['peak_rss_mb']:>6.0f} MB" if r else f"{'not run':>22}"
    print(line)
big = max(sizes)
for loss in (l for l in losses if l.startswith("rece")):
    if (loss, big) in cell and ("ce", big) in cell:
        r, c = cell[(loss, big)], cell[("ce", big)]
        print(f"at {big:,} items: {loss}'s step {r['seconds_per_step'] / c['seconds_per_step']:.3f}x srthub's full CE, its peak RSS {r['peak_rss_mb'] / c['peak_rss_mb']:.3f}x")
json.dump({"benchmark": "losses", "rows": rows}, open("bench/results/losses.json", "w"), indent=2)
print("wrote bench/results/losses.json")
PY
