#!/usr/bin/env bash
# Joint training screen (issue 21): does the corpus, trained on beside a target, make the target
# better than the target alone? A reading of what replaying the corpus during a fine-tune could
# give before building it: replay keeps the corpus in the target's training, as here, after a start
# from the base.
#   sample   1/CORPUS_SHARE of each amazon-7 catalog's users (seed 1), written to .cache/joint/;
#   joint    srthub train --data TARGET --data <each sampled catalog> with the transfer scratch
#            recipe (the base's preset, --loss ce --item-ids, EPOCHS epochs, negatives and softmax
#            from each batch's catalog), validation per catalog after every epoch; ITEM_IDS=0
#            leaves out --item-ids (text-only models on both sides);
#   alone    the same recipe on the target alone: bench/transfer.sh's scratch run
#            (.cache/transfer/TARGET.scratch-PRESET; text-only: .cache/joint/TARGET-PRESET-alone-text),
#            trained here when absent;
# and prints the target's validation NDCG@10 (history masked) per epoch, both ways, from each
# run's train_log.jsonl; writes bench/results/joint-TARGET-PRESET.json.
# `train` ends by printing the test split (per catalog); the reading rests on validation alone.
# Runs are kept in .cache/joint (delete to redo).
# Env: TARGET (amazon-beauty), PRESET (srt-64x4), EPOCHS (30), CORPUS_SHARE (8), ITEM_IDS (1), THREADS (2),
# SRTHUB_BIN.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/runs.sh
datasets="${DATASETS:-../shared/datasets}"
target="${TARGET:-amazon-beauty}"
preset="${PRESET:-srt-64x4}"
epochs="${EPOCHS:-30}"
share="${CORPUS_SHARE:-8}"
threads="${THREADS:-2}"
table=(--item-ids); variant=""
if [[ "${ITEM_IDS:-1}" == 0 ]]; then table=(); variant="-text"; fi
[[ -d "$datasets/$target" ]] || { echo "bench/joint_screen: $datasets/$target is absent; it needs ../shared/datasets" >&2; exit 0; }
if [[ -z "${SRTHUB_BIN:-}" ]]; then
  swift build -c release --product srthub 2>&1 | grep -E "error|warning: unre" || true
  SRTHUB_BIN="$(swift build -c release --show-bin-path)/srthub"
fi
sample=.cache/joint/corpus-1of$share
python3 - "$datasets" "$sample" "$share" <<'PY'
import os, random, sys
datasets, out, share = sys.argv[1], sys.argv[2], int(sys.argv[3])
for name in ["amazon-games", "amazon-clothing", "amazon-health", "amazon-toys", "amazon-books-sample",
             "amazon-electronics-sample", "amazon-electronics2018-sample"]:
    folder = f"{out}/{name}"
    if os.path.exists(f"{folder}/{name}.inter"):
        continue
    os.makedirs(folder, exist_ok=True)
    header, *rows = open(f"{datasets}/{name}/{name}.inter").read().splitlines()
    users = sorted({row.split("\t")[0] for row in rows})
    kept = set(random.Random(1).sample(users, len(users) // share))
    with open(f"{folder}/{name}.inter.tmp", "w") as f:
        f.write("\n".join([header] + [row for row in rows if row.split("\t")[0] in kept]) + "\n")
    if not os.path.lexists(f"{folder}/{name}.item"):  # an interrupted earlier call may have linked it
        os.symlink(os.path.abspath(f"{datasets}/{name}/{name}.item"), f"{folder}/{name}.item")
    os.rename(f"{folder}/{name}.inter.tmp", f"{folder}/{name}.inter")
PY
run=.cache/joint/$target-$preset-1of$share$variant
if ! kept_run "$run"; then
  catalogs=(); for c in "$sample"/*; do catalogs+=(--data "$c"); done
  "$SRTHUB_BIN" train --data "$datasets/$target" "${catalogs[@]}" --preset "$preset" --loss ce "${table[@]}" \
    --epochs "$epochs" --patience 1000 --threads "$threads" --out "$run"
fi
alone=.cache/transfer/$target.scratch-$preset
[[ -n "$variant" ]] && alone=.cache/joint/$target-$preset-alone$variant
if ! kept_run "$alone"; then
  "$SRTHUB_BIN" train --data "$datasets/$target" --preset "$preset" --loss ce --epochs "$epochs" --patience 1000 \
    "${table[@]}" --threads "$threads" --out "$alone"
fi
mkdir -p bench/results
python3 - "$run" "$alone" "$target" "$preset$variant" <<'PY'
import json, sys
run, alone, target, preset = sys.argv[1:5]
def curve(folder, key):
    entries = [json.loads(line) for line in open(f"{folder}/train_log.jsonl") if line.strip()]
    return [key(entry) for entry in entries], sum(entry["seconds"] for entry in entries)
joint, joint_seconds = curve(run, lambda e: e["validationByCatalog"][target])
own, own_seconds = curve(alone, lambda e: e["validationNDCG10"])
print(f"{target}, {preset}: validation NDCG@10 (history masked) per epoch")
for name, values, seconds in [("alone", own, own_seconds), ("beside the corpus", joint, joint_seconds)]:
    best = max(values)
    print(f"  {name:<18} best {best:.4f} (epoch {values.index(best) + 1}), last {values[-1]:.4f}, {seconds:.0f} s of epochs")
    print("    " + " ".join(f"{v:.4f}" for v in values))
if len(own) != len(joint):
    print(f"  note: the runs differ in epochs ({len(own)} alone, {len(joint)} beside): delete {alone} to retrain it with EPOCHS")
change = max(joint) / max(own) - 1
print(f"  best beside the corpus against best alone: {change:+.1%}")
json.dump({"target": target, "preset": preset, "joint": {"run": run, "validation_by_epoch": joint, "seconds": joint_seconds},
           "alone": {"run": alone, "validation_by_epoch": own, "seconds": own_seconds}, "best_change": change},
          open(f"bench/results/joint-{target}-{preset}.json", "w"), indent=1)
PY
