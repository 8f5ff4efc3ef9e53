"""Numerical gradients and the relative error, for checking analytic backward passes.

All differences are centered, ``(f(x + h) - f(x - h)) / 2h``: their error shrinks as h**2, against
h for a one-sided difference. Every function restores ``x`` before it returns, even when ``f`` raises.
"""
from __future__ import annotations

import numpy as np

from .validation import require_float_array, require_number, require_rng

__all__ = [
    "rel_error",
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "grad_check_sparse",
    "directional_gradient_check",
]


def rel_error(x, y, floor=1e-8):
    """Largest symmetric relative error ``|x - y| / max(floor, |x| + |y|)`` over all entries.

    The ``floor`` keeps the ratio defined where both entries are zero (error 0 there).
    Rules of thumb: above 1e-2 the gradient is probably wrong; below 1e-7 it is right;
    kinks (ReLU, max) and float32 can push a correct one towards 1e-4.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"rel_error needs two arrays of one shape, got x {x.shape} and y {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(floor, np.abs(x) + np.abs(y))))


def _check_step(h):
    return require_number("h", h, low=0, low_open=True)


def eval_numerical_gradient(f, x, h=1e-5):
    """Centered numerical gradient of a scalar function ``f`` at ``x``.

    - f: callable taking one array of x's shape and returning a scalar.
    - x: float array of any shape; modified during the evaluation, restored afterwards.
    - h: the step.

    Returns ``grad`` with the shape of x: grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h).
    Costs 2 * x.size calls of f.
    """
    require_float_array("x", x)
    h = _check_step(h)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        try:
            x[ix] = old + h
            fxph = float(f(x))
            x[ix] = old - h
            fxmh = float(f(x))
        finally:
            x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Centered numerical gradient of ``sum(f(x) * df)`` for an array-valued ``f``.

    This is the vector-Jacobian product a backward pass computes: with upstream gradient ``df``
    (shape of f(x)), entry i is sum((f(x + h e_i) - f(x - h e_i)) * df) / (2h).

    - f: callable taking one array of x's shape and returning an array of df's shape.
    - x: float array, restored afterwards.
    - df: upstream gradient, shape of f(x).
    """
    require_float_array("x", x)
    df = np.asarray(df)
    h = _check_step(h)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        try:
            x[ix] = old + h
            pos = np.array(f(x), dtype=float, copy=True)
            x[ix] = old - h
            neg = np.array(f(x), dtype=float, copy=True)
        finally:
            x[ix] = old
        if pos.shape != df.shape:
            raise ValueError(f"f(x) has shape {pos.shape} but df has shape {df.shape}; they must match")
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, rng=None):
    """Compare ``analytic_grad`` with centered differences of scalar ``f`` at random entries of x.

    Returns a list of ``(index, numerical, analytic, relative_error)``, one per checked entry, so
    large arrays can be spot-checked at a cost of 2 * num_checks calls of f.
    """
    require_float_array("x", x)
    analytic_grad = require_float_array("analytic_grad", analytic_grad, shape=x.shape)
    num_checks = require_number("num_checks", num_checks, low=1, integer=True)
    h = _check_step(h)
    rng = require_rng("rng", rng)
    results = []
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(n)) for n in x.shape)
        old = x[ix]
        try:
            x[ix] = old + h
            fxph = float(f(x))
            x[ix] = old - h
            fxmh = float(f(x))
        finally:
            x[ix] = old
        numerical = (fxph - fxmh) / (2 * h)
        analytic = float(analytic_grad[ix])
        results.append((ix, numerical, analytic, rel_error(numerical, analytic)))
    return results


def directional_gradient_check(f, x, analytic_grad, num_directions=3, h=1e-5, rng=None):
    """Check a gradient along random directions, at a cost that does not grow with x.size.

    For a unit direction u, the directional derivative of scalar f is ``<grad, u>``; a centered
    difference ``(f(x + h u) - f(x - h u)) / 2h`` estimates it with 2 calls of f, whatever the
    number of parameters. A wrong gradient almost surely disagrees along a random direction.

    Returns a list of ``(numerical, analytic, relative_error)``, one per direction.
    """
    require_float_array("x", x)
    analytic_grad = require_float_array("analytic_grad", analytic_grad, shape=x.shape)
    num_directions = require_number("num_directions", num_directions, low=1, integer=True)
    h = _check_step(h)
    rng = require_rng("rng", rng)
    saved = x.copy()
    results = []
    try:
        for _ in range(num_directions):
            u = rng.standard_normal(x.shape)
            u /= np.linalg.norm(u) or 1.0
            x[...] = saved + h * u
            fxph = float(f(x))
            x[...] = saved - h * u
            fxmh = float(f(x))
            x[...] = saved
            numerical = (fxph - fxmh) / (2 * h)
            analytic = float(np.sum(analytic_grad * u))
            results.append((numerical, analytic, rel_error(numerical, analytic)))
    finally:
        x[...] = saved
    return results
