"""From an item's text to token ids, as srthub does it (docs/checkpoint-format.md, "Item text")."""
import unicodedata

import numpy as np

# Letters, numbers and marks count as word characters (with "_"), as in srthub's TextNormalizer;
# so do the few symbols Unicode calls alphabetic (circled and squared letters).
_WORD_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Mn", "Mc", "Me"}
_ALPHABETIC_SYMBOLS = [(0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189)]


def _is_word(ch):
    if ch == "_" or unicodedata.category(ch) in _WORD_CATEGORIES:
        return True
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _ALPHABETIC_SYMBOLS)


def normalize(text):
    """Lowercase, keep runs of word characters, join them with single spaces."""
    words, current = [], []
    for ch in text.lower():
        if _is_word(ch):
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return " ".join(words)


def field_sources(encoder, catalog):
    """Per text field of the model, the catalog columns joined into it: config.json's
    `item_encoder.sources` where recorded, else srthub's default rule (a column feeds the field of
    its own name; every other column with text joins the first field, in column order)."""
    if encoder.get("sources") is not None:
        return encoder["sources"]
    fields = encoder["fields"]
    with_text = [f for c, f in enumerate(catalog.fields) if any(row[c] for row in catalog.text)]
    sources = [[f] if f in with_text else [] for f in fields]
    placed = {c for s in sources for c in s}
    sources[0] = sources[0] + [c for c in with_text if c not in placed]
    return sources


def item_tokens(tokenizer, encoder, catalog):
    """[items, fields, pieces] int64 token ids, −1 where a field has fewer pieces than the most kept."""
    sources = field_sources(encoder, catalog)
    columns = [[catalog.fields.index(c) for c in s] for s in sources]
    max_pieces = encoder["max_pieces"]
    ids = np.full((len(catalog.ids), len(sources), max(max_pieces)), -1, dtype=np.int64)
    for item, row in enumerate(catalog.text):
        for f, cols in enumerate(columns):
            text = " ".join(t for t in (normalize(row[c]) for c in cols) if t)
            if text:
                pieces = tokenizer.encode(text)[:max_pieces[f]]
                ids[item, f, :len(pieces)] = pieces
    return ids
