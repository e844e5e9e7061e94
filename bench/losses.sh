#!/usr/bin/env bash
# Step time and peak memory of each training loss against catalog size (issue 22).
# One training step of srt-64x2's text encoder, batch 128 × length 50, 2 workers, for ce, ssm:1000,
# rece (and with 2 rounds), gbce:256, bce and ce-:1024 at 12,101 items (amazon-beauty's size), 138,204 (the amazon-7
# pretraining union) and 1,000,000 (a synthetic catalog: random 12-piece titles, items drawn with a
# popularity skew); one process per loss and size, so each peak RSS is that configuration's.
# PyTorch's full-CE step (bench/pytorch_step.py, ID-embedding SASRec at the same batch) runs in the
# same script where `import torch` works. Above 200k items its [6,400 × items] logits do not fit this
# 24 GiB machine at batch 128 (at 1M: 25.6 GB, 51 GB with their gradient), so it runs at batches 8, 16
# and 32 (PT_BATCHES), one process each, and its batch-128 row is the straight line through those
# (peak RSS and step time grow linearly in the batch), marked as extrapolated.
# Prints a table, writes bench/results/losses.json. Override with SIZES="…", LOSSES="…", STEPS=N, APPEND=1, PEERS=0 (no PyTorch), PT_BATCHES="…".
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
  elif [[ "${PEERS:-1}" == 1 ]] && "$python" -c "import torch" 2>/dev/null; then
    measured=()
    for batch in ${PT_BATCHES:-8 16 32}; do  # a batch that runs out of memory is left out
      "$python" bench/pytorch_step.py --presets 64x2 --items "$items" --batch "$batch" --threads "${THREADS:-2}" --steps 1 \
        --warmup 1 --json "bench/results/losses-pytorch-$items-b$batch.json" > /dev/null 2>&1 && measured+=("bench/results/losses-pytorch-$items-b$batch.json")
    done
    (( ${#measured[@]} >= 2 )) && python3 - "${measured[@]}" <<'PY' | tee -a "$out"
import json, sys
rows = [json.load(open(f))["rows"][0] for f in sys.argv[1:]]
def line(key):  # least squares through (batch, value), evaluated at batch 128
    xs, ys = [r["batch"] for r in rows], [r[key] for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return my + slope * (128 - mx)
print(json.dumps({"loss": "pytorch ce", "items": rows[0]["items"], "seconds_per_step": line("seconds_per_step"), "peak_rss_mb": line("peak_rss_mb"),
                  "extrapolated_from": [{"batch": r["batch"], "seconds_per_step": r["seconds_per_step"], "peak_rss_mb": r["peak_rss_mb"]} for r in rows]}))
PY
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
        line += (f"{r['seconds_per_step']:>10.2f}{'*' if 'extrapolated_from' in r else ' '}s {r['peak_rss_mb']:>6.0f} MB" if r else f"{'not run':>22}")
    print(line)
for r in rows:
    if "extrapolated_from" in r:
        seen = ", ".join(f"batch {m['batch']}: {m['seconds_per_step']:.2f} s, {m['peak_rss_mb']:.0f} MB" for m in r["extrapolated_from"])
        print(f"* {r['loss']} at {r['items']:,} items: batch 128 does not fit here; the line through {seen}")
big = max(sizes)
for loss in (l for l in losses if l.startswith("rece")):
    if (loss, big) in cell and ("ce", big) in cell:
        r, c = cell[(loss, big)], cell[("ce", big)]
        print(f"at {big:,} items: {loss}'s step {r['seconds_per_step'] / c['seconds_per_step']:.3f}x srthub's full CE, its peak RSS {r['peak_rss_mb'] / c['peak_rss_mb']:.3f}x")
    if (loss, big) in cell and ("pytorch ce", big) in cell:
        p = cell[("pytorch ce", big)]
        print(f"at {big:,} items: {loss}'s peak RSS {cell[(loss, big)]['peak_rss_mb'] / p['peak_rss_mb']:.3f}x PyTorch's full CE" + (" (extrapolated)" if "extrapolated_from" in p else ""))
json.dump({"benchmark": "losses", "rows": rows}, open("bench/results/losses.json", "w"), indent=2)
print("wrote bench/results/losses.json")
PY
