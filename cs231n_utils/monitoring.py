"""Recording a training run for babysitting: curves, update ratios and per-layer snapshots.

The babysitting tools themselves (the loss expected at chance, the update/weight ratio, the
explosion test, the fraction of dead units) are exercises of notebook 08, so none ships here: the
caller passes them in. What this module adds to the :class:`~cs231n_utils.solver.Solver` is the
bookkeeping: the per-layer snapshots at the start and at the end of training, a value per epoch
from a caller's function, and the whole run as plain data (lists, dicts and arrays) that a plot or
a written question can use without the model.

:func:`mystery_runs` trains three small networks on the digits, each with one thing wrong, for
the "what is wrong with this training run" questions of notebook 08. What is wrong is the answer
to those questions, so it is not printed anywhere: read the code only after answering.
"""
from __future__ import annotations

import copy

import numpy as np

from .model import FullyConnectedNet
from .solver import Solver
from .validation import describe, require_array, require_number, require_rng

__all__ = ["layer_snapshot", "train_monitored", "mystery_runs", "MYSTERY_RUNS"]

MYSTERY_RUNS = ("run A", "run B", "run C")


def layer_snapshot(model, X, y):
    """Per hidden layer, on the batch (X, y), without changing the model's parameters:

    - ``'activations'``: list of arrays (N, D_i), the activation outputs (before dropout);
    - ``'gradients'``: list of arrays (N, D_i), the gradient of the loss at the layer's
      pre-activation (what reaches its weights and bias: 0 wherever a ReLU is off);
    - ``'W1'``: a copy of the first layer's weights, shape (input_dim, D_1).

    The loss is computed in train mode (as during training) with ``model.record_stats`` on;
    the flag is restored afterwards.
    """
    require_array("X", X)
    require_array("y", y, ndim=1, dtype_kind="iu")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X of shape {X.shape} and y of shape {y.shape} must hold the same number of examples")
    flag = model.record_stats
    model.record_stats = True
    try:
        model.loss(X, y)
        stats = model.stats
    finally:
        model.record_stats = flag
    return {"activations": [s["activation"].copy() for s in stats],
            "gradients": [s["daffine"].copy() for s in stats],
            "W1": model.params["W1"].copy()}


def train_monitored(model, data, *, update_rule, learning_rate, batch_size=100, num_epochs=10,
                    update_ratio=None, on_epoch=None, probe=None, rng=None):
    """Train ``model`` with a :class:`Solver` and return the run as plain data.

    - data: the Solver's dict (``X_train``, ``y_train``, ``X_val``, ``y_val``).
    - update_rule: ``rule(w, dw, config) -> (next_w, config)``, with ``{'learning_rate': learning_rate}``.
    - update_ratio: optional ``f(w, update) -> float`` (e.g. ``update_to_weight_ratio``), recorded at
      every iteration for every weight matrix ``W{i}`` (biases are left out).
    - on_epoch: optional ``f(model) -> value``, called before training and after every epoch.
    - probe: optional ``(X, y)``: :func:`layer_snapshot` of it before training and after the last
      epoch (before the Solver restores the best epoch's parameters; after a divergence, of the
      parameters it restored).
    - rng: Generator or seed for the Solver's shuffling.

    Returns a dict: ``loss_history`` (one float per iteration), ``train_acc_history`` and
    ``val_acc_history`` (one per epoch), ``update_ratio_history`` (``{'W1': [...], ...}``, empty
    without ``update_ratio``), ``epoch_values`` (``on_epoch`` before training, then after each
    epoch), ``snapshots`` (``{'start': ..., 'end': ...}`` with a probe, else empty), ``diverged``
    (bool), ``stop_reason`` and ``iterations_per_epoch``.
    """
    learning_rate = require_number("learning_rate", learning_rate, low=0, low_open=True)
    for name, fn in (("update_rule", update_rule), ("update_ratio", update_ratio), ("on_epoch", on_epoch)):
        if (fn is not None or name == "update_rule") and not callable(fn):
            raise TypeError(f"{name} must be a function, got {describe(fn)}")
    if probe is not None and not (isinstance(probe, tuple) and len(probe) == 2):
        raise TypeError(f"probe must be a pair (X, y), got {describe(probe)}")
    snapshots = {}
    epoch_values = []
    if probe is not None:
        snapshots["start"] = layer_snapshot(model, *probe)
    if on_epoch is not None:
        epoch_values.append(on_epoch(model))

    def after_epoch(solver):
        if probe is not None and solver.epoch == solver.num_epochs:
            snapshots["end"] = layer_snapshot(solver.model, *probe)
        if on_epoch is not None:
            epoch_values.append(on_epoch(solver.model))
        return False

    solver = Solver(model, data, update_rule=update_rule, optim_config={"learning_rate": float(learning_rate)},
                    batch_size=batch_size, num_epochs=num_epochs, update_ratio=update_ratio,
                    on_epoch_end=after_epoch, progress=False, rng=rng)
    solver.train()
    if probe is not None and "end" not in snapshots:  # diverged: the parameters the Solver restored
        snapshots["end"] = layer_snapshot(model, *probe)
    ratios = {name: [float(r) for r in values] for name, values in solver.update_ratio_history.items()
              if name.startswith("W") and update_ratio is not None}
    return {"loss_history": [float(v) for v in solver.loss_history],
            "train_acc_history": list(solver.train_acc_history),
            "val_acc_history": list(solver.val_acc_history),
            "update_ratio_history": ratios,
            "epoch_values": epoch_values,
            "snapshots": snapshots,
            "diverged": bool(solver.diverged),
            "stop_reason": solver.stop_reason,
            "iterations_per_epoch": max(data["X_train"].shape[0] // solver.batch_size, 1)}


# What is wrong with each run; the notebook's questions ask for it.
_MYSTERY = {
    "run A": {"hidden_dims": [100, 100], "init_scale": 6.0, "learning_rate": 0.1, "num_train": None,
              "batch_size": 100, "num_epochs": 20},
    "run B": {"hidden_dims": [100, 100], "init_scale": 1.0, "learning_rate": 2.5, "num_train": None,
              "batch_size": 100, "num_epochs": 20},
    "run C": {"hidden_dims": [100, 100], "init_scale": 1.0, "learning_rate": 0.1, "num_train": 100,
              "batch_size": 25, "num_epochs": 60},
}


def mystery_runs(data, *, activation, init, update_rule, update_ratio=None, on_epoch=None, probe=None,
                 epochs_scale=1.0, rng=0):
    """Three recorded training runs on ``data`` (the digits of :func:`~cs231n_utils.data.load_digits`),
    each with one thing wrong, as dicts of :func:`train_monitored` (keys ``'run A'``, ``'run B'``,
    ``'run C'``), plus ``'hidden_dims'`` and ``'num_train'`` (the training examples used).

    - activation, init: as for :class:`FullyConnectedNet` (e.g. a ReLU pair and He initialization);
    - update_rule: plain SGD, ``rule(w, dw, config) -> (next_w, config)``;
    - update_ratio, on_epoch, probe: passed to :func:`train_monitored`;
    - epochs_scale: a fraction of the epochs (e.g. 0.1 for a quick run); at least one epoch each;
    - rng: seed of the weights and the shuffling; the same seed gives the same runs.
    """
    if not callable(init):
        raise TypeError(f"init must be a function init(fan_in, fan_out, rng) -> W, got {describe(init)}")
    epochs_scale = require_number("epochs_scale", epochs_scale, low=0, high=1, low_open=True)
    seeds = require_rng("rng", rng).integers(2**31, size=len(_MYSTERY))
    runs = {}
    for (name, config), seed in zip(_MYSTERY.items(), seeds):
        scale = config["init_scale"]

        def scaled_init(fan_in, fan_out, gen, scale=scale):
            return scale * np.asarray(init(fan_in, fan_out, gen), dtype=float)

        model = FullyConnectedNet(config["hidden_dims"], data["X_train"].shape[1], 10, activation=activation,
                                  init=scaled_init, rng=np.random.default_rng(seed))
        n = config["num_train"]
        run_data = copy.copy(data)
        if n is not None:
            run_data["X_train"], run_data["y_train"] = data["X_train"][:n], data["y_train"][:n]
        record = train_monitored(model, run_data, update_rule=update_rule, learning_rate=config["learning_rate"],
                                 batch_size=config["batch_size"],
                                 num_epochs=max(1, int(round(config["num_epochs"] * epochs_scale))),
                                 update_ratio=update_ratio, on_epoch=on_epoch, probe=probe, rng=int(seed) + 1)
        record["hidden_dims"] = list(config["hidden_dims"])
        record["num_train"] = int(run_data["X_train"].shape[0])
        runs[name] = record
    return runs
