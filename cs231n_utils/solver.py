"""Minibatch training of a classifier with an update rule passed in by the caller.

The update rules, learning-rate schedules and gradient clipping are course exercises, so the
Solver only calls them:

- ``update_rule(w, dw, config) -> (next_w, config)`` (the course convention). Every parameter gets
  its own ``config``, a deep copy of ``optim_config``, so state (velocity, cache, m, v, t) is never
  shared between parameters; ``solver.optim_configs[name]`` holds it.
- ``lr_schedule(epoch) -> learning_rate``: called at the start of every epoch with the 0-based
  epoch index; the value is written to ``config['learning_rate']`` of every parameter and recorded
  in ``lr_history``. E.g. ``lambda e: step_decay(1e-2, e, ...)`` with a student's schedule.
- ``grad_clip(grads) -> grads``: called with the whole dict of gradients before the updates (e.g.
  ``functools.partial(clip_grad_norm, max_norm=5.0)``). It may return the dict, a tuple whose
  first item is the dict, or None after clipping in place. ``grad_norm_history`` records the global
  norm before clipping at every iteration.
- ``update_ratio(w, update) -> float``: optional; when given, ``update_ratio_history[name]`` records
  it for every parameter at every iteration (e.g. a student's ``update_to_weight_ratio``).
- ``on_epoch_end(solver) -> bool``: optional; called after every epoch's accuracy check, a true
  return value stops training (e.g. early stopping).

The model needs a dict ``params`` of arrays and ``loss(X, y=None)``: scores (N, C) without y,
``(loss, grads)`` with y. A non-finite loss or gradient stops training with ``diverged = True``
and a message in ``stop_reason`` (also printed, to stdout) instead of a cascade of numpy
warnings; the parameters are then restored to the best epoch (or to the initial ones).
"""
from __future__ import annotations

import copy
import os
import sys

import numpy as np

from .validation import describe, require_array, require_number, require_rng

__all__ = ["Solver"]

_DATA_KEYS = ("X_train", "y_train", "X_val", "y_val")


def _in_kernel():
    """True inside a Jupyter (IPython) kernel."""
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    shell = ipython.get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _progress_bar(total, progress):
    """A tqdm bar, or None. Never one under NBGRADER_EXECUTION (nbgrader zeroes cells writing to stderr)."""
    if os.environ.get("NBGRADER_EXECUTION") or not progress:
        return None
    in_kernel = _in_kernel()
    if progress == "auto" and not (in_kernel or sys.stderr.isatty()):
        return None
    if in_kernel:
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm
            return tqdm(total=total, desc="training")
        except ImportError:
            from tqdm.std import tqdm
            return tqdm(total=total, desc="training", file=sys.stdout)
    from tqdm.std import tqdm
    return tqdm(total=total, desc="training")


class Solver:
    """Train ``model`` on ``data`` with minibatch gradient descent; see the module docstring.

    - data: dict with ``X_train`` (N, ...), ``y_train`` (N,), ``X_val`` (M, ...), ``y_val`` (M,).
    - batch_size, num_epochs: positive ints. An epoch is ``max(N // batch_size, 1)`` iterations
      over one fresh permutation of the training set (drawn from the solver's ``rng``).
    - num_train_samples: training examples (a random subset) for the accuracy after each epoch;
      None for all. num_val_samples: the same for validation (default all).
    - verbose/print_every: print the loss every ``print_every`` iterations and the accuracies
      every epoch (to stdout). progress: 'auto' (a bar in a notebook or terminal, never in tests
      or under nbgrader), True or False.

    After :meth:`train`: ``loss_history`` (one per iteration), ``grad_norm_history`` (one per
    iteration), ``train_acc_history``/``val_acc_history``/``lr_history`` (one per epoch),
    ``best_val_acc``, ``best_params`` (deep copies, also restored into ``model.params``; the
    model's ``norm_params`` running averages, if any, are restored with them).
    """

    def __init__(self, model, data, *, update_rule, optim_config=None, lr_schedule=None,
                 grad_clip=None, update_ratio=None, on_epoch_end=None, batch_size=100,
                 num_epochs=10, num_train_samples=1000, num_val_samples=None, print_every=100,
                 verbose=False, progress="auto", rng=None):
        if not isinstance(getattr(model, "params", None), dict) or not callable(getattr(model, "loss", None)):
            raise TypeError(f"model must have a dict `params` and a method `loss(X, y=None)`, got {describe(model)}")
        self.model = model
        if not isinstance(data, dict):
            raise TypeError(f"data must be a dict with keys {', '.join(_DATA_KEYS)}, got {describe(data)}")
        missing = [k for k in _DATA_KEYS if k not in data]
        if missing:
            raise KeyError(f"data is missing {', '.join(missing)}; it needs {', '.join(_DATA_KEYS)}")
        for split in ("train", "val"):
            X = require_array(f"data['X_{split}']", data[f"X_{split}"], dtype_kind="fiu")
            y = require_array(f"data['y_{split}']", data[f"y_{split}"], ndim=1, dtype_kind="iu")
            if X.ndim < 2 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
                raise ValueError(f"data['X_{split}'] of shape {X.shape} and data['y_{split}'] of shape "
                                 f"{y.shape} must hold the same number (> 0) of examples")
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]

        for name, fn in (("update_rule", update_rule), ("lr_schedule", lr_schedule), ("grad_clip", grad_clip),
                         ("update_ratio", update_ratio), ("on_epoch_end", on_epoch_end)):
            if (fn is not None or name == "update_rule") and not callable(fn):
                raise TypeError(f"{name} must be a function, got {describe(fn)}")
        if optim_config is not None and not isinstance(optim_config, dict):
            raise TypeError(f"optim_config must be a dict or None, got {describe(optim_config)}")
        self.update_rule, self.lr_schedule, self.grad_clip = update_rule, lr_schedule, grad_clip
        self.update_ratio, self.on_epoch_end = update_ratio, on_epoch_end
        self.optim_config = dict(optim_config or {})
        self.batch_size = int(require_number("batch_size", batch_size, low=1, integer=True))
        self.num_epochs = int(require_number("num_epochs", num_epochs, low=1, integer=True))
        for name, value in (("num_train_samples", num_train_samples), ("num_val_samples", num_val_samples)):
            if value is not None:
                require_number(name, value, low=1, integer=True)
        self.num_train_samples, self.num_val_samples = num_train_samples, num_val_samples
        self.print_every = int(require_number("print_every", print_every, low=1, integer=True))
        self.verbose = bool(verbose)
        if progress not in ("auto", True, False):
            raise ValueError(f"progress must be 'auto', True or False, got {describe(progress)}")
        self.progress = progress
        self.rng = require_rng("rng", rng)
        self._reset()

    def _reset(self):
        """Fresh histories and one config per parameter (deep copies of ``optim_config``)."""
        self.epoch = 0
        self.iteration = 0
        self.loss_history, self.grad_norm_history = [], []
        self.train_acc_history, self.val_acc_history, self.lr_history = [], [], []
        self.update_ratio_history = {name: [] for name in self.model.params}
        self.best_val_acc = None
        self.best_params = None
        self._best_norm_params = None
        self.diverged = False
        self.stop_reason = None
        self.optim_configs = {name: copy.deepcopy(self.optim_config) for name in self.model.params}

    def _diverge(self, what):
        self.diverged = True
        self.stop_reason = (f"training stopped at iteration {len(self.loss_history)} (epoch {self.epoch + 1}): "
                            f"{what} is not finite; the learning rate is probably too high")

    def step(self):
        """One minibatch update; returns the loss (a float, possibly non-finite)."""
        params = self.model.params
        loss, grads = self.model.loss(self._X_batch, self._y_batch)
        loss = float(loss)
        self.loss_history.append(loss)
        if not np.isfinite(loss):
            self._diverge("the loss")
            return loss
        if not isinstance(grads, dict) or set(grads) != set(params):
            raise ValueError(f"model.loss must return gradients for every parameter ({sorted(params)}), "
                             f"got {describe(grads)}")
        grad_norm = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads.values())))
        self.grad_norm_history.append(grad_norm)
        if not np.isfinite(grad_norm):
            self._diverge("the gradient")
            return loss
        if self.grad_clip is not None:
            clipped = self.grad_clip(grads)
            if isinstance(clipped, tuple) and clipped and isinstance(clipped[0], dict):
                clipped = clipped[0]
            grads = grads if clipped is None else clipped
            if not isinstance(grads, dict) or set(grads) != set(params):
                raise ValueError(f"grad_clip must return the dict of gradients (keys {sorted(params)}), "
                                 f"got {describe(clipped)}")
        for name, w in params.items():
            result = self.update_rule(w, grads[name], self.optim_configs[name])
            if not isinstance(result, tuple) or len(result) != 2:
                raise ValueError(f"update_rule must return (next_w, config), got {describe(result)}")
            next_w, config = result
            if not isinstance(next_w, np.ndarray) or next_w.shape != w.shape:
                raise ValueError(f"update_rule returned next_w {describe(next_w)} for parameter "
                                 f"{name} of shape {w.shape}; it must have the same shape")
            if config is not None:
                self.optim_configs[name] = config
            if self.update_ratio is not None:
                self.update_ratio_history[name].append(float(self.update_ratio(w, next_w - w)))
            params[name] = next_w
        return loss

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of ``X`` (N, ...) classified as ``y`` (N,), from ``model.loss(X)`` scores in batches.

        With ``num_samples`` < N, a random subset (from the solver's rng) of that size is used.
        """
        require_array("X", X)
        require_array("y", y, shape=(X.shape[0],), dtype_kind="iu")
        batch_size = int(require_number("batch_size", batch_size, low=1, integer=True))
        if num_samples is not None and require_number("num_samples", num_samples, low=1, integer=True) < len(y):
            idx = self.rng.choice(len(y), num_samples, replace=False)
            X, y = X[idx], y[idx]
        preds = [np.argmax(self.model.loss(X[i:i + batch_size]), axis=1) for i in range(0, len(y), batch_size)]
        return float(np.mean(np.concatenate(preds) == y))

    def _log(self, bar, message):
        if not self.verbose:
            return
        if bar is not None:
            bar.write(message)
        else:
            print(message)

    def _end_of_epoch(self, bar):
        """Accuracies, best-so-far snapshot and the on_epoch_end hook; returns True to stop."""
        train_acc = self.check_accuracy(self.X_train, self.y_train, self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        self._log(bar, f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:.4f}; val acc: {val_acc:.4f}")
        if self.best_val_acc is None or val_acc > self.best_val_acc:
            self.best_val_acc = val_acc
            self.best_params = copy.deepcopy(self.model.params)
            self._best_norm_params = copy.deepcopy(getattr(self.model, "norm_params", None))
        return bool(self.on_epoch_end(self)) if self.on_epoch_end is not None else False

    def train(self):
        """Run ``num_epochs`` epochs (fewer if the loss diverges or ``on_epoch_end`` says stop).

        Resets the histories and optimizer state first. Returns the solver itself.
        """
        self._reset()
        initial = copy.deepcopy(self.model.params)
        initial_norm = copy.deepcopy(getattr(self.model, "norm_params", None))
        num_train = self.X_train.shape[0]
        per_epoch = max(num_train // self.batch_size, 1)
        bar = _progress_bar(self.num_epochs * per_epoch, self.progress)
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                stop = False
                while self.epoch < self.num_epochs and not stop:
                    if self.lr_schedule is not None:
                        lr = require_number(f"lr_schedule({self.epoch})", self.lr_schedule(self.epoch), low=0)
                        self.lr_history.append(float(lr))
                        for config in self.optim_configs.values():
                            config["learning_rate"] = float(lr)
                    order = self.rng.permutation(num_train)
                    for b in range(per_epoch):
                        idx = order[b * self.batch_size:(b + 1) * self.batch_size]
                        self._X_batch, self._y_batch = self.X_train[idx], self.y_train[idx]
                        loss = self.step()
                        self.iteration += 1
                        if bar is not None:
                            bar.update(1)
                            if self.iteration % 10 == 0:
                                bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
                        if self.diverged:
                            break
                        if self.iteration % self.print_every == 0:
                            self._log(bar, f"(Iteration {self.iteration} / {self.num_epochs * per_epoch}) loss: {loss:.6f}")
                    if self.diverged:
                        (bar.write if bar is not None else print)(self.stop_reason)
                        break
                    self.epoch += 1
                    stop = self._end_of_epoch(bar)
                    if stop:
                        self.stop_reason = f"stopped by on_epoch_end after epoch {self.epoch}"
        finally:
            if bar is not None:
                bar.close()
            self._X_batch = self._y_batch = None
        if self.best_params is None:  # stopped before the first accuracy check: back to the start
            self.best_params, self._best_norm_params = initial, initial_norm
        for name, value in self.best_params.items():
            self.model.params[name] = value.copy()
        if self._best_norm_params is not None:
            self.model.norm_params[:] = copy.deepcopy(self._best_norm_params)
        return self
