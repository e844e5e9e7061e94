#!/usr/bin/env bash
# Registry speed: fills a fresh registry with 10,000 checkpoints through `add`, then times list,
# show, log and gc --dry-run (release build). Goal: list < 100 ms. Writes bench/results/registry_ops.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift build -c release --product SRTBench 2>&1 | grep -E "error|warning: unre" || true
"$(swift build -c release --show-bin-path)/SRTBench" registry_ops --manifests "${1:-10000}" --json bench/results/registry_ops.json
