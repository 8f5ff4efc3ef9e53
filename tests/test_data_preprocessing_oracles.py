"""The reference solution of assignment 03 (data_preprocessing) against scikit-learn's StandardScaler and
PCA(whiten=True) on the digits. The functions are taken from the answer cells of
solutions/data_preprocessing/data_preprocessing.py (the notebook's own tests must not need scikit-learn)."""
import numpy as np
import pytest

from autograder import cells, paths, source
from cs231n_utils.data import load_digits

sklearn = pytest.importorskip("sklearn")
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


@pytest.fixture(scope="module")
def reference():
    """The namespace of the reference answer cells (solutions included)."""
    nb = source.instructor_notebook(paths.ROOT, "data_preprocessing")
    namespace = {"np": np}
    for cell in cells.of_kind(nb, "answer"):
        exec(compile(cell.source, f"<answer {cells.grade_id(cell)}>", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


def _same_up_to_column_signs(a, b, atol):
    """a and b equal after flipping the sign of whole columns of b (a component may have either sign)."""
    signs = np.sign(np.sum(a * b, axis=0))
    signs[signs == 0] = 1.0
    np.testing.assert_allclose(a, b * signs, rtol=0, atol=atol)


def test_normalize_matches_standard_scaler(reference, digits):
    X_train, X_val, X_test = digits["X_train"], digits["X_val"], digits["X_test"]
    assert np.sum(X_train.std(axis=0) == 0) >= 1  # the digits have pixels blank in every training image
    scaler = StandardScaler().fit(X_train)
    ours = reference["normalize"](X_train, X_val, X_test)
    for mine, X in zip(ours, (X_train, X_val, X_test)):
        np.testing.assert_allclose(mine, scaler.transform(X), rtol=1e-10, atol=1e-10)


def test_pca_and_whitening_match_sklearn_pca(reference, digits):
    X_train, X_test = digits["X_train"], digits["X_test"]
    N = len(X_train)
    k = 20
    pca = reference["pca_fit"](X_train, k)
    sk = PCA(n_components=k, whiten=True, svd_solver="full").fit(X_train)
    np.testing.assert_allclose(pca["mean"], sk.mean_, rtol=0, atol=1e-12)
    # scikit-learn divides the covariance by N - 1, this course by N
    np.testing.assert_allclose(pca["variances"], sk.explained_variance_ * (N - 1) / N, rtol=1e-8)
    _same_up_to_column_signs(pca["components"], sk.components_.T, atol=1e-8)
    _same_up_to_column_signs(reference["pca_transform"](X_test, pca), sk.transform(X_test) * np.sqrt(sk.explained_variance_),
                             atol=1e-8)
    # PCA(whiten=True) divides by sqrt(explained_variance_) (N - 1); ours by sqrt(variances + eps) (N): with
    # eps = 0 ours are larger by the constant factor sqrt(N / (N - 1))
    ours = reference["whiten"](X_test, pca, eps=0.0)
    _same_up_to_column_signs(ours, sk.transform(X_test) * np.sqrt(N / (N - 1)), atol=1e-8)
    white = reference["whiten"](X_train, pca, eps=0.0)
    np.testing.assert_allclose(white.T @ white / N, np.eye(k), rtol=0, atol=1e-8)


def test_zca_is_the_symmetric_whitening(reference, digits):
    X_train = digits["X_train"]
    pca = reference["pca_fit"](X_train)
    keep = pca["variances"] > 1e-8  # the directions the digits vary in
    pca = {"mean": pca["mean"], "components": pca["components"][:, keep], "variances": pca["variances"][keep]}
    W = reference["zca_whiten"](pca["mean"] + np.eye(64), pca, eps=0.0)
    np.testing.assert_allclose(W, W.T, rtol=0, atol=1e-8)
    Z = reference["zca_whiten"](X_train, pca, eps=0.0)
    U = pca["components"]
    np.testing.assert_allclose(Z.T @ Z / len(Z), U @ U.T, rtol=0, atol=1e-7)
