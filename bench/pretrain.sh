#!/usr/bin/env bash
# Rebuilds a published base model from ../shared/datasets: bash bench/pretrain.sh NAME
# NAME is a folder of models/pretrained/ whose recipe.json gives the corpus, preset, loss, epochs,
# batch, lr, seed, threads, validation cases and (optionally) token dropout. The checkpoint goes to .cache/pretrained/NAME; an
# interrupted run (Ctrl-C, kill) continues where it stopped when the script is run again, and a
# finished one is kept. Prints the digest `srthub add` gives it and its validation per catalog;
# writes bench/results/pretrain-NAME.json and the model card models/pretrained/NAME/README.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
name="${1:?usage: bash bench/pretrain.sh NAME (a folder of models/pretrained/)}"
source bench/recipe.sh
load_recipe "$name" pretrain
swift build -c release --product srthub 2>&1 | grep -E "error|warning: unre" || true
bin="$(swift build -c release --show-bin-path)/srthub"
out=".cache/pretrained/$name"
mkdir -p .cache/pretrained bench/results
if [[ -f "$out/config.json" && ! -d "$out/resume" ]]; then
  # A finished base is kept only if it was trained with today's recipe (a changed recipe needs a rebuild).
  python3 - "$out/config.json" "$recipe" <<'PY' || { echo "bench/pretrain: $out was trained with another recipe; move it aside to rebuild" >&2; exit 65; }
import json, sys
training = json.load(open(sys.argv[1]))["training"]
recipe = json.load(open(sys.argv[2]))
pairs = [("epochs", "epochs"), ("batch", "batch"), ("lr", "learning_rate"), ("seed", "seed"), ("token_dropout", "token_dropout")]
differ = [k for k, t in pairs if abs(float(recipe.get(k) or 0) - float(training.get(t) or 0)) > 1e-9]
if differ: print("differs in: " + ", ".join(differ), file=sys.stderr); sys.exit(1)
PY
  echo "==> $name: kept from an earlier run ($out)"
else
  train_recipe "$out" "$corpus" "$(field epochs)"
fi
export SRTHUB_HOME="${SRTHUB_HOME:-$root/.cache/pretrained/home}"
digest="$("$bin" add "$out" --tag "$name:latest" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['digest'])")"
# The published base's model card, as the registry renders it, beside its recipe.
"$bin" show "$name:latest" --card > "models/pretrained/$name/README.md"
python3 - "$out" "$name" "$digest" <<'PY'
import json, os, sys
out, name, digest = sys.argv[1:]
config = json.load(open(os.path.join(out, "config.json")))
log = [json.loads(l) for l in open(os.path.join(out, "train_log.jsonl")) if l.strip()]
best = max(log, key=lambda e: e["validationNDCG10"])
seconds = sum(int(s) for s in open(out + ".seconds").read().split())
result = {"name": name, "digest": digest, "preset": config["model"]["architecture"]["name"], "catalogs": config.get("catalogs"),
          "epochs": len(log), "best_epoch": best["epoch"], "validation_ndcg10": best["validationNDCG10"],
          "validation_ndcg10_by_catalog": best.get("validationByCatalog"), "seconds": seconds,
          "parameters": config["parameters"]}
json.dump(result, open(f"bench/results/pretrain-{name}.json", "w"), indent=2, sort_keys=True)
print(f"{name}: {digest}")
print(f"  {result['preset']}, {result['parameters']['total']:,} parameters ({result['parameters']['non_embedding']:,} non-embedding), best epoch {best['epoch']} of {len(log)}, {seconds} s of training")
print(f"  validation NDCG@10 (history masked, each catalog ranked among its own items): overall {best['validationNDCG10']:.4f}")
for k, v in sorted((best.get("validationByCatalog") or {}).items()):
    print(f"    {k:32s} {v:.4f}")
PY
