#!/usr/bin/env bash
# Loading and splitting a dataset in a release build. Default: ../shared/datasets/amazon-beauty
# (goal: load + split < 1 s). Prints a table; writes bench/results/load.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
data="${1:-../shared/datasets/amazon-beauty}"
if [[ ! -d "$data" && ! -f "$data" ]]; then
  echo "bench/load: $data is absent; pass a dataset folder (e.g. .cache/ml-100k)" >&2
  exit 0
fi
swift build -c release --product SRTBench 2>&1 | grep -E "error|warning: unre" || true
"$(swift build -c release --show-bin-path)/SRTBench" load "$data" --runs 5 --json bench/results/load.json
