#!/usr/bin/env python3
"""Compares the Python package with srthub on one checkpoint; prints JSON with the largest
differences (the Swift test asserts on them).

usage: parity.py CHECKPOINT HISTORIES VECTORS RECOMMEND_JSON [--torch]
  HISTORIES       one comma-separated history per line (what `srthub recommend --histories` read)
  VECTORS         what `srthub recommend --vectors` wrote (items [V, C], users [H, C])
  RECOMMEND_JSON  what `srthub recommend --json` printed for those histories (a list of lists)
  --torch         also run the PyTorch module (srthub.torch_model) on the same inputs
"""
import json
import sys

import numpy as np
from safetensors.numpy import load_file

import srthub
from srthub.checkpoint import to_pytorch


def relative(a, b):
    """max |a − b| / max(1, |b|), elementwise."""
    return float(np.max(np.abs(a - b) / np.maximum(1, np.abs(b)))) if a.size else 0.0


def main():
    folder, histories_path, vectors_path, recommend_path = sys.argv[1:5]
    histories = [[i.strip() for i in line.split(",") if i.strip()] for line in open(histories_path) if line.strip()]
    swift = load_file(vectors_path)
    lists = json.load(open(recommend_path))
    model = srthub.load(folder)
    items = model.item_vectors()
    users = model.user_vectors(histories)
    report = {
        "items": relative(items, swift["items"]),
        "users": relative(users, swift["users"]),
        "scores": max(relative(items @ u, swift["items"].astype(np.float64) @ s) for u, s in zip(users, swift["users"])),
    }
    # The lists: the same ids in the same order, except where two neighbours' scores are within
    # float rounding of each other (then either order is right); the same scores and titles.
    same_lists, score_error = True, 0.0
    for history, expected in zip(histories, lists):
        got = model.recommend(history, k=len(expected))
        for g, e in zip(got, expected):
            score_error = max(score_error, abs(g["score"] - e["score"]) / max(1, abs(e["score"])))
        expected_scores = {e["id"]: e["score"] for e in expected}
        for g, e in zip(got, expected):
            if g["id"] != e["id"] and abs(expected_scores.get(g["id"], -1e30) - e["score"]) > 1e-5 * max(1, abs(e["score"])):
                same_lists = False
            if g["id"] == e["id"] and g["title"] != e["title"]:
                same_lists = False
        same_lists &= len(got) == len(expected)
    report["recommend_scores"] = score_error
    report["same_lists"] = same_lists
    if "--torch" in sys.argv:
        import torch
        from srthub.torch_model import SRT
        module = SRT.from_checkpoint(folder).double()
        tokens = None if model.tokens is None else torch.from_numpy(model.tokens)
        length = model.architecture.get("max_length", 50)
        with torch.no_grad():
            torch_users = []
            for history in histories:
                recent = model.indices(history)[-length:]
                hidden, torch_items = module(torch.tensor([recent]), tokens)
                torch_users.append(hidden[0, -1].numpy())
        report["torch_items"] = relative(torch_items.numpy(), swift["items"])
        # The module's state dict is model.safetensors bit for bit (float32), q/k/v split out of qkv.
        original = to_pytorch(load_file(folder + "/model.safetensors"))
        state = {k: v.numpy() for k, v in SRT.from_checkpoint(folder).state_dict().items()}
        report["torch_state_dict_exact"] = set(state) == set(original) and all(
            state[k].dtype == original[k].dtype and np.array_equal(state[k].view(np.uint32), original[k].view(np.uint32)) for k in original)
        report["torch_users"] = relative(np.stack(torch_users), swift["users"])
    print(json.dumps(report))


if __name__ == "__main__":
    main()
