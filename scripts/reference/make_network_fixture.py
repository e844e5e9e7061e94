#!/usr/bin/env python3
"""Writes Tests/SRTModelTests/Fixtures/network_reference.json: an independent float64 NumPy
computation of the SRT network (REFERENCE.md §1.3-1.4: text item encoder with per-field masked sum,
concatenation and one linear adapter; learned positions; input LayerNorm; post-LN causal
transformer with exact-erf GELU; LayerNorm eps 1e-12; dot-product scores) and of the full-catalog
cross-entropy, with every parameter's gradient by float64 central differences.

Written from the reference description, not from the Swift code. Dropout is off. Run:
    python3 scripts/reference/make_network_fixture.py
"""
import json
import math
import os

import numpy as np
from scipy.special import erf

L, NH, C, F, T = 2, 2, 8, 12, 5          # layers, heads, hidden, inner, max length
V, NF, P, S, E = 7, 2, 3, 11, 4          # items, text fields, pieces per field, token vocabulary, token width
EPS = 1e-12
rng = np.random.default_rng(20261122)

# Item text as token ids, -1 = padding (shared token 10 appears in several items).
tokens = np.array([[1, 2, -1], [10, -1, -1], [3, -1, -1], [10, 4, -1], [5, 6, 7], [-1, -1, -1], [8, -1, -1], [9, -1, -1],
                   [2, 3, -1], [10, -1, -1], [0, -1, -1], [4, -1, -1], [6, 6, -1], [9, 10, -1]]).reshape(V, NF, P)
sequences = np.array([[0, 3, 5, 2, 6], [4, 1, 1, -1, -1]])
targets = np.array([[3, 5, 2, 6, 1], [1, 1, 0, -1, -1]])

shapes = {"item_encoder.token_embedding.weight": (S, E), "item_encoder.adapter.weight": (C, NF * E),
          "item_encoder.adapter.bias": (C,), "position_embedding.weight": (T, C), "input_norm.weight": (C,), "input_norm.bias": (C,)}
for l in range(L):
    p = f"layers.{l}."
    shapes.update({p + "attention.qkv.weight": (3 * C, C), p + "attention.qkv.bias": (3 * C,),
                   p + "attention.out.weight": (C, C), p + "attention.out.bias": (C,),
                   p + "attention_norm.weight": (C,), p + "attention_norm.bias": (C,),
                   p + "ffn.fc1.weight": (F, C), p + "ffn.fc1.bias": (F,), p + "ffn.fc2.weight": (C, F), p + "ffn.fc2.bias": (C,),
                   p + "ffn_norm.weight": (C,), p + "ffn_norm.bias": (C,)})
params = {}
for name, shape in shapes.items():
    base = 1.0 if name.endswith("norm.weight") else 0.0
    params[name] = (base + 0.3 * rng.standard_normal(shape)).astype(np.float32).astype(np.float64)


def layer_norm(x, w, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + EPS) * w + b


def item_vectors(p):
    table = p["item_encoder.token_embedding.weight"]
    pooled = np.zeros((V, NF * E))
    for v in range(V):
        for f in range(NF):
            for t in tokens[v, f]:
                if t >= 0:
                    pooled[v, f * E:(f + 1) * E] += table[t]
    return pooled @ p["item_encoder.adapter.weight"].T + p["item_encoder.adapter.bias"]


def forward(p):
    items = item_vectors(p)
    B = sequences.shape[0]
    x = np.zeros((B, T, C))
    for b in range(B):
        for t in range(T):
            if sequences[b, t] >= 0:
                x[b, t] = items[sequences[b, t]]
    h = layer_norm(x + p["position_embedding.weight"], p["input_norm.weight"], p["input_norm.bias"])
    hs = C // NH
    causal = np.tril(np.ones((T, T), dtype=bool))
    for l in range(L):
        q = f"layers.{l}."
        qkv = h @ p[q + "attention.qkv.weight"].T + p[q + "attention.qkv.bias"]
        out = np.zeros((B, T, C))
        for head in range(NH):
            Q = qkv[:, :, head * hs:(head + 1) * hs]
            K = qkv[:, :, C + head * hs:C + (head + 1) * hs]
            Vv = qkv[:, :, 2 * C + head * hs:2 * C + (head + 1) * hs]
            scores = Q @ K.transpose(0, 2, 1) / math.sqrt(hs)
            scores = np.where(causal, scores, -np.inf)
            scores -= scores.max(-1, keepdims=True)
            a = np.exp(scores)
            a /= a.sum(-1, keepdims=True)
            out[:, :, head * hs:(head + 1) * hs] = a @ Vv
        h1 = layer_norm(h + out @ p[q + "attention.out.weight"].T + p[q + "attention.out.bias"],
                        p[q + "attention_norm.weight"], p[q + "attention_norm.bias"])
        z = h1 @ p[q + "ffn.fc1.weight"].T + p[q + "ffn.fc1.bias"]
        g = 0.5 * z * (1 + erf(z / math.sqrt(2)))
        h = layer_norm(h1 + g @ p[q + "ffn.fc2.weight"].T + p[q + "ffn.fc2.bias"], p[q + "ffn_norm.weight"], p[q + "ffn_norm.bias"])
    return h, items


def loss(p):
    h, items = forward(p)
    total, n = 0.0, 0
    for b in range(h.shape[0]):
        for t in range(T):
            if targets[b, t] >= 0:
                logits = items @ h[b, t]
                m = logits.max()
                total += m + math.log(np.exp(logits - m).sum()) - logits[targets[b, t]]
                n += 1
    return total / n


hidden, items = forward(params)
value = loss(params)
grads = {}
step = 1e-6
for name, w in params.items():
    g = np.zeros_like(w)
    flat, gflat = w.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + step
        plus = loss(params)
        flat[i] = saved - step
        minus = loss(params)
        flat[i] = saved
        gflat[i] = (plus - minus) / (2 * step)
    grads[name] = g

fixture = {
    "about": "written by scripts/reference/make_network_fixture.py (NumPy float64; gradients by central differences)",
    "architecture": {"layers": L, "heads": NH, "hidden": C, "inner": F, "max_length": T},
    "items": V, "fields": NF, "pieces": P, "vocab": S, "token_embedding": E,
    "tokens": tokens.reshape(-1).tolist(), "sequences": sequences.reshape(-1).tolist(), "targets": targets.reshape(-1).tolist(),
    "params": {k: v.reshape(-1).tolist() for k, v in params.items()},
    "item_vectors": items.reshape(-1).tolist(), "hidden": hidden.reshape(-1).tolist(), "loss": value,
    "grads": {k: v.reshape(-1).tolist() for k, v in grads.items()},
}
out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "SRTModelTests", "Fixtures", "network_reference.json")
with open(out, "w") as f:
    json.dump(fixture, f)
print(f"wrote {os.path.normpath(out)}: loss {value:.6f}, {sum(v.size for v in params.values())} parameters")
