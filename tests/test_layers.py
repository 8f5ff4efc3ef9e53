"""cs231n_utils.layers: the provided affine layer and softmax loss."""
import warnings

import numpy as np
import pytest

from cs231n_utils.gradient_check import eval_numerical_gradient, rel_error
from cs231n_utils.layers import affine_backward, affine_forward, softmax_loss
from cs231n_utils.testing import check_backward, check_no_warnings


@pytest.fixture
def affine_inputs():
    rng = np.random.default_rng(0)
    return rng.standard_normal((2, 3, 4)), rng.standard_normal((12, 5)), rng.standard_normal(5)


# ---- affine ------------------------------------------------------------------------------------

def test_affine_forward_flattens_each_example(affine_inputs):
    x, w, b = affine_inputs
    out, cache = affine_forward(x, w, b)
    assert out.shape == (2, 5)
    expected = np.array([[sum(x[n].ravel()[d] * w[d, m] for d in range(12)) + b[m] for m in range(5)]
                         for n in range(2)])
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert cache[0] is x and cache[1] is w and cache[2] is b


def test_affine_forward_accepts_integer_inputs():
    out, _ = affine_forward(np.array([[1, 2]]), np.array([[1.0], [0.5]]), np.array([0.25]))
    np.testing.assert_allclose(out, [[2.25]])


def test_affine_backward_matches_numerical_gradients(affine_inputs):
    x, w, b = affine_inputs
    check_backward(affine_forward, affine_backward, dict(x=x, w=w, b=b), tol=1e-8)


def test_affine_backward_shapes(affine_inputs):
    x, w, b = affine_inputs
    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(np.ones((2, 5)), cache)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    np.testing.assert_allclose(db, [2.0] * 5)


def test_affine_forward_names_the_mismatched_shapes(affine_inputs):
    x, w, b = affine_inputs
    with pytest.raises(ValueError) as info:
        affine_forward(x, w[:10], b)
    assert str(info.value) == ("x has 12 features per example (shape (2, 3, 4)) but w has shape (10, 5): "
                               "w needs 12 rows")


@pytest.mark.parametrize("args, error, message", [
    (lambda x, w, b: (x.tolist(), w, b), TypeError, "^x must be a numpy array"),
    (lambda x, w, b: (np.array(1.0), w, b), ValueError, r"^x must have a batch dimension, got shape \(\)$"),
    (lambda x, w, b: (x, w.ravel(), b), ValueError, r"^w must have 2 dimensions, got shape \(60,\)$"),
    (lambda x, w, b: (x, w.astype(int), b), TypeError, "^w must have a dtype of kind 'f'"),
    (lambda x, w, b: (x, w, b[:4]), ValueError, r"^b must have shape \(5,?\), got \(4,\)$"),
    (lambda x, w, b: (x, w, b[None]), ValueError, r"^b must have shape \(5,?\), got \(1, 5\)$"),
    (lambda x, w, b: (x.astype(complex), w, b), TypeError, "^x must have a dtype of kind 'fiu'"),
])
def test_affine_forward_refuses_bad_arguments_naming_them(affine_inputs, args, error, message):
    with pytest.raises(error, match=message):
        affine_forward(*args(*affine_inputs))


def test_affine_backward_names_a_wrong_dout(affine_inputs):
    _, cache = affine_forward(*affine_inputs)
    with pytest.raises(ValueError, match=r"^dout must have shape \(2, 5\), got \(5, 2\)$"):
        affine_backward(np.ones((5, 2)), cache)
    with pytest.raises(TypeError, match="^dout must be a numpy array"):
        affine_backward([[1.0] * 5] * 2, cache)


# ---- softmax_loss ------------------------------------------------------------------------------

def test_softmax_loss_of_equal_scores_is_log_num_classes():
    loss, dscores = softmax_loss(np.zeros((4, 10)), np.arange(4))
    assert type(loss) is float
    assert loss == pytest.approx(np.log(10))
    assert dscores.shape == (4, 10)


def test_softmax_loss_value_against_the_formula():
    rng = np.random.default_rng(1)
    scores, y = rng.standard_normal((5, 3)), rng.integers(0, 3, size=5)
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert softmax_loss(scores, y)[0] == pytest.approx(-np.mean(np.log(p[np.arange(5), y])), rel=1e-12)


def test_softmax_gradient_matches_numerical_and_rows_sum_to_zero():
    rng = np.random.default_rng(2)
    scores, y = rng.standard_normal((6, 4)), rng.integers(0, 4, size=6)
    _, dscores = softmax_loss(scores, y)
    numerical = eval_numerical_gradient(lambda s: softmax_loss(s, y)[0], scores.copy())
    assert rel_error(dscores, numerical) < 1e-7
    np.testing.assert_allclose(dscores.sum(axis=1), 0.0, atol=1e-15)


def test_softmax_loss_does_not_modify_scores():
    scores = np.random.default_rng(3).standard_normal((3, 4))
    before = scores.copy()
    softmax_loss(scores, np.array([0, 1, 2]))
    np.testing.assert_array_equal(scores, before)


@pytest.mark.parametrize("scale", [1e4, -1e4, 1e300])
def test_softmax_loss_is_stable_for_huge_scores_without_warnings(scale):
    scores = np.array([[1.0, -1.0, 0.5], [-1.0, 1.0, 0.0]]) * scale
    y = np.array([0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dscores = check_no_warnings(softmax_loss, scores, y)
    assert np.isfinite(loss) and np.all(np.isfinite(dscores))
    # the margins between the true class and the best other class decide the loss
    margin = scores[:, 0] - scores.max(axis=1)
    if abs(scale) < 1e10:
        assert loss == pytest.approx(-np.mean(margin), rel=1e-9)


def test_softmax_loss_near_certain_predictions():
    scores = np.array([[1e4, -1e4], [-1e4, 1e4]])
    loss, dscores = softmax_loss(scores, np.array([0, 1]))
    assert loss == 0.0
    np.testing.assert_allclose(dscores, 0.0, atol=0)
    loss, dscores = softmax_loss(scores, np.array([1, 0]))
    assert loss == pytest.approx(2e4)
    np.testing.assert_allclose(dscores, [[0.5, -0.5], [-0.5, 0.5]])


@pytest.mark.parametrize("scores, y, error, message", [
    (np.zeros(3), np.zeros(3, dtype=int), ValueError, "^scores must have 2 dimensions"),
    (np.zeros((2, 3), dtype=int), np.zeros(2, dtype=int), TypeError, "^scores must have a dtype of kind 'f'"),
    (np.zeros((2, 3)), np.zeros(2), TypeError, "^y must have a dtype of kind 'iu'"),
    (np.zeros((2, 3)), np.zeros(3, dtype=int), ValueError, r"^y must have shape \(2,?\), got \(3,\)$"),
    (np.zeros((2, 3)), np.array([0, 3]), ValueError, r"^y must hold labels in \[0, 3\), got values from 0 to 3$"),
    (np.zeros((2, 3)), np.array([-1, 0]), ValueError, r"^y must hold labels in \[0, 3\)"),
    (np.zeros((2, 3)), [0, 1], TypeError, "^y must be a numpy array"),
])
def test_softmax_loss_refuses_bad_arguments_naming_them(scores, y, error, message):
    with pytest.raises(error, match=message):
        softmax_loss(scores, y)
