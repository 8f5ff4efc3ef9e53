"""Solver: trains on the real digits, keeps per-parameter optimizer state, calls its hooks, stays quiet.

The update rules and the activation are course exercises, so the versions the tests need live here.
"""
import functools
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits

from cs231n_utils.model import FullyConnectedNet
from cs231n_utils.solver import Solver


def tanh_forward(x):
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    return dout * (1 - cache ** 2)


def sgd(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def scaled_init(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    order = np.random.default_rng(0).permutation(len(y))
    train, val = order[:1400], order[1400:]
    return {"X_train": X[train], "y_train": y[train], "X_val": X[val], "y_val": y[val]}


@pytest.fixture
def small(digits):
    """300 training examples: 3 iterations per epoch with batch_size 100."""
    return {"X_train": digits["X_train"][:300], "y_train": digits["y_train"][:300],
            "X_val": digits["X_val"][:100], "y_val": digits["y_val"][:100]}


def make_net(hidden_dims=(32,), seed=0, **kwargs):
    return FullyConnectedNet(list(hidden_dims), 64, 10, activation=(tanh_forward, tanh_backward),
                             init=scaled_init, rng=seed, **kwargs)


def make_solver(data, model=None, **kwargs):
    options = dict(update_rule=sgd, optim_config={"learning_rate": 0.1}, batch_size=100,
                   num_epochs=2, rng=0)
    options.update(kwargs)
    return Solver(model if model is not None else make_net(), data, **options)


# ---------------------------------------------------------------------- training
def test_trains_on_digits_to_high_validation_accuracy(digits, capsys):
    model = make_net(hidden_dims=(64,))
    solver = Solver(model, digits, update_rule=sgd_momentum,
                    optim_config={"learning_rate": 0.05, "momentum": 0.9},
                    batch_size=50, num_epochs=8, rng=0)
    solver.train()
    assert not solver.diverged
    assert solver.best_val_acc > 0.9, f"validation accuracy only {solver.best_val_acc:.3f}"
    assert solver.loss_history[-1] < solver.loss_history[0] / 4
    assert solver.check_accuracy(digits["X_val"], digits["y_val"]) == solver.best_val_acc
    out = capsys.readouterr()
    assert out.out == "" and out.err == "", "training with the defaults must print nothing in tests"


def test_history_lengths(small):
    solver = make_solver(small, num_epochs=3).train()
    assert len(solver.loss_history) == 9 and len(solver.grad_norm_history) == 9
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 3
    assert solver.iteration == 9 and solver.epoch == 3
    assert solver.best_val_acc == max(solver.val_acc_history)
    assert solver.lr_history == [] and solver.update_ratio_history["W1"] == []
    # A batch larger than the training set means one iteration of everything per epoch.
    assert len(make_solver(small, batch_size=1000).train().loss_history) == 2


def test_same_seed_same_training(small):
    a = make_solver(small, model=make_net(seed=1), rng=5).train()
    b = make_solver(small, model=make_net(seed=1), rng=5).train()
    assert a.loss_history == b.loss_history


def test_each_parameter_has_its_own_optimizer_state(small):
    model = make_net()
    shared = {"learning_rate": 0.05, "momentum": 0.9}
    solver = make_solver(small, model=model, update_rule=sgd_momentum, optim_config=shared).train()
    configs = solver.optim_configs
    assert set(configs) == set(model.params)
    assert len({id(c) for c in configs.values()}) == len(configs), "configs must be distinct dicts"
    for name, config in configs.items():
        assert config["velocity"].shape == model.params[name].shape
    assert not np.allclose(configs["b1"]["velocity"], configs["b2"]["velocity"][0])
    assert shared == {"learning_rate": 0.05, "momentum": 0.9}, "optim_config itself must not change"


def test_lr_schedule_sets_the_learning_rate_each_epoch(small):
    epochs, seen = [], []

    def schedule(epoch):
        epochs.append(epoch)
        return 0.1 * 0.5 ** epoch

    def spy_rule(w, dw, config):
        seen.append(config["learning_rate"])
        return sgd(w, dw, config)

    solver = make_solver(small, update_rule=spy_rule, lr_schedule=schedule, num_epochs=3).train()
    assert epochs == [0, 1, 2]
    assert solver.lr_history == [0.1, 0.05, 0.025]
    n = len(solver.model.params)
    assert seen == [0.1] * 3 * n + [0.05] * 3 * n + [0.025] * 3 * n


def test_grad_clip_gets_all_gradients_and_its_result_is_used(small):
    received = []

    def zero_grads(grads):
        received.append(set(grads))
        return {name: np.zeros_like(g) for name, g in grads.items()}

    model = make_net()
    before = {k: v.copy() for k, v in model.params.items()}
    solver = make_solver(small, model=model, grad_clip=zero_grads).train()
    assert received and all(keys == set(model.params) for keys in received)
    assert all(np.array_equal(model.params[k], before[k]) for k in before)
    assert all(n > 0 for n in solver.grad_norm_history), "the norm is recorded before clipping"


def test_grad_clip_may_clip_in_place(small):
    def clip_in_place(grads, max_norm):
        total = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
        for g in grads.values():
            g *= min(1.0, max_norm / total)

    solver = make_solver(small, grad_clip=functools.partial(clip_in_place, max_norm=1e-3)).train()
    assert max(solver.grad_norm_history) > 1e-3
    assert solver.loss_history[-1] > solver.loss_history[0] - 0.05, "tiny clipped steps barely move"


def test_update_ratio_hook_and_epoch_hook(small):
    stops = []

    def stop_after_two(solver):
        stops.append(solver.epoch)
        return solver.epoch >= 2

    ratio = lambda w, update: np.linalg.norm(update) / np.linalg.norm(w)  # noqa: E731
    solver = make_solver(small, num_epochs=5, update_ratio=ratio, on_epoch_end=stop_after_two).train()
    assert stops == [1, 2] and len(solver.val_acc_history) == 2
    assert "on_epoch_end" in solver.stop_reason
    assert len(solver.update_ratio_history["W1"]) == 6
    assert all(0 < r < 1 for r in solver.update_ratio_history["W2"])


def test_best_params_are_restored(small):
    sabotage = {"on": False}

    def schedule(epoch):
        sabotage["on"] = epoch == 2
        return 0.1

    def rule(w, dw, config):
        if sabotage["on"]:
            return np.zeros_like(w), config
        return sgd(w, dw, config)

    model = make_net()
    solver = make_solver(small, model=model, update_rule=rule, lr_schedule=schedule, num_epochs=3).train()
    assert solver.val_acc_history[2] < max(solver.val_acc_history[:2])
    assert solver.best_val_acc == max(solver.val_acc_history)
    for name, value in solver.best_params.items():
        assert np.array_equal(model.params[name], value)
        assert model.params[name] is not value
    assert np.any(model.params["W1"] != 0)
    assert solver.check_accuracy(small["X_val"], small["y_val"]) == solver.best_val_acc


def test_diverging_loss_stops_cleanly(small, capsys):
    def exploding(w, dw, config):
        return w * 1e200 + 1.0, config

    model = make_net()
    start = {k: v.copy() for k, v in model.params.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        solver = make_solver(small, model=model, update_rule=exploding, num_epochs=4).train()
    assert solver.diverged and "not finite" in solver.stop_reason
    assert len(solver.loss_history) < 12 and not np.isfinite(solver.loss_history[-1])
    assert solver.val_acc_history == []
    assert all(np.array_equal(model.params[k], start[k]) for k in start), "back to the initial params"
    assert f"iteration {len(solver.loss_history)} (epoch 1)" in capsys.readouterr().out


def test_divergence_after_an_epoch_keeps_the_best_epoch(small):
    state = {"epoch": 0}

    def schedule(epoch):
        state["epoch"] = epoch
        return 0.1

    def rule(w, dw, config):
        return (w * 1e200 if state["epoch"] == 1 else sgd(w, dw, config)[0]), config

    model = make_net()
    solver = make_solver(small, model=model, update_rule=rule, lr_schedule=schedule, num_epochs=3)
    solver.train()
    assert solver.diverged and len(solver.val_acc_history) == 1
    assert all(np.isfinite(v).all() for v in model.params.values())
    assert solver.check_accuracy(small["X_val"], small["y_val"]) == solver.best_val_acc


def test_check_accuracy_subsamples(small):
    solver = make_solver(small)
    acc = solver.check_accuracy(small["X_train"], small["y_train"], num_samples=7, batch_size=3)
    assert acc in {k / 7 for k in range(8)}


# ----------------------------------------------------------------- progress/quiet
def test_progress_bar_is_silent_under_nbgrader_and_shown_when_asked(small, capsys, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    make_solver(small, progress=True, verbose=True).train()
    quiet = capsys.readouterr()
    assert quiet.err == "", "nothing may reach stderr under NBGRADER_EXECUTION"
    assert "val acc" in quiet.out, "verbose output goes to stdout"
    monkeypatch.delenv("NBGRADER_EXECUTION")
    make_solver(small, progress=True).train()
    assert "training" in capsys.readouterr().err, "progress=True shows a bar outside nbgrader"
    make_solver(small, progress="auto").train()
    assert capsys.readouterr() == ("", "")


# -------------------------------------------------------------------- validation
@pytest.mark.parametrize("kwargs, name", [
    ({"batch_size": 0}, "batch_size"),
    ({"num_epochs": 1.5}, "num_epochs"),
    ({"update_rule": "sgd"}, "update_rule"),
    ({"update_rule": None}, "update_rule"),
    ({"lr_schedule": 0.1}, "lr_schedule"),
    ({"grad_clip": 5.0}, "grad_clip"),
    ({"optim_config": 0.1}, "optim_config"),
    ({"progress": "yes"}, "progress"),
    ({"num_train_samples": 0}, "num_train_samples"),
    ({"rng": 1.5}, "rng"),
])
def test_bad_arguments_are_named(small, kwargs, name):
    with pytest.raises((TypeError, ValueError)) as info:
        make_solver(small, **kwargs)
    assert name in str(info.value)


def test_bad_data_is_explained(small):
    with pytest.raises(KeyError, match="y_val"):
        make_solver({k: v for k, v in small.items() if k != "y_val"})
    with pytest.raises(ValueError, match=r"X_train.*y_train"):
        make_solver(dict(small, y_train=small["y_train"][:10]))
    with pytest.raises(TypeError, match="y_val"):
        make_solver(dict(small, y_val=small["y_val"].astype(float)))
    with pytest.raises(TypeError, match="model"):
        Solver(object(), small, update_rule=sgd)


def test_bad_hook_results_are_explained(small):
    with pytest.raises(ValueError, match="lr_schedule"):
        make_solver(small, lr_schedule=lambda epoch: -1.0).train()
    with pytest.raises(ValueError, match="update_rule must return"):
        make_solver(small, update_rule=lambda w, dw, config: w - dw).train()
    with pytest.raises(ValueError, match="grad_clip must return"):
        make_solver(small, grad_clip=lambda grads: 1.0).train()
