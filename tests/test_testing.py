"""cs231n_utils.testing: checks for test cells whose failures tell a student what to fix."""
import warnings

import numpy as np
import pytest

from cs231n_utils.layers import affine_backward, affine_forward
from cs231n_utils.testing import (HintError, away_from_kinks, check_array, check_backward,
                                  check_gradient, check_no_warnings, check_raises, check_scalar, passed,
                                  no_warnings)


def message(func, *args, **kwargs):
    """The HintError message of a check that must fail; also that it carries no chained traceback."""
    with pytest.raises(HintError) as info:
        func(*args, **kwargs)
    err = info.value
    assert isinstance(err, AssertionError)
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)
    return str(err)


class Liar:
    """Equal to anything, the classic way to fool `assert out == expected`."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __sub__(self, other):
        return np.zeros(self.shape)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ---- check_array -------------------------------------------------------------------------------

def test_check_array_passes_equal_and_close_arrays(rng):
    e = rng.standard_normal((3, 4))
    assert check_array("out", e.copy(), e) is None
    check_array("out", e * (1 + 1e-9), e)
    check_array("out", e * (1 + 1e-5), e, rtol=1e-5)
    check_array("out", np.array([1e-15, 0.0]), np.array([0.0, 0.0]))  # round-off at 0: atol
    check_array("out", np.float32(1) * e.astype(np.float32), e, rtol=1e-6)
    check_array("out", e, shape=(None, 4))  # no expected values: type and shape only


@pytest.mark.parametrize("value, words", [
    ([1.0, 2.0], "got a list"),
    ((np.ones(2), {}), "got a tuple of 2 items"),
    (None, "`out` is None"),
    (Liar(), "got Liar"),
    (2.0, "got float"),
])
def test_check_array_refuses_what_is_not_an_array(value, words):
    text = message(check_array, "out", value, np.ones(2))
    assert words in text and "`out`" in text


def test_check_array_is_not_fooled_by_an_array_subclass_that_lies():
    liar = np.ones(3).view(LyingArray)
    assert "wrong at 3 of 3 entries" in message(check_array, "out", liar, np.zeros(3))


@pytest.mark.parametrize("dtype, words", [
    (np.int64, "dtype int64 (integers), expected floating-point numbers. Integers drop fractions"),
    (object, "dtype object (Python objects)"),
    (np.complex128, "dtype complex128 (complex numbers)"),
    (bool, "dtype bool (booleans)"),
])
def test_check_array_refuses_other_dtypes_saying_why(dtype, words):
    assert words in message(check_array, "out", np.ones(2, dtype=dtype), np.ones(2))


def test_check_array_other_kinds_on_request():
    check_array("labels", np.array([1, 2]), np.array([1, 2]), dtype_kind="iu")
    check_array("mask", np.array([True, False]), np.array([True, False]), dtype_kind="b")
    text = message(check_array, "mask", np.array([True, True]), np.array([True, False]), dtype_kind="b")
    assert "mask[1]: got True, expected False" in text
    assert "expected booleans" in message(check_array, "mask", np.array([1.0, 0.0]), np.array([1, 0]),
                                          dtype_kind="b")


@pytest.mark.parametrize("actual, expected, words", [
    ((3, 4), (4, 3), "`out` has shape (3, 4), expected (4, 3): transposed?"),
    ((4, 1), (4,), "`out` has shape (4, 1), expected (4,): only a size-1 axis differs (keepdims=True"),
    ((2, 6), (3, 4), "`out` has shape (2, 6), expected (3, 4): the right number of entries in another"),
    ((5,), (4,), "`out` has shape (5,), expected (4,)"),
])
def test_check_array_names_a_wrong_shape(actual, expected, words):
    assert words in message(check_array, "out", np.ones(actual), np.ones(expected))


def test_check_array_shape_with_a_wildcard():
    assert "`h` has shape (2, 3), expected (*, 4)" in message(check_array, "h", np.ones((2, 3)), shape=(None, 4))


def test_check_array_counts_nan_and_inf_entries():
    a = np.ones((3, 4))
    a[0, 1] = a[2, 2] = np.nan
    assert "`out` has 2 NaN entries (of 12), e.g. at out[0, 1]" in message(check_array, "out", a, np.ones((3, 4)))
    a[1, 1] = np.inf
    assert "2 NaN and 1 infinite entries" in message(check_array, "out", a)
    inf = np.array([np.inf, 1.0])
    check_array("out", inf.copy(), inf)  # an expected inf is matched by an inf


def test_check_array_value_mismatch_says_where_and_how_far(rng):
    e = rng.standard_normal((3, 4))
    a = e.copy()
    a[:, 2] += 1
    text = message(check_array, "out", a, e, hint="a bias added to the wrong column")
    assert text.startswith("`out` is wrong at 3 of 12 entries (max relative error ")
    assert f"out[0, 2]: got {a[0, 2]:.6g}, expected {e[0, 2]:.6g}" in text
    assert "Pattern: wrong only in column 2 (every entry there)." in text
    assert text.endswith("Likely cause: a bias added to the wrong column")


def test_check_array_lists_a_few_entries_and_counts_the_rest(rng):
    e = rng.standard_normal(20) + 5
    text = message(check_array, "out", e + 1, e)
    assert "wrong at 20 of 20 entries" in text
    assert text.count("out[") == 5 and "... and 15 more" in text


def test_check_array_reports_the_error_size(rng):
    text = message(check_array, "loss_curve", np.array([1.0, 3.0]), np.array([1.0, 1.0]))
    assert "max relative error 5.0e-01, largest difference 2" in text


def test_check_array_pattern_with_inputs(rng):
    x = rng.standard_normal(10)
    expected = np.maximum(x, 0)
    wrong = np.where(x > 0, x, 0.1 * x)
    text = message(check_array, "relu(x)", wrong, expected, inputs=x)
    assert "wrong exactly where `x < 0`" in text
    assert f"(x[{int(np.argmax(x < 0))}] = " in text


def test_check_array_exact_comparison():
    check_array("x after the call", np.ones(2), np.ones(2), rtol=0, atol=0)
    assert "wrong at 1 of 2 entries" in message(check_array, "x", np.array([1.0, 1 + 1e-15]), np.ones(2),
                                                 rtol=0, atol=0)


def test_check_array_names_a_known_mistake(rng):
    x = rng.uniform(1, 2, size=5)
    mistakes = {"dividing by h instead of 2h": 2 * x, "ignoring h": x + 7}
    text = message(check_array, "grad", 2 * x, x, mistakes=mistakes, hint="centered difference")
    assert "It matches a known mistake: dividing by h instead of 2h." in text
    assert "ignoring h" not in text and text.endswith("Likely cause: centered difference")
    assert "known mistake" not in message(check_array, "grad", 3 * x, x, mistakes=mistakes)


# ---- check_scalar ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [2.0, 2, np.float64(2.0), np.float32(2.0), np.array(2.0), np.array([2.0])])
def test_check_scalar_accepts_real_numbers(value):
    check_scalar("loss", value, 2.0)


@pytest.mark.parametrize("value, words", [
    (np.ones(3), "`loss` should be one number, got an array of shape (3,)"),
    (True, "`loss` should be a number, got the boolean True"),
    (np.bool_(True), "got the boolean True"),
    (None, "`loss` is None"),
    (1 + 0j, "`loss` should be a real number, got complex"),
    ("2.0", "`loss` should be a real number, got str"),
    (Liar(), "`loss` should be a real number, got Liar"),
    ((2.0,), "got a tuple of 1 items"),
    (np.array([1 + 0j]), "dtype complex128"),
    (float("nan"), "`loss` is nan"),
    (np.inf, "`loss` is inf"),
])
def test_check_scalar_refuses_what_is_not_one_real_number(value, words):
    assert words in message(check_scalar, "loss", value, 1.0)


def test_check_scalar_mismatch_gives_value_expected_and_ratio():
    text = message(check_scalar, "loss", 4.6, 2.3, hint="the mean, not the sum")
    assert text.startswith("`loss` is 4.6, expected 2.3 (relative error 3.3e-01): 2x expected")
    assert text.endswith("Likely cause: the mean, not the sum")
    assert "sign flipped?" in message(check_scalar, "dalpha", -0.5, 0.5)
    check_scalar("loss", 1.0 + 1e-9, 1.0, rtol=1e-8)
    check_scalar("mean", 1e-14, 0.0)
    assert "relative error" in message(check_scalar, "mean", 1e-14, 0.0, atol=0)


def test_check_scalar_names_a_known_mistake():
    text = message(check_scalar, "relative_error(1, 1.1)", 0.1, 0.1 / 1.1,
                   mistakes={"dividing by |a| only": 0.1, "dividing by |a| + |b|": 0.1 / 2.1})
    assert "It matches a known mistake: dividing by |a| only." in text and "|a| + |b|" not in text


# ---- check_gradient ----------------------------------------------------------------------------

def test_check_gradient_passes_with_numerical_noise(rng):
    num = rng.standard_normal((4, 5))
    analytic = num * (1 + 1e-9) + 1e-11
    analytic[0, 0] = 0.0
    num[0, 0] = 3e-10  # numerical noise where the true gradient is 0: the absolute tolerance
    assert check_gradient("dx", analytic, num) is None  # a test cell must not end in a value
    assert "relative error" in message(check_gradient, "dx", analytic, num, tol=1e-10, atol=1e-12)


def test_check_gradient_message_counts_wrong_entries(rng):
    x = rng.standard_normal((4, 5))
    num = np.where(x > 0, 1.0, 0.0) * rng.standard_normal((4, 5))
    text = message(check_gradient, "dx", np.zeros_like(num) + 0.5, num)
    wrong = 20
    assert text.startswith(f"gradient `dx` is wrong at {wrong} of 20 entries (max relative error ")
    assert "dx[0, 0]: analytic 0.5, numerical " in text


def test_check_gradient_pattern_negative_inputs(rng):
    x = away_from_kinks(rng.standard_normal((4, 5)))
    dout = rng.standard_normal((4, 5))
    num = dout * (x > 0)
    text = message(check_gradient, "dx", dout.copy(), num, inputs=x)  # passes dout where x < 0
    n_neg = int((x < 0).sum())
    assert f"gradient `dx` is wrong at {n_neg} of 20 entries" in text
    assert f"Pattern: wrong exactly where `x < 0` (all {n_neg} such entries)." in text
    assert "(x[" in text


def test_check_gradient_pattern_part_of_positive_inputs(rng):
    x = np.array([-1.0, 2.0, 3.0, -4.0, 5.0])
    num = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    text = message(check_gradient, "dx", np.array([0.0, 2.0, 1.0, 0.0, 1.0]), num, inputs=x)
    assert "Pattern: wrong only where `x > 0` (1 of the 3 such entries)." in text


def test_check_gradient_pattern_near_zero_inputs():
    x = np.array([-1.0, 1e-6, 2.0, -3.0])
    num = np.array([0.0, 0.5, 1.0, 0.0])
    text = message(check_gradient, "dx", np.array([0.0, 1.0, 1.0, 0.0]), num, inputs=x)
    assert "wrong exactly where `|x| <= 1e-4`" in text and "kink" in text


def test_check_gradient_pattern_columns_and_rows(rng):
    num = rng.standard_normal((4, 6))
    wrong = num.copy()
    wrong[:, 2] *= -3
    assert "Pattern: wrong only in column 2 (every entry there)." in message(check_gradient, "dw", wrong, num)
    wrong = num.copy()
    wrong[1, :] += 1
    wrong[3, :] += 1
    assert "Pattern: wrong only in rows 1, 3 (every entry there)." in message(check_gradient, "dw", wrong, num)
    wrong = num.copy()
    wrong[2, 4] += 1
    assert "only one entry is wrong, dw[2, 4]" in message(check_gradient, "dw", wrong, num)


def test_check_gradient_pattern_constant_factor_sign_and_zeros(rng):
    num = rng.standard_normal((3, 4))
    assert ("`dx` is 2.00x the numerical gradient everywhere: a missing or extra factor"
            in message(check_gradient, "dx", 2 * num, num))
    assert "`dx` is 0.25x the numerical gradient" in message(check_gradient, "dx", num / 4, num)
    assert "`dx` is minus the numerical gradient everywhere: a sign flipped?" in message(
        check_gradient, "dx", -num, num)
    assert "`dx` is all zeros" in message(check_gradient, "dx", np.zeros_like(num), num)
    assert "x the numerical" not in message(check_gradient, "dx", num + 1, num)


def test_check_gradient_small_errors_are_flagged_as_such(rng):
    num = rng.standard_normal(5)
    text = message(check_gradient, "dx", num * (1 + 1e-5), num)
    assert "The errors are small" in text and "kink" in text


def test_check_gradient_refuses_bad_gradients(rng):
    num = rng.standard_normal((3, 4))
    assert "gradient `dw` has shape (4, 3), expected (3, 4): transposed?" in message(
        check_gradient, "dw", num.T.copy(), num)
    assert "gradient `dw` should be a numpy array, got Liar" in message(check_gradient, "dw", Liar(), num)
    assert "got a list" in message(check_gradient, "dw", num.tolist(), num)
    assert "gradient `dw` is None" in message(check_gradient, "dw", None, num)
    bad = num.copy()
    bad[1, 2] = np.nan
    assert "gradient `dw` has 1 NaN entries (of 12), e.g. at dw[1, 2]" in message(check_gradient, "dw", bad, num)


def test_check_gradient_refuses_inputs_of_another_shape(rng):
    num = rng.standard_normal((3, 4))
    with pytest.raises(ValueError, match="inputs must have shape"):
        check_gradient("dx", num + 1, num, inputs=np.ones(4))


# ---- check_backward ----------------------------------------------------------------------------

def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def prelu_forward(x, alpha):
    return np.where(x > 0, x, alpha * x), (x, alpha)


def prelu_backward(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout), np.sum(dout * np.minimum(x, 0))


def batchnorm_forward(x, gamma, beta, bn_param):
    mu, var = x.mean(axis=0), x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + bn_param.get("eps", 1e-5))
    bn_param["running_mean"] = 0.9 * bn_param.get("running_mean", 0) + 0.1 * mu
    return gamma * xhat + beta, (xhat, gamma, var + bn_param.get("eps", 1e-5))


def batchnorm_backward(dout, cache):
    xhat, gamma, v = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    dx = (n * dxhat - dxhat.sum(0) - xhat * (dxhat * xhat).sum(0)) / (n * np.sqrt(v))
    return dx, (dout * xhat).sum(0), dout.sum(0)


@pytest.fixture
def x(rng):
    return rng.standard_normal((4, 5))


def test_check_backward_passes_correct_layers(rng, x):
    assert check_backward(relu_forward, relu_backward, {"x": x}, kinks={"x": (0.0,)}) is None
    check_backward(affine_forward, affine_backward,
                   dict(x=x, w=rng.standard_normal((5, 3)), b=rng.standard_normal(3)), tol=1e-8)
    check_backward(batchnorm_forward, batchnorm_backward,
                   dict(x=3 * x + 1, gamma=rng.standard_normal(5), beta=rng.standard_normal(5),
                        bn_param={"eps": 1e-5}))
    check_backward(lambda x: (1 / (1 + np.exp(-x)), x),
                   lambda d, c: d * np.exp(-c) / (1 + np.exp(-c)) ** 2, {"x": 4 * x})


def test_check_backward_grades_against_the_students_own_forward(x):
    # a forward pass that is wrong (3x) with a backward pass consistent with it passes here
    check_backward(lambda x: (3 * x, None), lambda dout, cache: 3 * dout, {"x": x})


def test_check_backward_scalar_parameter(rng, x):
    check_backward(prelu_forward, prelu_backward, {"x": x, "alpha": 0.25},
                   grad_names=["x", "alpha"], kinks={"x": (0.0,)})
    check_backward(prelu_forward, prelu_backward, {"x": x, "alpha": np.array(0.25)},
                   kinks={"x": (0.0,)})

    def wrong_dalpha(dout, cache):
        dx, dalpha = prelu_backward(dout, cache)
        return dx, 2 * dalpha
    # the scalar parameter's gradient is checked too, by default and when named
    for inputs in ({"x": x, "alpha": 0.25}, {"x": x, "alpha": np.array(0.25)}):
        assert "`dalpha`" in message(check_backward, prelu_forward, wrong_dalpha, inputs,
                                     grad_names=["x", "alpha"], kinks={"x": (0.0,)})


def test_check_backward_grad_names_set_the_order(rng, x):
    w = rng.standard_normal((5, 2))

    def backward(dout, cache):
        dx, dw, _ = affine_backward(dout, cache)
        return dw, dx

    check_backward(lambda x, w: affine_forward(x, w, np.zeros(2)), backward, {"x": x, "w": w},
                   grad_names=["w", "x"])
    assert "gradient `dw` has shape (4, 5), expected `w`'s (5, 2)" in message(
        check_backward, lambda x, w: affine_forward(x, w, np.zeros(2)), backward, {"x": x, "w": w})


def test_check_backward_never_modifies_the_callers_inputs(x):
    param = {"eps": 1e-5}
    before, param_before = x.copy(), dict(param)

    def inplace_forward(x, param):
        param["seen"] = True
        x[x < 0] = 0
        return x, x

    text = message(check_backward, inplace_forward, relu_backward, {"x": x, "param": param})
    assert "`inplace_forward` changed its input `x` in place" in text
    check_backward(lambda x, param: relu_forward(x), relu_backward, {"x": x, "param": param},
                   kinks={"x": (0.0,)})
    np.testing.assert_array_equal(x, before)
    assert param == param_before


def test_check_backward_lets_a_stubs_not_implemented_error_through(x):
    def stub(*args, **kwargs):
        raise NotImplementedError("relu_forward")

    with pytest.raises(NotImplementedError, match="relu_forward"):
        check_backward(stub, relu_backward, {"x": x})
    with pytest.raises(NotImplementedError):
        check_backward(relu_forward, stub, {"x": x})


def test_check_backward_finds_a_gradient_wrong_for_negative_inputs(rng, x):
    def leaky_forward(x):
        return np.where(x > 0, x, 0.01 * x), x

    def leaky_backward_wrong(dout, cache):
        return dout * np.where(cache > 0, 1.0, 0.1)

    text = message(check_backward, leaky_forward, leaky_backward_wrong, {"x": x}, kinks={"x": (0.0,)},
                   hints={"dx": "the slope for x < 0 is alpha"})
    n_neg = int((x < 0).sum())
    assert text.startswith("`leaky_backward_wrong` disagrees with the numerical gradient of `leaky_forward` "
                           "(centered differences, h=1e-05, upstream gradient `dout` of shape (4, 5)):")
    assert f"gradient `dx` is wrong at {n_neg} of 20 entries" in text
    assert f"wrong exactly where `x < 0` (all {n_neg} such entries)" in text
    assert text.endswith("Likely cause: the slope for x < 0 is alpha")


def test_check_backward_reports_every_wrong_gradient_with_its_hint(rng, x):
    def backward(dout, cache):
        dx, dw, db = affine_backward(dout, cache)
        return dx, 2 * dw, np.zeros_like(db)

    text = message(check_backward, affine_forward, backward,
                   dict(x=x, w=rng.standard_normal((5, 3)), b=rng.standard_normal(3)),
                   hints={"db": "sum dout over the batch"})
    assert "gradient `dx`" not in text
    assert "`dw` is 2.00x the numerical gradient everywhere" in text
    assert "`db` is all zeros" in text and text.endswith("Likely cause: sum dout over the batch")


def test_check_backward_hint_string_applies_to_every_gradient(x):
    text = message(check_backward, relu_forward, lambda d, c: 2 * d * (c > 0), {"x": x},
                   kinks={"x": (0.0,)}, hints="the derivative of max(0, x)")
    assert text.endswith("Likely cause: the derivative of max(0, x)")


def test_check_backward_notices_that_dout_is_ignored_or_passed_through(x):
    text = message(check_backward, relu_forward, lambda d, c: (c > 0).astype(float), {"x": x},
                   kinks={"x": (0.0,)})
    assert "`dx` stays the same when `dout` doubles: multiply by `dout`." in text
    text = message(check_backward, relu_forward, lambda d, c: d, {"x": x}, kinks={"x": (0.0,)})
    assert "`dx` equals `dout`: the local derivative of the layer is missing." in text


@pytest.mark.parametrize("returned, words", [
    (lambda dx, dw, db: (dx, dw), "`bwd` should return a tuple of 3 gradients (dx, dw, db) in this order, got 2 items."),
    (lambda dx, dw, db: dx, "`bwd` should return a tuple of 3 gradients (dx, dw, db) in this order, got array"),
    (lambda dx, dw, db: (dx, dw, None), "gradient `db` is None: is it computed and returned?"),
    (lambda dx, dw, db: (dx, dw.T, db), "gradient `dw` has shape (3, 5), expected `w`'s (5, 3): transposed?"),
    (lambda dx, dw, db: (dx, dw, db.astype(int)), "gradient `db` has dtype int64"),
    (lambda dx, dw, db: (dx, dw.tolist(), db), "gradient `dw` should be a numpy array, got a list"),
    (lambda dx, dw, db: (dx, dw, db[None]), "gradient `db` has shape (1, 3), expected `b`'s (3,)"),
])
def test_check_backward_checks_what_backward_returns(rng, x, returned, words):
    def bwd(dout, cache):
        return returned(*affine_backward(dout, cache))

    text = message(check_backward, affine_forward, bwd,
                   dict(x=x, w=rng.standard_normal((5, 3)), b=rng.standard_normal(3)))
    assert words in text


def test_check_backward_one_gradient_is_returned_bare(x):
    text = message(check_backward, relu_forward, lambda d, c: (relu_backward(d, c),), {"x": x})
    assert "`<lambda>`" not in text
    assert "should return the gradient `dx` itself, got a tuple of 1 items." in text


def test_check_backward_checks_what_forward_returns(x):
    assert "`fwd` should return a tuple (out, cache), got array" in message(
        check_backward, lambda_named("fwd", lambda x: x), relu_backward, {"x": x})
    assert "the output `out` of `fwd` should be a numpy array, got a list" in message(
        check_backward, lambda_named("fwd", lambda x: (x.tolist(), x)), relu_backward, {"x": x})


def test_check_backward_refuses_a_random_forward_pass(x):
    noise = np.random.default_rng(5)
    text = message(check_backward, lambda_named("dropout_forward", lambda x: (x * noise.random(x.shape), x)),
                   relu_backward, {"x": x})
    assert "`dropout_forward` gave different outputs for the same inputs" in text


def test_check_backward_uses_a_given_dout_and_a_fixed_default(x):
    seen = []

    def backward(dout, cache):
        seen.append(dout.copy())
        return dout * (cache > 0)

    check_backward(relu_forward, backward, {"x": x}, kinks={"x": (0.0,)})
    check_backward(relu_forward, backward, {"x": x}, kinks={"x": (0.0,)})
    np.testing.assert_array_equal(seen[0], seen[1])
    np.testing.assert_array_equal(seen[0], np.random.default_rng(0).standard_normal(x.shape))
    check_backward(relu_forward, backward, {"x": x}, dout=np.ones_like(x), kinks={"x": (0.0,)})
    np.testing.assert_array_equal(seen[-1], np.ones_like(x))
    with pytest.raises(ValueError, match="dout must have shape"):
        check_backward(relu_forward, backward, {"x": x}, dout=np.ones(3))


def test_check_backward_survives_a_backward_that_changes_dout(x):
    def backward(dout, cache):
        dout *= 3
        return dout

    check_backward(lambda x: (3 * x, None), backward, {"x": x})


def test_check_backward_refuses_bad_test_arguments(x):
    with pytest.raises(TypeError, match="inputs must be a dict"):
        check_backward(relu_forward, relu_backward, x)
    with pytest.raises(ValueError, match="no gradient to check"):
        check_backward(relu_forward, relu_backward, {"x": x.astype(int)})
    with pytest.raises(TypeError, match=r"inputs\['x'\] must have a dtype of kind 'f'"):
        check_backward(relu_forward, relu_backward, {"x": x.astype(int)}, grad_names=["x"])


@pytest.mark.parametrize("forward, backward", [
    (relu_forward, lambda d, c: (relu_backward(d, c),)),  # what backward returns
    (relu_forward, lambda d, c: 2 * relu_backward(d, c)),  # a wrong gradient
    (lambda x: (np.maximum(x, 0, out=x), x), relu_backward),  # a forward that writes into x
])
def test_check_backward_failures_show_no_frame_of_the_checker(x, forward, backward):
    # pytest and IPython skip frames marked __tracebackhide__: a student sees the test cell only
    with pytest.raises(HintError) as info:
        check_backward(forward, backward, {"x": x}, kinks={"x": (0.0,)})
    shown = [entry.frame.code.name for entry in info.traceback
             if entry.frame.code.path.name == "testing.py" and "cs231n_utils" in str(entry.frame.code.path)
             and not entry.frame.f_locals.get("__tracebackhide__")]
    assert shown == []


def lambda_named(name, func):
    func.__name__ = name
    return func


# ---- check_raises ------------------------------------------------------------------------------

def dropout_forward(x, p):
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    return x


def test_check_raises_passes_and_returns_none():
    assert check_raises(ValueError, dropout_forward, np.ones(3), 1.5, must_mention=["p", "1.5"]) is None
    check_raises((TypeError, ValueError), dropout_forward, np.ones(3), p=-1, must_mention="p")


def test_check_raises_when_the_function_returns_normally():
    text = message(check_raises, ValueError, lambda_named("dropout_forward", lambda x, p: x), np.ones(3), 1.5,
                   what="p=1.5")
    assert text.startswith("`dropout_forward` should refuse p=1.5 with a ValueError; it returned normally")
    text = message(check_raises, (ValueError, TypeError), lambda_named("f", lambda x, p: x),
                   np.ones((2, 3)), p=1.5)
    assert text.startswith("`f(array of shape (2, 3), p=1.5)` should fail with a ValueError or a TypeError; "
                           "it returned normally, with array of shape (2, 3) and dtype float64.")
    text = message(check_raises, ValueError, lambda p: p, 1.5)
    assert text.startswith("the function called with (1.5) should fail with a ValueError")


def test_check_raises_when_the_wrong_exception_is_raised():
    def f(p):
        return 1 / 0

    text = message(check_raises, ValueError, f, 0.0, what="p=0")
    assert "`f` should refuse p=0 with a ValueError; it raised ZeroDivisionError (division by zero) instead" in text


def test_check_raises_when_the_message_does_not_name_the_argument():
    def f(p):
        raise ValueError("bad value")

    text = message(check_raises, ValueError, f, 2.0, must_mention=["p", "bad"])
    assert "`f` raised ValueError as it should, but its message 'bad value' does not mention 'p'" in text


def test_check_raises_lets_a_stubs_not_implemented_error_through():
    def stub(p):
        raise NotImplementedError

    with pytest.raises(NotImplementedError):
        check_raises(RuntimeError, stub, 1.5)
    assert check_raises(NotImplementedError, stub, 1.5) is None


# ---- warnings ----------------------------------------------------------------------------------

def naive_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def stable_sigmoid(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def test_check_no_warnings_names_the_overflow_and_the_input_size(capsys):
    text = message(check_no_warnings, naive_sigmoid, np.array([-1000.0, 1000.0]),
                   hint="use the stable form: exponentiate only -|x|")
    assert text == ("`naive_sigmoid` overflowed in exp for inputs of magnitude up to 1e+03. It must run "
                    "without warnings: use the stable form: exponentiate only -|x|")
    assert capsys.readouterr().err == ""


def test_check_no_warnings_returns_the_result_and_allows_underflow():
    out = check_no_warnings(stable_sigmoid, np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])
    assert check_no_warnings(np.exp, -1000.0) == 0.0


def test_check_no_warnings_with_a_name_first():
    text = message(check_no_warnings, "relative_error(zeros, zeros)", lambda a, b: np.abs(a - b) / np.abs(a),
                   np.zeros(2), np.zeros(2), hint="don't divide 0 by 0")
    assert text.startswith("`relative_error(zeros, zeros)` produced an invalid value (NaN) in divide.")
    assert text.endswith("don't divide 0 by 0")


def test_check_no_warnings_division_by_zero_and_python_warnings():
    assert "`log` divided by zero in log" in message(check_no_warnings, np.log, np.zeros(2))

    def noisy():
        warnings.warn("careful", UserWarning)

    assert "issued a UserWarning (careful)" in message(check_no_warnings, noisy)

    def deprecated():
        warnings.warn("old", DeprecationWarning)
        return 1

    assert check_no_warnings(deprecated) == 1


def test_no_warnings_context_manager_and_numpy_state_restored():
    before = np.geterr()
    with no_warnings("`softmax`"):
        np.exp(np.array([-1e4]))
    with pytest.raises(HintError, match="^`softmax` overflowed in exp"):
        with no_warnings("`softmax`"):
            np.exp(np.array([1e4]))
    assert np.geterr() == before
    with pytest.raises(HintError):
        with no_warnings():
            warnings.warn("x")
    assert np.geterr() == before


def test_no_warnings_lets_other_errors_through():
    with pytest.raises(KeyError):
        with no_warnings():
            {}["missing"]


# ---- away_from_kinks ---------------------------------------------------------------------------

def test_away_from_kinks_moves_only_near_entries_and_copies():
    x = np.array([-1.0, -1e-5, 0.0, 2e-4, 0.5, 1.0 - 1e-6, 3.0])
    before = x.copy()
    moved = away_from_kinks(x, kinks=(0.0, 1.0), margin=1e-3)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(moved, [-1.0, -1e-3, 1e-3, 1e-3, 0.5, 1.0 - 1e-3, 3.0])
    assert np.min(np.abs(away_from_kinks(np.linspace(-1, 1, 1001)))) >= 1e-3


def test_away_from_kinks_refuses_bad_arguments():
    with pytest.raises(TypeError, match="^x must have a dtype of kind 'f'"):
        away_from_kinks(np.arange(3))
    with pytest.raises(ValueError, match=r"^margin must be in \(0, inf\]"):
        away_from_kinks(np.ones(2), margin=0)
    with pytest.raises(ValueError, match="kinks must be at least 2 \\* margin"):
        away_from_kinks(np.ones(2), kinks=(0.0, 1e-3), margin=1e-3)


def test_every_public_name_is_documented():
    import cs231n_utils.testing as testing
    for name in testing.__all__:
        assert getattr(testing, name).__doc__, name


def test_checked_call_names_the_argument_changed_in_place():
    from cs231n_utils.testing import HintError, checked_call

    def scales(x, cache):
        x *= 2
        return x.sum()
    with pytest.raises(HintError, match="`scales` changed the caller's `x` in place"):
        checked_call(scales, x=np.ones(3), cache=(np.ones(2),))

    def touches_cache(dout, cache):
        cache[0][0] = 5.0
        return dout
    with pytest.raises(HintError, match="changed its cache in place"):
        checked_call(touches_cache, dout=np.ones(2), cache=[np.zeros(2)])
    assert checked_call(lambda x: x + 1, x=np.array([np.nan, 1.0]))[1] == 2.0  # nan equals nan here


# ---- what a notebook shows ----------------------------------------------------------------------

def test_ipython_shows_a_failed_check_as_its_message_and_test_line(capsys):
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance(colors="nocolor")
    cell = ("import numpy as np\nfrom cs231n_utils.testing import check_array, no_warnings\n"
            "with no_warnings('`f`'):\n    y = np.zeros(3)\n"
            "check_array('dx', y, np.ones(3), hint='multiply by dout')\n")
    assert not shell.run_cell(cell).success
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].startswith("HintError: `dx` is wrong at 3 of 3 entries"), shown
    assert "Likely cause: multiply by dout" in shown
    assert shown[-1] == "at line 5 of this test cell: check_array('dx', y, np.ones(3), hint='multiply by dout')"
    assert not [line for line in shown if "contextlib" in line or "testing.py" in line]


def test_passed_prints_one_line_and_returns_none(capsys):
    assert passed("test_relu") is None
    assert capsys.readouterr().out == "\u2713 test_relu passed\n"
    with pytest.raises(TypeError, match="got 3"):
        passed(3)
