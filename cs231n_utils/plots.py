"""Plots for the experiments: training curves, per-layer histograms, images, optimization paths.

Every function draws a new Figure and returns it; none calls ``plt.show()``. The figures are made
through pyplot, so Jupyter shows them: in a notebook write ``fig = plot_...(...)`` or end the line
with ``;`` (a bare call on a cell's last line shows the figure twice). Functions that take ``ax``
or ``axes`` draw into those instead and return their figure.

Every figure fits a notebook column: at most ``MAX_WIDTH`` inches wide (the inline backend draws at
100 dpi, so 900 px, which JupyterLab shows without shrinking it) and no text under ``MIN_FONT``
points; grids with many columns get narrower panels, or show a subset of the layers and say so.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.axes
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from .validation import describe, require_array, require_number

MAX_WIDTH = 9.0  # inches: 900 px at the inline backend's 100 dpi
MIN_FONT = 9  # points: the smallest text any figure here draws
MAX_HIST_COLUMNS = 5  # histogram panels per row; narrower ones have no room for their mean and std

__all__ = [
    "plot_training_curves",
    "plot_layer_histograms",
    "plot_histogram_grid",
    "show_weights_as_images",
    "show_images",
    "plot_optimization_paths",
]


def _series(name, values):
    """``values`` as a 1-D float array; inf becomes NaN so an exploding loss just ends the line."""
    try:
        out = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of numbers, got {describe(values)}") from None
    if out.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {out.shape}")
    out[~np.isfinite(out)] = np.nan
    return out


def _check_ax(name, ax):
    if not isinstance(ax, matplotlib.axes.Axes):
        raise TypeError(f"{name} must be a matplotlib Axes, got {describe(ax)}")
    return ax


def _is_run(obj):
    return (isinstance(obj, Mapping) and "loss_history" in obj) or hasattr(obj, "loss_history")


def _run_histories(name, run):
    """(loss, train_acc, val_acc) from a Solver-like object or a dict with those keys."""
    get = run.get if isinstance(run, Mapping) else (lambda key, default: getattr(run, key, default))
    loss = _series(f"{name}.loss_history", get("loss_history", None))
    if loss.size == 0:
        raise ValueError(f"{name}.loss_history is empty: train for at least one iteration first")
    return (loss, _series(f"{name}.train_acc_history", get("train_acc_history", [])),
            _series(f"{name}.val_acc_history", get("val_acc_history", [])))


def plot_training_curves(history, train_acc_history=None, val_acc_history=None, *, label=None,
                         axes=None, smooth=None, title=None):
    """Loss per iteration (raw and smoothed) and train/val accuracy per epoch, in two panels.

    ``history`` is one of:
    - an object with attributes ``loss_history``, ``train_acc_history``, ``val_acc_history``
      (a Solver), or a dict with those keys;
    - a dict name -> such an object or dict, to overlay several runs, one colour each;
    - the loss history itself, shape (T,), with ``train_acc_history`` and ``val_acc_history``
      of shape (E,) (one accuracy per check, usually per epoch).
    ``label`` names a single run in the legends; ``axes`` is a pair of Axes (loss, accuracy) to
    draw into, so separate calls can share axes. ``smooth`` is the moving-average window
    (default about T / 25). Non-finite losses leave a gap. Several runs share one legend, below
    the panels (or, with ``axes``, run names on the loss panel and the train/val line styles on
    the accuracy panel), so that it hides no curve. Returns the Figure.
    """
    if _is_run(history):
        runs = [(label, *_run_histories("history", history))]
    elif isinstance(history, Mapping):
        if not history:
            raise ValueError("history is an empty dict: give at least one run")
        runs = [(str(k), *_run_histories(f"history[{k!r}]", v)) for k, v in history.items()]
    else:
        runs = [(label, _series("history", history),
                 _series("train_acc_history", [] if train_acc_history is None else train_acc_history),
                 _series("val_acc_history", [] if val_acc_history is None else val_acc_history))]
        if runs[0][1].size == 0:
            raise ValueError("history (the loss history) is empty: train for at least one iteration")
    own_figure = axes is None
    if own_figure:
        fig, axes = plt.subplots(1, 2, figsize=(MAX_WIDTH, 3.5), layout="constrained")
    else:
        if isinstance(axes, str) or not isinstance(axes, Sequence | np.ndarray) or len(axes) != 2:
            raise ValueError(f"axes must be a pair of Axes (loss, accuracy), got {describe(axes)}")
        axes = [_check_ax("axes[0]", axes[0]), _check_ax("axes[1]", axes[1])]
        fig = axes[0].figure
    if smooth is not None:
        smooth = require_number("smooth", smooth, low=1, integer=True)
    ax_loss, ax_acc = axes
    several = len(runs) > 1
    run_lines, windows, has_acc = [], set(), False
    for name, loss, train_acc, val_acc in runs:
        window = min(smooth or max(1, len(loss) // 25), len(loss))
        windows.add(window)
        raw, = ax_loss.plot(loss, alpha=0.3 if window > 1 else 1.0, linewidth=0.8,
                            label="_nolegend_" if window > 1 or several else name or "loss")
        color, line = raw.get_color(), raw
        if window > 1:
            smoothed = np.convolve(loss, np.ones(window) / window, mode="valid")
            line, = ax_loss.plot(np.arange(window - 1, len(loss)), smoothed, color=color,
                                 linewidth=1.8, label="_nolegend_" if several
                                 else f"{name or 'loss'} (mean of {window})")
        run_lines.append((line, name))
        prefix = "_nolegend_" if several else f"{name} " if name else ""
        has_acc = has_acc or bool(train_acc.size or val_acc.size)
        if train_acc.size:
            ax_acc.plot(train_acc, "-o", color=color, markersize=3, label=prefix + "train")
        if val_acc.size:
            ax_acc.plot(val_acc, "--s", color=color, markersize=3, label=prefix + "val")
    loss_title = "Training loss"
    if several and len(windows) == 1 and max(windows) > 1:
        loss_title += f" (thick: mean of {max(windows)})"
    ax_loss.set(xlabel="iteration", ylabel="loss", title=loss_title)
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    if several:
        styles = [(Line2D([], [], color="gray", marker="o", markersize=3), "train"),
                  (Line2D([], [], color="gray", ls="--", marker="s", markersize=3), "val")]
        if own_figure:  # one legend under both panels
            entries = run_lines + (styles if has_acc else [])
            ncols = len(entries) if len(entries) <= 4 else min(4, math.ceil(len(entries) / 2))
            fig.legend(*zip(*entries), loc="outside lower center", fontsize=MIN_FONT, ncols=ncols)
        else:
            ax_loss.legend(*zip(*run_lines), fontsize=MIN_FONT)
            if has_acc:
                ax_acc.legend(*zip(*styles), fontsize=MIN_FONT)
    else:
        for ax in axes:
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=MIN_FONT)
    if title:
        fig.suptitle(title)
    return fig


def _named_arrays(name, values):
    """[(panel name, values)] from a list of arrays (named 'layer 1', ...) or a dict name -> array."""
    if isinstance(values, Mapping):
        items = [(str(k), v) for k, v in values.items()]
    elif isinstance(values, (list, tuple)):
        items = [(f"layer {i + 1}", v) for i, v in enumerate(values)]
    else:
        raise TypeError(f"{name} must be a list of arrays (one per layer) or a dict name -> array, "
                        f"got {describe(values)}")
    if not items:
        raise ValueError(f"{name} is empty: give at least one array")
    return items


def _hist_panel(ax, name, values, bins, hist_range):
    """One histogram with its mean and std (of the finite values) written in the corner."""
    try:
        v = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, got {describe(values)}") from None
    if v.size == 0:
        raise ValueError(f"{name} is empty: nothing to draw a histogram of")
    finite = v[np.isfinite(v)]
    lines = []
    if finite.size:
        ax.hist(finite, bins=bins, range=hist_range, color="tab:blue", alpha=0.8)
        lines += [f"mean {finite.mean():.3g}", f"std {finite.std():.3g}"]
    if finite.size < v.size:
        lines.append(f"{v.size - finite.size} non-finite")
    ax.text(0.97, 0.95, "\n".join(lines), transform=ax.transAxes, ha="right", va="top",
            fontsize=MIN_FONT, bbox=dict(boxstyle="round", facecolor="white", alpha=0.8))
    ax.set_yticks([])


def _grid(nrows, ncols, panel_size, sharex=False, keep_aspect=False):
    """A figure of nrows x ncols panels of panel_size inches, narrowed to at most MAX_WIDTH wide
    (the panels keep their shape if keep_aspect)."""
    width, height = panel_size
    if width * ncols > MAX_WIDTH:
        scale = MAX_WIDTH / (width * ncols)
        width, height = width * scale, (height * scale if keep_aspect else height)
    fig = plt.figure(figsize=(width * ncols, height * nrows), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False, sharex=sharex)


def plot_layer_histograms(values_per_layer, bins=50, hist_range=None, title=None, ncols=None,
                          sharex=False):
    """A grid of histograms, one panel per layer, each showing the mean and std of its values.

    ``values_per_layer`` is a list of arrays of any shape (panels 'layer 1', 'layer 2', ...) or a
    dict name -> array, e.g. the activations or gradients of each layer. ``hist_range`` is a
    (low, high) pair for every panel; ``ncols`` panels per row (default up to 4, at most
    MAX_HIST_COLUMNS = 5; more layers wrap onto more rows, so the figure stays MAX_WIDTH wide).
    Non-finite values are counted on the panel and left out of the histogram. Returns the Figure,
    which has one Axes per layer.
    """
    items = _named_arrays("values_per_layer", values_per_layer)
    bins = require_number("bins", bins, low=1, integer=True)
    ncols = 4 if ncols is None else require_number("ncols", ncols, low=1, integer=True)
    ncols = min(len(items), ncols, MAX_HIST_COLUMNS)
    nrows = math.ceil(len(items) / ncols)
    fig, axes = _grid(nrows, ncols, (3.0, 2.2), sharex=sharex)
    for ax, (name, values) in zip(axes.flat, items):
        _hist_panel(ax, f"values_per_layer[{name!r}]", values, bins, hist_range)
        ax.set_title(name, fontsize=10)
    for ax in axes.flat[len(items):]:
        ax.remove()
    if title:
        fig.suptitle(title)
    return fig


def _layer_subset(name, layers, depth):
    """0-based column indices to show: ``layers`` (1-based) or, for a deep net, up to
    MAX_HIST_COLUMNS evenly spaced from the first layer to the last."""
    if layers is None:
        if depth <= MAX_HIST_COLUMNS:
            return list(range(depth))
        return sorted(set(np.linspace(0, depth - 1, MAX_HIST_COLUMNS).round().astype(int).tolist()))
    if (isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence | np.ndarray)
            or not 1 <= len(layers) <= MAX_HIST_COLUMNS
            or not all(isinstance(k, (int, np.integer)) and 1 <= k <= depth for k in layers)
            or len(set(int(k) for k in layers)) != len(layers)):
        raise ValueError(f"{name} must be 1 to {MAX_HIST_COLUMNS} distinct layer numbers from 1 to "
                         f"{depth}, got {describe(layers)}")
    return sorted(int(k) - 1 for k in layers)


def plot_histogram_grid(values_by_scheme, bins=50, hist_range=None, title=None, sharex=False,
                        layers=None):
    """Histograms for several schemes: one row per scheme, one column per layer.

    ``values_by_scheme`` is a dict scheme name -> list of arrays (or dict layer name -> array),
    e.g. {'xavier': [h1, h2, ...], 'he': [...]}. Each panel shows the mean and std of its values;
    the scheme names label the rows and the layer names head the columns. Rows may have
    different numbers of layers. At most MAX_HIST_COLUMNS = 5 columns fit the width: ``layers``
    picks them (layer numbers, 1 = the first); by default a deeper net shows 5 layers evenly
    spaced from the first to the last, and the title says which. Returns the Figure, with one
    Axes per (scheme, layer) shown.
    """
    if not isinstance(values_by_scheme, Mapping) or not values_by_scheme:
        raise TypeError(f"values_by_scheme must be a non-empty dict scheme -> list of arrays, "
                        f"got {describe(values_by_scheme)}")
    rows = [(str(s), _named_arrays(f"values_by_scheme[{s!r}]", v))
            for s, v in values_by_scheme.items()]
    bins = require_number("bins", bins, low=1, integer=True)
    depth = max(len(items) for _, items in rows)
    shown = _layer_subset("layers", layers, depth)
    rows = [(scheme, [items[k] for k in shown if k < len(items)]) for scheme, items in rows]
    ncols = len(shown)
    fig, axes = _grid(len(rows), ncols, (2.2, 1.8), sharex=sharex)
    titled = set()
    for r, (scheme, items) in enumerate(rows):
        for c, (name, values) in enumerate(items):
            ax = axes[r, c]
            _hist_panel(ax, f"values_by_scheme[{scheme!r}][{name!r}]", values, bins, hist_range)
            ax.tick_params(labelsize=MIN_FONT)
            if c not in titled:
                ax.set_title(name, fontsize=10)
                titled.add(c)
        axes[r, 0].set_ylabel(scheme, fontsize=10)
        for ax in axes[r, len(items):]:
            ax.remove()
    if len(shown) < depth:
        note = (f"layers {', '.join(str(k + 1) for k in shown[:-1])} and {shown[-1] + 1} "
                f"of {depth}")
        title = f"{title} ({note})" if title else note.capitalize()
    if title:
        fig.suptitle(title)
    return fig


def _image_grid(images, titles, ncols, cmap, vmin, vmax, title):
    n = len(images)
    ncols = min(n, ncols)
    nrows = math.ceil(n / ncols)
    extra = 0.3 if titles is not None else 0.0
    fig, axes = _grid(nrows, ncols, (1.3, 1.3), keep_aspect=True)
    if extra:  # room for the titles
        fig.set_figheight(fig.get_figheight() + extra * nrows)
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.remove()
            continue
        ax.imshow(images[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.axis("off")
        if titles is not None:
            ax.set_title(titles[i], fontsize=MIN_FONT)
    if title:
        fig.suptitle(title)
    return fig


def _rescale_each(images):
    """Map each image to [0, 1] by its own min and max (a constant image becomes 0.5)."""
    axes = tuple(range(1, images.ndim))
    low = images.min(axis=axes, keepdims=True)
    span = images.max(axis=axes, keepdims=True) - low
    return np.where(span > 0, (images - low) / np.where(span > 0, span, 1.0), 0.5)


def show_weights_as_images(W, image_shape=(8, 8), ncols=10, titles=None, cmap="gray", title=None):
    """Show each COLUMN of ``W`` as an image, each scaled to its own range (min black, max white).

    ``W`` has shape (D, H) with D = prod(image_shape), as in ``scores = X @ W``: column j holds
    the weights of unit j. ``image_shape`` is (height, width) or (height, width, 3) for RGB
    (channel last, as in X.reshape(N, -1) of (N, 32, 32, 3) images). ``titles``: H strings.
    Returns the Figure, with one Axes per column.
    """
    W = require_array("W", W, ndim=2, dtype_kind="fiu")
    shape = tuple(image_shape) if isinstance(image_shape, (tuple, list)) else None
    if (shape is None or len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] != 3)
            or not all(isinstance(s, (int, np.integer)) and s > 0 for s in shape)):
        raise ValueError(f"image_shape must be (height, width) or (height, width, 3), "
                         f"got {describe(image_shape)}")
    size = math.prod(shape)
    if W.shape[0] != size:
        hint = "; pass W.T if your images are its rows" if W.shape[1] == size else ""
        raise ValueError(f"W must have shape ({size}, H) for image_shape {shape}: each column is "
                         f"one image; got shape {W.shape}{hint}")
    if titles is not None and len(titles) != W.shape[1]:
        raise ValueError(f"titles must have one entry per column of W ({W.shape[1]}), "
                         f"got {len(titles)}")
    images = _rescale_each(W.T.astype(float).reshape(W.shape[1], *shape))
    ncols = require_number("ncols", ncols, low=1, integer=True)
    return _image_grid(images, titles, ncols, cmap, 0.0, 1.0, title)


def show_images(images, labels=None, class_names=None, ncols=10, cmap="gray", vmin=None,
                vmax=None, title=None):
    """A grid of images, e.g. digits, CIFAR-10 examples or the mean image.

    ``images`` has shape (N, H, W) (grey), (N, H, W, 3) (RGB), or (H, W) / (H, W, 3) for one
    image (a 3-D array whose last axis has size 3 counts as one RGB image). ``labels``: N ints or strings shown as titles; ints index ``class_names`` if given.
    Grey images use ``cmap`` with ``vmin``/``vmax`` (default: each image's own range). RGB uint8
    images are shown as they are; float RGB ones are mapped to [0, 1] with ``vmin``/``vmax`` if
    given, else each by its own range. Returns the Figure, with one Axes per image.
    """
    images = require_array("images", images, ndim=(2, 3, 4), dtype_kind="fiub")
    if images.ndim == 2 or (images.ndim == 3 and images.shape[-1] == 3):  # one image
        images = images[None]
    if images.ndim == 4 and images.shape[-1] not in (1, 3):
        raise ValueError(f"images must have shape (N, H, W) or (N, H, W, 3) (channel last), "
                         f"got {images.shape}")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim == 4 and images.dtype != np.uint8:
        if vmin is not None and vmax is not None:
            images = np.clip((images - vmin) / (vmax - vmin), 0.0, 1.0)
        else:
            images = _rescale_each(images.astype(float))
        vmin = vmax = None
    titles = None
    if labels is not None:
        if len(labels) != len(images):
            raise ValueError(f"labels must have one entry per image ({len(images)}), "
                             f"got {len(labels)}")
        titles = [class_names[int(v)] if class_names is not None
                  and isinstance(v, (int, np.integer)) else str(v) for v in labels]
    ncols = require_number("ncols", ncols, low=1, integer=True)
    return _image_grid(images, titles, ncols, cmap, vmin, vmax, title)


def plot_optimization_paths(f, paths, xlim=None, ylim=None, levels=30, log_levels=False,
                            minimum=None, ax=None, title=None, resolution=200):
    """Contours of ``f`` with the path of each optimizer drawn on top.

    ``f(X, Y)`` must work elementwise on arrays X, Y of shape (resolution, resolution) (a
    meshgrid). ``paths`` is a dict name -> array of shape (T, 2): the (x, y) points visited. A
    line with markers shows each path, a hollow black square its start, a red star ``minimum``
    (a pair (x, y)) if given. ``xlim``/``ylim`` default to the paths' extent plus a margin;
    ``levels`` is a count or a sequence of values; ``log_levels`` spaces a count of levels
    geometrically above the minimum of f (for steep valleys such as Rosenbrock's).
    Returns the Figure.
    """
    if not callable(f):
        raise TypeError(f"f must be a function f(X, Y), got {describe(f)}")
    if not isinstance(paths, Mapping) or not paths:
        raise TypeError(f"paths must be a non-empty dict name -> array of shape (T, 2), "
                        f"got {describe(paths)}")
    clean = {}
    for name, path in paths.items():
        arr = np.array(path, dtype=float) if not isinstance(path, np.ndarray) else path.astype(float)
        arr = require_array(f"paths[{name!r}]", arr, ndim=2, shape=(None, 2))
        if len(arr) == 0:
            raise ValueError(f"paths[{name!r}] is empty: a path needs at least its start point")
        arr[~np.isfinite(arr)] = np.nan
        clean[str(name)] = arr
    if minimum is not None:
        minimum = require_array("minimum", np.asarray(minimum, dtype=float), shape=(2,))
    points = np.vstack(list(clean.values()) + ([minimum[None]] if minimum is not None else []))
    limits = []
    for name, lim, col in (("xlim", xlim, 0), ("ylim", ylim, 1)):
        if lim is None:
            lo, hi = np.nanmin(points[:, col]), np.nanmax(points[:, col])
            pad = max(0.1 * (hi - lo), 0.5)
            lim = (lo - pad, hi + pad)
        if not isinstance(lim, (tuple, list, np.ndarray)) or len(lim) != 2 or not lim[0] < lim[1]:
            raise ValueError(f"{name} must be a pair (low, high) with low < high, got {describe(lim)}")
        limits.append((float(lim[0]), float(lim[1])))
    resolution = require_number("resolution", resolution, low=2, integer=True)
    X, Y = np.meshgrid(np.linspace(*limits[0], resolution), np.linspace(*limits[1], resolution))
    Z = np.asarray(f(X, Y), dtype=float)
    if Z.shape != X.shape:
        raise ValueError(f"f must work elementwise: f(X, Y) with X, Y of shape {X.shape} returned "
                         f"shape {Z.shape}; write it with numpy operations on whole arrays")
    Z = np.ma.masked_invalid(Z)
    if log_levels and isinstance(levels, (int, np.integer)) and Z.max() > Z.min():
        span = float(Z.max() - Z.min())
        levels = float(Z.min()) + np.geomspace(span * 1e-4, span, levels)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 5.5), layout="constrained")
    else:
        fig = _check_ax("ax", ax).figure
    ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.8, alpha=0.7)
    for i, (name, path) in enumerate(clean.items()):
        ax.plot(path[:, 0], path[:, 1], "-o", markersize=3, linewidth=1.2, label=name)
        ax.plot(path[0, 0], path[0, 1], "s", color="black", markerfacecolor="none", markersize=9,
                label="start" if i == 0 else "_nolegend_")
    if minimum is not None:
        ax.plot(minimum[0], minimum[1], "*", color="red", markersize=15, label="minimum")
    ax.set(xlim=limits[0], ylim=limits[1], xlabel="x", ylabel="y")
    ax.legend(fontsize=MIN_FONT)
    if title:
        ax.set_title(title)
    return fig
