"""A fully-connected classifier assembled from layers passed in by the caller.

Architecture, for L = len(hidden_dims) + 1 affine layers::

    {affine - [norm] - activation - [dropout]} x (L - 1) - affine - softmax

The activation, the normalization, the dropout and the weight initializer are course exercises,
so none ships here: the caller passes them in (a student's own functions, or an instructor's).

Specs (all follow the layer convention of the course):

- ``activation``: a pair ``(forward, backward)``, or an object with ``forward``/``backward``
  attributes; ``forward(x) -> (out, cache)``, ``backward(dout, cache) -> dx``.
- ``init``: ``init(fan_in, fan_out, rng) -> W`` of shape (fan_in, fan_out), e.g.
  ``lambda fan_in, fan_out, rng: init_weights(fan_in, fan_out, 'he', rng)`` for the
  ``init_weights(fan_in, fan_out, scheme, rng)`` of assignment 04 (``partial(..., scheme=)`` would
  clash with the positional ``rng``).
- ``normalization``: None, or a pair ``(forward, backward)`` with
  ``forward(x, gamma, beta, param) -> (out, cache)`` and ``backward(dout, cache) -> (dx, dgamma,
  dbeta)`` (batchnorm or layernorm). Each hidden layer i gets ``gamma{i}`` (ones) and ``beta{i}``
  (zeros) in ``params`` and its own dict ``norm_params[i-1]`` holding ``mode`` ('train'/'test'),
  ``eps`` (1e-5), ``momentum`` (0.9), ``running_mean`` (zeros) and ``running_var`` (ones); the
  forward may update it in place. Layernorm simply ignores the keys it does not use.
- ``dropout``: None, or a pair ``(forward, backward)`` with ``forward(x, dropout_param) -> (out,
  cache)``, ``backward(dout, cache) -> dx``; ``dropout_param`` = {'p': probability of *dropping*
  a unit, 'mode': 'train'/'test', 'seed': int}. The seed is drawn from the model's rng at every
  training forward pass (fresh masks, reproducible), or fixed with ``dropout_seed`` (same masks at
  every call, which gradient checking needs).

Mode: ``loss(X, y)`` runs in 'train' mode, ``loss(X)`` and ``predict(X)`` in 'test' mode.
"""
from __future__ import annotations

import numbers

import numpy as np

from .layers import affine_backward, affine_forward, softmax_loss
from .validation import describe, require_array, require_number, require_rng

__all__ = ["FullyConnectedNet"]


def _layer_pair(name, spec, required=True):
    """Turn a ``(forward, backward)`` pair or an object with ``forward``/``backward`` into a tuple."""
    if spec is None:
        if required:
            raise TypeError(f"{name} is required: pass a (forward, backward) pair of functions")
        return None
    if isinstance(spec, (tuple, list)):
        pair = tuple(spec)
    elif hasattr(spec, "forward") and hasattr(spec, "backward"):
        pair = (spec.forward, spec.backward)
    else:
        pair = ()
    if len(pair) != 2 or not all(callable(f) for f in pair):
        raise TypeError(f"{name} must be a (forward, backward) pair of functions or an object with "
                        f"forward and backward methods, got {describe(spec)}")
    return pair


class FullyConnectedNet:
    """Fully-connected softmax classifier with pluggable activation, normalization and dropout.

    Parameters (``params``, a dict of arrays of ``dtype``), for layer i = 1..L:
    - ``W{i}``: shape (D_{i-1}, D_i) with D_0 = input_dim, D_L = num_classes; from ``init``.
    - ``b{i}``: shape (D_i,); ``bias_init`` for hidden layers, 0 for the output layer.
    - ``gamma{i}``, ``beta{i}``: shape (D_i,), hidden layers only, when ``normalization`` is given.

    Loss: mean softmax cross-entropy plus ``0.5 * reg * sum(W**2)`` over the weights ``W{i}``
    (not biases, not gamma/beta). With the 0.5 the gradient of the penalty is ``reg * W``.
    """

    def __init__(self, hidden_dims, input_dim, num_classes, *, activation, init,
                 normalization=None, norm_param=None, dropout=None, dropout_p=0.0,
                 dropout_seed=None, reg=0.0, bias_init=0.0, dtype=np.float64, rng=None):
        if isinstance(hidden_dims, (str, bytes)) or not hasattr(hidden_dims, "__len__") or not len(hidden_dims):
            raise ValueError(f"hidden_dims must be a non-empty list of positive ints, got {describe(hidden_dims)}")
        for i, h in enumerate(hidden_dims):
            require_number(f"hidden_dims[{i}]", h, low=1, integer=True)
        self.hidden_dims = [int(h) for h in hidden_dims]
        self.input_dim = int(require_number("input_dim", input_dim, low=1, integer=True))
        self.num_classes = int(require_number("num_classes", num_classes, low=2, integer=True))
        self.activation = _layer_pair("activation", activation)
        if not callable(init):
            raise TypeError(f"init must be a function init(fan_in, fan_out, rng) -> W, got {describe(init)}")
        self.normalization = _layer_pair("normalization", normalization, required=False)
        self.dropout = _layer_pair("dropout", dropout, required=False)
        dropout_p = require_number("dropout_p", dropout_p, low=0, high=1, high_open=True)
        if dropout_p > 0 and self.dropout is None:
            raise ValueError(f"dropout_p={dropout_p!r} needs a dropout (forward, backward) pair")
        if dropout_seed is not None:
            dropout_seed = int(require_number("dropout_seed", dropout_seed, low=0, integer=True))
        self.dropout_seed = dropout_seed
        self.reg = float(require_number("reg", reg, low=0))
        bias_init = float(require_number("bias_init", bias_init))
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"dtype must be a floating-point type, got {dtype!r}")
        self.rng = require_rng("rng", rng)
        self.num_layers = len(self.hidden_dims) + 1
        self.record_stats = False  # set True to keep per-layer stats of each loss() call in .stats
        self.stats = None

        dims = [self.input_dim] + self.hidden_dims + [self.num_classes]
        self.params = {}
        for i in range(1, self.num_layers + 1):
            fan_in, fan_out = dims[i - 1], dims[i]
            W = init(fan_in, fan_out, self.rng)
            if not isinstance(W, np.ndarray) or W.shape != (fan_in, fan_out):
                raise ValueError(f"init({fan_in}, {fan_out}, rng) must return an array of shape "
                                 f"({fan_in}, {fan_out}) for W{i}, got {describe(W)}")
            self.params[f"W{i}"] = np.array(W, dtype=self.dtype)
            hidden = i < self.num_layers
            self.params[f"b{i}"] = np.full(fan_out, bias_init if hidden else 0.0, dtype=self.dtype)
            if hidden and self.normalization is not None:
                self.params[f"gamma{i}"] = np.ones(fan_out, dtype=self.dtype)
                self.params[f"beta{i}"] = np.zeros(fan_out, dtype=self.dtype)

        extra = dict(norm_param or {})
        self.norm_params = []
        if self.normalization is not None:
            for h in self.hidden_dims:
                param = {"mode": "train", "eps": 1e-5, "momentum": 0.9,
                         "running_mean": np.zeros(h, dtype=self.dtype),
                         "running_var": np.ones(h, dtype=self.dtype)}
                param.update({k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in extra.items()})
                self.norm_params.append(param)
        self.bn_params = self.norm_params  # the CS231n name
        self.dropout_param = {"p": dropout_p, "mode": "train"} if self.dropout is not None else None

    # ------------------------------------------------------------------ checks
    def _check_X(self, X):
        require_array("X", X, dtype_kind="fiu")
        if X.ndim < 2 or int(np.prod(X.shape[1:])) != self.input_dim:
            raise ValueError(f"X must have shape (N, {self.input_dim}) (or (N, ...) with "
                             f"{self.input_dim} features per example) for input_dim={self.input_dim}, "
                             f"got shape {X.shape}")
        return X.reshape(X.shape[0], -1).astype(self.dtype, copy=False)

    def _set_mode(self, mode):
        for param in self.norm_params:
            param["mode"] = mode
        if self.dropout_param is not None:
            self.dropout_param["mode"] = mode

    # ----------------------------------------------------------------- forward
    def _forward(self, X, mode, stats=None):
        """Scores (N, C) and the caches of every layer; fills ``stats`` (a list) if given."""
        self._set_mode(mode)
        act_fwd = self.activation[0]
        caches = []
        out = X
        for i in range(1, self.num_layers):
            layer = {}
            out, layer["affine"] = affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
            record = {"affine": out} if stats is not None else None
            if self.normalization is not None:
                out, layer["norm"] = self.normalization[0](
                    out, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.norm_params[i - 1])
                if record is not None:
                    record["normalized"] = out
            out, layer["act"] = act_fwd(out)
            if record is not None:
                record["activation"] = out
            if self.dropout is not None and mode == "train":
                param = dict(self.dropout_param)
                param["seed"] = (self.dropout_seed + i if self.dropout_seed is not None
                                 else int(self.rng.integers(2**31)))
                out, layer["dropout"] = self.dropout[0](out, param)
            elif self.dropout is not None:
                out, layer["dropout"] = self.dropout[0](out, dict(self.dropout_param))
            if stats is not None:
                stats.append(record)
            caches.append(layer)
        L = self.num_layers
        scores, cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
        caches.append({"affine": cache})
        return scores, caches

    def forward_with_stats(self, X, mode="test"):
        """Scores and per-hidden-layer arrays, for plotting activation statistics.

        - X: shape (N, input_dim). ``mode``: 'test' (default) or 'train' (batchnorm then uses the
          batch statistics and updates its running averages; dropout draws masks).

        Returns ``(scores, stats)``: scores (N, C); stats a list with one dict per hidden layer:
        ``'affine'`` the pre-activation (N, D_i), ``'normalized'`` (only with normalization) and
        ``'activation'`` the activation output (N, D_i), before dropout.
        """
        if mode not in ("train", "test"):
            raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
        stats = []
        scores, _ = self._forward(self._check_X(X), mode, stats)
        return scores, stats

    def predict(self, X):
        """Predicted class of each row of X, shape (N,), from the scores in test mode."""
        return np.argmax(self.loss(X), axis=1)

    # ---------------------------------------------------------------- the loss
    def loss(self, X, y=None):
        """Class scores, or the loss and its gradients.

        - X: shape (N, input_dim) (or (N, d_1, ..., d_k) with input_dim features per example).
        - y: None, or integer labels of shape (N,) in [0, num_classes).

        If y is None: returns the scores, shape (N, C), computed in 'test' mode.
        Else (in 'train' mode): returns ``(loss, grads)``, loss a float (data loss plus
        ``0.5 * reg * sum(W**2)``), grads a dict with the keys and shapes of ``params``.
        With ``record_stats = True``, ``self.stats`` then holds per hidden layer the forward arrays
        of :meth:`forward_with_stats` plus ``'dactivation'`` (gradient of the loss at the activation
        output) and ``'daffine'`` (at the pre-activation), each (N, D_i).
        """
        X = self._check_X(X)
        stats = [] if self.record_stats else None
        if y is None:
            scores, _ = self._forward(X, "test", stats)
            self.stats = stats
            return scores
        scores, caches = self._forward(X, "train", stats)
        loss, dout = softmax_loss(scores, y)
        grads = {}
        L = self.num_layers
        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, caches[-1]["affine"])
        for i in range(L - 1, 0, -1):
            layer = caches[i - 1]
            if "dropout" in layer:
                dout = self.dropout[1](dout, layer["dropout"])
            if stats is not None:
                stats[i - 1]["dactivation"] = dout
            dout = self.activation[1](dout, layer["act"])
            if "norm" in layer:
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = self.normalization[1](dout, layer["norm"])
            if stats is not None:
                stats[i - 1]["daffine"] = dout
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, layer["affine"])
        if self.reg:
            for i in range(1, L + 1):
                W = self.params[f"W{i}"]
                loss += 0.5 * self.reg * float(np.sum(W * W))
                grads[f"W{i}"] = grads[f"W{i}"] + self.reg * W
        self.stats = stats
        return float(loss), grads

    def __repr__(self):
        parts = [f"hidden_dims={self.hidden_dims}", f"input_dim={self.input_dim}",
                 f"num_classes={self.num_classes}", f"reg={self.reg}"]
        if self.normalization is not None:
            parts.append("normalization=yes")
        if self.dropout is not None:
            parts.append(f"dropout_p={self.dropout_param['p']}")
        return f"FullyConnectedNet({', '.join(parts)})"
