#!/usr/bin/env bash
# Transfer onto catalogs no base has seen, beyond the two targets: for each HELD catalog of the
# corpus, a base pretrained on the corpus without it (leave one catalog out), then bench/transfer.sh
# onto the held catalog with finetune's defaults, against the same architecture from scratch.
# It checks finetune's recipe, chosen on amazon-office and amazon-beauty's validation, on catalogs
# it was never chosen on. Bases follow a published recipe (RECIPE, default amazon-7-srt-128x2) with
# EPOCHS epochs (default 6: a 6-epoch 128x2 base fine-tunes as the 30-epoch one, bench/RESULTS.md);
# each is .cache/pretrained/loco-no-<catalog>-<preset>-e<epochs> (kept, delete to redo; a stopped one
# resumes), its corpus file .cache/loco/. Prints transfer.sh's table per catalog; writes
# bench/results/transfer-heldout-<catalog>.json. Env: HELD (default "amazon-toys amazon-games"),
# RECIPE, EPOCHS, THREADS (2, for the fine-tunes and scratch runs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/recipe.sh
load_recipe "${RECIPE:-amazon-7-srt-128x2}" transfer_heldout
epochs="${EPOCHS:-6}"
swift build -c release --product srthub 2>&1 | grep -E "error|warning: unre" || true
bin="$(swift build -c release --show-bin-path)/srthub"
mkdir -p .cache/loco .cache/pretrained
for held in ${HELD:-amazon-toys amazon-games}; do
  short="${held#amazon-}"
  leftout=".cache/loco/$(basename "$corpus" .json)-no-$short.json"
  # The corpus file without the held catalog; its paths stay relative to the file, at the same depth.
  python3 - "$corpus" "$held" "$leftout" <<'PY'
import json, os, sys
corpus, held, out = sys.argv[1:]
c = json.load(open(corpus))
kept = [p for p in c["catalogs"] if os.path.basename(os.path.normpath(p)) != held]
if len(kept) == len(c["catalogs"]): sys.exit(f"bench/transfer_heldout: {held} is not a catalog of {corpus}")
json.dump({"name": f"{c['name']}-no-{held}", "catalogs": kept}, open(out, "w"), indent=2)
PY
  base="loco-no-$short-$(field preset)-e$epochs"
  out=".cache/pretrained/$base"
  if [[ -f "$out/config.json" && ! -d "$out/resume" ]]; then
    echo "==> $base: kept from an earlier run"
  else
    train_recipe "$out" "$leftout" "$epochs"
  fi
  BASES="$base" TARGETS="$held" RESULTS_NAME="transfer-heldout-$short" THREADS="${THREADS:-2}" bash bench/transfer.sh
done
