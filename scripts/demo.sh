#!/usr/bin/env bash
# The main job, end to end on the embedded defaults: installs what it needs (scripts/setup.sh),
# builds srthub (release), then on the MovieLens-100k demo data: describes it, trains an SRT model
# (text item encoder, preset srt-64x2), adds the checkpoint to the local registry ($SRTHUB_HOME,
# default ~/.srthub), shows it, and asks it for recommendations.
# It grows as fine-tuning, evaluation against baselines and the hub land.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh

say "building srthub (release; the first build takes a few minutes)"
swift build -c release --product srthub 2>&1 | grep -Ev "^\[[0-9]+/[0-9]+\]|unhandled|^warning: 'swift-distributed-tracing'" || true
srthub="$(swift build -c release --show-bin-path)/srthub"
run() { printf '\n$ srthub %s\n' "$*"; "$srthub" "$@"; }

run data inspect .cache/ml-100k
run presets
run train --data .cache/ml-100k --preset srt-64x2 --epochs "${DEMO_EPOCHS:-20}" --out .cache/runs/ml-100k-srt
run add .cache/runs/ml-100k-srt --tag ml-100k:srt-64x2
run list
run show ml-100k:srt-64x2 --card
run log ml-100k:srt-64x2
# Toy Story, Star Wars, Return of the Jedi → what next?
run recommend .cache/runs/ml-100k-srt --history 1,50,181 -k 5
run verify
say "done: the checkpoint is in $("$srthub" init --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["home"])')"
