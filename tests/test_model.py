"""FullyConnectedNet: parameter layout, modes, gradients against numerical ones, argument checks.

The activation, normalization, dropout and initializer are course exercises, so the reference
versions the tests need live here, not in cs231n_utils.
"""
import functools

import numpy as np
import pytest

from cs231n_utils.gradient_check import eval_numerical_gradient, rel_error
from cs231n_utils.model import FullyConnectedNet


# ---------------------------------------------------------------- test-local layers
def tanh_forward(x):
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    return dout * (1 - cache ** 2)


TANH = (tanh_forward, tanh_backward)


def batchnorm_forward(x, gamma, beta, bn_param):
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    if bn_param["mode"] == "train":
        mu, var = x.mean(axis=0), x.var(axis=0)
        bn_param["running_mean"] = momentum * bn_param["running_mean"] + (1 - momentum) * mu
        bn_param["running_var"] = momentum * bn_param["running_var"] + (1 - momentum) * var
    else:
        mu, var = bn_param["running_mean"], bn_param["running_var"]
    xhat = (x - mu) / np.sqrt(var + eps)
    return gamma * xhat + beta, (xhat, gamma, np.sqrt(var + eps))


def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    dgamma, dbeta = (dout * xhat).sum(axis=0), dout.sum(axis=0)
    dxhat = dout * gamma
    dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) / std
    return dx, dgamma, dbeta


BATCHNORM = (batchnorm_forward, batchnorm_backward)


def dropout_forward(x, dropout_param):
    p = dropout_param["p"]
    if dropout_param["mode"] != "train":
        return x, None
    rng = np.random.default_rng(dropout_param.get("seed"))
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask


def dropout_backward(dout, cache):
    return dout if cache is None else dout * cache


DROPOUT = (dropout_forward, dropout_backward)


def gaussian_init(fan_in, fan_out, rng, scale=0.5):
    return scale * rng.standard_normal((fan_in, fan_out))


def make_net(**kwargs):
    options = dict(hidden_dims=[6, 5], input_dim=4, num_classes=3, activation=TANH,
                   init=gaussian_init, rng=0)
    options.update(kwargs)
    return FullyConnectedNet(**options)


def toy_batch(n=7, d=4, c=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(c, size=n)


def max_grad_error(model, X, y):
    _, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    errors = {}
    for name, value in model.params.items():
        num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], value, h=1e-6)
        errors[name] = rel_error(num, grads[name])
    return errors


# ------------------------------------------------------------------------- layout
def test_parameter_names_shapes_and_initial_values():
    model = make_net(normalization=BATCHNORM, bias_init=0.1)
    assert sorted(model.params) == sorted(
        ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"])
    assert model.params["W1"].shape == (4, 6) and model.params["W2"].shape == (6, 5)
    assert model.params["W3"].shape == (5, 3) and model.params["b3"].shape == (3,)
    assert np.all(model.params["b1"] == 0.1) and np.all(model.params["b3"] == 0)
    assert np.all(model.params["gamma2"] == 1) and np.all(model.params["beta2"] == 0)
    assert len(model.norm_params) == 2
    assert model.norm_params[0]["eps"] == 1e-5 and model.norm_params[0]["momentum"] == 0.9
    assert model.norm_params[1]["running_mean"].shape == (5,)
    assert model.norm_params[0] is not model.norm_params[1]


def test_init_receives_fan_in_fan_out_and_the_rng():
    calls = []

    def init(fan_in, fan_out, rng):
        calls.append((fan_in, fan_out))
        assert isinstance(rng, np.random.Generator)
        return np.zeros((fan_in, fan_out))

    make_net(init=init)
    assert calls == [(4, 6), (6, 5), (5, 3)]


def test_same_seed_same_weights_and_dtype():
    a, b = make_net(rng=3), make_net(rng=3)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    small = make_net(dtype=np.float32)
    assert all(v.dtype == np.float32 for v in small.params.values())
    X, y = toy_batch()
    assert small.loss(X).dtype == np.float32


def test_activation_may_be_an_object_with_forward_and_backward():
    class Tanh:
        forward = staticmethod(tanh_forward)
        backward = staticmethod(tanh_backward)

    X, y = toy_batch()
    assert np.allclose(make_net(activation=Tanh()).loss(X), make_net().loss(X))


# -------------------------------------------------------------------- forward/modes
def test_scores_in_test_mode_and_predict():
    model = make_net(dropout=DROPOUT, dropout_p=0.5)
    X, _ = toy_batch(n=9)
    scores = model.loss(X)
    assert scores.shape == (9, 3)
    # Inverted dropout: test mode is the plain network.
    assert np.allclose(scores, make_net().loss(X))
    assert np.array_equal(model.predict(X), scores.argmax(axis=1))
    # Inputs with more dimensions are flattened.
    assert np.allclose(model.loss(X.reshape(9, 2, 2)), scores)


def test_scores_match_a_hand_computed_forward_pass():
    model = make_net()
    X, _ = toy_batch()
    p = model.params
    h1 = np.tanh(X @ p["W1"] + p["b1"])
    h2 = np.tanh(h1 @ p["W2"] + p["b2"])
    assert np.allclose(model.loss(X), h2 @ p["W3"] + p["b3"])


def test_initial_loss_is_near_log_num_classes_for_small_weights():
    model = make_net(init=functools.partial(gaussian_init, scale=1e-3), num_classes=10)
    X, y = toy_batch(n=50, c=10)
    loss, _ = model.loss(X, y)
    assert abs(loss - np.log(10)) < 1e-3


def test_batchnorm_mode_is_train_with_labels_and_test_without():
    modes = []

    def spy_forward(x, gamma, beta, param):
        modes.append(param["mode"])
        return batchnorm_forward(x, gamma, beta, param)

    model = make_net(normalization=(spy_forward, batchnorm_backward))
    X, y = toy_batch()
    model.loss(X, y)
    assert modes == ["train", "train"]
    updated = model.norm_params[0]["running_mean"].copy()
    assert not np.allclose(updated, 0), "the train-mode forward should update the running mean"
    model.loss(X)
    assert modes[2:] == ["test", "test"]
    assert np.array_equal(model.norm_params[0]["running_mean"], updated)


def test_dropout_masks_are_fresh_unless_seeded():
    seen = []

    def spy_forward(x, param):
        seen.append(dict(param))
        return dropout_forward(x, param)

    X, y = toy_batch()
    model = make_net(dropout=(spy_forward, dropout_backward), dropout_p=0.3, rng=0)
    first, second = model.loss(X, y)[0], model.loss(X, y)[0]
    assert all(s["p"] == 0.3 and s["mode"] == "train" for s in seen)
    assert first != second, "without dropout_seed every training pass should draw new masks"
    seeded = make_net(dropout=DROPOUT, dropout_p=0.3, dropout_seed=5)
    assert seeded.loss(X, y)[0] == seeded.loss(X, y)[0]


def test_forward_with_stats_and_recorded_gradients():
    model = make_net(normalization=BATCHNORM)
    X, y = toy_batch()
    scores, stats = model.forward_with_stats(X)
    assert np.allclose(scores, model.loss(X))
    assert len(stats) == 2
    assert stats[1]["affine"].shape == (7, 5)
    assert np.allclose(stats[0]["activation"], np.tanh(stats[0]["normalized"]))
    plain = make_net()
    plain.record_stats = True
    plain.loss(X, y)
    layer = plain.stats[1]
    assert layer["dactivation"].shape == (7, 5) and layer["daffine"].shape == (7, 5)
    assert np.allclose(layer["daffine"], layer["dactivation"] * (1 - layer["activation"] ** 2))
    # The gradient at the first layer's pre-activation gives dW1 = X^T daffine.
    _, grads = plain.loss(X, y)
    assert np.allclose(grads["W1"], X.T @ plain.stats[0]["daffine"])


# ---------------------------------------------------------------------- gradients
GRAD_CASES = {
    "plain": {},
    "reg": {"reg": 0.7},
    "batchnorm": {"normalization": BATCHNORM},
    "dropout": {"dropout": DROPOUT, "dropout_p": 0.4, "dropout_seed": 123},
    "all": {"normalization": BATCHNORM, "dropout": DROPOUT, "dropout_p": 0.25,
            "dropout_seed": 7, "reg": 0.3, "bias_init": 0.05},
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_gradients_match_numerical_gradients(case):
    model = make_net(**GRAD_CASES[case])
    X, y = toy_batch()
    errors = max_grad_error(model, X, y)
    worst = max(errors, key=errors.get)
    assert errors[worst] < 1e-6, f"{case}: gradient of {worst} off by relative error {errors[worst]:.2e}"


def test_gradient_check_catches_a_wrong_activation_backward():
    wrong = (tanh_forward, lambda dout, cache: dout * (1 - cache))
    errors = max_grad_error(make_net(activation=wrong), *toy_batch())
    assert errors["W1"] > 1e-2


def test_l2_penalty_is_half_reg_times_squared_weights():
    X, y = toy_batch()
    model = make_net(reg=0.4, normalization=BATCHNORM)
    with_reg, grads_reg = model.loss(X, y)
    model.reg = 0.0
    without, grads = model.loss(X, y)
    weights = sum(np.sum(model.params[f"W{i}"] ** 2) for i in (1, 2, 3))
    assert np.isclose(with_reg - without, 0.5 * 0.4 * weights)
    assert np.allclose(grads_reg["W2"] - grads["W2"], 0.4 * model.params["W2"])
    assert np.allclose(grads_reg["b2"], grads["b2"]) and np.allclose(grads_reg["gamma1"], grads["gamma1"])


# ---------------------------------------------------------------- argument checks
@pytest.mark.parametrize("kwargs, name", [
    ({"hidden_dims": []}, "hidden_dims"),
    ({"hidden_dims": "64"}, "hidden_dims"),
    ({"hidden_dims": [5, 0]}, "hidden_dims[1]"),
    ({"hidden_dims": [2.5]}, "hidden_dims[0]"),
    ({"input_dim": 0}, "input_dim"),
    ({"num_classes": 1}, "num_classes"),
    ({"reg": -0.1}, "reg"),
    ({"dropout": DROPOUT, "dropout_p": 1.0}, "dropout_p"),
    ({"dropout_p": 0.5}, "dropout_p"),
    ({"activation": np.tanh}, "activation"),
    ({"activation": None}, "activation"),
    ({"normalization": (batchnorm_forward,)}, "normalization"),
    ({"dropout": "yes"}, "dropout"),
    ({"init": "he"}, "init"),
    ({"init": lambda fan_in, fan_out, rng: np.zeros((fan_out, fan_in))}, "init"),
    ({"dtype": np.int64}, "dtype"),
    ({"rng": "seed"}, "rng"),
])
def test_bad_constructor_arguments_are_named(kwargs, name):
    with pytest.raises((TypeError, ValueError)) as info:
        make_net(**kwargs)
    assert name in str(info.value)


def test_activation_is_required():
    with pytest.raises(TypeError, match="activation"):
        FullyConnectedNet([5], 4, 3, init=gaussian_init)


def test_bad_inputs_to_loss_are_explained():
    model = make_net()
    X, y = toy_batch()
    with pytest.raises(ValueError, match=r"X must have shape \(N, 4\).*input_dim=4.*\(7, 5\)"):
        model.loss(np.zeros((7, 5)))
    with pytest.raises(TypeError, match="X must be a numpy array"):
        model.loss(X.tolist())
    with pytest.raises(ValueError, match="y"):
        model.loss(X, np.full(7, 3))
    with pytest.raises(ValueError, match="y"):
        model.loss(X, y[:5])
