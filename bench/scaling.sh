#!/usr/bin/env bash
# Scaling laws on the pretraining corpus (issue 23): `srthub scaling sweep` trains PRESETS × FRACTIONS
# of the amazon-7 corpus's users (release build, ../shared/datasets), each run added to a registry
# under .cache/scaling/home and tagged scaling/amazon-7:PRESET-fFRACTION; then `scaling fit`, `plot`
# and `suggest`. Resumable: run it again and recorded runs are skipped, a stopped one continues.
# Prints the fit and writes bench/results/scaling.json (the fit), bench/results/scaling/*.svg.
# Env: PRESETS, FRACTIONS, EPOCHS (4), THREADS (2), VALIDATION_CASES (5000), BOOTSTRAP (300), SRTHUB_BIN; NAME (default
# scaling/amazon-7) keeps a sweep with another budget apart: its runs, tags and outputs
# (bench/results/scaling-<last part of NAME>.json and scaling-<…>/) are its own.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
datasets="${DATASETS:-../shared/datasets}"
[[ -d "$datasets/amazon-games" ]] || { echo "bench/scaling: $datasets holds no pretraining corpus; it needs ../shared/datasets" >&2; exit 0; }
presets="${PRESETS:-srt-16x2,srt-64x2,srt-128x2,srt-128x8-h2}"
fractions="${FRACTIONS:-0.03125,0.0625,0.125,0.25,0.5,1}"
if [[ -n "${SRTHUB_BIN:-}" ]]; then bin="$SRTHUB_BIN"; else
  swift build -c release --product srthub 2>&1 | grep -E "error|warning: unre" || true
  bin="$(swift build -c release --show-bin-path)/srthub"
fi
export SRTHUB_HOME="$root/.cache/scaling/home"
mkdir -p "$SRTHUB_HOME" bench/results
corpus=models/corpora/amazon-7.json  # its catalogs are ../shared/datasets/…, relative to the file
name="${NAME:-scaling/amazon-7}"
suffix="${NAME:+-${NAME##*/}}"  # empty for the default sweep, whose outputs keep their names
work=".cache/scaling/runs$suffix"
t0=$(date +%s)
"$bin" scaling sweep --name "$name" --corpus "$corpus" --presets "$presets" --fractions "$fractions" \
  --epochs "${EPOCHS:-4}" --threads "${THREADS:-2}" --validation-cases "${VALIDATION_CASES:-5000}" --work "$work"
echo "sweep wall time this call: $(( $(date +%s) - t0 )) s"
"$bin" scaling fit --name "$name" --bootstrap "${BOOTSTRAP:-300}"
"$bin" scaling fit --name "$name" --bootstrap "${BOOTSTRAP:-300}" --json > "bench/results/scaling$suffix.json"
"$bin" scaling plot --name "$name" --bootstrap "${BOOTSTRAP:-300}" --out "bench/results/scaling$suffix"
"$bin" scaling suggest --name "$name" --bootstrap "${BOOTSTRAP:-300}" --minutes 60
python3 - "$work" <<'PY'
import json, os, sys
seconds = 0.0
for root, _, files in os.walk(sys.argv[1]):
    if "train_log.jsonl" in files:
        seconds += sum(json.loads(l).get("seconds", 0) for l in open(os.path.join(root, "train_log.jsonl")) if l.strip())
print(f"training time of every run in the sweep (sum of epoch times): {seconds / 3600:.2f} h")
PY
