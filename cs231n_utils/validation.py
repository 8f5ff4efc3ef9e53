"""Argument checks shared by every module: a bad argument gets an error that names it and its value.

The point is the message. ``np.dot`` on mismatched shapes says "shapes (3,4) and (5,2) not
aligned"; ``require_array('w', w, ndim=2)`` says which argument was wrong and what it was.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "describe",
    "require_float_array",
    "require_array",
    "require_number",
    "require_choice",
    "require_rng",
]


def describe(value) -> str:
    """A short description of ``value`` for an error message: type, shape and dtype of arrays."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return f"{type(value).__name__} of length {len(value)}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def require_array(name: str, value, ndim=None, shape=None, dtype_kind=None) -> np.ndarray:
    """Return ``value`` as it is if it is a numpy array of the expected rank and shape.

    ``ndim`` is an int or a tuple of allowed ints; ``shape`` a tuple in which ``None`` matches any
    size; ``dtype_kind`` a string of numpy kind letters (``'f'`` float, ``'iu'`` integer, ...).
    Raises TypeError or ValueError naming ``name`` and what it actually got.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {describe(value)}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if value.ndim not in allowed:
            want = " or ".join(str(n) for n in allowed)
            raise ValueError(f"{name} must have {want} dimensions, got shape {value.shape}")
    if shape is not None:
        ok = len(shape) == value.ndim and all(s is None or s == v for s, v in zip(shape, value.shape))
        if not ok:
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
            raise ValueError(f"{name} must have shape {want}, got {value.shape}")
    if dtype_kind is not None and value.dtype.kind not in dtype_kind:
        raise TypeError(f"{name} must have a dtype of kind {dtype_kind!r}, got dtype {value.dtype}")
    return value


def require_float_array(name: str, value, ndim=None, shape=None) -> np.ndarray:
    """Like :func:`require_array` but only real floating-point arrays pass (no object, int, complex)."""
    return require_array(name, value, ndim=ndim, shape=shape, dtype_kind="f")


def require_number(name: str, value, low=None, high=None, low_open=False, high_open=False,
                   integer=False) -> float:
    """Check a scalar hyperparameter is a real number within ``[low, high]`` and return it.

    ``low_open``/``high_open`` exclude the bound itself. ``integer=True`` asks for an int.
    The message names the argument, the value and the allowed range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    if integer and not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else repr(low)
        hi = "inf" if high is None else repr(high)
        raise ValueError(f"{name} must be in {left}{lo}, {hi}{right}, got {value!r}")
    return value


def require_choice(name: str, value, choices) -> object:
    """Check ``value`` is one of ``choices`` (e.g. a mode string) and return it."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}; got {describe(value)}")
    return value


def require_rng(name: str, rng) -> np.random.Generator:
    """Turn ``rng`` (a Generator, an int seed or None) into a ``np.random.Generator``."""
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(rng, bool):
            raise TypeError(f"{name} must be a numpy Generator, an int seed or None, got {rng!r}")
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(f"{name} must be a numpy Generator, an int seed or None, got {describe(rng)}")
