#!/usr/bin/env bash
# Full-catalog evaluation speed in a release build: every amazon-beauty test user (22,363) ranked
# against all 12,101 items, history masked and unmasked (goal < 5 s). Prints a table; writes
# bench/results/eval_speed.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
data="${1:-../shared/datasets/amazon-beauty}"
if [[ ! -d "$data" && ! -f "$data" ]]; then
  echo "bench/eval_speed: $data is absent; pass a dataset folder (e.g. .cache/ml-100k)" >&2
  exit 0
fi
swift build -c release --product SRTBench 2>&1 | grep -E "error|warning: unre" || true
"$(swift build -c release --show-bin-path)/SRTBench" eval_speed "$data" --threads 2 --json bench/results/eval_speed.json
