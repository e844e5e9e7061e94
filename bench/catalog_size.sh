#!/usr/bin/env bash
# Does a sampled-softmax training step cost the same on a large catalog as on a small one?
# srt-64x2 text encoder, batch 128 × 50, ssm:1000, 2 workers, at 12,101 items (amazon-beauty's
# size) and 138,204 (the amazon-7 pretraining union), encoding only the items each step touches
# (srthub train) and, for comparison, the whole catalog every step. Goal: the large catalog within
# 1.3× of the small one's step time. Writes bench/results/catalog_size.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift build -c release --product SRTBench 2>&1 | grep -E "error|warning: unre" || true
"$(swift build -c release --show-bin-path)/SRTBench" catalog_size --threads "${THREADS:-2}" --steps "${STEPS:-10}" \
  --json bench/results/catalog_size.json "$@"
