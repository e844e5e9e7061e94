#!/usr/bin/env bash
# Transfer: does pretraining on other Amazon catalogs help on amazon-beauty? (release build)
#   1. pretrain SRT (srt-64x2, full CE) on ../shared/datasets/amazon-games (never on beauty);
#   2. fine-tune it onto amazon-beauty (progressive unfreezing, EWC λ=100), and again with λ=0;
#   3. train the same architecture from scratch on amazon-beauty with the same number of epochs;
#   4. compare on beauty's test split (leave-one-out, full ranking, history masked and unmasked),
#      and measure forgetting: NDCG@10 on the games validation users before and after fine-tuning.
# Prints a table; writes bench/results/transfer.json. Checkpoints are kept in .cache/transfer, so
# a second run only re-evaluates (delete the folder to retrain).
# The schedule is shortened to fit this 2-core machine: PRE_EPOCHS (15) for pretraining, 3 epochs
# per layer + 10 final epochs for fine-tuning, and the same 16 epochs from scratch; fine-tuning
# uses lr 1e-3 (not the paper's 1e-4, which is made for 10 + 50 epochs). Override with env vars.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
games="${GAMES:-../shared/datasets/amazon-games}"
beauty="${BEAUTY:-../shared/datasets/amazon-beauty}"
for d in "$games" "$beauty"; do
  [[ -d "$d" ]] || { echo "bench/transfer: $d is absent; it needs ../shared/datasets (amazon-games, amazon-beauty)" >&2; exit 0; }
done
threads="${THREADS:-2}"; pre_epochs="${PRE_EPOCHS:-15}"; per_layer="${PER_LAYER:-3}"; final="${FINAL:-10}"; lr="${FT_LR:-1e-3}"
scratch_epochs=$((2 * per_layer + final))
swift build -c release --product srthub 2>&1 | grep -E "error|warning: unre" || true
bin="$(swift build -c release --show-bin-path)/srthub"
out=.cache/transfer
mkdir -p "$out" bench/results
timed() {  # name command...: runs unless $out/name exists; records seconds
  local name=$1; shift
  if [[ -f "$out/$name/config.json" ]]; then echo "==> $name: kept from an earlier run"; return; fi
  echo "==> $name: $*"
  local t0=$(date +%s)
  "$@" > "$out/$name.log" 2>&1
  echo $(( $(date +%s) - t0 )) > "$out/$name.seconds"
}
timed games "$bin" train --data "$games" --preset srt-64x2 --loss ce --epochs "$pre_epochs" --patience 100 --threads "$threads" --out "$out/games"
timed ft-ewc100 "$bin" finetune "$out/games" --data "$beauty" --epochs-per-layer "$per_layer" --final-epochs "$final" --lr "$lr" --ewc 100 --patience 100 --threads "$threads" --out "$out/ft-ewc100"
timed ft-ewc0 "$bin" finetune "$out/games" --data "$beauty" --epochs-per-layer "$per_layer" --final-epochs "$final" --lr "$lr" --ewc 0 --patience 100 --threads "$threads" --out "$out/ft-ewc0"
timed scratch "$bin" train --data "$beauty" --preset srt-64x2 --loss ce --epochs "$scratch_epochs" --patience 100 --threads "$threads" --out "$out/scratch"
for name in games ft-ewc100 ft-ewc0; do
  "$bin" eval "$out/$name" --data "$games" --validation --history masked --no-save --json --threads "$threads" > "$out/$name.games-valid.json" 2>/dev/null
done
python3 - "$out" "$pre_epochs" "$per_layer" "$final" "$lr" <<'PY'
import json, os, sys
out, pre, per_layer, final, lr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def beauty(name):
    evals = json.load(open(os.path.join(out, name, "eval.json")))
    return {e["mode"]: e["metrics"] for e in evals if e["dataset"] == "amazon-beauty"}
def seconds(name):
    p = os.path.join(out, name + ".seconds")
    return int(open(p).read()) if os.path.exists(p) else None
def forgetting(name):
    r = json.load(open(os.path.join(out, name + ".games-valid.json")))
    return r["rows"][0]["results"][r["modes"][0]]["ndcg@10"]
rows = {"scratch": beauty("scratch"), "finetuned, EWC λ=100": beauty("ft-ewc100"), "finetuned, EWC λ=0": beauty("ft-ewc0")}
result = {"schedule": {"pretrain_epochs": pre, "epochs_per_layer": per_layer, "final_epochs": final, "finetune_lr": lr},
          "beauty_test": rows, "seconds": {n: seconds(n) for n in ["games", "ft-ewc100", "ft-ewc0", "scratch"]},
          "games_validation_ndcg10": {"base (before fine-tuning)": forgetting("games"), "finetuned, EWC λ=100": forgetting("ft-ewc100"),
                                      "finetuned, EWC λ=0": forgetting("ft-ewc0")}}
base = rows["scratch"]["full, history masked"]["ndcg@5"]
result["gain_ndcg5_masked"] = {k: v["full, history masked"]["ndcg@5"] / base - 1 for k, v in rows.items()}
json.dump(result, open("bench/results/transfer.json", "w"), indent=2, sort_keys=True)
print(f"transfer: srt-64x2 pretrained on amazon-games ({pre} epochs), fine-tuned onto amazon-beauty (progressive, {per_layer}/layer + {final} final, lr {lr}) vs from scratch ({2*per_layer+final} epochs)")
print("amazon-beauty test, leave-one-out, full ranking   NDCG@5 (masked / unmasked)   HR@5 (masked / unmasked)   NDCG@10 (masked / unmasked)   vs scratch NDCG@5")
for k, v in rows.items():
    m, u = v["full, history masked"], v["full, history unmasked"]
    print(f"  {k:24s}  {m['ndcg@5']:.4f} / {u['ndcg@5']:.4f}   {m['hr@5']:.4f} / {u['hr@5']:.4f}   {m['ndcg@10']:.4f} / {u['ndcg@10']:.4f}   {result['gain_ndcg5_masked'][k]*100:+.1f}%")
print("forgetting: NDCG@10 on the amazon-games validation users (history masked)")
for k, v in result["games_validation_ndcg10"].items():
    print(f"  {k:28s}  {v:.4f}")
PY
