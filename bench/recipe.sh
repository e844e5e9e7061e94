# Sourced by the benchmarks that train a published base's recipe (pretrain.sh, negatives.sh,
# transfer_heldout.sh): `load_recipe NAME SCRIPT` sets $recipe and $corpus, and exits 0 with a
# message where a catalog of the corpus is absent (no ../shared/datasets); `field KEY [DEFAULT]`
# reads a key of the recipe; `train_recipe OUT CORPUS EPOCHS` trains it (below).
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None) or '')" "$recipe" "$@"; }
load_recipe() {
  recipe="models/pretrained/$1/recipe.json"
  [[ -f "$recipe" ]] || { echo "bench/$2: no $recipe (published bases: $(ls models/pretrained | tr '\n' ' '))" >&2; exit 66; }
  corpus="$(field corpus)"
  local d
  for d in $(python3 -c "import json,os,sys; c=json.load(open(sys.argv[1])); print(' '.join(os.path.normpath(os.path.join(os.path.dirname(sys.argv[1]), p)) for p in c['catalogs']))" "$corpus"); do
    [[ -d "$d" ]] || { echo "bench/$2: $d is absent; the corpus needs ../shared/datasets" >&2; exit 0; }
  done
}

# `train_recipe OUT CORPUS EPOCHS`: trains the recipe's base on CORPUS for EPOCHS epochs into OUT with
# $bin, or resumes it where OUT holds a run stopped mid-way (resume/); prints its progress, keeps it
# in OUT.log and adds its seconds to OUT.seconds (a resumed base's time is the sum of its calls).
train_recipe() {
  local out=$1 corpus=$2 epochs=$3 t0
  t0=$(date +%s)
  if [[ -d "$out/resume" ]]; then
    echo "==> $out: resuming"
    "$bin" train --corpus "$corpus" --resume "$out" 2>&1 | tee -a "$out.log"
  else
    echo "==> $out: training on $corpus ($epochs epochs)"
    rm -f "$out.seconds"
    "$bin" train --corpus "$corpus" --preset "$(field preset)" --loss "$(field loss)" --epochs "$epochs" \
      --batch "$(field batch)" --lr "$(field lr)" --seed "$(field seed)" --threads "$(field threads)" \
      --validation-cases "$(field validation_cases)" --negatives-from "$(field negatives_from catalog)" \
      --token-dropout "$(field token_dropout 0)" --patience 1000 --out "$out" 2>&1 | tee "$out.log"
  fi
  echo $(( $(date +%s) - t0 )) >> "$out.seconds"
}
