"""cs231n_utils.gradient_check: centered differences, relative error, and x left untouched."""
import numpy as np
import pytest

from cs231n_utils.gradient_check import (directional_gradient_check, eval_numerical_gradient,
                                         eval_numerical_gradient_array, grad_check_sparse, rel_error)


@pytest.fixture
def x():
    return np.random.default_rng(0).standard_normal((3, 4))


# ---- rel_error --------------------------------------------------------------------------------

def test_rel_error_is_the_largest_symmetric_relative_error():
    assert rel_error(1.0, 3.0) == pytest.approx(0.5)
    assert rel_error(3.0, 1.0) == pytest.approx(0.5)
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 6.0])) == pytest.approx(0.5)
    assert rel_error(np.array([1.0, -1.0]), np.array([1.0, 1.0])) == pytest.approx(1.0)


def test_rel_error_is_zero_where_both_are_zero_without_warnings():
    with np.errstate(all="raise"):
        assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
        assert rel_error(np.array([]), np.array([])) == 0.0


def test_rel_error_floor_keeps_tiny_values_small():
    assert rel_error(1e-12, 0.0) == pytest.approx(1e-4)
    assert rel_error(1e-12, 0.0, floor=1e-20) == pytest.approx(1.0)


def test_rel_error_returns_a_python_float():
    assert type(rel_error(np.ones(2), np.ones(2))) is float


def test_rel_error_refuses_different_shapes():
    with pytest.raises(ValueError, match=r"x \(3,\) and y \(2,\)"):
        rel_error(np.ones(3), np.ones(2))


# ---- eval_numerical_gradient -------------------------------------------------------------------

def test_numerical_gradient_of_a_quadratic(x):
    grad = eval_numerical_gradient(lambda v: np.sum(v ** 2), x)
    assert grad.shape == x.shape
    assert rel_error(grad, 2 * x) < 1e-8


def test_numerical_gradient_is_centered(x):
    # for sum(x**3) the centered difference is exactly 3x^2 + h^2; one-sided would add 3xh
    h = 0.1
    grad = eval_numerical_gradient(lambda v: np.sum(v ** 3), x, h=h)
    np.testing.assert_allclose(grad, 3 * x ** 2 + h ** 2, rtol=1e-9, atol=1e-12)


def test_numerical_gradient_reaches_every_entry_of_a_3d_and_a_transposed_array():
    rng = np.random.default_rng(1)
    x3 = rng.standard_normal((2, 3, 2))
    np.testing.assert_allclose(eval_numerical_gradient(lambda v: np.sum(np.sin(v)), x3), np.cos(x3),
                               rtol=1e-8)
    base = rng.standard_normal((4, 3))
    w = rng.standard_normal((3, 4))
    np.testing.assert_allclose(eval_numerical_gradient(lambda v: np.sum(w * v), base.T), w, rtol=1e-8)


def test_numerical_gradient_refuses_bad_arguments_naming_them(x):
    with pytest.raises(TypeError, match="^x must be a numpy array"):
        eval_numerical_gradient(np.sum, [1.0, 2.0])
    with pytest.raises(TypeError, match="^x must have a dtype of kind 'f'"):
        eval_numerical_gradient(np.sum, np.arange(3))
    with pytest.raises(ValueError, match=r"^h must be in \(0, inf\]"):
        eval_numerical_gradient(np.sum, x, h=0.0)
    with pytest.raises(TypeError, match="^h must be a real number"):
        eval_numerical_gradient(np.sum, x, h="1e-5")


# ---- eval_numerical_gradient_array -------------------------------------------------------------

def test_numerical_gradient_array_is_the_vector_jacobian_product(x):
    rng = np.random.default_rng(2)
    w = rng.standard_normal((4, 5))
    dout = rng.standard_normal((3, 5))
    grad = eval_numerical_gradient_array(lambda v: v @ w, x, dout)
    assert rel_error(grad, dout @ w.T) < 1e-8


def test_numerical_gradient_array_copies_f_of_x_plus_h(x):
    # f returns x itself: without a copy, f(x + h) would be overwritten by f(x - h)
    dout = np.random.default_rng(3).standard_normal(x.shape)
    np.testing.assert_allclose(eval_numerical_gradient_array(lambda v: v, x, dout), dout, rtol=1e-8)


def test_numerical_gradient_array_weights_by_dout(x):
    dout = np.random.default_rng(4).standard_normal(x.shape)
    grad = eval_numerical_gradient_array(np.tanh, x, dout)
    np.testing.assert_allclose(grad, dout * (1 - np.tanh(x) ** 2), rtol=1e-7, atol=1e-10)


def test_numerical_gradient_array_refuses_a_dout_of_another_shape(x):
    with pytest.raises(ValueError, match=r"f\(x\) has shape \(3, 4\) but df has shape \(4, 3\)"):
        eval_numerical_gradient_array(lambda v: 2 * v, x, np.ones((4, 3)))


# ---- sparse and directional checks -------------------------------------------------------------

def test_grad_check_sparse_small_for_a_right_gradient_large_for_a_wrong_one(x):
    f = lambda v: np.sum(v ** 2)  # noqa: E731
    right = grad_check_sparse(f, x, 2 * x, num_checks=7, rng=0)
    assert len(right) == 7
    assert all(err < 1e-8 for _, _, _, err in right)
    assert all(ix in np.ndindex(x.shape) for ix, _, _, _ in right)
    wrong = grad_check_sparse(f, x, 3 * x, num_checks=7, rng=0)
    assert all(err > 0.1 for _, _, _, err in wrong)


def test_grad_check_sparse_is_reproducible_with_a_seed(x):
    f = lambda v: np.sum(v ** 2)  # noqa: E731
    first = [ix for ix, *_ in grad_check_sparse(f, x, 2 * x, num_checks=5, rng=9)]
    again = [ix for ix, *_ in grad_check_sparse(f, x, 2 * x, num_checks=5, rng=9)]
    assert first == again


def test_grad_check_sparse_refuses_bad_arguments(x):
    with pytest.raises(ValueError, match=r"^analytic_grad must have shape \(3, 4\), got \(4, 3\)$"):
        grad_check_sparse(np.sum, x, np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"^num_checks must be in \[1, inf\], got 0$"):
        grad_check_sparse(np.sum, x, np.ones_like(x), num_checks=0)


def test_directional_check_small_for_a_right_gradient_large_for_a_wrong_one(x):
    f = lambda v: np.sum(np.sin(v))  # noqa: E731
    right = directional_gradient_check(f, x, np.cos(x), num_directions=4, rng=0)
    assert len(right) == 4 and all(err < 1e-7 for _, _, err in right)
    wrong = np.cos(x)
    wrong[:, 0] = 0.0
    assert max(err for _, _, err in directional_gradient_check(f, x, wrong, rng=0)) > 1e-3


def test_directional_check_refuses_bad_arguments(x):
    with pytest.raises(TypeError, match="^analytic_grad must be a numpy array"):
        directional_gradient_check(np.sum, x, [1.0])
    with pytest.raises(TypeError, match="^rng must be a numpy Generator"):
        directional_gradient_check(np.sum, x, np.ones_like(x), rng="seed")


# ---- x is left exactly as it was ---------------------------------------------------------------

CHECKERS = {
    "eval_numerical_gradient": lambda f, x: eval_numerical_gradient(f, x),
    "eval_numerical_gradient_array": lambda f, x: eval_numerical_gradient_array(
        lambda v: np.atleast_1d(f(v)), x, np.ones(1)),
    "grad_check_sparse": lambda f, x: grad_check_sparse(f, x, np.zeros_like(x), num_checks=3, rng=0),
    "directional_gradient_check": lambda f, x: directional_gradient_check(
        f, x, np.zeros_like(x), num_directions=2, rng=0),
}


@pytest.mark.parametrize("name", CHECKERS)
def test_x_is_unchanged_after_a_normal_run(name, x):
    before = x.copy()
    CHECKERS[name](lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("name", CHECKERS)
@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_x_is_unchanged_when_f_raises_midway(name, fail_at, x):
    before = x.copy()
    seen = []

    def f(v):
        seen.append(v.copy())
        if len(seen) == fail_at:
            raise RuntimeError("boom")
        return float(np.sum(v))

    with pytest.raises(RuntimeError, match="boom"):
        CHECKERS[name](f, x)
    assert not np.array_equal(seen[-1], before), "f should have seen a nudged x"
    np.testing.assert_array_equal(x, before)
