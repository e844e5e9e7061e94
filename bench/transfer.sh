#!/usr/bin/env bash
# Transfer: does a base pretrained on the amazon-7 corpus fine-tune onto catalogs it never saw
# better than the same architecture trained from scratch? (release build, ../shared/datasets)
# For each target (amazon-beauty and amazon-office, never pretrained on; ml-100k's movies, far from
# the corpus, from .cache/ml-100k as scripts/setup.sh installs it) and each published base (models/pretrained/):
#   scratch    srthub train --preset <the base's> --loss ce --item-ids, FT_EPOCHS epochs (the scratch
#              recipe: with an item-ID table beside the text encoder it led text-only on every
#              target's validation; SCRATCH_ARGS replaces --item-ids, empty for text only);
#   zero-shot  srthub eval of the base itself on the target's test users (no fine-tuning);
#   fine-tuned srthub finetune <base> with the command's defaults (its epoch count is FT_EPOCHS);
#   text       srthub eval --baselines text (TF-IDF cosine to the history's last item, no training).
# Test split, leave-one-out, full ranking, history masked and unmasked; fine-tuned − scratch with a
# 95% paired bootstrap interval over test users (2,000 resamples); wall times. Prints a table and
# writes bench/results/transfer.json (or RESULTS_NAME.json). Bases come from .cache/pretrained (bash
# bench/pretrain.sh NAME builds one); runs are kept in .cache/transfer, so a second run only
# re-reports (delete to redo).
# Env: BASES (default: every models/pretrained/*), TARGETS, THREADS (2), FT_EPOCHS (the finetune
# default's epochs), FT_ARGS (extra finetune options, for trying a recipe on validation: see RESULTS;
# --no-item-ids with SCRATCH_ARGS= compares text-only models), SCRATCH_ARGS (above),
# USERS_FRACTION (every command on that fraction of each target's users, --users-fraction: a smaller
# catalog; its runs are kept in .cache/transfer-fF and its table in bench/results/transfer-fF.json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/runs.sh
datasets="${DATASETS:-../shared/datasets}"
targets="${TARGETS:-amazon-beauty amazon-office ml-100k}"
data() {  # a target's folder: ../shared/datasets/NAME, else .cache/NAME (the demo data)
  if [[ -d "$datasets/$1" ]]; then echo "$datasets/$1"; else echo ".cache/$1"; fi
}
bases="${BASES:-$(ls models/pretrained)}"
threads="${THREADS:-2}"
epochs="${FT_EPOCHS:-30}"
scratch_args="${SCRATCH_ARGS---item-ids}"
fraction="${USERS_FRACTION:-}"
sample=(); [[ -n "$fraction" ]] && sample=(--users-fraction "$fraction")
for t in $targets; do
  [[ -d "$(data "$t")" ]] || { echo "bench/transfer: $t is absent (neither $datasets/$t nor .cache/$t); it needs ../shared/datasets and scripts/setup.sh" >&2; exit 0; }
done
swift build -c release --product srthub 2>&1 | grep -E "error|warning: unre" || true
bin="$(swift build -c release --show-bin-path)/srthub"
out=.cache/transfer${fraction:+-f$fraction}
mkdir -p "$out" bench/results
timed() {  # name command...: runs unless $out/name is a finished run (or ranks); records seconds
  local name=$1; shift
  if kept_run "$out/$name" || [[ -f "$out/$name.ranks.json" ]]; then echo "==> $name: kept from an earlier run"; return; fi
  echo "==> $name: $*"
  local t0=$(date +%s)
  "$@" > "$out/$name.log" 2>&1 || { echo "failed: see $out/$name.log" >&2; tail -5 "$out/$name.log" >&2; exit 1; }
  echo $(( $(date +%s) - t0 )) > "$out/$name.seconds"
}
ranks() {  # name checkpoint target: per-user test ranks of a checkpoint
  [[ -f "$out/$1.ranks.json" ]] || "$bin" eval "$2" --data "$(data "$3")" "${sample[@]}" --no-save --threads "$threads" --ranks "$out/$1.ranks.json" --json > "$out/$1.eval.json" 2>/dev/null
}
for b in $bases; do
  [[ -f ".cache/pretrained/$b/config.json" ]] || { echo "bench/transfer: base $b is not built: run bash bench/pretrain.sh $b" >&2; exit 66; }
done
for t in $targets; do
  for b in $bases; do
    preset=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['model']['architecture']['name'])" ".cache/pretrained/$b/config.json")
    timed "$t.scratch-$preset" "$bin" train --data "$(data "$t")" "${sample[@]}" --preset "$preset" --loss ce --epochs "$epochs" --patience 1000 $scratch_args --threads "$threads" --out "$out/$t.scratch-$preset"
    ranks "$t.scratch-$preset" "$out/$t.scratch-$preset" "$t"
    # the text baseline (no training: TF-IDF cosine to the last item), for reading zero-shot against
    [[ -f "$out/$t.text.eval.json" ]] || "$bin" eval "$out/$t.scratch-$preset" --data "$(data "$t")" "${sample[@]}" --baselines text --no-save --threads "$threads" --json > "$out/$t.text.eval.json" 2>/dev/null
    timed "$t.zero-shot-$b" "$bin" eval ".cache/pretrained/$b" --data "$(data "$t")" "${sample[@]}" --no-save --threads "$threads" --ranks "$out/$t.zero-shot-$b.ranks.json" --json
    timed "$t.finetuned-$b" "$bin" finetune ".cache/pretrained/$b" --data "$(data "$t")" "${sample[@]}" --threads "$threads" ${FT_ARGS:-} --out "$out/$t.finetuned-$b"
    ranks "$t.finetuned-$b" "$out/$t.finetuned-$b" "$t"
  done
done
python3 - "$out" "$targets" "$bases" "$epochs" "$fraction" "${RESULTS_NAME:-transfer}" <<'PY'
import json, os, sys
out, targets, bases, epochs, fraction, results_name = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), int(sys.argv[4]), sys.argv[5], sys.argv[6]
import math
def ranks(name):
    r = json.load(open(os.path.join(out, name + ".ranks.json")))
    return r["users"], r["ranks"]
def ndcg(rank, k=10): return 1 / math.log2(rank + 1) if rank <= k else 0.0
def hr(rank, k=10): return 1.0 if rank <= k else 0.0
def seconds(name):
    p = os.path.join(out, name + ".seconds")
    return int(open(p).read()) if os.path.exists(p) else None
def config(path): return json.load(open(os.path.join(path, "config.json")))
def loss_name(loss):  # config.json's loss: "ce", "ssm:K" (session 15 on), or {"fullCrossEntropy": {}}, {"sampledSoftmax": {"negatives": K}}, … before
    if isinstance(loss, str): return loss
    kind, args = next(iter(loss.items())) if isinstance(loss, dict) else (loss, {})
    return {"fullCrossEntropy": "ce", "binaryCrossEntropy": "bce"}.get(kind) or f"ssm:{args.get('negatives')}"
sys.path.insert(0, "bench")
from paired_bootstrap import interval
modes = ["full, history masked", "full, history unmasked"]
result = {"epochs": epochs, "targets": {}}
lines = []
for t in targets:
    result["targets"][t] = {}
    for b in bases:
        preset = config(f".cache/pretrained/{b}")["model"]["architecture"]["name"]
        scratch_users, scratch = ranks(f"{t}.scratch-{preset}")
        rows = {"scratch": (f"{t}.scratch-{preset}", scratch), "zero-shot": (f"{t}.zero-shot-{b}", ranks(f"{t}.zero-shot-{b}")[1]),
                "fine-tuned": (f"{t}.finetuned-{b}", ranks(f"{t}.finetuned-{b}")[1])}
        entry = {"preset": preset, "pretrain_seconds": sum(int(s) for s in open(f".cache/pretrained/{b}.seconds").read().split())
                 if os.path.exists(f".cache/pretrained/{b}.seconds") else None}
        ft = config(os.path.join(out, f"{t}.finetuned-{b}"))
        entry["finetune_recipe"] = {"plan": ft["fine_tuning"]["plan"], "ewc": ft["fine_tuning"]["ewc_lambda"], "loss": loss_name(ft["training"]["loss"]), "start_probe": ft["fine_tuning"].get("start_probe"),
                                    "embedding_rms": ft["fine_tuning"].get("embedding_rms"), "vocabulary": ft["fine_tuning"].get("vocabulary") or "base",
                                    "lr": ft["training"]["learning_rate"], "epochs": ft["training"]["epochs"], "stages": ft["fine_tuning"]["stages"],
                                    "item_ids": bool(ft["model"]["item_encoder"].get("item_ids"))}
        entry["scratch_item_ids"] = bool(config(os.path.join(out, f"{t}.scratch-{preset}"))["model"]["item_encoder"].get("item_ids"))
        for label, (name, r) in rows.items():
            entry[label] = {"seconds": seconds(name), "users": len(r[modes[0]])}
            for m in modes:
                entry[label][m] = {"ndcg@10": sum(map(ndcg, r[m])) / len(r[m]), "hr@10": sum(map(hr, r[m])) / len(r[m])}
                if label != "scratch":
                    for metric, f in (("ndcg@10", ndcg), ("hr@10", hr)):
                        mean, lo, hi = interval([f(y) - f(x) for x, y in zip(scratch[m], r[m])])
                        base = entry["scratch"][m][metric]
                        entry[label][m][metric + " − scratch"] = {"difference": mean, "ci95": [lo, hi], "relative": mean / base if base else None}
        result["targets"][t][b] = entry
        lines.append(f"{t}, base {b} ({preset}); {entry['scratch']['users']} test users")
        lines.append(f"  {'':12s} {'NDCG@10 m / u':>17s} {'HR@10 m / u':>17s}   {'Δ NDCG@10 masked vs scratch [95% CI]':40s} wall")
        for label in rows:
            e = entry[label]
            m, u = e[modes[0]], e[modes[1]]
            delta = ""
            if label != "scratch":
                d = m["ndcg@10 − scratch"]
                delta = f"{d['difference']:+.4f} [{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}] ({d['relative']*100:+.1f}%)"
            wall = f"{e['seconds']} s" if e["seconds"] is not None else ""
            lines.append(f"  {label:12s} {m['ndcg@10']:.4f} / {u['ndcg@10']:.4f}   {m['hr@10']:.4f} / {u['hr@10']:.4f}   {delta:40s} {wall}")
        text = next(row for row in json.load(open(os.path.join(out, f"{t}.text.eval.json")))["rows"] if row["kind"] == "text")["results"]
        entry["text baseline"] = {m: {k: text[m][k] for k in ("ndcg@10", "hr@10")} for m in modes}
        lines.append(f"  {'text':12s} {text[modes[0]]['ndcg@10']:.4f} / {text[modes[1]]['ndcg@10']:.4f}   {text[modes[0]]['hr@10']:.4f} / {text[modes[1]]['hr@10']:.4f}   (TF-IDF cosine to the last item; no training)")
        r = entry["finetune_recipe"]
        probe = r["start_probe"]
        start = (f"; probe of {probe['epochs']} epochs: base {probe['base_validation_ndcg@10']:.4f} vs fresh {probe['fresh_validation_ndcg@10']:.4f} on validation, started from the {probe['start']}"
                 if probe else "")
        if probe and probe["start"] == "fresh":  # the base lost: finetune trained as srthub train would
            lines.append(f"  fine-tune: the base lost the start probe, so it trained from scratch (its own tokenizer), loss {r['loss']}, lr {r['lr']}, {r['epochs']} epochs{start}")
        else:
            lines.append(f"  fine-tune recipe: {r['plan']}, EWC λ={r['ewc']}, loss {r['loss']}, lr {r['lr']}, {r['epochs']} epochs, token embeddings rescaled to {r['embedding_rms']}, vocabulary {r['vocabulary']}, {'item IDs' if r.get('item_ids') else 'text only'}{start}; scratch {'item IDs' if entry.get('scratch_item_ids') else 'text only'}")
        lines.append(f"  base pretrained in {entry['pretrain_seconds']} s")
result["users_fraction"] = float(fraction) if fraction else 1.0
json.dump(result, open(f"bench/results/{results_name}{'-f' + fraction if fraction else ''}.json", "w"), indent=2, sort_keys=True)
print("\n".join(lines))
PY
