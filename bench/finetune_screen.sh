#!/usr/bin/env bash
# Which fine-tune recipe transfers? Fine-tunes a published base onto each target with each candidate
# recipe and compares them on the VALIDATION split only (best validation NDCG@10, history masked),
# beside the same architecture trained from scratch with the same epochs, so the default of
# `srthub finetune` is chosen without reading the test split (bench/transfer.sh reads it once, for
# the chosen recipe). Release build, ../shared/datasets; runs are kept in .cache/screen (delete to redo).
#   bash bench/finetune_screen.sh                       # every candidate below, both targets
#   CANDIDATES="full-ce progressive" TARGETS=amazon-office bash bench/finetune_screen.sh
#   CANDIDATES="default keep-0.5" BASE=amazon-7-srt-128x2 TARGETS=amazon-office bash bench/finetune_screen.sh
# Env: BASE (amazon-7-srt-64x4), TARGETS, THREADS (2), EPOCHS (30: every candidate's total budget),
# DATASETS (../shared/datasets), SRTHUB_BIN (a built srthub to use instead of building one).
# Prints a table and writes bench/results/finetune_screen-BASE.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/runs.sh
datasets="${DATASETS:-../shared/datasets}"
targets="${TARGETS:-amazon-beauty amazon-office}"
base="${BASE:-amazon-7-srt-64x4}"
threads="${THREADS:-2}"
epochs="${EPOCHS:-30}"
[[ -f ".cache/pretrained/$base/config.json" ]] || { echo "bench/finetune_screen: base $base is not built: run bash bench/pretrain.sh $base" >&2; exit 66; }
layers=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['model']['architecture']['layers'])" ".cache/pretrained/$base/config.json")
per_layer=$(( (epochs - epochs / 3) / layers ))  # a third of the budget for the final stage, as the paper's 10 per layer + 50
declare -A recipes=(
  # the paper's shape (progressive unfreezing, frozen embeddings until the last stage, lr 1e-4, EWC 100) in the same budget
  [progressive]="--stages progressive --epochs-per-layer $per_layer --final-epochs $(( epochs - layers * per_layer )) --lr 1e-4 --ewc 100"
  # everything trains from the first step, at the scratch recipe's rate and loss
  [full-ce]="--stages full --final-epochs $epochs --lr 1e-3 --ewc 0 --loss ce"
  # the same, keeping the base's sampled softmax
  [full-base-loss]="--stages full --final-epochs $epochs --lr 1e-3 --ewc 0"
  # full CE at a gentler rate, with EWC holding the weights near the base
  [full-ce-ewc]="--stages full --final-epochs $epochs --lr 1e-3 --ewc 100 --loss ce"
  # finetune's defaults as they are (rescaled token table, the target's vocabulary)
  [default]="--final-epochs $epochs"
  # the defaults, every tensor above the token table blended toward a fresh initialization (shrink and perturb)
  [keep-0.7]="--final-epochs $epochs --keep-base 0.7"
  [keep-0.5]="--final-epochs $epochs --keep-base 0.5"
  [keep-0.3]="--final-epochs $epochs --keep-base 0.3"
)
candidates="${CANDIDATES:-progressive full-ce full-base-loss full-ce-ewc}"
for t in $targets; do
  [[ -d "$datasets/$t" ]] || { echo "bench/finetune_screen: $datasets/$t is absent; it needs ../shared/datasets" >&2; exit 0; }
done
if [[ -n "${SRTHUB_BIN:-}" ]]; then
  bin="$SRTHUB_BIN"  # a fixed binary, so edits and builds beside a long screen do not change it midway
else
  swift build -c release --product srthub 2>&1 | grep -E "error|warning: unre" || true
  bin="$(swift build -c release --show-bin-path)/srthub"
fi
out=.cache/screen/$base  # before session 17 the 64x4 screen kept its runs in .cache/screen itself
mkdir -p "$out" bench/results
preset=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['model']['architecture']['name'])" ".cache/pretrained/$base/config.json")
run() {  # folder command...: runs unless folder holds a checkpoint; records seconds beside it
  local folder=$1; shift
  if kept_run "$folder"; then echo "==> $folder: kept from an earlier run"; return; fi
  echo "==> $folder: $*"
  local t0=$(date +%s)
  "$@" > "$folder.log" 2>&1 || { echo "failed: see $folder.log" >&2; tail -5 "$folder.log" >&2; exit 1; }
  echo $(( $(date +%s) - t0 )) > "$folder.seconds"
}
for t in $targets; do
  # the scratch run is bench/transfer.sh's own (same command, same folder), so it is trained once
  scratch=".cache/transfer/$t.scratch-$preset"
  mkdir -p .cache/transfer
  run "$scratch" "$bin" train --data "$datasets/$t" --preset "$preset" --loss ce --epochs "$epochs" --patience 1000 --threads "$threads" --out "$scratch"
  for c in $candidates; do
    [[ -n "${recipes[$c]:-}" ]] || { echo "bench/finetune_screen: no candidate $c (have: ${!recipes[*]})" >&2; exit 64; }
    # shellcheck disable=SC2086
    # --probe-epochs 0: every candidate starts from the base's weights (the probe is judged on its own)
    run "$out/$t.$c" "$bin" finetune ".cache/pretrained/$base" --data "$datasets/$t" --threads "$threads" --patience 1000 --probe-epochs 0 ${recipes[$c]} --out "$out/$t.$c"
  done
done
python3 - "$out" "$targets" "$candidates" "$base" "$epochs" "$preset" <<'PY'
import json, os, sys
out, targets, candidates, base, epochs, preset = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4], int(sys.argv[5]), sys.argv[6]
result = {"base": base, "epochs": epochs, "split": "validation", "targets": {}}
print(f"validation NDCG@10 (history masked, best epoch), base {base}, {epochs} epochs each")
for t in targets:
    rows = {}
    for name in ["scratch"] + candidates:
        folder = f".cache/transfer/{t}.scratch-{preset}" if name == "scratch" else os.path.join(out, f"{t}.{name}")
        config = json.load(open(os.path.join(folder, "config.json")))
        log = [json.loads(l) for l in open(os.path.join(folder, "train_log.jsonl")) if l.strip()]
        seconds = int(open(folder + ".seconds").read())
        rows[name] = {"validation_ndcg@10": config["validation_ndcg@10"], "seconds": seconds,
                      "first_epoch_validation": log[0]["validationNDCG10"], "method": config["method"]}
    result["targets"][t] = rows
    scratch = rows["scratch"]["validation_ndcg@10"]
    print(f"{t}")
    for name, r in rows.items():
        v = r["validation_ndcg@10"]
        print(f"  {name:16s} {v:.4f} ({(v / scratch - 1) * 100:+5.1f}% vs scratch)  epoch 1: {r['first_epoch_validation']:.4f}  {r['seconds']:5d} s")
json.dump(result, open(f"bench/results/finetune_screen-{base}.json", "w"), indent=2, sort_keys=True)
PY
