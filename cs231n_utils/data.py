"""Data sets for the experiments: scikit-learn's digits, a 2-D spiral, and CIFAR-10 from a local folder.

Nothing here downloads anything. The digits ship with scikit-learn; the spiral is generated;
CIFAR-10 is read from a folder the user fills by hand (see :func:`load_cifar10`).

Every split is a plain dict with the keys the Solver takes (``X_train``, ``y_train``, ``X_val``,
``y_val``) plus the test split and names for display.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np

from .validation import describe, require_array, require_choice, require_number, require_rng

__all__ = [
    "load_digits",
    "make_spiral",
    "load_cifar10",
    "split_indices",
    "CIFAR10_URL",
    "CIFAR10_FILES",
    "DEFAULT_CIFAR10_DIR",
]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"
CIFAR10_TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_FILES = CIFAR10_TRAIN_FILES + ("test_batch", "batches.meta")
#: Where :func:`load_cifar10` looks when neither ``folder`` nor ``$CIFAR10_DIR`` is given.
DEFAULT_CIFAR10_DIR = Path(__file__).resolve().parent.parent / "datasets" / "cifar-10-batches-py"


def _require_dtype(name, dtype, allowed):
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be a numpy dtype, got {describe(dtype)}") from None
    return require_choice(name, dt, [np.dtype(a) for a in allowed])


def _split_size(name, size, n):
    """A split size given as a count (int) or as a fraction of ``n`` (float in (0, 1))."""
    if isinstance(size, float):
        require_number(name, size, low=0, high=1, low_open=True, high_open=True)
        return int(round(size * n))
    return int(require_number(name, size, low=0, high=n, integer=True))


def split_indices(y, val_size, test_size, rng=0, stratify=True):
    """Shuffle ``range(len(y))`` into disjoint (train, val, test) index arrays.

    ``y`` has shape (N,) with integer labels; ``val_size``/``test_size`` are counts or fractions
    of N. With ``stratify`` each split keeps the class proportions of ``y`` (to within one example
    per class). The same ``rng`` seed gives the same split. Returns three int64 arrays, each sorted.
    """
    y = require_array("y", y, ndim=1, dtype_kind="iu")
    rng = require_rng("rng", rng)
    n = y.shape[0]
    n_val = _split_size("val_size", val_size, n)
    n_test = _split_size("test_size", test_size, n)
    if n_val + n_test >= n:
        raise ValueError(f"val_size + test_size must leave training examples: got {n_val} + "
                         f"{n_test} out of {n}")
    order = rng.permutation(n)
    if stratify:
        # Rank each example within its class (in shuffled order), as a fraction of the class size;
        # taking examples by increasing rank deals the classes out in proportion.
        labels = y[order]
        _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
        rank = np.empty(n)
        by_class = np.argsort(inverse, kind="stable")
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        rank[by_class] = (np.arange(n) - starts + 0.5) / counts[inverse[by_class]]
        order = order[np.argsort(rank, kind="stable")]
    test, val, train = np.split(order, [n_test, n_test + n_val])
    return np.sort(train), np.sort(val), np.sort(test)


def load_digits(val_size=300, test_size=300, seed=0, dtype=np.float64, stratify=True):
    """scikit-learn's handwritten digits (1797 images of 8x8 pixels, classes 0-9), split three ways.

    ``val_size``/``test_size`` are counts or fractions of the 1797 images; the rest is training
    data (1197 by default). The split is stratified by class and fixed by ``seed``.

    Returns a dict:
    - ``X_train``, ``X_val``, ``X_test``: shape (N, 64), ``dtype``, pixel values scaled to [0, 1];
    - ``y_train``, ``y_val``, ``y_test``: shape (N,), int64 labels in 0..9;
    - ``images_train``, ``images_val``, ``images_test``: shape (N, 8, 8), the same pixels as X
      (``X.reshape(-1, 8, 8)``), for display;
    - ``class_names``: ``['0', ..., '9']``.
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    dtype = _require_dtype("dtype", dtype, (np.float32, np.float64))
    digits = _sk_load_digits()
    images = (digits.images / 16.0).astype(dtype)
    y = digits.target.astype(np.int64)
    splits = dict(zip(("train", "val", "test"),
                      split_indices(y, val_size, test_size, rng=seed, stratify=stratify)))
    data = {}
    for split, idx in splits.items():  # X_* and images_* are separate copies, not views
        data[f"X_{split}"] = images[idx].reshape(len(idx), -1)
        data[f"y_{split}"] = y[idx]
        data[f"images_{split}"] = images[idx]
    data["class_names"] = [str(c) for c in range(10)]
    return data


def make_spiral(num_per_class=100, num_classes=3, noise=0.2, rng=0):
    """The CS231n 2-D spiral: ``num_classes`` arms of ``num_per_class`` points each.

    Arm k has radius from 0 to 1 and angle from 4k to 4(k+1) radians, plus Gaussian angular noise
    of standard deviation ``noise``. ``rng`` is a ``np.random.Generator`` or an int seed.
    Returns ``X`` of shape (num_classes * num_per_class, 2), float64, and ``y`` of shape (N,),
    int64, with the points of class k in rows ``k * num_per_class`` to ``(k + 1) * num_per_class``.
    """
    num_per_class = require_number("num_per_class", num_per_class, low=1, integer=True)
    num_classes = require_number("num_classes", num_classes, low=1, integer=True)
    noise = require_number("noise", noise, low=0)
    rng = require_rng("rng", rng)
    radius = np.linspace(0.0, 1.0, num_per_class)
    X = np.empty((num_per_class * num_classes, 2))
    y = np.repeat(np.arange(num_classes, dtype=np.int64), num_per_class)
    for k in range(num_classes):
        theta = np.linspace(4.0 * k, 4.0 * (k + 1), num_per_class)
        theta = theta + noise * rng.standard_normal(num_per_class)
        rows = slice(k * num_per_class, (k + 1) * num_per_class)
        X[rows] = np.column_stack([radius * np.sin(theta), radius * np.cos(theta)])
    return X, y


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, bytes and numpy arrays only: a file cannot run code on loading."""

    ALLOWED = {
        ("_codecs", "encode"),
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: a CIFAR-10 batch holds "
                                         "only arrays, lists and strings")
        return super().find_class(module, name)


def _read_batch(path):
    """Read one CIFAR-10 pickle (a dict with bytes keys) and return it with str keys."""
    with open(path, "rb") as f:
        try:
            raw = _ArrayUnpickler(f, encoding="bytes").load()
        except Exception as err:
            raise ValueError(f"{path} is not a CIFAR-10 python batch file: {err}") from err
    if not isinstance(raw, dict):
        raise ValueError(f"{path} is not a CIFAR-10 python batch file: it holds a "
                         f"{type(raw).__name__}, not a dict")
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in raw.items()}


def _read_images(path):
    batch = _read_batch(path)
    if "data" not in batch or "labels" not in batch:
        raise ValueError(f"{path} lacks the keys b'data' and b'labels' of a CIFAR-10 batch; "
                         f"it has {sorted(batch)}")
    X = np.asarray(batch["data"])
    y = np.asarray(batch["labels"], dtype=np.int64)
    if X.ndim != 2 or X.shape[1] != 3072 or X.dtype != np.uint8 or y.shape != (X.shape[0],):
        raise ValueError(f"{path}: b'data' must be a uint8 array of shape (N, 3072) and b'labels' "
                         f"N labels; got {describe(X)} and {y.shape[0]} labels")
    return X, y


def _missing_files_message(folder, missing, reason):
    return (f"{reason}\nCIFAR-10 is not downloaded at run time. Download the 'CIFAR-10 python "
            f"version' (cifar-10-python.tar.gz, about 163 MB) by hand from {CIFAR10_URL}, "
            f"extract it (tar -xzf cifar-10-python.tar.gz), and put these files: "
            f"{', '.join(missing)}\ninto the folder: {folder}\n(The archive extracts to a folder "
            f"named cifar-10-batches-py; you can also pass its path as `folder` or set the "
            f"environment variable CIFAR10_DIR to it.)")


def _find_cifar10_folder(folder):
    source = "folder"
    if folder is None:
        source = "$CIFAR10_DIR" if os.environ.get("CIFAR10_DIR") else "the default location"
        folder = os.environ.get("CIFAR10_DIR") or DEFAULT_CIFAR10_DIR
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder must be a path (str or pathlib.Path) or None, got {describe(folder)}")
    folder = Path(folder).expanduser().resolve()
    if not folder.is_dir():
        raise FileNotFoundError(_missing_files_message(
            folder, CIFAR10_FILES, f"CIFAR-10 folder not found: {folder} (from {source}) does not "
            f"exist or is not a folder."))
    nested = folder / "cifar-10-batches-py"
    if not (folder / "test_batch").exists() and nested.is_dir():
        folder = nested  # the parent of the extracted archive was given
    missing = [name for name in CIFAR10_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(_missing_files_message(
            folder, missing, f"CIFAR-10 files missing from {folder}: {', '.join(missing)}."))
    return folder


def load_cifar10(folder=None, num_training=None, num_validation=1000, num_test=None,
                 dtype=None, channels_first=False):
    """Load CIFAR-10 from a local folder in CIFAR-10's python format.

    ``folder`` holds ``data_batch_1`` ... ``data_batch_5``, ``test_batch`` and ``batches.meta``
    (as extracted from cifar-10-python.tar.gz, downloaded by hand from CIFAR10_URL). When
    ``folder`` is None the environment variable ``CIFAR10_DIR`` names it, else
    ``DEFAULT_CIFAR10_DIR`` (``datasets/cifar-10-batches-py`` at the repository root).
    A missing folder or file raises FileNotFoundError saying what to put where.

    The 50000 training images are split in order: the first ``num_training`` (default: all but
    the validation ones) for training, the next ``num_validation`` for validation. ``num_test``
    keeps the first images of the test batch (default all 10000).

    Returns a dict with ``X_train``, ``X_val``, ``X_test`` of shape (N, 32, 32, 3) (height, width,
    RGB channel; or (N, 3, 32, 32) with ``channels_first``), uint8 pixel values 0-255 unless
    ``dtype`` is given (values are cast, not rescaled); ``y_train``, ``y_val``, ``y_test`` of shape
    (N,) int64 in 0..9; and ``class_names``, the 10 names from ``batches.meta``.
    """
    folder = _find_cifar10_folder(folder)
    if dtype is not None:
        dtype = _require_dtype("dtype", dtype, (np.uint8, np.float16, np.float32, np.float64))
    parts = [_read_images(folder / name) for name in CIFAR10_TRAIN_FILES]
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    X_test, y_test = _read_images(folder / "test_batch")
    meta = _read_batch(folder / "batches.meta")
    if "label_names" not in meta:
        raise ValueError(f"{folder / 'batches.meta'} lacks the key b'label_names'")
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in meta["label_names"]]

    total = X.shape[0]
    num_validation = require_number("num_validation", num_validation, low=0, high=total, integer=True)
    if num_training is None:
        num_training = total - num_validation
    num_training = require_number("num_training", num_training, low=1,
                                  high=total - num_validation, integer=True)
    if num_test is None:
        num_test = X_test.shape[0]
    num_test = require_number("num_test", num_test, low=0, high=X_test.shape[0], integer=True)

    def images(flat):
        out = flat.reshape(-1, 3, 32, 32)  # stored channel-major: all red, then green, then blue
        if not channels_first:
            out = out.transpose(0, 2, 3, 1)
        return np.ascontiguousarray(out, dtype=dtype)

    val_end = num_training + num_validation
    return {
        "X_train": images(X[:num_training]), "y_train": y[:num_training],
        "X_val": images(X[num_training:val_end]), "y_val": y[num_training:val_end],
        "X_test": images(X_test[:num_test]), "y_test": y_test[:num_test],
        "class_names": names,
    }
