"""cs231n_utils.monitoring: recorded runs as plain data, snapshots, the three mystery runs.

The ReLU, the initializers and the update rule are course exercises, so the versions the tests need
live here; the data are small synthetic blobs, to keep the tests fast.
"""
import numpy as np
import pytest

from cs231n_utils.model import FullyConnectedNet
from cs231n_utils.monitoring import MYSTERY_RUNS, layer_snapshot, mystery_runs, train_monitored


def relu_forward(x):
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0.0)


def he(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


def sgd(w, dw, config=None):
    config = {} if config is None else config
    return w - config.get("learning_rate", 1e-2) * dw, config


def ratio(w, update):
    norm = np.linalg.norm(w)
    return np.linalg.norm(update) / norm if norm > 0 else np.inf


def blobs(n, rng, dim=64, classes=10):
    centers = np.random.default_rng(0).random((classes, dim))
    y = rng.integers(0, classes, size=n)
    return np.clip(centers[y] + 0.2 * rng.standard_normal((n, dim)), 0, 1), y


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    X_train, y_train = blobs(300, rng)
    X_val, y_val = blobs(100, rng)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def net(seed=0, hidden=(20, 20), init=he):
    return FullyConnectedNet(list(hidden), 64, 10, activation=(relu_forward, relu_backward), init=init,
                             rng=np.random.default_rng(seed))


def test_layer_snapshot_shapes_and_no_side_effects(data):
    model = net()
    before = {k: v.copy() for k, v in model.params.items()}
    snap = layer_snapshot(model, data["X_val"][:30], data["y_val"][:30])
    assert [a.shape for a in snap["activations"]] == [(30, 20), (30, 20)]
    assert [g.shape for g in snap["gradients"]] == [(30, 20), (30, 20)]
    assert np.all(snap["activations"][0] >= 0)
    assert np.array_equal(snap["W1"], model.params["W1"]) and snap["W1"] is not model.params["W1"]
    assert all(np.array_equal(before[k], model.params[k]) for k in before)
    assert model.record_stats is False
    with pytest.raises(ValueError, match="same number"):
        layer_snapshot(model, data["X_val"][:30], data["y_val"][:20])


def test_train_monitored_records_plain_data(data):
    probe = (data["X_val"][:40], data["y_val"][:40])
    calls = []
    run = train_monitored(net(), data, update_rule=sgd, learning_rate=0.1, batch_size=50, num_epochs=3,
                          update_ratio=ratio, on_epoch=lambda m: calls.append(1) or len(calls), probe=probe, rng=0)
    assert run["iterations_per_epoch"] == 6
    assert len(run["loss_history"]) == 18 and all(isinstance(v, float) for v in run["loss_history"])
    assert len(run["train_acc_history"]) == len(run["val_acc_history"]) == 3
    assert sorted(run["update_ratio_history"]) == ["W1", "W2", "W3"]
    assert all(len(v) == 18 and all(0 < r < 1 for r in v) for v in run["update_ratio_history"].values())
    assert run["epoch_values"] == [1, 2, 3, 4]
    assert set(run["snapshots"]) == {"start", "end"}
    assert not np.array_equal(run["snapshots"]["start"]["W1"], run["snapshots"]["end"]["W1"])
    assert run["diverged"] is False and run["stop_reason"] is None
    assert run["loss_history"][-1] < run["loss_history"][0]


def test_train_monitored_without_options_and_bad_arguments(data):
    run = train_monitored(net(), data, update_rule=sgd, learning_rate=0.1, num_epochs=1, rng=0)
    assert run["update_ratio_history"] == {} and run["snapshots"] == {} and run["epoch_values"] == []
    with pytest.raises(ValueError, match="learning_rate"):
        train_monitored(net(), data, update_rule=sgd, learning_rate=0.0)
    with pytest.raises(TypeError, match="update_ratio"):
        train_monitored(net(), data, update_rule=sgd, learning_rate=0.1, update_ratio="norm")
    with pytest.raises(TypeError, match="probe"):
        train_monitored(net(), data, update_rule=sgd, learning_rate=0.1, probe=data["X_val"])


def test_train_monitored_end_snapshot_after_divergence(data):
    def explode(w, dw, config=None):
        return w * 1e200, config
    run = train_monitored(net(), data, update_rule=explode, learning_rate=0.1, num_epochs=2,
                          probe=(data["X_val"][:10], data["y_val"][:10]), rng=0)
    assert run["diverged"] is True and "not finite" in run["stop_reason"]
    assert set(run["snapshots"]) == {"start", "end"}


def test_mystery_runs_are_reproducible_and_each_shows_its_symptom(data):
    kwargs = dict(activation=(relu_forward, relu_backward), init=he, update_rule=sgd, update_ratio=ratio,
                  epochs_scale=0.2, rng=3)
    runs = mystery_runs(data, **kwargs)
    assert tuple(runs) == MYSTERY_RUNS
    again = mystery_runs(data, **kwargs)
    assert all(runs[k]["loss_history"] == again[k]["loss_history"] for k in runs)
    a, b, c = (runs[k] for k in MYSTERY_RUNS)
    assert a["loss_history"][0] > 10 * np.log(10)                           # far above the loss at chance
    assert max(b["loss_history"]) > 3 * b["loss_history"][0]                # explodes
    assert c["num_train"] == 100 and a["num_train"] == b["num_train"] == 300
    assert len(c["train_acc_history"]) == 12 and len(a["train_acc_history"]) == 4
    assert all(r["hidden_dims"] == [100, 100] for r in runs.values())
    with pytest.raises(ValueError, match="epochs_scale"):
        mystery_runs(data, **{**kwargs, "epochs_scale": 0.0})
    with pytest.raises(TypeError, match="init"):
        mystery_runs(data, **{**kwargs, "init": None})
