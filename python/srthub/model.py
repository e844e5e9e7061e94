"""The SRT forward pass in NumPy (float64), step by step as docs/checkpoint-format.md describes it."""
import math
import os

import numpy as np
import sentencepiece

from .checkpoint import Catalog, CheckpointError, read_config, read_weights
from .text import item_tokens

LAYER_NORM_EPS = 1e-12
_erf = np.vectorize(math.erf, otypes=[np.float64])


def layer_norm(x, weight, bias):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * weight + bias


def gelu(x):
    """The exact GELU, x·Φ(x) with the error function (not the tanh approximation)."""
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


class Model:
    """A checkpoint ready to score: its config, weights (float64), tokenizer and catalog.

    `catalog` defaults to the checkpoint's own items.tsv; any `Catalog` with text works for a text
    model (it encodes new items from their text)."""

    def __init__(self, folder, catalog=None):
        self.folder = folder
        self.config = read_config(folder)
        self.shape = self.config["model"]
        self.architecture = self.shape["architecture"]
        self.weights = {k: v.astype(np.float64) for k, v in read_weights(folder, self.shape).items()}
        own = Catalog.read(os.path.join(folder, "items.tsv"))
        encoder = self.shape["item_encoder"]
        self.tokenizer = None
        if encoder["kind"] == "text":
            self.tokenizer = sentencepiece.SentencePieceProcessor(model_file=os.path.join(folder, "tokenizer.model"))
            if self.tokenizer.get_piece_size() != encoder["vocab_size"]:
                raise CheckpointError(f"{folder}/tokenizer.model: {self.tokenizer.get_piece_size()} pieces, config.json's vocab_size is {encoder['vocab_size']}")
            self.catalog = catalog or own
            self.tokens = item_tokens(self.tokenizer, encoder, self.catalog)
            # A table of the training catalog's items (item_ids): each item's row, none for a new item.
            row = {item: i for i, item in reversed(list(enumerate(own.ids)))}
            self._table_rows = [row.get(item) for item in self.catalog.ids] if encoder.get("item_ids") else None
        else:
            if catalog is not None and catalog.ids != own.ids:
                raise CheckpointError("an ID-based model ranks only its own items, in their order; use an SRT (text) model for new items")
            self.catalog = own
            self.tokens = None
        self._index = {}
        for i, item in enumerate(self.catalog.ids):
            self._index.setdefault(item, i)
        self._items = None

    # Item vectors -------------------------------------------------------------------------------

    def item_vectors(self):
        """[items, hidden]: per field the sum of its pieces' token embeddings, fields concatenated,
        then the adapter (a linear layer), plus the item's row of the table where the model has one
        (item_ids). An ID model's are its item embedding table."""
        if self._items is None:
            w = self.weights
            if self.tokens is None:
                self._items = w["item_encoder.item_embedding.weight"]
            else:
                table = w["item_encoder.token_embedding.weight"]
                present = self.tokens >= 0
                rows = table[np.where(present, self.tokens, 0)] * present[..., None]  # [V, NF, P, E]
                pooled = rows.sum(axis=2).reshape(len(self.tokens), -1)  # [V, NF·E]
                self._items = pooled @ w["item_encoder.adapter.weight"].T + w["item_encoder.adapter.bias"]
                if self._table_rows is not None:
                    ids = w["item_encoder.item_embedding.weight"]
                    self._items = self._items + np.stack([ids[r] if r is not None else np.zeros(ids.shape[1]) for r in self._table_rows])
        return self._items

    # User vectors -------------------------------------------------------------------------------

    def indices(self, item_ids):
        unknown = [i for i in item_ids if i not in self._index]
        if unknown:
            raise KeyError(f"unknown item id(s) in the history: {', '.join(map(str, unknown[:5]))} (not in the catalog of {len(self.catalog.ids)} items)")
        return [self._index[i] for i in item_ids]

    def hidden_states(self, sequence):
        """[len, hidden]: the transformer's output at each position of one sequence of item indices
        (at most max_length, oldest first), with dropout off."""
        a, w = self.architecture, self.weights
        C, heads = a["hidden"], a["heads"]
        head = C // heads
        n = len(sequence)
        x = self.item_vectors()[sequence] + w["position_embedding.weight"][:n]
        h = layer_norm(x, w["input_norm.weight"], w["input_norm.bias"])
        pre = a.get("norm", "post") == "pre"
        causal = np.tril(np.ones((n, n), dtype=bool))
        for l in range(a["layers"]):
            p = f"layers.{l}."
            attention_input = layer_norm(h, w[p + "attention_norm.weight"], w[p + "attention_norm.bias"]) if pre else h
            qkv = attention_input @ w[p + "attention.qkv.weight"].T + w[p + "attention.qkv.bias"]
            q, k, v = qkv[:, :C], qkv[:, C:2 * C], qkv[:, 2 * C:]  # fused rows: all of q, then k, then v
            out = np.empty((n, C))
            for s in range(heads):
                cols = slice(s * head, (s + 1) * head)
                scores = np.where(causal, q[:, cols] @ k[:, cols].T / math.sqrt(head), -np.inf)
                scores = np.exp(scores - scores.max(-1, keepdims=True))
                out[:, cols] = (scores / scores.sum(-1, keepdims=True)) @ v[:, cols]
            h1 = h + out @ w[p + "attention.out.weight"].T + w[p + "attention.out.bias"]
            if pre:
                ffn_input = layer_norm(h1, w[p + "ffn_norm.weight"], w[p + "ffn_norm.bias"])
            else:
                h1 = layer_norm(h1, w[p + "attention_norm.weight"], w[p + "attention_norm.bias"])
                ffn_input = h1
            ffn = gelu(ffn_input @ w[p + "ffn.fc1.weight"].T + w[p + "ffn.fc1.bias"]) @ w[p + "ffn.fc2.weight"].T + w[p + "ffn.fc2.bias"]
            h = h1 + ffn if pre else layer_norm(h1 + ffn, w[p + "ffn_norm.weight"], w[p + "ffn_norm.bias"])
        if pre:
            h = layer_norm(h, w["final_norm.weight"], w["final_norm.bias"])
        return h

    def user_vector(self, history_item_ids):
        """[hidden]: the output at the last of the history's most recent max_length items."""
        if not history_item_ids:
            raise ValueError("the history is empty")
        recent = self.indices(list(history_item_ids))[-self.architecture.get("max_length", 50):]
        return self.hidden_states(recent)[-1]

    def user_vectors(self, histories):
        return np.stack([self.user_vector(h) for h in histories])

    # Scores -------------------------------------------------------------------------------------

    def scores(self, history_item_ids):
        """[items]: the dot product of the user vector with every item vector."""
        return self.item_vectors() @ self.user_vector(history_item_ids)

    def recommend(self, history_item_ids, k=10, include_history=False):
        """The top k items as `srthub recommend --json` lists them: [{"id", "score", "title"}],
        best first, ties by catalog order; the history's own items left out unless asked."""
        scores = self.scores(history_item_ids).astype(np.float32)
        if not include_history:
            scores[self.indices(list(history_item_ids))] = -np.inf
        order = [i for i in np.argsort(-scores, kind="stable") if scores[i] > -np.inf][:k]
        return [{"id": self.catalog.ids[i], "score": float(scores[i]), "title": self.catalog.title(i)} for i in order]
