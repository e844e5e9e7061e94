#!/usr/bin/env python3
"""Where one model beats another: NDCG@10 of two rank files split by how often the target item
occurs in training and by the length of the user's history. The rank files are `srthub eval
--validation --masking masked --ranks FILE` of the two models on the same catalog (the VALIDATION
split, leave-one-out: the target is each user's second-to-last item, training the items before it).
Usage: python3 bench/gain_by_item_count.py CATALOG_FOLDER RANKS_A RANKS_B
Prints a table (B against A per bucket, with a 95% paired bootstrap interval over the bucket's
users for the difference) and writes bench/results/gain-by-item-count-<catalog>.json.
"""
import collections
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from content_baseline import read_catalog  # noqa: E402
from paired_bootstrap import interval  # noqa: E402

MODE = "full, history masked"
ITEM_BUCKETS = [(0, 0, "0"), (1, 4, "1–4"), (5, 19, "5–19"), (20, None, "20+")]
HISTORY_BUCKETS = [(1, 3, "1–3"), (4, 7, "4–7"), (8, None, "8+")]


def bucket(value, buckets):
    return next(label for low, high, label in buckets if value >= low and (high is None or value <= high))


def gain(rank):
    return 1 / math.log2(rank + 1) if rank <= 10 else 0.0


def read_ranks(path):
    ranks = json.load(open(path))
    if MODE not in ranks["ranks"]:
        sys.exit(f"{path}: holds no '{MODE}' ranks; write it with srthub eval --validation --masking masked --ranks")
    return ranks["users"], ranks["ranks"][MODE]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    folder, path_a, path_b = sys.argv[1:]
    name, _, _, _, sequences = read_catalog(folder)
    users, ranks_a = read_ranks(path_a)
    users_b, ranks_b = read_ranks(path_b)
    if users != users_b:
        sys.exit(f"{path_a} and {path_b} rank different users: score both on the same catalog")
    # Training counts over the ranked users only, so a run on a fraction of the users (--users-fraction) counts its own.
    counts = collections.Counter(item for user in users for item in sequences[user][:-2])
    pairs = collections.defaultdict(list)  # (by, bucket) → [(A's gain, B's gain) per user]
    for user, a, b in zip(users, ranks_a, ranks_b):
        history = sequences[user][:-2]
        for key in (("target's training count", bucket(counts[sequences[user][-2]], ITEM_BUCKETS)),
                    ("history length", bucket(len(history), HISTORY_BUCKETS)), ("all", "")):
            pairs[key].append((gain(a), gain(b)))
    rows = []
    print(f"validation NDCG@10, history masked, {name}: A = {path_a}, B = {path_b}")
    print("| split by | bucket | users | share of A's NDCG | A | B | B vs A | B − A [95% CI] |")
    print("|---|---|---|---|---|---|---|---|")
    whole = sum(a for a, _ in pairs[("all", "")])
    order = [("target's training count", label) for _, _, label in ITEM_BUCKETS] + \
        [("history length", label) for _, _, label in HISTORY_BUCKETS] + [("all", "")]
    for by, label in (key for key in order if key in pairs):
        n, a, b = len(pairs[(by, label)]), sum(a for a, _ in pairs[(by, label)]), sum(b for _, b in pairs[(by, label)])
        _, low, high = interval([b - a for a, b in pairs[(by, label)]], resamples=1000)
        row = {"by": by, "bucket": label, "users": n, "a": a / n, "b": b / n, "share_of_a": a / whole if whole else 0,
               "b_minus_a_ci95": [low, high]}
        rows.append(row)
        change = f"{100 * (b / a - 1):+.1f}%" if a else "–"
        print(f"| {by} | {label} | {n:,} | {100 * row['share_of_a']:.0f}% | {a / n:.4f} | {b / n:.4f} | {change} | {(b - a) / n:+.4f} [{low:+.4f}, {high:+.4f}] |")
    os.makedirs("bench/results", exist_ok=True)
    with open(f"bench/results/gain-by-item-count-{name}.json", "w") as f:
        json.dump({"catalog": name, "split": "validation", "a": path_a, "b": path_b, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
