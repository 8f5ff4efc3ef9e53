"""Provided layers (not exercises): the affine layer and a numerically stable softmax loss.

Convention, as in every layer of the course: ``name_forward(...) -> (out, cache)`` and
``name_backward(dout, cache) -> gradients``.
"""
from __future__ import annotations

import numpy as np

from .validation import require_array, require_float_array

__all__ = ["affine_forward", "affine_backward", "softmax_loss"]


def affine_forward(x, w, b):
    """Fully-connected layer: ``out = x.reshape(N, D) @ w + b``.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k); each example is flattened to D = d_1 * ... * d_k.
    - w: weights, shape (D, M).
    - b: biases, shape (M,).

    Returns ``(out, cache)``: out of shape (N, M); cache = (x, w, b).
    """
    require_array("x", x, dtype_kind="fiu")
    if x.ndim < 1:
        raise ValueError(f"x must have a batch dimension, got shape {x.shape}")
    require_float_array("w", w, ndim=2)
    require_float_array("b", b, shape=(w.shape[1],))
    flat = x.reshape(x.shape[0], -1)
    if flat.shape[1] != w.shape[0]:
        raise ValueError(
            f"x has {flat.shape[1]} features per example (shape {x.shape}) but w has shape "
            f"{w.shape}: w needs {flat.shape[1]} rows")
    out = flat @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    """Backward pass of :func:`affine_forward`.

    Inputs:
    - dout: upstream gradient, shape (N, M).
    - cache: (x, w, b) from the forward pass.

    Returns ``(dx, dw, db)`` with the shapes of x (N, d_1, ..., d_k), w (D, M) and b (M,).
    """
    x, w, b = cache
    require_float_array("dout", dout, shape=(x.shape[0], w.shape[1]))
    flat = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape)
    dw = flat.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def softmax_loss(scores, y):
    """Mean cross-entropy loss of a softmax classifier, and its gradient.

    loss = -(1/N) * sum_i log( exp(s[i, y_i]) / sum_j exp(s[i, j]) )

    Stable for any score magnitude: the row maximum is subtracted before exponentiating, and the
    log-probabilities are formed as ``shifted - log(sum(exp(shifted)))`` so no log(0) occurs.

    Inputs:
    - scores: shape (N, C), scores[i, j] for class j of example i.
    - y: integer labels of shape (N,), each in 0 <= y[i] < C.

    Returns ``(loss, dscores)``: a float, and the gradient with the shape of scores (N, C).
    """
    require_float_array("scores", scores, ndim=2)
    require_array("y", y, shape=(scores.shape[0],), dtype_kind="iu")
    num_classes = scores.shape[1]
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"y must hold labels in [0, {num_classes}), got values from {y.min()} to {y.max()}")
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1
    dscores /= n
    return float(loss), dscores
