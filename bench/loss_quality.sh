#!/usr/bin/env bash
# Quality of each training loss at equal budget (issue 22): srt-64x2 with its text encoder, batch
# 128, peak lr 1e-3, 2 workers, trained once per loss; the epoch of best validation NDCG@10 (masked)
# is kept and its test split read once; full-catalog ranking, history masked and unmasked.
#   BUDGET=time (default): every loss gets the same wall time (--max-minutes MINUTES) with a constant
#     learning rate (a one-cycle schedule would not have annealed when the budget stops it).
#   BUDGET=epochs: every loss gets EPOCHS epochs of the one-cycle schedule (gSASRec's comparison).
#   BUDGET=patience: the RECE reference's own loop (REFERENCE.md §2.1): a constant learning rate, each
#     loss trained until PATIENCE (default 10) epochs pass without a better validation NDCG@10 (at
#     most EPOCHS), so each converges in its own number of epochs.
# Each loss against the first of LOSSES: the test NDCG@10 difference with a 95% paired bootstrap
# interval over users (2,000 resamples). DATASETS holds NAME=FOLDER[:temporal] entries (temporal: the
# paper's global cutoff at the 0.95 quantile), or NAME=CORPUS.json for a union of catalogs (trained
# with negatives from each batch's own catalog and 7,000 validation cases an epoch, as the published
# bases; each user ranked among their own catalog's items); a folder that is absent is skipped.
# Prints a table, writes bench/results/loss_quality-<budget>.json (the tables of datasets not in this
# run are kept from earlier runs of the same budget). Runs are kept in
# .cache/loss_quality (delete a run's folder to train it again).
# SEEDS (default 2020, train's own) trains each loss once per seed; the table then averages each
# user's NDCG over the seeds both losses have before the paired bootstrap (runs of seeds other than
# 2020 are kept as NAME.LOSS.seedS).
# ENCODER=id trains SASRec's item-ID embeddings in place of the text encoder (gSASRec's own setting);
# its runs and tables are named NAME-id.
# Env: DATASETS, LOSSES, BUDGET, MINUTES (default 10), EPOCHS (default 30; 1000 with BUDGET=patience),
# PATIENCE, THREADS, SEEDS, ENCODER, SRTHUB_BIN.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/runs.sh
datasets="${DATASETS:-ml-100k=.cache/ml-100k amazon-beauty=../shared/datasets/amazon-beauty amazon-books-sample=../shared/datasets/amazon-books-sample:temporal}"
losses="${LOSSES:-ce ssm:1000 rece gbce:256 bce ce-:1024}"
budget="${BUDGET:-time}"; minutes="${MINUTES:-10}"; threads="${THREADS:-2}"; patience="${PATIENCE:-10}"
[[ "$budget" == patience ]] && epochs="${EPOCHS:-1000}" || epochs="${EPOCHS:-30}"
[[ "$budget" =~ ^(time|epochs|patience)$ ]] || { echo "BUDGET must be time, epochs or patience, not '$budget'" >&2; exit 64; }
encoder="${ENCODER:-text}"; suffix=""; [[ "$encoder" == id ]] && suffix="-id"
[[ "$encoder" =~ ^(text|id)$ ]] || { echo "ENCODER must be text or id, not '$encoder'" >&2; exit 64; }
[[ -s .cache/ml-100k/ml-100k.inter ]] || bash scripts/setup.sh
if [[ -n "${SRTHUB_BIN:-}" ]]; then bin="$SRTHUB_BIN"  # a binary built elsewhere (while another benchmark uses .build's)
else
  swift build -c release --product srthub 2>&1 | grep -E "error|warning: unre" || true
  bin="$(swift build -c release --show-bin-path)/srthub"
fi
out=".cache/loss_quality/$budget"
mkdir -p "$out" bench/results
for entry in $datasets; do
  name="${entry%%=*}$suffix"; spec="${entry#*=}"; folder="${spec%%:temporal}"
  protocol=loo; [[ "$spec" == *:temporal ]] && protocol=temporal
  if [[ "$folder" == *.json ]]; then
    data=(--corpus "$folder"); union=(--negatives-from catalog --validation-cases 7000)
    python3 -c "import json,os,sys; f=sys.argv[1]; sys.exit(0 if all(os.path.isdir(os.path.join(os.path.dirname(f), c)) for c in json.load(open(f))['catalogs']) else 1)" "$folder" \
      || { echo "==> $name: a catalog of $folder is absent, skipped" >&2; continue; }
  else
    data=(--data "$folder"); union=()
    [[ -d "$folder" ]] || { echo "==> $name: $folder is absent, skipped" >&2; continue; }
  fi
  for seed in ${SEEDS:-2020}; do
  for loss in $losses; do
    run="$out/$name.$loss"; [[ "$seed" == 2020 ]] || run="$run.seed$seed"
    kept_run "$run" && { echo "==> $name $loss seed $seed: kept from an earlier run" >&2; continue; }
    echo "==> $name $loss seed $seed ($budget budget)" >&2
    case "$budget" in
      time) limits=(--epochs 10000 --patience 10000 --lr-schedule constant --max-minutes "$minutes") ;;
      patience) limits=(--epochs "$epochs" --patience "$patience" --lr-schedule constant) ;;
      *) limits=(--epochs "$epochs" --patience "$epochs") ;;
    esac
    t0=$(date +%s)
    "$bin" train "${data[@]}" "${union[@]}" --protocol "$protocol" --preset srt-64x2 --item-encoder "$encoder" --loss "$loss" --batch 128 --lr 1e-3 "${limits[@]}" \
      --seed "$seed" --threads "$threads" --out "$run" --force > "$run.log" 2>&1 || { echo "    refused or failed: $(tail -1 "$run.log")" >&2; continue; }
    echo $(( $(date +%s) - t0 )) > "$run.seconds"
    "$bin" eval "$run" "${data[@]}" --protocol "$protocol" --no-save --threads "$threads" --ranks "$run.ranks.json" --json > /dev/null 2>&1
  done
  done
done
python3 - "$out" "$budget" "$losses" "$datasets" "${SEEDS:-2020}" "$suffix" <<'PY'
import json, math, os, sys
out, budget, losses, datasets = sys.argv[1], sys.argv[2], sys.argv[3].split(), [d.split("=")[0] + sys.argv[6] for d in sys.argv[4].split()]
seeds = sys.argv[5].split()
modes = ["full, history masked", "full, history unmasked"]
def ndcg(rank): return 1 / math.log2(rank + 1) if rank <= 10 else 0.0
def hr(rank): return 1.0 if rank <= 10 else 0.0
sys.path.insert(0, "bench")
from paired_bootstrap import interval
path = f"bench/results/loss_quality-{budget}.json"
# A run over some datasets keeps the others' tables from earlier runs of the same budget.
result = {"budget": budget, "datasets": json.load(open(path)).get("datasets", {}) if os.path.exists(path) else {}}
for name in datasets:
    def folder(l, seed): return os.path.join(out, f"{name}.{l}" + ("" if seed == "2020" else f".seed{seed}"))
    # the seeds every listed loss has a run of; each figure is the mean over them
    common = [s for s in seeds if all(os.path.exists(folder(l, s) + ".ranks.json") for l in losses)] or seeds[:1]
    runs = {l: [folder(l, s) for s in common] for l in losses if all(os.path.exists(folder(l, s) + ".ranks.json") for s in common)}
    if not runs: continue
    # per user, the seeds' ranks in a list: metrics average over them
    ranks = {l: {m: list(zip(*[json.load(open(p + ".ranks.json"))["ranks"][m] for p in ps])) for m in modes} for l, ps in runs.items()}
    first = losses[0] if losses[0] in runs else next(iter(runs))
    print(f"\n{name} ({budget} budget, seeds {' '.join(common)}): test NDCG@10 / HR@10, history masked / unmasked; Δ vs {first} [95% CI]")
    print(f"  {'loss':10s} {'NDCG@10 m / u':>17s} {'HR@10 m / u':>17s} {'epochs':>6s} {'best':>5s} {'wall':>6s}   Δ NDCG@10 masked")
    def mean_over_seeds(f, user): return sum(map(f, user)) / len(user)
    result["datasets"][name] = {}
    for l, ps in runs.items():
        # wall time: the seeds' mean; epochs and best epoch: each seed's
        e = {"seeds": common, "seconds": sum(int(open(p + ".seconds").read()) for p in ps) // len(ps),
             "epochs": [sum(1 for x in open(os.path.join(p, "train_log.jsonl")) if x.strip()) for p in ps],
             "best_epoch": [json.load(open(os.path.join(p, "config.json"))).get("best_epoch") for p in ps]}
        for m in modes:
            users = ranks[l][m]
            e[m] = {"ndcg@10": sum(mean_over_seeds(ndcg, u) for u in users) / len(users), "hr@10": sum(mean_over_seeds(hr, u) for u in users) / len(users)}
        delta = ""
        if l != first:
            mean, lo, hi = interval([mean_over_seeds(ndcg, y) - mean_over_seeds(ndcg, x) for x, y in zip(ranks[first][modes[0]], ranks[l][modes[0]])])
            base = result["datasets"][name][first][modes[0]]["ndcg@10"]
            e["ndcg@10 masked − " + first] = {"difference": mean, "ci95": [lo, hi], "relative": mean / base if base else None}
            delta = f"{mean:+.4f} [{lo:+.4f}, {hi:+.4f}] ({mean / base:+.1%})" if base else f"{mean:+.4f}"
        result["datasets"][name][l] = e
        print(f"  {l:10s} {e[modes[0]]['ndcg@10']:.4f} / {e[modes[1]]['ndcg@10']:.4f}   {e[modes[0]]['hr@10']:.4f} / {e[modes[1]]['hr@10']:.4f}"
              f" {'/'.join(map(str, e['epochs'])):>6s} {'/'.join(map(str, e['best_epoch'])):>5s} {e['seconds']:>5d}s   {delta}")
json.dump(result, open(path, "w"), indent=2)
print(f"wrote {path}")
PY
