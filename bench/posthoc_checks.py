#!/usr/bin/env python3
"""What a trained model would gain from two changes that need no training, on the VALIDATION split
only (leave-one-out: each user's second-to-last item the target, the items before it the history,
masked), scored by python/srthub's NumPy model, NDCG@10:
  last-item dot  GAMMA   score + GAMMA · (the history's last item's vector · each item's vector):
                         what a learned skip adding the last item's vector to the user vector
                         could add at best, with one scale for every user;
  last-item cos  GAMMA   score + GAMMA · 10 · std(score) · cosine(last item, item): the same
                         similarity with the vectors' lengths taken out, scaled to each user's scores;
  base mix       ALPHA   (with --base, a fine-tune's base) weights (1 − ALPHA) · base + ALPHA ·
                         fine-tuned, every weight but the token table (WiSE-FT); ALPHA 1 is the model.
Usage: python3 bench/posthoc_checks.py [--base FOLDER] [--users N] MODEL_FOLDER CATALOG_FOLDER
Prints a table and writes bench/results/posthoc-<catalog>-<model folder name>.json (needs numpy, scipy).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from content_baseline import gain, read_catalog  # noqa: E402
from srthub.checkpoint import Catalog  # noqa: E402
from srthub.model import Model  # noqa: E402

GAMMAS = [0.1, 0.25, 0.5, 1.0]
ALPHAS = [0.9, 0.8, 0.65, 0.5]


def validation_cases(sequences, index, limit):
    cases = []
    for items in sequences.values():
        if len(items) >= 3:
            cases.append(([index[i] for i in items[:-2]], index[items[-2]]))
            if limit and len(cases) >= limit:
                break
    return cases


def blends(model, cases):
    """NDCG@10 of the model and of its last-item blends, one pass over the users."""
    items = model.item_vectors()
    unit = items / np.linalg.norm(items, axis=1, keepdims=True)
    totals = {"model": 0.0}
    length = model.architecture.get("max_length", 50)
    for history, target in cases:
        scores = items @ model.hidden_states(history[-length:])[-1]
        totals["model"] += gain(scores, history, target)
        dot, cos, spread = items @ items[history[-1]], unit @ unit[history[-1]], scores.std()
        for g in GAMMAS:
            totals[f"last-item dot {g}"] = totals.get(f"last-item dot {g}", 0.0) + gain(scores + g * dot, history, target)
            totals[f"last-item cos {g}"] = totals.get(f"last-item cos {g}", 0.0) + gain(scores + g * 10 * spread * cos, history, target)
    return {k: v / len(cases) for k, v in totals.items()}


def base_mixes(model, base_folder, catalog, cases):
    base = Model(base_folder, catalog).weights
    tuned = dict(model.weights)
    length = model.architecture.get("max_length", 50)
    results = {}
    for alpha in ALPHAS:
        model.weights = {k: (1 - alpha) * base[k] + alpha * v
                         if k != "item_encoder.token_embedding.weight" and k in base and base[k].shape == v.shape else v
                         for k, v in tuned.items()}
        model._items = None
        items = model.item_vectors()
        total = sum(gain(items @ model.hidden_states(h[-length:])[-1], h, t) for h, t in cases)
        results[f"base mix {alpha}"] = total / len(cases)
    model.weights, model._items = tuned, None
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("catalog")
    parser.add_argument("--base", help="the fine-tune's base: also score weight mixes with it")
    parser.add_argument("--users", type=int, default=0, help="score only the first N validation users (0: all)")
    args = parser.parse_args()
    name, fields, ids, text, sequences = read_catalog(args.catalog)
    catalog = Catalog(ids, fields, text)
    model = Model(args.model, catalog)
    cases = validation_cases(sequences, {item: i for i, item in enumerate(ids)}, args.users)
    results = blends(model, cases)
    if args.base:
        results.update(base_mixes(model, args.base, catalog, cases))
    print(f"validation NDCG@10, history masked: {args.model} on {name} ({len(cases):,} users)")
    print("| scoring | NDCG@10 | vs the model |")
    print("|---|---|---|")
    for key, value in results.items():
        print(f"| {key} | {value:.4f} | {100 * (value / results['model'] - 1):+.1f}% |")
    os.makedirs("bench/results", exist_ok=True)
    out = f"bench/results/posthoc-{name}-{os.path.basename(args.model.rstrip('/'))}.json"
    with open(out, "w") as f:
        json.dump({"model": args.model, "base": args.base, "catalog": name, "users": len(cases),
                   "split": "validation", "ndcg@10": results}, f, indent=2)


if __name__ == "__main__":
    main()
