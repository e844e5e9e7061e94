"""Pretrain an SRT model with PyTorch's DistributedDataParallel and write a checkpoint folder that
`srthub add`, `srthub eval` and `srthub finetune` take as it is.

    torchrun --nproc_per_node 4 -m srthub.train --data shop/ --data games/ --preset srt-64x4.json \\
        --loss ssm:1000 --epochs 30 --out runs/base

One process per GPU (NCCL) where CUDA is present, else on CPU with gloo; `python -m srthub.train …`
alone is one process. Data, split, windows, tokenizer, losses and schedule follow `srthub train`
(srthub.data says where each comes from): RecBole atomic folders, leave-one-out or temporal split,
windows of up to T+1 items, full CE or sampled softmax with logQ, Adam with one-cycle learning rate
and global-norm clipping, validation NDCG@10 after every epoch, the best epoch's weights kept.
Each global batch of --batch windows is split across the processes. Prints the test metrics as
JSON when done (rank 0).
"""
import argparse
import datetime
import json
import math
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import sentencepiece
import torch
import torch.distributed as dist
import torch.nn.functional as F
from safetensors.numpy import save_file

from . import data as srtdata
from .checkpoint import FORMAT, Catalog, from_pytorch
from .text import item_tokens, normalize
from .torch_model import SRT


def parse(argv):
    p = argparse.ArgumentParser(prog="srthub.train", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", action="append", required=True, help="RecBole folder NAME/ (NAME.inter, NAME.item); repeat for a union")
    p.add_argument("--name", help="name of a union (default: the catalogs' names joined by +)")
    p.add_argument("--preset", required=True, help="architecture JSON (srthub's models/*.json)")
    p.add_argument("--out", required=True, help="checkpoint folder to write (refused if it holds anything)")
    p.add_argument("--loss", default="ce", help="ce or ssm:K (sampled softmax, K popularity negatives, logQ)")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch", type=int, default=128, help="windows per step, across all processes")
    p.add_argument("--lr", type=float, default=1e-3, help="peak of the one-cycle schedule")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--max-gradient-norm", type=float, default=1.0)
    p.add_argument("--patience", type=int, default=10)
    p.add_argument("--vocab-size", type=int, default=30000)
    p.add_argument("--fields", help="text fields, comma-separated (default: every field with text)")
    p.add_argument("--protocol", choices=["loo", "temporal"], default="loo")
    p.add_argument("--quantile", type=float, default=0.9, help="temporal split's cutoff quantile")
    p.add_argument("--validation-cases", type=int, help="validate on the first N cases (default: all)")
    p.add_argument("--fisher-batches", type=int, default=3000)
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--json", metavar="FILE", help="also write the final report (test metrics, best epoch) to FILE")
    return p.parse_args(argv)


def architecture(path):
    with open(path) as f:
        a = json.load(f)
    a.setdefault("inner", 4 * a["hidden"])
    a.setdefault("max_length", 50)
    a.setdefault("hidden_dropout", 0.5)
    a.setdefault("attention_dropout", 0.5)
    a.setdefault("norm", "post")
    return a


def max_pieces(field):
    """srthub's defaults: 40 pieces for a title or name, 8 for anything else."""
    return 40 if "title" in field.lower() or "name" in field.lower() else 8


def tokenizer_lines(d, fields):
    """srthub's tokenizer corpus: one line per non-empty normalized value; in a union each catalog
    gives at most as many items as the median catalog has, evenly spaced through its items."""
    columns = [d.text_fields.index(f) for f in fields]
    parts = [c[3] for c in d.catalogs] or [range(d.item_count)]
    cap = sorted(len(p) for p in parts)[len(parts) // 2]
    lines = []
    for items in parts:
        step = max(len(items) / cap, 1)
        for k in range(min(cap, len(items))):
            text = d.item_text[items[0] + int(k * step)]
            for c in columns:
                value = normalize(text[c])
                if value:
                    lines.append(value)
    return lines


def train_tokenizer(lines, vocabulary, folder):
    corpus = os.path.join(folder, "tokenizer-corpus.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    prefix = os.path.join(folder, "tokenizer")
    try:
        sentencepiece.SentencePieceTrainer.train(input=corpus, model_prefix=prefix, vocab_size=vocabulary, model_type="bpe",
                                                 num_threads=2, minloglevel=2)
    except RuntimeError as e:  # "Vocabulary size too high (30000). Please set it to a value <= 5612."
        if "<=" not in str(e):
            raise
        limit = int(str(e).split("<=")[-1].strip(" .\n"))
        sentencepiece.SentencePieceTrainer.train(input=corpus, model_prefix=prefix, vocab_size=limit, model_type="bpe",
                                                 num_threads=2, minloglevel=2)
    return prefix + ".model"


def one_cycle(step, total, peak, warmup=0.3, div=25.0, final_div=1e4):
    """srthub's OneCycle: cosine from peak/25 up to peak over the first 30% of steps, then down to peak/25/1e4."""
    initial = peak / div
    final = initial / final_div
    warm = max(total * warmup - 1, 1)

    def cosine(a, b, t):
        return b + (a - b) * (1 + math.cos(math.pi * min(max(t, 0), 1))) / 2

    if step <= warm:
        return cosine(initial, peak, step / warm)
    return cosine(peak, final, (step - warm) / max(total - 1 - warm, 1))


class Objective(torch.nn.Module):
    """The model and its loss in one module, so DistributedDataParallel averages the loss's gradients."""

    def __init__(self, model, loss, log_q):
        super().__init__()
        self.model, self.loss = model, loss
        self.register_buffer("log_q", log_q)

    def forward(self, sequences, tokens, rows, targets, negatives):
        hidden, items = self.model(sequences, tokens)
        users = hidden.reshape(-1, hidden.shape[-1])[rows]
        if self.loss == "ce":
            return F.cross_entropy(users @ items.T, targets)
        # Sampled softmax: the target and K shared negatives, logQ-corrected (the positive too), an
        # accidental hit (the target among the negatives) masked out.
        positive = (users * items[targets]).sum(-1) - self.log_q[targets]
        negative = users @ items[negatives].T - self.log_q[negatives]
        negative = negative.masked_fill(negatives.unsqueeze(0) == targets.unsqueeze(1), float("-inf"))
        logits = torch.cat([positive.unsqueeze(1), negative], 1)
        return F.cross_entropy(logits, torch.zeros_like(targets))


def batch_tensors(windows, picked, device):
    """Sequences [B, L] (L the longest input, −1 padding), the scored rows' positions and targets."""
    length = max(len(windows[w][0]) - 1 for w in picked)
    sequences = torch.full((len(picked), length), -1, dtype=torch.long)
    rows, targets = [], []
    for b, w in enumerate(picked):
        items, first = windows[w]
        sequences[b, :len(items) - 1] = torch.tensor(items[:-1])
        for t in range(len(items) - 1):
            if t + 1 >= first:
                rows.append(b * length + t)
                targets.append(items[t + 1])
    return sequences.to(device), torch.tensor(rows, device=device), torch.tensor(targets, device=device)


@torch.no_grad()
def ranks(model, tokens, cases, max_length, masked, device, catalogs=(), batch=128):
    """srthub's full-ranking rank of each case's target: 1 + the items scoring at least as high
    (ties count against the target), less the history items among them when history is masked.
    In a union each case is ranked among its own catalog's items, as srthub does."""
    item_range = {}
    for _, _, users, items in catalogs:
        for u in users:
            item_range[u] = items
    model.eval()
    _, items = model(torch.full((1, 1), -1, dtype=torch.long, device=device), tokens)
    out = []
    for start in range(0, len(cases), batch):
        chunk = cases[start:start + batch]
        recent = [c[1][-max_length:] for c in chunk]
        length = max(len(r) for r in recent)
        sequences = torch.full((len(chunk), length), -1, dtype=torch.long)
        for b, r in enumerate(recent):
            sequences[b, :len(r)] = torch.tensor(r)
        hidden, _ = model(sequences.to(device), tokens)
        users = hidden[torch.arange(len(chunk)), torch.tensor([len(r) - 1 for r in recent])]
        scores = users @ items.T
        for b, (user, history, target) in enumerate(chunk):
            span = item_range.get(user, range(scores.shape[1]))
            row = scores[b, span.start:span.stop]
            target -= span.start
            history = [i - span.start for i in history]
            at_least = row >= row[target]
            rank = int(at_least.sum())  # the target itself included: 1 + the others
            if masked:
                others = torch.tensor(sorted(set(history) - {target}), dtype=torch.long, device=device)
                rank -= int(at_least[others].sum()) if len(others) else 0
            out.append(rank)
    return out


def metrics(rank_list, ks=(1, 5, 10)):
    n = max(len(rank_list), 1)
    out = {}
    for k in ks:
        hits = [r for r in rank_list if r <= k]
        out[f"ndcg@{k}"] = sum(1 / math.log2(r + 1) for r in hits) / n
        out[f"hr@{k}"] = len(hits) / n
        out[f"mrr@{k}"] = sum(1 / r for r in hits) / n
    return out


def fisher(model, objective, windows, tokens, negatives, batch, batches, device):
    """srthub's diagonal Fisher: the mean over training batches of the squared gradient of each
    batch's mean loss, at the final weights, dropout off."""
    model.eval()
    squares = {n: torch.zeros_like(p) for n, p in model.named_parameters()}
    count = 0
    for start in range(0, len(windows), batch):
        if count == batches:
            break
        sequences, rows, targets = batch_tensors(windows, list(range(start, min(start + batch, len(windows)))), device)
        if len(rows) == 0:
            continue
        model.zero_grad()
        objective(sequences, tokens, rows, targets, negatives).backward()
        for n, p in model.named_parameters():
            squares[n] += p.grad ** 2
        count += 1
    return {n: (s / max(count, 1)).cpu().numpy().astype(np.float32) for n, s in squares.items()}, count


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    distributed = "WORLD_SIZE" in os.environ
    device = torch.device("cpu")
    if distributed:
        if torch.cuda.is_available():
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)

    def say(message):
        if rank == 0:
            print(f"srthub.train: {message}", file=sys.stderr, flush=True)

    if rank == 0 and os.path.exists(args.out) and os.listdir(args.out):
        sys.exit(f"srthub.train: --out {args.out} is not empty; pass a new folder")
    torch.manual_seed(args.seed)
    d = srtdata.load(args.data, args.name)
    split = srtdata.temporal(d, args.quantile) if args.protocol == "temporal" else srtdata.leave_one_out(d)
    a = architecture(args.preset)
    say(f"data {d.name}: {len(d.user_ids)} users, {d.item_count} items, {sum(map(len, split.train))} training interactions, split {split.protocol}; {world} process(es) on {device}")

    # The tokenizer is trained once (rank 0) and its bytes sent to every process.
    with_text = [f for c, f in enumerate(d.text_fields) if any(t[c] for t in d.item_text)]
    fields = args.fields.split(",") if args.fields else with_text
    work = tempfile.mkdtemp(prefix="srthub-train-")
    model_bytes = [None]
    if rank == 0:
        with open(train_tokenizer(tokenizer_lines(d, fields), args.vocab_size, work), "rb") as f:
            model_bytes[0] = f.read()
    if distributed:
        dist.broadcast_object_list(model_bytes, src=0)
    tokenizer = sentencepiece.SentencePieceProcessor(model_proto=model_bytes[0])
    pieces = [max_pieces(f) for f in fields]
    # Each field reads its own column only (`sources`), as srthub train encodes the catalog it trains on.
    catalog = Catalog(d.item_ids, d.text_fields, d.item_text)
    tokens = torch.from_numpy(item_tokens(tokenizer, {"fields": fields, "max_pieces": pieces, "sources": [[f] for f in fields]}, catalog)).to(device)
    encoder = {"kind": "text", "fields": fields, "max_pieces": pieces, "vocab_size": tokenizer.get_piece_size(),
               "token_embedding": a.get("token_embedding") or a["hidden"]}
    if not all(f in fields for f in with_text):
        encoder["sources"] = [[f] for f in fields]  # a column left out must not be joined into the first field
    shape = {"architecture": {k: v for k, v in a.items() if k != "token_embedding"}, "item_encoder": encoder, "items": d.item_count}

    model = SRT(shape).to(device)  # initialized as srthub does (SRT.reset_parameters)
    counts = torch.tensor(srtdata.popularity(split, d.item_count), dtype=torch.float64) + 1
    log_q = (counts / counts.sum()).log().float().to(device)
    loss = "ce" if args.loss == "ce" else "ssm"
    k = int(args.loss.split(":")[1]) if loss == "ssm" else 0
    objective = Objective(model, loss, log_q).to(device)
    trained = torch.nn.parallel.DistributedDataParallel(objective) if distributed else objective
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=args.weight_decay)
    windows = srtdata.windows(split, a["max_length"])
    steps = len(windows) // args.batch + (1 if len(windows) % args.batch >= world else 0)
    validation = split.validation[:args.validation_cases] if args.validation_cases else split.validation
    say(f"model: {sum(p.numel() for p in model.parameters())} parameters, {steps} steps per epoch, loss {args.loss}")
    sampler = torch.distributions.Categorical(probs=(counts / counts.sum()).float())
    generator = torch.Generator().manual_seed(args.seed)

    history, best, best_epoch, best_state, since_best, step, seen = [], -1.0, 0, None, 0, 0, 0
    for epoch in range(1, args.epochs + 1):
        started = time.time()
        trained.train()
        order = torch.randperm(len(windows), generator=generator).tolist()
        loss_sum, targets_seen = 0.0, 0
        for s in range(steps):
            picked = order[s * args.batch:(s + 1) * args.batch][rank::world]  # this process's share of the batch
            sequences, rows, targets = batch_tensors(windows, picked, device)
            negatives = sampler.sample((k,)).to(device) if loss == "ssm" else torch.empty(0, dtype=torch.long, device=device)
            for group in optimizer.param_groups:
                group["lr"] = one_cycle(step, steps * args.epochs, args.lr)
            optimizer.zero_grad()
            value = trained(sequences, tokens, rows, targets, negatives)
            value.backward()
            if args.max_gradient_norm > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_gradient_norm)
            optimizer.step()
            step += 1
            loss_sum += float(value) * len(rows)
            targets_seen += len(rows)
        totals = torch.tensor([loss_sum, float(targets_seen)], dtype=torch.float64)
        if distributed:
            dist.all_reduce(totals)
        seen += int(totals[1])
        # Validation on rank 0; its verdict is sent to every process, which all keep the same weights.
        verdict = torch.zeros(2, dtype=torch.float64)
        if rank == 0:
            verdict[0] = metrics(ranks(model, tokens, validation, a["max_length"], True, device, d.catalogs), ks=(10,))["ndcg@10"]
        if distributed:
            dist.broadcast(verdict, src=0)
        ndcg = float(verdict[0])
        improved = ndcg > best
        if improved:
            best, best_epoch, since_best = ndcg, epoch, 0
            best_state = {n: p.detach().clone() for n, p in model.state_dict().items()}
        else:
            since_best += 1
        history.append({"epoch": epoch, "trainLoss": float(totals[0] / max(totals[1], 1)), "validationNDCG10": ndcg, "best": improved,
                        "seconds": time.time() - started, "targets": int(totals[1])})
        say(f"epoch {epoch}: loss {history[-1]['trainLoss']:.4f}  valid NDCG@10 {ndcg:.4f}{' *' if improved else ''}  {history[-1]['seconds']:.1f} s")
        if since_best >= args.patience and epoch > math.ceil(args.epochs * 0.3):
            say(f"no better validation NDCG@10 for {args.patience} epochs: stopping after epoch {epoch}")
            break
    model.load_state_dict(best_state)
    if rank == 0:
        test = {"history masked": metrics(ranks(model, tokens, split.test, a["max_length"], True, device, d.catalogs)),
                "history unmasked": metrics(ranks(model, tokens, split.test, a["max_length"], False, device, d.catalogs))}
        negatives = sampler.sample((k,)).to(device) if loss == "ssm" else torch.empty(0, dtype=torch.long, device=device)
        fisher_values, used = fisher(model, objective, windows, tokens, negatives, args.batch, args.fisher_batches, device)
        say(f"diagonal Fisher over {used} batches")
        write(args, d, split, shape, model, model_bytes[0], fisher_values, history, best_epoch, best, seen, work)
        report = json.dumps({"checkpoint": args.out, "best_epoch": best_epoch, "validation_ndcg@10": best, "test": test,
                             "processes": world, "device": str(device)})
        print(report)
        if args.json:
            with open(args.json, "w") as f:
                f.write(report + "\n")
    shutil.rmtree(work, ignore_errors=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


def write(args, d, split, shape, model, tokenizer_bytes, fisher_values, history, best_epoch, best, seen, work):
    """The checkpoint folder, written beside --out and moved into place in one rename."""
    a, total = shape["architecture"], sum(p.numel() for p in model.parameters())
    embedding = model.item_encoder.token_embedding.weight.numel()
    C, scored = a["hidden"], d.item_count if args.loss == "ce" else int(args.loss.split(":")[1]) + 1
    per_target = 3 * (2 * (total - embedding) + a["layers"] * 4 * a["max_length"] * C + 2 * C * scored)  # srthub's estimate
    loss = args.loss  # as the CLI spells it, as srthub writes it
    config = {
        "format": FORMAT, "format_version": 1, "name": os.path.basename(os.path.normpath(args.out)), "model": shape,
        "training": {"loss": loss, "epochs": args.epochs, "batch": args.batch, "learning_rate": args.lr, "weight_decay": args.weight_decay,
                     "max_gradient_norm": args.max_gradient_norm, "patience": args.patience, "seed": args.seed, "threads": 1},
        "parameters": {"total": total, "non_embedding": total - embedding},
        "dataset": d.name, "dataset_fingerprint": srtdata.fingerprint(d), "split": split.protocol,
        "method": "pretrain (PyTorch, srthub.train)", "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seen_interactions": seen, "flops": float(seen * per_target), "best_epoch": best_epoch, "validation_ndcg@10": best,
    }
    if d.catalogs:
        config["catalogs"] = [{"name": name, "fingerprint": fp} for name, fp, _, _ in d.catalogs]
    tmp = os.path.normpath(args.out) + f".partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    weights = from_pytorch({n: p.detach().cpu().numpy().astype(np.float32) for n, p in model.state_dict().items()})
    fisher_values = from_pytorch(fisher_values)
    save_file(weights, os.path.join(tmp, "model.safetensors"), metadata={"format": "pt", "srthub": FORMAT})
    save_file(fisher_values, os.path.join(tmp, "fisher.safetensors"), metadata={"format": "pt", "srthub": "diagonal Fisher information"})
    with open(os.path.join(tmp, "tokenizer.model"), "wb") as f:
        f.write(tokenizer_bytes)
    clean = lambda s: s.replace("\t", " ").replace("\n", " ")  # noqa: E731
    with open(os.path.join(tmp, "items.tsv"), "w", encoding="utf-8") as f:
        f.write("\t".join(["item_id"] + d.text_fields) + "\n")
        for item, text in zip(d.item_ids, d.item_text):
            f.write("\t".join([clean(item)] + [clean(t) for t in text]) + "\n")
    with open(os.path.join(tmp, "train_log.jsonl"), "w") as f:
        f.write("".join(json.dumps(h, sort_keys=True) + "\n" for h in history))
    if os.path.exists(args.out):
        os.rmdir(args.out)  # empty: checked at the start
    os.rename(tmp, args.out)


if __name__ == "__main__":
    main()
