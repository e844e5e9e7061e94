#!/usr/bin/env bash
# The main job, end to end on the embedded defaults: installs what it needs (scripts/setup.sh),
# builds srthub in release mode, describes the MovieLens-100k demo data and lists the model presets.
# It grows as training, the registry and the hub land.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh

say "building srthub (release; the first build takes a few minutes)"
swift build -c release --product srthub 2>&1 | grep -Ev "^\[[0-9]+/[0-9]+\]|unhandled|^warning: 'swift-distributed-tracing'" || true
srthub="$(swift build -c release --show-bin-path)/srthub"

say "srthub data inspect .cache/ml-100k"
"$srthub" data inspect .cache/ml-100k
say "srthub presets"
"$srthub" presets
say "done"
