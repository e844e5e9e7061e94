#!/usr/bin/env python3
"""How much of a catalog's next items a model that reads no sequences finds, and how much of it a
base model finds zero-shot. On the VALIDATION split only (leave-one-out: each user's second-to-last
item is the target, the items before it the history, masked from the ranking), NDCG@10 of:
  popularity            training counts (history items before the validation target);
  tf-idf last item      cosine of TF-IDF word vectors (all text columns) to the history's last item;
and, with --base FOLDER (a checkpoint, scored by python/srthub's NumPy model on the catalog's text):
  base zero-shot        the base as srthub ranks: user vector · item vectors;
  base items, last item cosine of the base's item vectors to the history's last item's.
Usage: python3 bench/content_baseline.py [--base FOLDER] [--users N] CATALOG_FOLDER...
Prints a table and writes bench/results/content_baseline.json (needs numpy and scipy).
"""
import argparse
import collections
import json
import math
import os
import re
import sys

import numpy as np

try:
    from scipy.sparse import csr_matrix
except ImportError:
    print("bench/content_baseline: needs scipy (apt-get install python3-scipy)", file=sys.stderr)
    sys.exit(0)


def read_catalog(folder):
    name = os.path.basename(folder.rstrip("/"))
    lines = open(os.path.join(folder, name + ".item"), encoding="utf-8").read().splitlines()
    header = [h.split(":")[0] for h in lines[0].split("\t")]
    ids, text = [], []
    for line in lines[1:]:
        parts = line.split("\t")
        ids.append(parts[0])
        text.append(parts[1:] + [""] * (len(header) - len(parts)))
    sequences = collections.OrderedDict()
    with open(os.path.join(folder, name + ".inter"), encoding="utf-8") as f:
        next(f)
        for line in f:
            user, item = line.rstrip("\n").split("\t")[:2]
            sequences.setdefault(user, []).append(item)
    return name, header[1:], ids, text, sequences


def tfidf(texts):
    """Rows L2-normalized: (1 + log tf) · log(N / df) over lowercase words and numbers."""
    docs = [re.findall(r"[a-z0-9]+", " ".join(t).lower()) for t in texts]
    df = collections.Counter(w for d in docs for w in set(d))
    vocabulary = {w: j for j, w in enumerate(df)}
    rows, cols, values = [], [], []
    for i, d in enumerate(docs):
        for w, c in collections.Counter(d).items():
            rows.append(i)
            cols.append(vocabulary[w])
            values.append((1 + math.log(c)) * math.log(len(docs) / df[w]))
    x = csr_matrix((values, (rows, cols)), shape=(len(docs), len(vocabulary)))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(1)).ravel()) + 1e-12
    return csr_matrix(x.multiply(1 / norms[:, None]))


def gain(scores, history, target):
    scores = scores.astype(np.float64).copy()
    scores[history] = -np.inf
    rank = int((scores >= scores[target]).sum()) - 1  # pessimistic ties, as srthub's evaluator
    return 1 / math.log2(rank + 2) if rank < 10 else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("catalogs", nargs="+")
    parser.add_argument("--base", help="a checkpoint folder to score zero-shot as well")
    parser.add_argument("--users", type=int, default=0, help="score only the first N validation users (0: all)")
    args = parser.parse_args()
    results = {}
    for folder in args.catalogs:
        name, fields, ids, text, sequences = read_catalog(folder)
        index = {item: i for i, item in enumerate(ids)}
        vectors = tfidf(text)
        popularity = np.zeros(len(ids))
        for items in sequences.values():
            for item in items[:-2]:
                popularity[index[item]] += 1
        model = base_items = None
        if args.base:
            sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
            from srthub.checkpoint import Catalog
            from srthub.model import Model
            model = Model(args.base, Catalog(ids, fields, text))
            base_items = model.item_vectors()
            base_items = base_items / np.linalg.norm(base_items, axis=1, keepdims=True)
        totals, users = collections.Counter(), 0
        for items in sequences.values():
            if len(items) < 3:
                continue
            history, target = [index[i] for i in items[:-2]], index[items[-2]]
            totals["popularity"] += gain(popularity, history, target)
            totals["tf-idf last item"] += gain((vectors @ vectors[history[-1]].T).toarray().ravel(), history, target)
            if model is not None:
                user = model.hidden_states(history[-model.architecture.get("max_length", 50):])[-1]
                totals["base zero-shot"] += gain(model.item_vectors() @ user, history, target)
                totals["base items, last item"] += gain(base_items @ base_items[history[-1]], history, target)
            users += 1
            if args.users and users >= args.users:
                break
        results[name] = {"users": users, "items": len(ids), "split": "validation", "base": args.base,
                         "ndcg@10": {k: v / users for k, v in totals.items()}}
    columns = list(next(iter(results.values()))["ndcg@10"])
    print("validation NDCG@10, history masked" + (f"; base {args.base}" if args.base else ""))
    print("| catalog (users, items) | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, r in results.items():
        print(f"| {name} ({r['users']:,}, {r['items']:,}) | " + " | ".join(f"{r['ndcg@10'][c]:.4f}" for c in columns) + " |")
    os.makedirs("bench/results", exist_ok=True)
    with open("bench/results/content_baseline.json", "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
