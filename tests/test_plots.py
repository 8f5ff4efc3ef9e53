"""Tests for cs231n_utils.plots: each figure renders, and has the panels, lines and texts it should."""
import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere in this process: no window, no display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from cs231n_utils.plots import (  # noqa: E402
    plot_histogram_grid,
    plot_layer_histograms,
    plot_optimization_paths,
    plot_training_curves,
    show_images,
    show_weights_as_images,
)


@pytest.fixture(autouse=True)
def no_show_and_close(monkeypatch):
    def fail_show(*args, **kwargs):
        raise AssertionError("plot functions must return their figure, not call plt.show()")

    monkeypatch.setattr(plt, "show", fail_show)
    yield
    plt.close("all")


def render(fig):
    assert isinstance(fig, Figure)
    fig.canvas.draw()
    return fig


class FakeSolver:
    def __init__(self, n=200, epochs=4, seed=0):
        rng = np.random.default_rng(seed)
        self.loss_history = list(2.3 * np.exp(-np.arange(n) / 80) + 0.1 * rng.random(n))
        self.train_acc_history = list(np.linspace(0.1, 0.9, epochs + 1))
        self.val_acc_history = list(np.linspace(0.1, 0.7, epochs + 1))


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def panel_texts(ax):
    return " ".join(t.get_text() for t in ax.texts)


def shown_texts(fig):
    """Every visible, non-empty text of the figure that is drawn (not the labels of hidden axes)."""
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and (t.axes is None or t.axes.axison or t in t.axes.texts or t is t.axes.title)]


def assert_fits_a_notebook_column(fig):
    """At most 9.5 in wide (950 px at the inline backend's 100 dpi), no text under 9 pt."""
    render(fig)
    width = fig.get_figwidth()
    assert width <= 9.5, f"figure {width:.2f} in wide: JupyterLab would shrink it to its column"
    small = [(t.get_text(), t.get_fontsize()) for t in shown_texts(fig) if t.get_fontsize() < 9]
    assert not small, f"texts under 9 pt: {small[:5]}"


# ----------------------------------------------------------------------------- training curves

def test_training_curves_of_one_solver():
    fig = render(plot_training_curves(FakeSolver(), title="one run"))
    loss_ax, acc_ax = fig.axes
    assert len(fig.axes) == 2
    assert len(loss_ax.lines) == 2  # raw and smoothed
    assert len(acc_ax.lines) == 2  # train and val
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), FakeSolver().loss_history)
    assert len(acc_ax.lines[0].get_xdata()) == 5
    assert fig._suptitle.get_text() == "one run"


def test_training_curves_from_lists_and_from_a_dict_with_history_keys():
    s = FakeSolver()
    fig = render(plot_training_curves(s.loss_history, s.train_acc_history, s.val_acc_history))
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    fig = render(plot_training_curves(dict(loss_history=s.loss_history,
                                           train_acc_history=s.train_acc_history,
                                           val_acc_history=s.val_acc_history)))
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    fig = render(plot_training_curves([2.3, 2.1, 1.9]))  # too short to smooth, no accuracies
    assert [len(ax.lines) for ax in fig.axes] == [1, 0]


def test_training_curves_overlay_several_runs_in_distinct_colours():
    fig = render(plot_training_curves({"sgd": FakeSolver(seed=1), "adam": FakeSolver(seed=2)}))
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.lines) == 4 and len(acc_ax.lines) == 4
    assert acc_ax.lines[0].get_color() != acc_ax.lines[2].get_color()
    # one legend under the panels, hiding no curve: a colour per run, a line style per split
    assert loss_ax.get_legend() is None and acc_ax.get_legend() is None
    legend, = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["sgd", "adam", "train", "val"]
    handles = legend.legend_handles
    assert handles[0].get_color() == loss_ax.lines[1].get_color() == acc_ax.lines[0].get_color()
    assert handles[1].get_color() == acc_ax.lines[2].get_color()
    assert handles[3].get_linestyle() == acc_ax.lines[1].get_linestyle() == "--"
    assert "mean of 8" in loss_ax.get_title()


def test_training_curves_of_several_runs_into_given_axes():
    fig, axes = plt.subplots(1, 3)
    plot_training_curves({"p 0": FakeSolver(seed=1), "p 0.5": FakeSolver(seed=2)}, axes=axes[:2])
    render(fig)
    assert legend_texts(axes[0]) == ["p 0", "p 0.5"]
    assert legend_texts(axes[1]) == ["train", "val"]
    assert not fig.legends


def test_training_curves_share_axes_across_calls():
    fig, axes = plt.subplots(1, 2)
    out1 = plot_training_curves(FakeSolver(seed=1), label="lr 1e-3", axes=axes)
    out2 = plot_training_curves(FakeSolver(seed=2), label="lr 1e-2", axes=axes)
    assert out1 is fig and out2 is fig
    render(fig)
    assert len(axes[0].lines) == 4 and len(axes[1].lines) == 4
    assert axes[0].lines[0].get_color() != axes[0].lines[2].get_color()
    assert "lr 1e-2 val" in legend_texts(axes[1])


def test_training_curves_survive_an_exploding_loss():
    render(plot_training_curves([2.3, 2.0, 5.0, np.inf, np.nan], smooth=2))


@pytest.mark.parametrize("args, kwargs, error, name", [
    (([],), {}, ValueError, "history"),
    ((dict(loss_history=[]),), {}, ValueError, "loss_history"),
    (({"sgd": dict(loss_history=["a"])},), {}, TypeError, r"history\['sgd'\].loss_history"),
    (({},), {}, ValueError, "history"),
    (([1.0, 2.0],), dict(axes="ax"), ValueError, "axes"),
    (([1.0, 2.0],), dict(smooth=0), ValueError, "smooth"),
    (([[1.0, 2.0]],), {}, ValueError, "history"),
])
def test_training_curves_bad_input_is_named(args, kwargs, error, name):
    with pytest.raises(error, match=name):
        plot_training_curves(*args, **kwargs)


# ----------------------------------------------------------------------------- histograms

def layer_values(num_layers, seed=0):
    rng = np.random.default_rng(seed)
    return [np.tanh(rng.standard_normal((50, 20)) * 0.8 ** i) for i in range(num_layers)]


def test_layer_histograms_one_panel_per_layer_with_mean_and_std():
    values = layer_values(7)
    fig = render(plot_layer_histograms(values, bins=20, title="tanh"))
    assert len(fig.axes) == 7  # unused grid cells removed
    for ax, v in zip(fig.axes, values):
        text = panel_texts(ax)
        assert f"mean {v.mean():.3g}" in text and f"std {v.std():.3g}" in text
        assert len(ax.patches) == 20  # the bars
    assert [ax.get_title() for ax in fig.axes] == [f"layer {i}" for i in range(1, 8)]


def test_layer_histograms_of_a_deep_net_wrap_to_fit_the_column():
    fig = plot_layer_histograms(layer_values(10), title="10 layers")
    assert_fits_a_notebook_column(fig)
    assert len(fig.axes) == 10
    assert len({ax.get_subplotspec().rowspan.start for ax in fig.axes}) == 3  # 4 + 4 + 2
    fig = plot_layer_histograms(layer_values(10), ncols=10)  # too many asked: 5 per row
    assert_fits_a_notebook_column(fig)
    assert len({ax.get_subplotspec().rowspan.start for ax in fig.axes}) == 2
    assert_fits_a_notebook_column(plot_layer_histograms(layer_values(2)))


def test_layer_histograms_from_a_dict_and_with_non_finite_values():
    values = {"fc1": np.array([1.0, 2.0, np.inf]), "fc2": np.array([[0.5, np.nan], [1.5, 1.0]])}
    fig = render(plot_layer_histograms(values, hist_range=(-1, 3)))
    assert [ax.get_title() for ax in fig.axes] == ["fc1", "fc2"]
    assert "mean 1.5" in panel_texts(fig.axes[0]) and "1 non-finite" in panel_texts(fig.axes[0])
    assert "mean 1" in panel_texts(fig.axes[1])


def test_histogram_grid_rows_are_schemes_and_columns_layers():
    schemes = {"small": layer_values(4, 1), "xavier": layer_values(4, 2), "he": layer_values(3, 3)}
    fig = render(plot_histogram_grid(schemes, bins=10, hist_range=(-1, 1)))
    assert len(fig.axes) == 4 + 4 + 3
    first_column = [ax for ax in fig.axes if ax.get_ylabel()]
    assert [ax.get_ylabel() for ax in first_column] == ["small", "xavier", "he"]
    assert [ax.get_title() for ax in fig.axes[:4]] == [f"layer {i}" for i in range(1, 5)]
    for ax in fig.axes:
        assert "mean" in panel_texts(ax) and "std" in panel_texts(ax)
    he_last = fig.axes[-1]
    assert f"std {schemes['he'][2].std():.3g}" in panel_texts(he_last)


def test_histogram_grid_of_a_deep_net_shows_five_layers_and_says_which():
    schemes = {name: layer_values(10, seed) for seed, name in enumerate(
        ["zeros", "small", "large", "xavier", "glorot", "he"])}
    fig = plot_histogram_grid(schemes, bins=20, title="tanh")
    assert_fits_a_notebook_column(fig)
    assert len(fig.axes) == 6 * 5
    assert [ax.get_title() for ax in fig.axes[:5]] == [f"layer {i}" for i in (1, 3, 5, 8, 10)]
    assert fig._suptitle.get_text() == "tanh (layers 1, 3, 5, 8 and 10 of 10)"
    assert f"std {schemes['he'][9].std():.3g}" in panel_texts(fig.axes[-1])
    fig = plot_histogram_grid(schemes, layers=[1, 4, 7, 10])
    assert_fits_a_notebook_column(fig)
    assert [ax.get_title() for ax in fig.axes[:4]] == [f"layer {i}" for i in (1, 4, 7, 10)]
    assert fig._suptitle.get_text() == "Layers 1, 4, 7 and 10 of 10"
    assert f"mean {schemes['small'][6].mean():.3g}" in panel_texts(fig.axes[4 + 2])


def test_figures_fit_a_notebook_column():
    assert_fits_a_notebook_column(plot_training_curves({"sgd": FakeSolver(seed=1),
                                                        "adam": FakeSolver(seed=2)}, title="t"))
    assert_fits_a_notebook_column(plot_histogram_grid({"a": layer_values(5), "b": layer_values(5)}))
    digits = np.random.default_rng(0).random((30, 8, 8))
    fig = show_images(digits, labels=np.arange(30) % 10, class_names=[f"digit {c}" for c in range(10)])
    assert_fits_a_notebook_column(fig)
    assert len(fig.axes) == 30
    assert_fits_a_notebook_column(show_weights_as_images(np.ones((64, 20)), ncols=20, title="W"))
    paths = {"sgd": np.array([[1.0, 1.0], [0.5, 0.2]]), "adam": np.array([[1.0, 1.0], [0.2, 0.5]])}
    assert_fits_a_notebook_column(plot_optimization_paths(bowl, paths, minimum=(0, 0), title="bowl"))


@pytest.mark.parametrize("call, error, name", [
    (lambda: plot_layer_histograms(np.zeros((3, 4))), TypeError, "values_per_layer"),
    (lambda: plot_layer_histograms([]), ValueError, "values_per_layer"),
    (lambda: plot_layer_histograms([np.zeros(3), np.array([])]), ValueError, r"'layer 2'"),
    (lambda: plot_layer_histograms([np.zeros(3)], bins=0), ValueError, "bins"),
    (lambda: plot_histogram_grid([np.zeros(3)]), TypeError, "values_by_scheme"),
    (lambda: plot_histogram_grid({"he": [np.array(["a"])]}), TypeError, r"values_by_scheme\['he'\]"),
    (lambda: plot_histogram_grid({"he": layer_values(3)}, layers=[1, 4]), ValueError, "layers"),
    (lambda: plot_histogram_grid({"he": layer_values(8)}, layers=range(1, 8)), ValueError, "layers"),
    (lambda: plot_histogram_grid({"he": layer_values(3)}, layers="1"), ValueError, "layers"),
])
def test_histograms_bad_input_is_named(call, error, name):
    with pytest.raises(error, match=name):
        call()


# ----------------------------------------------------------------------------- images

def images_of(fig):
    return [img for ax in fig.axes for img in ax.images if isinstance(img, AxesImage)]


def test_weights_as_images_one_panel_per_column_each_rescaled():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((64, 10))
    W[:, 4] = 3.0  # a constant column must not divide by zero
    fig = render(show_weights_as_images(W, titles=[str(c) for c in range(10)]))
    imgs = images_of(fig)
    assert len(fig.axes) == 10 and len(imgs) == 10
    shown = np.asarray(imgs[3].get_array())
    expected = (W[:, 3] - W[:, 3].min()) / (W[:, 3].max() - W[:, 3].min())
    np.testing.assert_allclose(shown, expected.reshape(8, 8))
    assert np.all(np.isfinite(np.asarray(imgs[4].get_array())))
    assert fig.axes[7].get_title() == "7"


def test_weights_as_rgb_images():
    W = np.random.default_rng(1).standard_normal((2 * 2 * 3, 5))
    imgs = images_of(render(show_weights_as_images(W, image_shape=(2, 2, 3), ncols=3)))
    assert len(imgs) == 5 and np.asarray(imgs[0].get_array()).shape == (2, 2, 3)


@pytest.mark.parametrize("W, kwargs, match", [
    (np.zeros((10, 64)), {}, r"W\.T"),
    (np.zeros(64), {}, "W"),
    (np.zeros((64, 3)), dict(image_shape=(8, 8, 2)), "image_shape"),
    (np.zeros((64, 3)), dict(titles=["a"]), "titles"),
])
def test_weights_bad_input_is_named(W, kwargs, match):
    with pytest.raises(ValueError, match=match):
        show_weights_as_images(W, **kwargs)


def test_show_images_with_class_names():
    images = np.random.default_rng(0).random((12, 8, 8))
    labels = np.arange(12) % 10
    names = [f"digit {c}" for c in range(10)]
    fig = render(show_images(images, labels, class_names=names, ncols=5))
    assert len(fig.axes) == 12 and len(images_of(fig)) == 12
    assert fig.axes[11].get_title() == "digit 1"
    np.testing.assert_array_equal(np.asarray(images_of(fig)[2].get_array()), images[2])


def test_show_images_single_image_and_rgb():
    fig = render(show_images(np.arange(64.0).reshape(8, 8), title="mean image"))
    assert len(fig.axes) == 1
    rgb = np.random.default_rng(0).normal(size=(3, 4, 4, 3))  # float, outside [0, 1]
    shown = np.asarray(images_of(render(show_images(rgb)))[0].get_array())
    assert shown.shape == (4, 4, 3) and shown.min() == 0.0 and shown.max() == 1.0
    uint8 = np.full((2, 4, 4, 3), 200, dtype=np.uint8)
    assert np.asarray(images_of(render(show_images(uint8)))[0].get_array()).max() == 200


@pytest.mark.parametrize("images, kwargs, match", [
    (np.zeros((3, 8, 8)), dict(labels=[1, 2]), "labels"),
    (np.zeros((2, 3, 4, 4, 3)), {}, "images"),
    (np.zeros((2, 4, 4, 2)), {}, "images"),
    ([[0.0]], {}, "images"),
])
def test_show_images_bad_input_is_named(images, kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        show_images(images, **kwargs)


# ----------------------------------------------------------------------------- optimization paths

def bowl(x, y):
    return x ** 2 + 10 * y ** 2


def test_optimization_paths_lines_markers_and_legend():
    t = np.linspace(0, 1, 15)[:, None]
    paths = {"sgd": np.hstack([1 - t, 1 - t]), "adam": np.hstack([1 - t, (1 - t) ** 2])}
    fig = render(plot_optimization_paths(bowl, paths, xlim=(-2, 2), ylim=(-1.5, 1.5),
                                         minimum=(0, 0), title="bowl"))
    ax, = fig.axes
    assert len(ax.lines) == 2 + 2 + 1  # paths, their start markers, the minimum
    np.testing.assert_allclose(ax.lines[0].get_xydata(), paths["sgd"])
    assert set(legend_texts(ax)) == {"sgd", "adam", "start", "minimum"}
    assert len(ax.collections) >= 1  # the contours
    assert ax.get_xlim() == (-2, 2) and ax.get_title() == "bowl"


def test_optimization_paths_default_limits_log_levels_and_divergence():
    paths = {"diverges": np.array([[0.5, 0.5], [-3.0, 2.0], [np.inf, np.nan]])}
    fig, ax = plt.subplots()
    out = plot_optimization_paths(bowl, paths, log_levels=True, levels=12, ax=ax)
    assert out is fig
    render(fig)
    lo, hi = ax.get_xlim()
    assert lo < -3.0 and hi > 0.5
    assert len(ax.lines) == 2


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(f=lambda x, y: 1.0), ValueError, "f must work elementwise"),
    (dict(f="bowl"), TypeError, "f must be"),
    (dict(paths=np.zeros((3, 2))), TypeError, "paths"),
    (dict(paths={"sgd": np.zeros((3, 3))}), ValueError, r"paths\['sgd'\]"),
    (dict(xlim=(1, -1)), ValueError, "xlim"),
    (dict(minimum=(1, 2, 3)), ValueError, "minimum"),
    (dict(ax="left"), TypeError, "ax"),
])
def test_optimization_paths_bad_input_is_named(kwargs, error, match):
    args = dict(f=bowl, paths={"sgd": np.zeros((3, 2))})
    args.update(kwargs)
    with pytest.raises(error, match=match):
        plot_optimization_paths(args.pop("f"), args.pop("paths"), **args)
