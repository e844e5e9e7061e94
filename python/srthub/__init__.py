"""Run srthub checkpoints from Python.

    import srthub
    model = srthub.load("runs/beauty-ft")           # a checkpoint folder (srthub checkout writes one)
    model.recommend(["B0001", "B0002"], k=10)        # [{"id", "score", "title"}], as srthub recommend --json
    model.item_vectors(), model.user_vector([...])   # NumPy arrays

`srthub.torch_model.SRT` is the same network as a PyTorch module, with the checkpoint's parameter
names (needs torch). docs/checkpoint-format.md in the srthub repository specifies the format.
"""
from .checkpoint import FORMAT, FORMAT_VERSION, Catalog, CheckpointError
from .model import Model

__version__ = "0.1.0"


def load(folder, catalog=None):
    """The checkpoint in `folder`, ready to score its own items (or `catalog`'s, a `Catalog`)."""
    return Model(folder, catalog=catalog)
