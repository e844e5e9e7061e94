#!/usr/bin/env bash
# Scaling laws on the pretraining corpus (issue 23): `srthub scaling sweep` trains PRESETS × FRACTIONS
# of the amazon-7 corpus's users (release build, ../shared/datasets), each run added to a registry
# under .cache/scaling/home and tagged scaling/amazon-7:PRESET-fFRACTION; then `scaling fit`, `plot`
# and `suggest`. Resumable: run it again and recorded runs are skipped, a stopped one continues.
# Prints the fit and writes bench/results/scaling.json (the fit), bench/results/scaling/*.svg.
# Env: PRESETS, FRACTIONS, EPOCHS (4), THREADS (2), BOOTSTRAP (300), SRTHUB_BIN.
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
t0=$(date +%s)
"$bin" scaling sweep --name scaling/amazon-7 --corpus "$corpus" --presets "$presets" --fractions "$fractions" \
  --epochs "${EPOCHS:-4}" --threads "${THREADS:-2}" --work .cache/scaling/runs
echo "sweep wall time this call: $(( $(date +%s) - t0 )) s"
"$bin" scaling fit --name scaling/amazon-7 --bootstrap "${BOOTSTRAP:-300}"
"$bin" scaling fit --name scaling/amazon-7 --bootstrap "${BOOTSTRAP:-300}" --json > bench/results/scaling.json
"$bin" scaling plot --name scaling/amazon-7 --bootstrap "${BOOTSTRAP:-300}" --out bench/results/scaling
"$bin" scaling suggest --name scaling/amazon-7 --bootstrap "${BOOTSTRAP:-300}" --minutes 60
python3 - <<'PY'
import json, os, subprocess
home = os.environ["SRTHUB_HOME"]
seconds = 0.0
for root, _, files in os.walk(".cache/scaling/runs"):
    if "train_log.jsonl" in files:
        seconds += sum(json.loads(l).get("seconds", 0) for l in open(os.path.join(root, "train_log.jsonl")) if l.strip())
print(f"training time of every run in the sweep (sum of epoch times): {seconds / 3600:.2f} h")
PY
