"""The SRT network as a plain PyTorch module (needs torch). Its parameter names are model.safetensors'
own except attention's: query, key and value are three Linear layers where srthub fuses them into one
`qkv` tensor. `srthub export --format pytorch` writes the module's names (pytorch_model.safetensors);
`checkpoint.to_pytorch` / `from_pytorch` map between the two."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .checkpoint import read_config, read_weights, to_pytorch

LAYER_NORM_EPS = 1e-12


class ItemEncoder(nn.Module):
    """Text: per field the sum of its pieces' token embeddings (−1 pads), fields concatenated, a
    linear adapter, plus one learned row per item where the config says item_ids. ID: one learned
    row per item."""

    def __init__(self, encoder, hidden, items):
        super().__init__()
        self.kind = encoder["kind"]
        if self.kind == "text":
            self.token_embedding = nn.Embedding(encoder["vocab_size"], encoder["token_embedding"])
            self.adapter = nn.Linear(len(encoder["fields"]) * encoder["token_embedding"], hidden)
            if encoder.get("item_ids"):  # a row per item of the training catalog, added to its text encoding
                self.item_embedding = nn.Embedding(items, hidden)
        else:
            self.item_embedding = nn.Embedding(items, hidden)

    def forward(self, tokens=None):
        """tokens: [items, fields, pieces] long, −1 padding (text models); returns [items, hidden]."""
        if self.kind != "text":
            return self.item_embedding.weight
        items, fields, pieces = tokens.shape
        flat = tokens.reshape(items * fields, pieces)
        # One fused gather-and-sum per field (padding weighs 0): no [items, fields, pieces, E] tensor.
        pooled = F.embedding_bag(flat.clamp(min=0), self.token_embedding.weight, mode="sum",
                                 per_sample_weights=(flat >= 0).to(self.token_embedding.weight.dtype))
        vectors = self.adapter(pooled.reshape(items, -1))
        return vectors + self.item_embedding.weight if hasattr(self, "item_embedding") else vectors


class Attention(nn.Module):
    def __init__(self, hidden, heads, dropout):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))
        self.out = nn.Linear(hidden, hidden)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.query(x), self.key(x), self.value(x)
        q, k, v = (y.view(b, t, self.heads, c // self.heads).transpose(1, 2) for y in (q, k, v))
        scores = q @ k.transpose(-1, -2) / math.sqrt(c // self.heads)
        causal = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        weights = F.dropout(scores.masked_fill(~causal, float("-inf")).softmax(-1), self.dropout, self.training)
        return self.out((weights @ v).transpose(1, 2).reshape(b, t, c))


class FeedForward(nn.Module):
    def __init__(self, hidden, inner):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(hidden, inner), nn.Linear(inner, hidden)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))  # exact (erf) GELU


class Layer(nn.Module):
    def __init__(self, a):
        super().__init__()
        c = a["hidden"]
        self.pre = a.get("norm", "post") == "pre"
        self.drop = a.get("hidden_dropout", 0.5)
        self.attention = Attention(c, a["heads"], a.get("attention_dropout", 0.5))
        self.attention_norm = nn.LayerNorm(c, eps=LAYER_NORM_EPS)
        self.ffn = FeedForward(c, a.get("inner", 4 * c))
        self.ffn_norm = nn.LayerNorm(c, eps=LAYER_NORM_EPS)

    def forward(self, h):
        drop = lambda y: F.dropout(y, self.drop, self.training)  # noqa: E731
        if self.pre:
            h = h + drop(self.attention(self.attention_norm(h)))
            return h + drop(self.ffn(self.ffn_norm(h)))
        h = self.attention_norm(h + drop(self.attention(h)))
        return self.ffn_norm(h + drop(self.ffn(h)))


class SRT(nn.Module):
    """config.json's `model` section as a module; `forward(sequences, tokens)` returns user vectors
    at every position and the item vectors they are scored against."""

    def __init__(self, model):
        super().__init__()
        a = model["architecture"]
        c = a["hidden"]
        self.shape = model
        self.item_encoder = ItemEncoder(model["item_encoder"], c, model["items"])
        self.position_embedding = nn.Embedding(a.get("max_length", 50), c)
        self.input_norm = nn.LayerNorm(c, eps=LAYER_NORM_EPS)
        self.input_dropout = a.get("hidden_dropout", 0.5)
        self.layers = nn.ModuleList(Layer(a) for _ in range(a["layers"]))
        self.final_norm = nn.LayerNorm(c, eps=LAYER_NORM_EPS) if a.get("norm", "post") == "pre" else None
        self.reset_parameters()

    def reset_parameters(self):
        """srthub's initialization: N(0, 0.02) for weights and embeddings, 0 for biases, 1 for
        LayerNorm weights. (PyTorch's defaults, N(0, 1) embeddings above all, start with logits so
        large that the first steps' softmax gradients ran 2x slower here.)"""
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("norm.weight"):
                    p.fill_(1)
                elif name.endswith(".bias"):
                    p.zero_()
                else:
                    p.normal_(0, 0.02)

    @classmethod
    def from_checkpoint(cls, folder):
        """A checkpoint folder, or one `srthub export --format pytorch` wrote."""
        config = read_config(folder)
        module = cls(config["model"])
        module.load_state_dict({k: torch.from_numpy(v) for k, v in to_pytorch(read_weights(folder, config["model"])).items()})
        return module.eval()

    def forward(self, sequences, tokens=None):
        """sequences: [batch, length] long item indices, −1 padding after the last item.
        Returns (hidden [batch, length, hidden], items [items, hidden])."""
        items = self.item_encoder(tokens)
        x = items[sequences.clamp(min=0)] * (sequences >= 0).unsqueeze(-1)
        x = x + self.position_embedding.weight[: sequences.shape[1]]
        h = F.dropout(self.input_norm(x), self.input_dropout, self.training)
        for layer in self.layers:
            h = layer(h)
        return (self.final_norm(h) if self.final_norm is not None else h), items
