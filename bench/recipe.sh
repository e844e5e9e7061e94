# Sourced by the benchmarks that train a published base's recipe (pretrain.sh, negatives.sh):
# `load_recipe NAME SCRIPT` sets $recipe and $corpus, and exits 0 with a message where a catalog of
# the corpus is absent (no ../shared/datasets); `field KEY [DEFAULT]` reads a key of the recipe.
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
