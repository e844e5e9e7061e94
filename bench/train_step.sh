#!/usr/bin/env bash
# Training-step speed (release build, 2 threads): forward + loss + backward + Adam at batch
# 256 × length 50 over 12,101 items, presets 64x2 / 128x4 / 256x4, full-catalog CE at every position
# and sampled softmax with 1,000 negatives, each with the batch split across 2 workers (`shards`, as
# `srthub train --threads 2`) and with one worker on 2 OpenBLAS threads (`blas`); targets/s beside
# PyTorch's, the share of time in sgemm and its GFLOP/s against the sgemm peak measured in
# the same run. Extra flags pass through, e.g. `--presets 64x2 --losses ce --parallel shards`.
# Goal: ≥ 2× PyTorch at 64x2 and ≥ 1.2× at 256x4. Where Python can import torch (`pip install
# torch`), PyTorch's full-CE step is measured first, in the same run (bench/pytorch_step.py; PYTORCH=0
# skips it); otherwise the ratios are against PEERS.md's figures from another machine of this kind.
# Writes bench/results/train_step.json (and pytorch_step.json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift build -c release --product SRTBench 2>&1 | grep -E "error|warning: unre" || true
presets=64x2,128x4,256x4 losses=ce
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
  [[ ${args[i]} == --presets ]] && presets=${args[i + 1]}
  [[ ${args[i]} == --losses ]] && losses=${args[i + 1]}
done
peer=()
if [[ ${PYTORCH:-1} != 0 && ,$losses, == *,ce,* ]]; then
  if python3 -c "import torch" 2>/dev/null; then
    mkdir -p bench/results
    python3 bench/pytorch_step.py --presets "$presets" --threads "${THREADS:-2}" --json bench/results/pytorch_step.json
    peer=(--pytorch bench/results/pytorch_step.json)
  else
    echo "PyTorch is not importable here (pip install torch to measure it in this run)"
  fi
fi
"$(swift build -c release --show-bin-path)/SRTBench" train_step --threads "${THREADS:-2}" --steps "${STEPS:-5}" \
  --json bench/results/train_step.json "${peer[@]}" "$@"
