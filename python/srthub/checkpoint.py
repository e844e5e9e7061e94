"""Reading an srthub checkpoint folder (docs/checkpoint-format.md): config.json, model.safetensors,
tokenizer.model and items.tsv, each checked against what the config says."""
import json
import os

import numpy as np
from safetensors.numpy import load_file

FORMAT = "srthub.checkpoint.v1"
#: The newest config.json `format_version` this package reads (absent in a file: 1).
FORMAT_VERSION = 2  # 2: a text model may carry an item table (item_ids); other models are written as 1


class CheckpointError(ValueError):
    """A folder that is not a checkpoint this package can run; the message names the file and key."""


def read_config(folder):
    path = os.path.join(folder, "config.json")
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing (a checkpoint folder is what `srthub train --out` or `srthub checkout` writes)") from None
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path}: not JSON ({e})") from None
    if config.get("format") != FORMAT:
        raise CheckpointError(f"{path}: format is {config.get('format')!r}, not {FORMAT!r}")
    version = config.get("format_version", 1)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(f"{path}: format_version {version!r} is newer than this package reads ({FORMAT_VERSION}): upgrade srthub's Python package")
    if "model" not in config:
        raise CheckpointError(f"{path}: no 'model' section")
    return config


def parameter_shapes(model):
    """Every tensor of model.safetensors, name → shape, from config.json's `model` (the layout)."""
    a, e = model["architecture"], model["item_encoder"]
    C = a["hidden"]
    F = a.get("inner", 4 * C)
    shapes = {}
    if e["kind"] == "text":
        shapes["item_encoder.token_embedding.weight"] = (e["vocab_size"], e["token_embedding"])
        shapes["item_encoder.adapter.weight"] = (C, len(e["fields"]) * e["token_embedding"])
        shapes["item_encoder.adapter.bias"] = (C,)
        if e.get("item_ids"):  # a table of the training catalog's items added to the text encoding
            shapes["item_encoder.item_embedding.weight"] = (model["items"], C)
    else:
        shapes["item_encoder.item_embedding.weight"] = (model["items"], C)
    shapes["position_embedding.weight"] = (a.get("max_length", 50), C)
    shapes["input_norm.weight"] = shapes["input_norm.bias"] = (C,)
    for l in range(a["layers"]):
        p = f"layers.{l}."
        shapes.update({
            p + "attention.qkv.weight": (3 * C, C), p + "attention.qkv.bias": (3 * C,),
            p + "attention.out.weight": (C, C), p + "attention.out.bias": (C,),
            p + "attention_norm.weight": (C,), p + "attention_norm.bias": (C,),
            p + "ffn.fc1.weight": (F, C), p + "ffn.fc1.bias": (F,),
            p + "ffn.fc2.weight": (C, F), p + "ffn.fc2.bias": (C,),
            p + "ffn_norm.weight": (C,), p + "ffn_norm.bias": (C,),
        })
    if a.get("norm", "post") == "pre":
        shapes["final_norm.weight"] = shapes["final_norm.bias"] = (C,)
    return shapes


#: The weights file of `srthub export --format pytorch`: torch_model.SRT's own state dict.
PYTORCH_WEIGHTS = "pytorch_model.safetensors"
_PARTS = ("query", "key", "value")


def to_pytorch(weights):
    """model.safetensors' tensors under torch_model.SRT's state-dict names: each layer's fused
    `attention.qkv` (rows: all of q, then k, then v) split into `attention.query`, `.key`, `.value`."""
    out = {}
    for name, value in weights.items():
        if ".attention.qkv." in name:
            prefix, kind = name.split(".attention.qkv.")
            for part, rows in zip(_PARTS, np.split(value, 3, axis=0)):
                out[f"{prefix}.attention.{part}.{kind}"] = np.ascontiguousarray(rows)
        else:
            out[name] = value
    return out


def from_pytorch(state):
    """The inverse of `to_pytorch`: a state dict (NumPy arrays) under model.safetensors' names."""
    out = {}
    for name, value in state.items():
        if any(f".attention.{part}." in name for part in _PARTS[1:]):
            continue  # joined with its query
        if ".attention.query." in name:
            prefix, kind = name.split(".attention.query.")
            out[f"{prefix}.attention.qkv.{kind}"] = np.concatenate([state[f"{prefix}.attention.{part}.{kind}"] for part in _PARTS], axis=0)
        else:
            out[name] = value
    return out


def read_weights(folder, model):
    """model.safetensors' tensors, by its names; from an `srthub export --format pytorch` folder, its
    pytorch_model.safetensors joined back to them."""
    path = os.path.join(folder, "model.safetensors")
    exported = os.path.join(folder, PYTORCH_WEIGHTS)
    if not os.path.exists(path) and os.path.exists(exported):
        path, weights = exported, from_pytorch(load_file(exported))
    elif not os.path.exists(path):
        raise CheckpointError(f"{path}: missing")
    else:
        weights = load_file(path)
    for name, shape in parameter_shapes(model).items():
        if name not in weights:
            raise CheckpointError(f"{path}: no tensor {name!r} (config.json's model needs it)")
        if tuple(weights[name].shape) != shape or weights[name].dtype != np.float32:
            raise CheckpointError(f"{path}: tensor {name!r} is {weights[name].dtype}{list(weights[name].shape)}, config.json says float32{list(shape)}")
        if not np.isfinite(weights[name]).all():
            raise CheckpointError(f"{path}: tensor {name!r} holds NaN or infinite values")
    return weights


class Catalog:
    """items.tsv: `item_id` and the text columns, tab-separated, one item per line, in catalog order."""

    def __init__(self, ids, fields, text):
        self.ids, self.fields, self.text = ids, fields, text

    @classmethod
    def read(cls, path):
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        header = lines[0].split("\t")
        if "item_id" not in header:
            raise CheckpointError(f"{path}: line 1 has no item_id column")
        id_column = header.index("item_id")
        ids, text = [], []
        for number, line in enumerate(lines[1:], start=2):
            if not line:
                continue
            values = line.split("\t")
            values += [""] * (len(header) - len(values))
            ids.append(values[id_column])
            text.append([v for c, v in enumerate(values[:len(header)]) if c != id_column])
        return cls(ids, [h for c, h in enumerate(header) if c != id_column], text)

    def title(self, item):
        """What `srthub recommend` shows: the first field named like a title, else the first with text."""
        preferred = next((c for c, f in enumerate(self.fields) if "title" in f.lower() or "name" in f.lower()), None)
        if preferred is not None and self.text[item][preferred]:
            return self.text[item][preferred]
        return next((t for t in self.text[item] if t), "")
