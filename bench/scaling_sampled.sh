#!/usr/bin/env bash
# The SRT paper's metric for a scaling sweep (issue 23): every run of sweep NAME in bench/scaling.sh's
# registry is evaluated on its own users' validation split with each target ranked among NEGATIVES
# uniform negatives (history masked; the paper's metric is NDCG@5 against such negatives), then Eq. 4
# is fitted on that figure (`scaling fit --metric ndcg@5 --split validation`) beside the default
# metric on the same runs. Run bench/scaling.sh first. Resumable: a run evaluated before is skipped.
# Prints both fits and writes bench/results/scaling-sampled<suffix>.json and its figures in
# bench/results/scaling-sampled<suffix>/.
# Env: NAME (scaling/amazon-7), NEGATIVES (1000), THREADS (2), BOOTSTRAP (300), HELD_OUT (0.25), SRTHUB_BIN.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ -n "${SRTHUB_BIN:-}" ]]; then bin="$SRTHUB_BIN"; else
  swift build -c release --product srthub 2>&1 | grep -E "error|warning: unre" || true
  bin="$(swift build -c release --show-bin-path)/srthub"
fi
export SRTHUB_HOME="$root/.cache/scaling/home"
[[ -d "$SRTHUB_HOME" ]] || { echo "bench/scaling_sampled: no sweep registry at $SRTHUB_HOME; run bench/scaling.sh first" >&2; exit 1; }
name="${NAME:-scaling/amazon-7}"
suffix="${NAME:+-${NAME##*/}}"
negatives="${NEGATIVES:-1000}"
done_dir=".cache/scaling/sampled$suffix-n$negatives"
mkdir -p "$done_dir" bench/results
# "TAG DIGEST" per run: a run trained again under the same tag is a new digest, evaluated again.
runs=$("$bin" list --json | python3 -c 'import json, sys; print("\n".join(r["reference"] + " " + r["digest"][7:19] for r in json.load(sys.stdin) if r["reference"].startswith(sys.argv[1] + ":")))' "$name")
[[ -n "$runs" ]] || { echo "bench/scaling_sampled: no run is tagged $name:…; run bench/scaling.sh with NAME=$name first" >&2; exit 1; }
while read -r tag digest; do
  label="${tag#*:}"
  done_file="$done_dir/$label-$digest"
  [[ -f "$done_file" ]] && { echo "$label: evaluated before"; continue; }
  fraction="${label##*-f}"  # the sweep's tags end in -fFRACTION
  t0=$(date +%s)
  "$bin" eval "$tag" --corpus models/corpora/amazon-7.json --users-fraction "$fraction" --validation \
    --negatives "$negatives" --masking masked --threads "${THREADS:-2}" --json > "$done_file.json" </dev/null
  echo "$label: evaluated in $(( $(date +%s) - t0 )) s"
  mv "$done_file.json" "$done_file"
done <<< "$runs"
mode="sampled $negatives uniform, history masked"
sweep=(--name "$name" --bootstrap "${BOOTSTRAP:-300}" --held-out "${HELD_OUT:-0.25}")
fit=("$bin" scaling fit "${sweep[@]}")
echo; echo "== Eq. 4 on NDCG@5 against $negatives uniform negatives (validation) =="
"${fit[@]}" --metric ndcg@5 --mode "$mode" --split validation
"${fit[@]}" --metric ndcg@5 --mode "$mode" --split validation --json > "bench/results/scaling-sampled$suffix.json"
"$bin" scaling plot "${sweep[@]}" --metric ndcg@5 --mode "$mode" --split validation --out "bench/results/scaling-sampled$suffix"
echo; echo "== the same runs on the default metric (best validation NDCG@10, full ranking) =="
"${fit[@]}"
echo "wrote bench/results/scaling-sampled$suffix.json and bench/results/scaling-sampled$suffix/*.svg"
