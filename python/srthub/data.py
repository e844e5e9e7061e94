"""srthub's data semantics in Python, for training outside srthub (srthub.train): RecBole atomic
folders, their union, the leave-one-out and temporal splits, training windows, the dataset
fingerprint. Each function says which part of srthub it follows; the torchrun test checks that
`srthub eval` reproduces this side's test metrics on the checkpoint it writes."""
import hashlib
import os
from dataclasses import dataclass, field

USER_COLUMNS = ["user_id", "userid", "user"]
ITEM_COLUMNS = ["item_id", "itemid", "item"]
TIME_COLUMNS = ["timestamp", "time", "ts"]


class DataError(ValueError):
    """Bad input, with the file and line it is in."""


@dataclass
class Dataset:
    name: str
    user_ids: list
    item_ids: list
    sequences: list  # per user, item indices in time order
    timestamps: list = None  # per user, parallel to sequences; None without a timestamp column
    text_fields: list = field(default_factory=list)
    item_text: list = field(default_factory=list)  # per item, one string per text field
    catalogs: list = field(default_factory=list)  # [(name, fingerprint, users range, items range)] of a union

    @property
    def item_count(self):
        return len(self.item_ids)


def _read_atomic(path):
    """A RecBole atomic file: tab-separated, a NAME:TYPE header, no quoting. Returns (names, types, rows)."""
    with open(path, encoding="utf-8-sig") as f:
        lines = [line.rstrip("\n").rstrip("\r") for line in f]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise DataError(f"{path}: the file is empty (expected a header line)")
    names, types = [], []
    for column in lines[0].split("\t"):
        name, _, kind = column.strip().partition(":")
        if not name or kind not in ("token", "token_seq", "float", "float_seq"):
            raise DataError(f"{path}:1: RecBole headers are NAME:TYPE with a type among token, token_seq, float, float_seq; found {column!r}")
        names.append(name)
        types.append(kind)
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        values = line.split("\t")
        if len(values) != len(names):
            raise DataError(f"{path}:{number}: expected {len(names)} tab-separated fields ({', '.join(names)}), found {len(values)}")
        rows.append((number, values))
    return names, types, rows


def _column(names, candidates, path, what):
    lowered = [n.lower() for n in names]
    for c in candidates:
        if c in lowered:
            return lowered.index(c)
    if what:
        raise DataError(f"{path}:1: required column {what} is missing (found: {', '.join(names)})")
    return None


def load_catalog(folder):
    """One RecBole folder NAME/ with NAME.inter and NAME.item (srthub's DatasetLoader): users and
    items numbered in order of first appearance, each user's items sorted by timestamp (stable, so
    file order breaks ties; file order without a timestamp column), every item's text from the
    item file's non-float columns."""
    folder = folder.rstrip("/")
    name = os.path.basename(folder)
    inter, item_file = os.path.join(folder, name + ".inter"), os.path.join(folder, name + ".item")
    if not os.path.exists(inter):
        raise DataError(f"{folder}: no {name}.inter (srthub.train reads RecBole atomic folders NAME/NAME.inter + NAME/NAME.item)")
    names, _, rows = _read_atomic(inter)
    u_col, i_col = _column(names, USER_COLUMNS, inter, "user_id"), _column(names, ITEM_COLUMNS, inter, "item_id")
    t_col = _column(names, TIME_COLUMNS, inter, None)
    users, items, user_ids, item_ids, events = {}, {}, [], [], []
    for number, values in rows:
        user, item = values[u_col], values[i_col]
        if not user or not item:
            raise DataError(f"{inter}:{number}: empty value (every interaction needs a user and an item)")
        time = 0.0
        if t_col is not None:
            try:
                time = float(values[t_col].strip())
            except ValueError:
                raise DataError(f"{inter}:{number}: column {names[t_col]}: expected a number, found {values[t_col]!r}") from None
        if user not in users:
            users[user] = len(user_ids)
            user_ids.append(user)
            events.append([])
        if item not in items:
            items[item] = len(item_ids)
            item_ids.append(item)
        events[users[user]].append((items[item], time))
    if t_col is not None:
        events = [sorted(e, key=lambda x: x[1]) for e in events]  # Python's sort is stable too
    dataset = Dataset(name, user_ids, item_ids, [[i for i, _ in e] for e in events],
                      [[t for _, t in e] for e in events] if t_col is not None else None)
    if not os.path.exists(item_file):
        raise DataError(f"{folder}: no {name}.item (item text is what the SRT model encodes)")
    names, types, rows = _read_atomic(item_file)
    id_col = _column(names, ITEM_COLUMNS, item_file, "item_id")
    text_cols = [c for c in range(len(names)) if c != id_col and not types[c].startswith("float")]
    row_of = {}
    for number, values in rows:
        if values[id_col] in row_of:
            raise DataError(f"{item_file}:{number}: item {values[id_col]!r} already has a row")
        row_of[values[id_col]] = values
    missing = [i for i in item_ids if i not in row_of]
    if missing:
        raise DataError(f"{item_file}: {len(missing)} of {len(item_ids)} items have no row (e.g. {', '.join(missing[:5])})")
    dataset.text_fields = [names[c] for c in text_cols]
    dataset.item_text = [[row_of[i][c] for c in text_cols] for i in item_ids]
    return dataset


def load(folders, name=None):
    """One catalog as it is, or several as their union (srthub's Dataset.union): users and items
    namespaced `CATALOG/id`, text fields the union of the catalogs' ("" where one lacks a field)."""
    parts = [load_catalog(f) for f in folders]
    if len(parts) == 1:
        return parts[0]
    if len({p.name for p in parts}) != len(parts):
        raise DataError("two catalogs have the same folder name: give each its own name")
    fields = []
    for p in parts:
        fields += [f for f in p.text_fields if f not in fields]
    union = Dataset(name or "+".join(p.name for p in parts), [], [], [],
                    [] if all(p.timestamps is not None for p in parts) else None, fields, [])
    for p in parts:
        user_start, item_start = len(union.user_ids), len(union.item_ids)
        union.user_ids += [p.name + "/" + u for u in p.user_ids]
        union.item_ids += [p.name + "/" + i for i in p.item_ids]
        union.sequences += [[i + item_start for i in s] for s in p.sequences]
        if union.timestamps is not None:
            union.timestamps += p.timestamps
        columns = [p.text_fields.index(f) if f in p.text_fields else None for f in fields]
        union.item_text += [[text[c] if c is not None else "" for c in columns] for text in p.item_text]
        union.catalogs.append((p.name, fingerprint(p), range(user_start, len(union.user_ids)), range(item_start, len(union.item_ids))))
    return union


def _number(x):
    """A Double as Swift prints it ("1.0", "1e+16")."""
    text = repr(float(x))
    return text.replace("e+0", "e+").replace("e-0", "e-")


def fingerprint(d):
    """srthub's dataset fingerprint: sha256 over users (by id bytes) with their items and times,
    the text field names, and items (by id bytes) with their text."""
    h = hashlib.sha256()
    h.update(b"srthub-dataset-v1\n")
    for u in sorted(range(len(d.user_ids)), key=lambda u: d.user_ids[u].encode()):
        h.update(f"u\t{d.user_ids[u]}\n".encode())
        for p, item in enumerate(d.sequences[u]):
            time = _number(d.timestamps[u][p]) if d.timestamps is not None else "-"
            h.update(f"{d.item_ids[item]}\t{time}\n".encode())
    order = sorted(range(len(d.text_fields)), key=lambda f: d.text_fields[f].encode())
    h.update(("fields\t" + "\t".join(d.text_fields[f] for f in order) + "\n").encode())
    for i in sorted(range(len(d.item_ids)), key=lambda i: d.item_ids[i].encode()):
        text = [d.item_text[i][f] for f in order] if d.item_text and d.item_text[i] else []
        h.update((f"i\t{d.item_ids[i]}\t" + "\t".join(text) + "\n").encode())
    return "sha256:" + h.hexdigest()


@dataclass
class Split:
    protocol: str  # config.json's `split`
    train: list  # training sequences
    train_users: list
    validation: list  # [(user, input, target)]
    test: list


def leave_one_out(d):
    """Per user: the last item is the test target, the one before the validation target, the rest
    training data; users with fewer than 3 items are only trained on."""
    train, users, validation, test = [], [], [], []
    for u, s in enumerate(d.sequences):
        if len(s) < 3:
            train.append(s)
            users.append(u)
            continue
        train.append(s[:-2])
        users.append(u)
        validation.append((u, s[:-2], s[-2]))
        test.append((u, s[:-1], s[-1]))
    return Split("leave-one-out", train, users, validation, test)


def temporal(d, quantile):
    """A global cutoff at numpy's "nearest" quantile of all timestamps: users with an interaction
    at or after it are test users, never trained on; their post-cutoff items are their history."""
    if d.timestamps is None:
        raise DataError(f"{d.name}: a temporal split needs timestamps")
    values = sorted(t for ts in d.timestamps for t in ts)
    cutoff = values[int(round(quantile * (len(values) - 1)))]  # Python rounds half to even, as srthub
    train, users, validation, test = [], [], [], []
    for u, s in enumerate(d.sequences):
        first = next((p for p, t in enumerate(d.timestamps[u]) if t >= cutoff), None)
        if first is None:
            train.append(s)
            users.append(u)
            continue
        after = s[first:]
        if len(after) >= 3:
            validation.append((u, after[:-2], after[-2]))
            test.append((u, after[:-1], after[-1]))
    return Split(f"temporal (cutoff at the {quantile} timestamp quantile)", train, users, validation, test)


def popularity(split, items):
    counts = [0] * items
    for s in split.train:
        for i in s:
            counts[i] += 1
    return counts


def windows(split, max_length, stride=None):
    """srthub's TrainingWindows: windows of up to T+1 items cut from the end of each training
    sequence every `stride` (default T/2) items; each scores only targets no later window scores.
    Returns [(items, first_target)] with first_target an index into items."""
    step = min(max(stride or max_length // 2, 1), max_length)
    out = []
    for s in split.train:
        end = len(s)
        while end > 1:
            start = max(0, end - (max_length + 1))
            first = max(1, end - step)
            out.append((s[start:end], first - start))
            end = first
    return out
