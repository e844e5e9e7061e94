#!/usr/bin/env bash
# Multi-catalog pretraining: do a sampled loss's negatives better come from the whole union or from
# each batch's own catalog? Trains the published base's recipe (models/pretrained/NAME/recipe.json)
# for EPOCHS epochs (a whole one-cycle schedule of that length) with --negatives-from union and with
# --negatives-from catalog, same seed, and prints validation NDCG@10 per catalog (history masked, each
# catalog's users ranked among its own items) for both. Release build, ../shared/datasets.
#   bash bench/negatives.sh                 # NAME amazon-7-srt-64x4, EPOCHS 3
# Runs are kept in .cache/negatives (delete to redo); writes bench/results/negatives.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/runs.sh
name="${NAME:-amazon-7-srt-64x4}"
epochs="${EPOCHS:-3}"
source bench/recipe.sh
load_recipe "$name" negatives
swift build -c release --product srthub 2>&1 | grep -E "error|warning: unre" || true
bin="$(swift build -c release --show-bin-path)/srthub"
out=.cache/negatives
mkdir -p "$out" bench/results
for source in union catalog; do
  run="$out/$source-$epochs"
  kept_run "$run" && { echo "==> $source: kept from an earlier run"; continue; }
  echo "==> negatives from the $source, $epochs epochs"
  t0=$(date +%s)
  "$bin" train --corpus "$corpus" --preset "$(field preset)" --loss "$(field loss)" --epochs "$epochs" --batch "$(field batch)" \
    --lr "$(field lr)" --seed "$(field seed)" --threads "$(field threads)" --validation-cases "$(field validation_cases)" \
    --negatives-from "$source" --patience 1000 --out "$run" > "$run.log" 2>&1
  echo $(( $(date +%s) - t0 )) > "$run.seconds"
done
python3 - "$out" "$epochs" "$name" <<'PY'
import json, os, sys
out, epochs, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {}
for source in ("union", "catalog"):
    log = [json.loads(l) for l in open(os.path.join(out, f"{source}-{epochs}", "train_log.jsonl")) if l.strip()]
    last = log[-1]
    rows[source] = {"overall": last["validationNDCG10"], "by_catalog": last["validationByCatalog"], "loss": last["trainLoss"],
                    "seconds": int(open(os.path.join(out, f"{source}-{epochs}.seconds")).read())}
json.dump({"base_recipe": name, "epochs": epochs, "validation_ndcg10": rows}, open("bench/results/negatives.json", "w"), indent=2, sort_keys=True)
print(f"validation NDCG@10 after {epochs} epochs ({name}'s recipe), history masked")
print(f"  {'catalog':32s} {'union':>8s} {'catalog':>8s}")
for c in sorted(rows["union"]["by_catalog"]):
    u, k = rows["union"]["by_catalog"][c], rows["catalog"]["by_catalog"][c]
    print(f"  {c:32s} {u:8.4f} {k:8.4f}  {'catalog' if k > u else 'union'} better")
print(f"  {'overall':32s} {rows['union']['overall']:8.4f} {rows['catalog']['overall']:8.4f}")
print(f"  {'seconds':32s} {rows['union']['seconds']:8d} {rows['catalog']['seconds']:8d}")
PY
