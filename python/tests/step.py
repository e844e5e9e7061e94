#!/usr/bin/env python3
"""One training step of the PyTorch twin (srthub.train's Objective) on a batch srthub wrote, dropout
off: prints the loss as JSON and writes every parameter's gradient (the Swift test compares them
with srthub's own step).

usage: step.py BATCH.json WEIGHTS.safetensors GRADIENTS.safetensors
  BATCH.json: {"model": config.json's model section, "tokens": [items][fields][pieces] (−1 pads),
               "sequences": [batch][length] (−1 pads), "rows", "targets", "loss": "ce" | "ssm",
               "negatives": [K], "log_q": [items]}
"""
import json
import sys

import torch
from safetensors.numpy import load_file, save_file

from srthub.checkpoint import from_pytorch, to_pytorch
from srthub.torch_model import SRT
from srthub.train import Objective

batch_path, weights_path, gradients_path = sys.argv[1:4]
batch = json.load(open(batch_path))
model = SRT(batch["model"])
model.load_state_dict({k: torch.from_numpy(v) for k, v in to_pytorch(load_file(weights_path)).items()})
model.eval()  # dropout off: the comparison is of the arithmetic, not of random masks
objective = Objective(model, batch["loss"], torch.tensor(batch["log_q"], dtype=torch.float32))
loss = objective(torch.tensor(batch["sequences"]), torch.tensor(batch["tokens"]), torch.tensor(batch["rows"]),
                 torch.tensor(batch["targets"]), torch.tensor(batch["negatives"], dtype=torch.long))
loss.backward()
save_file(from_pytorch({n: p.grad.numpy() for n, p in model.named_parameters()}), gradients_path)  # under srthub's names
print(json.dumps({"loss": float(loss)}))
