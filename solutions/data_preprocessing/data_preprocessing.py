# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] kind="readonly" grade_id="intro"
# # 03 · Data preprocessing
#
# A network learns from numbers, and the numbers we hand it are rarely in a good shape: pixel values
# all positive, features on very different scales, neighbouring pixels that say almost the same thing.
# A few cheap transformations of the input, computed once before training, make gradient descent's
# job much easier. In this notebook you implement the classic ones, from the simplest to the most
# thorough, and look at what each does to a 2-D cloud of points, to the handwritten digits, and to
# training.
#
# **What you implement** (graded, each followed by a test cell):
# 1. `zero_center(X_train, *others)`: subtract the mean of every feature;
# 2. `normalize(X_train, *others, eps=1e-8)`: also divide by the standard deviation of every feature;
# 3. `pca_fit(X_train, k=None)` and `pca_transform(X, pca)`: principal component analysis, and the
#    projection onto the top $k$ components;
# 4. `whiten(X, pca, eps=1e-5)`: PCA whitening, and `zca_whiten(X, pca, eps=1e-5)`: ZCA whitening.
#
# Then experiments (not graded) and three written questions (graded by hand).
#
# ## The data matrix
# The data are a matrix $X$ of shape $(N, D)$: one **example** per row, one **feature** per column
# (for the digits, $N$ images of $D = 64$ pixels). Every statistic below is computed **per feature**,
# that is over the rows (`axis=0`): the mean of feature $j$ is
# $\mu_j = \frac1N \sum_{i=1}^N X_{ij}$, its variance $\sigma_j^2 = \frac1N \sum_i (X_{ij} - \mu_j)^2$.
# This course divides by $N$, as `np.mean`, `np.var` and `np.std` do by default.
#
# ## Fit on the training split, apply to every split
# The statistics ($\mu$, $\sigma$, the principal components) are **parameters of the preprocessing**,
# and like the weights of the network they are learned from the **training** split only. Validation
# and test data are then transformed with the *same* numbers. Two mistakes to avoid:
# - computing the statistics on all the data before splitting: information about the test set leaks
#   into training, and the test score is no longer an honest estimate;
# - computing them separately on each split: each split is then moved and scaled differently, so the
#   network sees test inputs in other coordinates than the ones it was trained on (and a test
#   "batch" of a single example would be centred to all zeros).
#
# That is why the functions of this notebook take the training split first: `zero_center` and
# `normalize` compute their statistics on `X_train` and apply them to `X_train` and to every other
# split you pass; `pca_fit` returns its statistics as a dict, and `pca_transform`, `whiten` and
# `zca_whiten` apply a fitted dict to any split. None of the functions changes its inputs.
#
# ## 1. Zero-centering
# $$X_c = X - \mu, \qquad \mu = \text{mean of each column of } X_\text{train}.$$
# Why it helps: if every input of a unit is positive (pixels from 0 to 1), the gradients of all its
# incoming weights have the same sign for a given example (notebook 02: $\partial L/\partial w_j =
# x_j\,\partial L/\partial z$), so gradient descent can only move them all up or all down together and
# has to zig-zag. Centred inputs take both signs.
#
# ## 2. Normalization (standardization)
# $$X_n = \frac{X - \mu}{\sigma}, \qquad \sigma = \text{standard deviation of each column of } X_\text{train}.$$
# Every feature of the training split then has mean 0 and standard deviation 1: features measured in
# different units (metres and millimetres) count equally, and no single one dominates the first layer.
# For images whose pixels share one scale it matters less, but it is the standard first step for
# tabular data.
#
# **Constant features.** A feature that never changes on the training split has $\sigma = 0$, and
# $0/0$ gives NaN (and a warning). It carries no information the network could learn from, so the rule
# here, as in scikit-learn's `StandardScaler`, is to only **centre** it: divide by 1 instead of
# $\sigma$. "Never changes" must allow for round-off: the mean of 1197 copies of 0.1 is not exactly 0.1
# in floating point, so $\sigma$ comes out as about $10^{-17}$ rather than 0. A feature counts as
# constant when $\sigma \le \varepsilon$ (`eps`, default $10^{-8}$). Note what the popular
# alternative $(X - \mu)/(\sigma + \varepsilon)$ does instead: a pixel that is always 0 in training
# but 0.5 in a test image becomes $0.5 / 10^{-8} = 5 \times 10^{7}$.
#
# ## 3. PCA: decorrelation and dimensionality reduction
# Centred data $X_c$ have the **covariance matrix**
# $$C = \frac1N X_c^\top X_c \quad (D \times D), \qquad C_{jl} = \text{covariance of features } j \text{ and } l .$$
# $C$ is symmetric and positive semi-definite, so it has an orthonormal basis of eigenvectors
# $u_1, \dots, u_D$ with eigenvalues $\lambda_1 \ge \lambda_2 \ge \dots \ge \lambda_D \ge 0$:
# $C u_j = \lambda_j u_j$. The eigenvector $u_1$ is the direction in which the data vary the most,
# with variance $\lambda_1$; $u_2$ the direction of largest variance orthogonal to $u_1$, and so on.
# These are the **principal components**. Put the first $k$ as the columns of $U_k$ ($D \times k$);
# the **projection**
# $$Z = X_c\, U_k \qquad (N \times k)$$
# gives the coordinates of every example along the components. Its covariance is
# $U_k^\top C\, U_k = \operatorname{diag}(\lambda_1, \dots, \lambda_k)$: the new features are
# **uncorrelated**, and the variance of feature $j$ is $\lambda_j$. Keeping only the top $k$ throws
# away the directions of least variance: the fraction of the variance kept is
# $\sum_{j \le k} \lambda_j / \sum_{j \le D} \lambda_j$ (the *explained variance*).
#
# In numpy: `lam, U = np.linalg.eigh(C)` returns the eigenvalues of a symmetric matrix in
# **ascending** order, with the eigenvectors as the **columns** of `U` (`U[:, j]` goes with `lam[j]`):
# reverse both to get decreasing order. (`np.linalg.svd(Xc)` gives the same components as the rows of
# its third result, with $\lambda_j = s_j^2 / N$.)
#
# **Signs.** If $u$ is an eigenvector, so is $-u$: each component may come out with either sign, and
# both are correct. The tests accept either.
#
# ## 4. Whitening
# The projection is decorrelated but its variances still differ. **PCA whitening** divides each
# coordinate by its standard deviation:
# $$Z_\text{white} = \frac{X_c\, U_k}{\sqrt{\lambda + \varepsilon}} \qquad \text{(column } j \text{ divided by } \sqrt{\lambda_j + \varepsilon}\text{)}.$$
# With $\varepsilon = 0$ the whitened training data have the **identity** covariance: every direction
# has variance 1, none is correlated with another. The small $\varepsilon$ (`eps`, default
# $10^{-5}$) goes **inside** the square root, with the variance: for a direction of zero variance the
# division by $\sqrt{0}$ would give inf or NaN, and directions of tiny variance (often just noise)
# would be blown up to variance 1. With $\varepsilon$, a direction of variance $\lambda$ ends up with
# variance $\lambda / (\lambda + \varepsilon)$: close to 1 when $\lambda \gg \varepsilon$, close to
# 0 when $\lambda \ll \varepsilon$. A larger $\varepsilon$ whitens less and amplifies less noise.
#
# PCA-whitened data live in the rotated coordinates of the components: for images, they no longer
# look like images. **ZCA whitening** ("zero-phase component analysis") rotates them back:
# $$Z_\text{ZCA} = Z_\text{white}\, U_k^\top = X_c\; U_k \operatorname{diag}\!\Big(\frac{1}{\sqrt{\lambda + \varepsilon}}\Big) U_k^\top \qquad (N \times D).$$
# Rotating white data keeps them white (with $k = D$ and $\varepsilon = 0$ the covariance is still the
# identity), and of all the rotations ZCA's is the one whose output stays **closest to the original
# centred data**: its whitening matrix $W = U \operatorname{diag}(1/\sqrt{\lambda + \varepsilon})\,U^\top$
# is symmetric. A ZCA-whitened digit still looks like a digit, with its edges enhanced.
#
# ## Pitfalls
# - **The wrong axis.** `X.mean(axis=1)` is the mean of each *example*; per-feature statistics are
#   over `axis=0`.
# - **Statistics of the wrong split** (see above): fit on `X_train` only.
# - **In-place updates.** `X -= X.mean(axis=0)`, as in many tutorials, changes the caller's array:
#   run the cell twice and the data are centred twice. Compute new arrays.
# - **`np.cov` and pandas' `.std()` divide by $N - 1$**; this course divides by $N$ (`np.std`,
#   `np.var`, `Xc.T @ Xc / N`).
# - **PCA on uncentred data.** The eigenvectors of $X^\top X / N$ are those of the covariance only if the
#   mean is 0: centre first.
# - **`eigh`'s ascending order**, and rows versus columns of its eigenvector matrix.
# - **Whitening without $\varepsilon$**, or with $\varepsilon$ outside the square root.

# %% kind="readonly" grade_id="imports"
import os

import numpy as np

# Under nbgrader (validate or autograde) the experiments shrink or are skipped.
GRADING = bool(os.environ.get("NBGRADER_EXECUTION"))

# %% [markdown] kind="readonly" grade_id="md-zero-center"
# ## Exercise 1: `zero_center`
#
# Compute the mean $\mu$ of every feature (column) of `X_train` and return `X - mu` for `X_train` and
# for every other split given, as a tuple with one array per input, in the order given:
#
# ```python
# Xc_train, Xc_val, Xc_test = zero_center(X_train, X_val, X_test)
# Xc_train, = zero_center(X_train)          # a tuple of one array (note the comma)
# ```
#
# The tests check that the centred training split has mean 0 in every feature, that the other splits
# are moved by the **training** mean, and that your inputs are left as they were.

# %% kind="answer" grade_id="zero_center"
def zero_center(X_train, *others):
    """Subtract the training mean of every feature.

    Inputs:
    - X_train: float array of shape (N, D), one example per row. Not modified.
    - *others: any number of float arrays of shape (M, D) (validation, test, ...). Not modified.

    Returns a tuple with one array per input, in the order given: X - mu for each X, where mu, of
    shape (D,), is the mean of each feature (column) of X_train. Every split is centred with the
    training mean, never with its own.
    """
    # Hint: mu = X_train.mean(axis=0); then a tuple of X - mu for X in (X_train,) + others.
    ### BEGIN SOLUTION
    mu = X_train.mean(axis=0)
    return tuple(X - mu for X in (X_train,) + others)
    ### END SOLUTION


# %% kind="tests" grade_id="test_zero_center" points=2
import numpy as np
from cs231n_utils.testing import HintError, check_array, passed


def splits_of(result, count, call):
    """The arrays returned by a call of the form f(X_train, *others): a tuple of `count` of them."""
    if isinstance(result, np.ndarray):
        raise HintError(f"{call} returned one array; it should return a tuple with one array per input "
                        f"({count} here), even for a single input: return (X_train - mu,) or "
                        "tuple(X - mu for X in (X_train,) + others).")
    if not isinstance(result, (tuple, list)) or len(result) != count:
        got = f"a {type(result).__name__} of {len(result)} items" if isinstance(result, (tuple, list)) \
            else type(result).__name__
        raise HintError(f"{call} should return a tuple of {count} arrays, one per input in the order given; "
                        f"got {got}.")
    return result


rng = np.random.default_rng(300)
X_train = rng.normal(loc=[5.0, -2.0, 0.5, 10.0], scale=[1.0, 3.0, 0.1, 2.0], size=(50, 4))
X_test = rng.normal(loc=[-1.0, 4.0, 0.0, 3.0], scale=1.0, size=(20, 4))
X_train_before, X_test_before = X_train.copy(), X_test.copy()
mu = X_train.mean(axis=0)

call = "zero_center(X_train, X_test)"
Xc_train, Xc_test = splits_of(zero_center(X_train, X_test), 2, call)
in_place_hint = ("zero_center changed the caller's array in place (X -= mu?): compute a new array, X - mu, and "
                 "leave the inputs alone (run a cell twice and in-place data would be centred twice).")
check_array("X_train after zero_center(X_train, X_test)", X_train, X_train_before, rtol=0, atol=0,
            hint=in_place_hint)
check_array("X_test after zero_center(X_train, X_test)", X_test, X_test_before, rtol=0, atol=0, hint=in_place_hint)
check_array(f"{call}[0]", Xc_train, shape=(50, 4))
check_array(f"{call}[0].mean(axis=0), the mean of each feature of the centred training split",
            Xc_train.mean(axis=0), np.zeros(4), rtol=0, atol=1e-12,
            mistakes={"the mean of each example (axis=1) subtracted: per-feature statistics are over the rows, "
                      "axis=0": (X_train - X_train.mean(axis=1, keepdims=True)).mean(axis=0)},
            hint="subtract the mean of each column: mu = X_train.mean(axis=0), of shape (D,).")
check_array(f"{call}[0]", Xc_train, X_train - mu, rtol=1e-12, atol=1e-12,
            hint="the centred training split is X_train - X_train.mean(axis=0).")
check_array(f"{call}[1] (the test split)", Xc_test, X_test - mu, rtol=1e-12, atol=1e-12,
            mistakes={"the test split centred with its own mean: every split is centred with the TRAINING mean, "
                      "mu = X_train.mean(axis=0)": X_test - X_test.mean(axis=0)},
            hint="the test split is moved by the training mean: X_test - X_train.mean(axis=0).")

Xc_only = splits_of(zero_center(X_train), 1, "zero_center(X_train)")[0]
check_array("zero_center(X_train)[0]", Xc_only, X_train - mu, rtol=1e-12, atol=1e-12)
### BEGIN HIDDEN TESTS
# three splits, in order, one of them a single example
X_val = rng.normal(size=(7, 4))
X_one = rng.normal(size=(1, 4))
out = splits_of(zero_center(X_train, X_val, X_one), 3, "zero_center(X_train, X_val, X_one)")
for name, got, X in zip(("X_train", "X_val", "X_one (a single example)"), out, (X_train, X_val, X_one)):
    check_array(f"the centred {name} of zero_center(X_train, X_val, X_one)", got, X - mu, rtol=1e-12, atol=1e-12,
                mistakes={"a split centred with its own mean: every split is centred with the TRAINING mean": X - X.mean(axis=0)},
                hint="return X - mu for every input, in the order given, with mu the mean of X_train.")
check_array("X_train after three calls of zero_center", X_train, X_train_before, rtol=0, atol=0, hint=in_place_hint)
# a single feature, many examples
x = rng.uniform(2.0, 3.0, size=(1000, 1))
check_array("zero_center(x of shape (1000, 1))[0]", splits_of(zero_center(x), 1, "zero_center(x)")[0],
            x - x.mean(axis=0), rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS
passed("test_zero_center")

# %% [markdown] kind="readonly" grade_id="md-normalize"
# ## Exercise 2: `normalize`
#
# Standardize every feature with the statistics of the training split, $(X - \mu)/\sigma$, for
# `X_train` and every other split given, returned like `zero_center`'s. $\sigma$ is `np.std` of each
# column of `X_train` (dividing by $N$). A feature whose training $\sigma$ is at most `eps` is only
# centred (divided by 1): it must give no NaN, no inf and no warning, on any split.
#
# The tests use a tiny training split of 6 examples (where dividing by $N - 1$ instead of $N$ shows),
# with a constant feature, a feature that is constant up to round-off, and one whose $\sigma$ is tiny
# but far above `eps`: that one must still come out with standard deviation 1.

# %% kind="answer" grade_id="normalize"
def normalize(X_train, *others, eps=1e-8):
    """Standardize every feature with the training statistics: (X - mu) / sigma.

    Inputs:
    - X_train: float array of shape (N, D). Not modified.
    - *others: any number of float arrays of shape (M, D). Not modified.
    - eps: a feature whose training standard deviation is <= eps (default 1e-8) is only centred.

    mu and sigma, of shape (D,), are the mean and the standard deviation (np.std, dividing by N) of each
    feature of X_train, and every split is normalized with them. A feature with sigma <= eps (constant
    on the training split, up to round-off) is divided by 1 instead of sigma: no NaN, inf or warning.

    Returns a tuple with one array per input, in the order given, (X - mu) / sigma for each X: the
    training split then has mean 0 and standard deviation 1 in every non-constant feature.
    """
    # Hint: sigma = X_train.std(axis=0); replace the entries <= eps by 1 (np.where) before dividing.
    ### BEGIN SOLUTION
    mu = X_train.mean(axis=0)
    sigma = X_train.std(axis=0)
    scale = np.where(sigma > eps, sigma, 1.0)
    return tuple((X - mu) / scale for X in (X_train,) + others)
    ### END SOLUTION


# %% kind="tests" grade_id="test_normalize" points=3
import numpy as np
from cs231n_utils.testing import HintError, check_array, no_warnings, passed


def splits_of(result, count, call):
    """The arrays returned by a call of the form f(X_train, *others): a tuple of `count` of them."""
    if isinstance(result, np.ndarray):
        raise HintError(f"{call} returned one array; it should return a tuple with one array per input "
                        f"({count} here), even for a single input.")
    if not isinstance(result, (tuple, list)) or len(result) != count:
        raise HintError(f"{call} should return a tuple of {count} arrays, one per input in the order given; "
                        f"got {type(result).__name__}.")
    return result


rng = np.random.default_rng(301)
N = 6  # a tiny training split: dividing by N - 1 instead of N is a factor sqrt(6/5) here
X_train = np.column_stack([rng.normal(3.0, 2.0, N), rng.normal(-1.0, 0.5, N)])
X_test = np.column_stack([rng.normal(0.0, 3.0, 4), rng.normal(2.0, 1.0, 4)])
X_train_before, X_test_before = X_train.copy(), X_test.copy()
mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)

call = "normalize(X_train, X_test)"
Xn_train, Xn_test = splits_of(normalize(X_train, X_test), 2, call)
in_place_hint = "normalize changed the caller's array in place: compute new arrays, (X - mu) / sigma."
check_array(f"X_train after {call}", X_train, X_train_before, rtol=0, atol=0, hint=in_place_hint)
check_array(f"X_test after {call}", X_test, X_test_before, rtol=0, atol=0, hint=in_place_hint)
check_array(f"{call}[0]", Xn_train, shape=(N, 2))
check_array(f"{call}[0].mean(axis=0)", Xn_train.mean(axis=0), np.zeros(2), rtol=0, atol=1e-12,
            hint="subtract the training mean of each feature before dividing.")
check_array(f"{call}[0].std(axis=0), the standard deviation of each feature of the normalized training split "
            f"(N = {N})", Xn_train.std(axis=0), np.ones(2), rtol=1e-7, atol=1e-12,
            mistakes={"divided by the sample standard deviation (ddof=1, N - 1: np.cov's and pandas' default); "
                      "this course divides by N, as np.std does": np.full(2, np.sqrt((N - 1) / N)),
                      "divided by the variance instead of the standard deviation": 1 / sigma},
            hint="divide by sigma = X_train.std(axis=0) (np.std divides by N).")
check_array(f"{call}[1] (the test split)", Xn_test, (X_test - mu) / sigma, rtol=1e-7, atol=1e-12,
            mistakes={"the test split normalized with its own mean and standard deviation: every split is "
                      "normalized with the TRAINING statistics": (X_test - X_test.mean(axis=0)) / X_test.std(axis=0),
                      "the test split divided by its own standard deviation: use the training statistics":
                          (X_test - mu) / X_test.std(axis=0)},
            hint="normalize every split with mu and sigma of X_train.")

# constant features: exactly constant (0), constant up to round-off (0.1: sigma ~ 1e-17 in floating point),
# a tiny but real spread (sigma ~ 1e-6, far above eps = 1e-8), and a normal one
X_train = np.column_stack([np.zeros(7), np.full(7, 0.1), 7.0 + 1e-6 * rng.standard_normal(7),
                           rng.normal(0.0, 1.0, 7)])
X_test = np.array([[0.5, 0.6, 7.0, 0.3], [0.0, 0.1, 7.0 + 2e-6, -1.0]])
mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
scale = np.where(sigma > 1e-8, sigma, 1.0)
call = "normalize(X_train, X_test) with constant features"
constant_hint = ("a feature whose training standard deviation is <= eps is constant on the training split (up to "
                 "round-off): divide it by 1 instead of sigma (np.where(sigma > eps, sigma, 1.0)), so that it is "
                 "only centred.")
with no_warnings(call, hint="a constant feature has sigma = 0: " + constant_hint):
    result = normalize(X_train, X_test)
Xn_train, Xn_test = splits_of(result, 2, call)
check_array(f"{call}[0]", Xn_train, (X_train - mu) / scale, rtol=1e-6, atol=1e-12,
            mistakes={"only sigma == 0 treated as constant: a feature constant up to round-off (0.1 repeated: "
                      "sigma ~ 1e-17) is then divided by its round-off; use sigma <= eps":
                          (X_train - mu) / np.where(sigma > 0, sigma, 1.0),
                      "divided by sigma + eps: that squeezes a real tiny spread (sigma = 1e-6) and blows up a "
                      "constant feature on the other splits": (X_train - mu) / (sigma + 1e-8)},
            hint="columns 0 and 1 are constant on the training split (sigma <= eps): only centre them; column 2 "
                 "has sigma ~ 1e-6 > eps: divide it by its sigma, so that its standard deviation is 1.")
check_array(f"{call}[1] (the test split)", Xn_test, (X_test - mu) / scale, rtol=1e-6, atol=1e-12,
            mistakes={"divided by sigma + eps: a pixel that is 0 in every training example and 0.5 in a test "
                      "example becomes 0.5 / 1e-8 = 5e7": (X_test - mu) / (sigma + 1e-8),
                      "only sigma == 0 treated as constant: a feature constant up to round-off is then divided by "
                      "its round-off": (X_test - mu) / np.where(sigma > 0, sigma, 1.0)},
            hint=constant_hint)
### BEGIN HIDDEN TESTS
# the default eps is 1e-8: a spread of 3e-8 is real and must be scaled; an explicit eps is used
X_train = np.column_stack([5.0 + 3e-8 * rng.standard_normal(50), rng.normal(0.0, 1e-3, 50)])
mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
out = splits_of(normalize(X_train), 1, "normalize(X_train)")[0]
check_array("normalize(X_train)[0].std(axis=0) for features of standard deviation 3e-8 and 1e-3 (default eps 1e-8)",
            np.asarray(out).std(axis=0), np.ones(2), rtol=1e-6, atol=0,
            mistakes={"a feature of standard deviation 3e-8 treated as constant: the default eps is 1e-8": np.array([sigma[0], 1.0])},
            hint="the default eps is 1e-8: only features with sigma <= 1e-8 are left unscaled.")
out = splits_of(normalize(X_train, eps=1e-2), 1, "normalize(X_train, eps=1e-2)")[0]
check_array("normalize(X_train, eps=1e-2)[0] (both features now count as constant)", out, X_train - mu,
            rtol=1e-6, atol=1e-15, hint="use the eps you are given: features with sigma <= eps are only centred.")
# three splits, in order; many examples
X_train = rng.normal([1.0, -50.0, 1e3], [0.1, 10.0, 300.0], size=(200, 3))
X_val, X_test = rng.normal(size=(9, 3)), rng.normal(size=(1, 3))
mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
out = splits_of(normalize(X_train, X_val, X_test), 3, "normalize(X_train, X_val, X_test)")
for name, got, X in zip(("X_train", "X_val", "X_test (a single example)"), out, (X_train, X_val, X_test)):
    check_array(f"the normalized {name} of normalize(X_train, X_val, X_test)", got, (X - mu) / sigma,
                rtol=1e-9, atol=1e-12, hint="normalize every split, in the order given, with the training statistics.")
### END HIDDEN TESTS
passed("test_normalize")

# %% [markdown] kind="readonly" grade_id="md-pca-fit"
# ## Exercise 3: `pca_fit`
#
# Fit PCA on the training split: centre it, compute its covariance $C = X_c^\top X_c / N$, and return
# a dict with
# - `'mean'`: the mean of each feature, shape $(D,)$;
# - `'components'`: the eigenvectors of $C$ for its $k$ largest eigenvalues, as the **columns** of a
#   $(D, k)$ array, in decreasing order of eigenvalue (so that `Xc @ components` projects);
# - `'variances'`: those $k$ eigenvalues, shape $(k,)$, decreasing: the variance of the training data
#   along each component.
#
# `k=None` keeps all $D$ components. Raise a `ValueError` whose message names `k` and its value when
# `k` is not an integer from 1 to $D$ (slicing `U[:, :k]` would silently return fewer columns).
#
# The tests check properties that hold for any correct answer, whatever the signs of your components:
# they are orthonormal, they span the top-$k$ eigenvectors of the covariance, the projection of the
# training data onto them has a diagonal covariance whose diagonal is `'variances'`, in decreasing order.

# %% kind="answer" grade_id="pca_fit"
def pca_fit(X_train, k=None):
    """Principal component analysis of the training split.

    Inputs:
    - X_train: float array of shape (N, D). Not modified.
    - k: the number of components to keep, an int from 1 to D; None (the default) keeps all D.

    Returns a dict:
    - 'mean': shape (D,), the mean of each feature of X_train;
    - 'components': shape (D, k), orthonormal columns: the eigenvectors of the covariance
      C = Xc.T @ Xc / N of the centred data Xc = X_train - mean for its k largest eigenvalues, in
      decreasing order of eigenvalue (each column may have either sign);
    - 'variances': shape (k,), those eigenvalues (the variance of the training data along each
      component), in decreasing order.

    Raises ValueError, naming k and its value, if k is not an integer from 1 to D.
    """
    # Hint: lam, U = np.linalg.eigh(C) gives ascending eigenvalues, eigenvectors in the COLUMNS of U.
    ### BEGIN SOLUTION
    D = X_train.shape[1]
    if k is None:
        k = D
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= D:
        raise ValueError(f"k must be an integer from 1 to D = {D}, got k = {k!r}")
    mean = X_train.mean(axis=0)
    Xc = X_train - mean
    lam, U = np.linalg.eigh(Xc.T @ Xc / X_train.shape[0])
    order = np.argsort(lam)[::-1][:k]
    return {"mean": mean, "components": U[:, order], "variances": np.maximum(lam[order], 0.0)}
    ### END SOLUTION


# %% kind="tests" grade_id="test_pca_fit" points=4
import numpy as np
from cs231n_utils.testing import HintError, check_array, passed


def cloud(rng, n, mean, stds):
    """n points around mean, with standard deviations stds along randomly rotated orthogonal axes."""
    Q, _ = np.linalg.qr(rng.standard_normal((len(stds), len(stds))))
    return np.asarray(mean) + (rng.standard_normal((n, len(stds))) * stds) @ Q.T


def fitted(X, k, call):
    """pca_fit(X, k=k) (or pca_fit(X) for k None), after checking X is unchanged and the keys of the dict."""
    X_before = X.copy()
    pca = pca_fit(X) if k is None else pca_fit(X, k=k)
    check_array(f"X_train after {call}", X, X_before, rtol=0, atol=0,
                hint="pca_fit changed the caller's X_train in place (X -= X.mean(axis=0), as in many tutorials?): "
                     "compute Xc = X_train - mean as a new array.")
    missing = [key for key in ("mean", "components", "variances") if not (isinstance(pca, dict) and key in pca)]
    if missing:
        raise HintError(f"{call} should return a dict with the keys 'mean', 'components' and 'variances'; "
                        f"missing {', '.join(map(repr, missing))}.")
    return pca


def check_pca(X, k, call):
    """The properties every correct PCA of X with k components has, whatever the signs of its components."""
    N, D = X.shape
    pca = fitted(X, k, call)
    k = D if k is None else k
    mean = X.mean(axis=0)
    Xc = X - mean
    lam, V = np.linalg.eigh(Xc.T @ Xc / N)
    lam, V = lam[::-1], V[:, ::-1]  # decreasing
    lam_u, V_u = np.linalg.eigh(X.T @ X / N)
    U_uncentred = V_u[:, ::-1][:, :k]
    check_array(f"{call}['mean']", pca["mean"], mean, rtol=1e-10, atol=1e-12,
                hint="the mean of each feature of X_train: X_train.mean(axis=0).")
    U = pca["components"]
    check_array(f"{call}['components']", U, shape=(D, k),
                hint="one COLUMN per component: shape (D, k), with k = D for k=None, so that Xc @ components "
                     "projects (scikit-learn stores them as rows; np.linalg.eigh returns eigenvectors as columns).")
    check_array(f"{call}['components'].T @ {call}['components']", U.T @ U, np.eye(k), rtol=0, atol=1e-8,
                mistakes={"components scaled by the standard deviation sqrt(lambda): components have unit length":
                          np.diag(lam[:k])},
                hint="the components must be orthonormal (unit length, orthogonal): the eigenvectors from "
                     "np.linalg.eigh are; do not rescale them.")
    # the projector U U^T onto the kept components does not depend on their signs
    check_array(f"P = components @ components.T (the projector onto the kept components, for any signs) of {call}",
                U @ U.T, V[:, :k] @ V[:, :k].T, rtol=0, atol=1e-7,
                mistakes={"PCA on uncentred data: the eigenvectors of X.T @ X / N are those of the covariance only "
                          "if the mean is 0; centre first": U_uncentred @ U_uncentred.T,
                          "the k SMALLEST eigenvalues: np.linalg.eigh returns them in ascending order, reverse them":
                              V[:, D - k:] @ V[:, D - k:].T,
                          "rows of the eigenvector matrix taken as components: np.linalg.eigh returns the "
                          "eigenvectors as COLUMNS, U[:, j]": V.T[:, :k] @ V.T[:, :k].T,
                          "rows of the eigenvector matrix, and the k smallest (eigh's ascending order)":
                              V.T[:, D - k:] @ V.T[:, D - k:].T},
                hint="the components are the eigenvectors of the covariance of the centred training data for its "
                     "k largest eigenvalues.")
    v = pca["variances"]
    check_array(f"{call}['variances']", v, shape=(k,))
    if not np.all(np.diff(v) < 0):
        raise HintError(f"{call}['variances'] = {np.round(v, 4)} is not in decreasing order: the components and "
                        "their variances go from the largest eigenvalue down (np.linalg.eigh returns them in "
                        "ascending order: reverse both the eigenvalues and the columns of the eigenvectors).")
    # the projection of the training data: uncorrelated, with the variances on the diagonal
    Z = Xc @ U
    cov = Z.T @ Z / N
    check_array(f"the covariance of the projected training data, (Xc @ components).T @ (Xc @ components) / N, "
                f"for {call}", cov, np.diag(lam[:k]), rtol=1e-7, atol=1e-8 * lam[0],
                hint="each column of components must be an eigenvector of the covariance (the projected data are "
                     "then uncorrelated, with the eigenvalues as variances), in decreasing order of eigenvalue.")
    check_array(f"{call}['variances']", v, lam[:k], rtol=1e-7, atol=1e-10 * lam[0],
                mistakes={"the covariance divided by N - 1 (np.cov's default): this course divides by N, like np.var":
                          lam[:k] * N / (N - 1),
                          "the standard deviations sqrt(lambda): 'variances' are the eigenvalues themselves":
                              np.sqrt(lam[:k])},
                hint="'variances' are the eigenvalues of C = Xc.T @ Xc / N, the variance of the training data along "
                     "each component, in decreasing order.")
    return pca


rng = np.random.default_rng(302)
X = cloud(rng, 12, [5.0, -3.0, 10.0, 2.0, 7.0], [3.0, 2.0, 1.0, 0.5, 0.2])  # N = 12: N - 1 vs N shows
check_pca(X, 3, "pca_fit(X_train, k=3)")
### BEGIN HIDDEN TESTS
X = cloud(rng, 300, [50.0, -30.0, 10.0, 20.0], [1.0, 4.0, 0.3, 2.0])
check_pca(X, 2, "pca_fit(X_train of shape (300, 4), k=2)")
check_pca(X, 1, "pca_fit(X_train of shape (300, 4), k=1)")
check_pca(X, None, "pca_fit(X_train of shape (300, 4)) (k=None keeps all D = 4 components)")
X = cloud(rng, 40, [0.0] * 6, [2.0, 1.5, 1.0, 0.7, 0.4, 0.1])
check_pca(X, 6, "pca_fit(X_train of shape (40, 6), k=6)")
### END HIDDEN TESTS
passed("test_pca_fit")

# %% [markdown] kind="readonly" grade_id="md-pca-args"
# The next cell checks only the argument check of `pca_fit`, so that a missing check costs its own
# point, not those of the cell above.

# %% kind="tests" grade_id="test_pca_fit_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

X = np.random.default_rng(303).standard_normal((20, 4))
check_raises(ValueError, pca_fit, X, k=5, must_mention=["k", "5"],
             what="k=5 for X_train with D = 4 features (U[:, :5] would silently keep only 4)")
check_raises(ValueError, pca_fit, X, k=0, must_mention=["k", "0"], what="k=0 (keep at least one component)")
### BEGIN HIDDEN TESTS
check_raises(ValueError, pca_fit, X, k=-1, must_mention=["k", "-1"], what="k=-1")
check_raises(ValueError, pca_fit, X, k=2.5, must_mention=["k", "2.5"], what="k=2.5 (not an integer)")
check_raises(ValueError, pca_fit, X, k=100, must_mention=["k", "100"], what="k=100 for D = 4")
### END HIDDEN TESTS
passed("test_pca_fit_args")

# %% [markdown] kind="readonly" grade_id="md-pca-transform"
# ## Exercise 4: `pca_transform`
#
# Project any split onto the components of a fitted PCA: $(X - \mu)\,U_k$, with the **training** mean
# $\mu$ stored in `pca['mean']` and $U_k$ = `pca['components']`. The result has shape $(M, k)$: the
# coordinates of every example along the components. The tests pass a `pca` dict of their own (so
# this exercise does not depend on your `pca_fit`).

# %% kind="answer" grade_id="pca_transform"
def pca_transform(X, pca):
    """Project X onto the components of a fitted PCA.

    Inputs:
    - X: float array of shape (M, D), any split. Not modified.
    - pca: a dict from pca_fit (on the training split), with 'mean' (D,) and 'components' (D, k).

    Returns (X - pca['mean']) @ pca['components'], shape (M, k): X is centred with the training mean
    stored in pca, never with its own.
    """
    # Hint: one line: subtract the stored mean, then multiply by the components.
    ### BEGIN SOLUTION
    return (X - pca["mean"]) @ pca["components"]
    ### END SOLUTION


# %% kind="tests" grade_id="test_pca_transform" points=2
import copy

import numpy as np
from cs231n_utils.testing import check_array, passed


def fitted_pca(X, k, flip):
    """A PCA of X with k components made here (eigh), the sign of each component multiplied by flip."""
    mean = X.mean(axis=0)
    lam, V = np.linalg.eigh((X - mean).T @ (X - mean) / len(X))
    return {"mean": mean, "components": V[:, ::-1][:, :k] * flip, "variances": lam[::-1][:k]}


rng = np.random.default_rng(304)
X_train = rng.normal([3.0, -2.0, 1.0, 5.0], [2.0, 1.0, 0.5, 0.2], size=(40, 4))
X_test = rng.normal([0.0, 1.0, -1.0, 2.0], 1.0, size=(10, 4))
pca = fitted_pca(X_train, 2, np.array([1.0, -1.0]))  # any signs: use the components as given
pca_before, X_test_before = copy.deepcopy(pca), X_test.copy()
U, mean = pca_before["components"], pca_before["mean"]

out = pca_transform(X_test, pca)
check_array("X_test after pca_transform(X_test, pca)", X_test, X_test_before, rtol=0, atol=0,
            hint="pca_transform changed X in place (X -= mean?): compute X - mean as a new array.")
for key in ("mean", "components"):
    check_array(f"pca[{key!r}] after pca_transform(X_test, pca)", pca[key], pca_before[key], rtol=0, atol=0,
                hint="pca_transform changed the pca dict: leave the fitted statistics alone.")
check_array("pca_transform(X_test, pca)", out, (X_test - mean) @ U, rtol=1e-9, atol=1e-12,
            mistakes={"X not centred before projecting: (X - pca['mean']) @ pca['components']": X_test @ U,
                      "X_test centred with its own mean: use the training mean stored in pca['mean']":
                          (X_test - X_test.mean(axis=0)) @ U},
            hint="project with the training mean and the components of pca: (X - pca['mean']) @ pca['components'], "
                 "shape (M, k).")
Z = pca_transform(X_train, pca)
check_array("the covariance of pca_transform(X_train, pca)", np.asarray(Z).T @ np.asarray(Z) / len(X_train),
            np.diag(pca["variances"]), rtol=1e-7, atol=1e-10,
            hint="the projection of the training data onto the components is uncorrelated, with pca['variances'] on "
                 "the diagonal.")
### BEGIN HIDDEN TESTS
# a single example; one component; a pca whose mean is far from the data of this split
x = rng.normal(size=(1, 4))
check_array("pca_transform(x of shape (1, 4), pca)", pca_transform(x, pca), (x - mean) @ U, rtol=1e-9, atol=1e-12,
            mistakes={"a single example centred with its own mean (it becomes all zeros)": np.zeros((1, 2))})
pca1 = fitted_pca(X_train, 1, np.array([-1.0]))
check_array("pca_transform(X_test, pca with 1 component)", pca_transform(X_test, pca1),
            (X_test - pca1["mean"]) @ pca1["components"], rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS
passed("test_pca_transform")

# %% [markdown] kind="readonly" grade_id="md-whiten"
# ## Exercise 5: `whiten`
#
# PCA whitening of any split with a fitted PCA: project as `pca_transform` does, then divide column $j$
# by $\sqrt{\lambda_j + \varepsilon}$, with $\lambda_j$ = `pca['variances'][j]` (from the training
# split) and `eps` **inside** the square root. The result has shape $(M, k)$.
#
# The tests whiten training data with `eps=0` and check the covariance is the identity; then with the
# default `eps` on data with a direction of variance about $10^{-5}$ (where the placement of `eps`
# matters), and with a `pca` that has a variance of exactly 0 (no NaN, no inf, no warning).

# %% kind="answer" grade_id="whiten"
def whiten(X, pca, eps=1e-5):
    """PCA whitening: the projection onto the components, divided by their standard deviations.

    Inputs:
    - X: float array of shape (M, D), any split. Not modified.
    - pca: a dict from pca_fit, with 'mean' (D,), 'components' (D, k) and 'variances' (k,). Not modified.
    - eps: added to each variance inside the square root (default 1e-5).

    Returns (X - pca['mean']) @ pca['components'] / np.sqrt(pca['variances'] + eps), shape (M, k):
    X is centred with the training mean stored in pca. With eps = 0 the whitened training data have the
    identity covariance; eps > 0 keeps a direction of zero variance from giving inf, NaN or a warning.
    """
    # Hint: the projection of pca_transform, divided column by column (broadcasting over the rows).
    ### BEGIN SOLUTION
    return (X - pca["mean"]) @ pca["components"] / np.sqrt(pca["variances"] + eps)
    ### END SOLUTION


# %% kind="tests" grade_id="test_whiten" points=3
import copy

import numpy as np
from cs231n_utils.testing import check_array, no_warnings, passed


def fitted_pca(X, k, flip):
    """A PCA of X with k components made here (eigh), the sign of each component multiplied by flip."""
    mean = X.mean(axis=0)
    lam, V = np.linalg.eigh((X - mean).T @ (X - mean) / len(X))
    return {"mean": mean, "components": V[:, ::-1][:, :k] * flip, "variances": np.maximum(lam[::-1][:k], 0.0)}


rng = np.random.default_rng(305)
N = 500
X_train = rng.normal([4.0, -1.0, 2.0, 0.5], [2.0, 1.0, 0.3, 0.003], size=(N, 4))  # variances 4 ... 9e-6
X_test = rng.normal([0.0, 2.0, 1.0, 0.0], [1.0, 1.0, 0.3, 0.003], size=(20, 4))
pca = fitted_pca(X_train, 4, np.array([1.0, -1.0, 1.0, -1.0]))
pca_before, X_train_before = copy.deepcopy(pca), X_train.copy()
U, mean, lam = pca_before["components"], pca_before["mean"], pca_before["variances"]
Xc = X_train - mean

# eps = 0: the whitened training data have the identity covariance
Z = whiten(X_train, pca, eps=0.0)
check_array("X_train after whiten(X_train, pca, eps=0)", X_train, X_train_before, rtol=0, atol=0,
            hint="whiten changed X in place: compute new arrays.")
for key in ("mean", "components", "variances"):
    check_array(f"pca[{key!r}] after whiten(X_train, pca, eps=0)", pca[key], pca_before[key], rtol=0, atol=0,
                hint="whiten changed the pca dict (pca['variances'] += eps?): leave the fitted statistics alone.")
check_array("whiten(X_train, pca, eps=0)", Z, shape=(N, 4))
check_array("the covariance Z.T @ Z / N of Z = whiten(X_train, pca, eps=0)", Z.T @ Z / N, np.eye(4), rtol=0, atol=1e-6,
            mistakes={"divided by the variance instead of its square root, the standard deviation": np.diag(1 / lam),
                      "X not centred before projecting": (X_train @ U / np.sqrt(lam)).T @ (X_train @ U / np.sqrt(lam)) / N},
            hint="divide the projection (X - pca['mean']) @ pca['components'] by the standard deviation along each "
                 "component, np.sqrt(pca['variances'] + eps).")

# the default eps = 1e-5, inside the square root: a direction of variance ~9e-6 keeps variance lam / (lam + eps)
Z = whiten(X_train, pca)
for key in ("mean", "components", "variances"):
    check_array(f"pca[{key!r}] after whiten(X_train, pca)", pca[key], pca_before[key], rtol=0, atol=0,
                hint="whiten changed the pca dict (pca['variances'] += eps?): leave the fitted statistics alone.")
check_array("whiten(X_train, pca)", Z, shape=(N, 4))
check_array("the variance of each column of whiten(X_train, pca) (default eps, variances from 4 down to ~9e-6)",
            np.asarray(Z).var(axis=0), lam / (lam + 1e-5), rtol=1e-6, atol=0,
            mistakes={"no eps: the default eps = 1e-5 is added to every variance, inside the square root":
                          np.ones(4),
                      "eps outside the square root: divide by np.sqrt(variances + eps), not np.sqrt(variances) + eps":
                          lam / (np.sqrt(lam) + 1e-5) ** 2,
                      "divided by the variance instead of its square root": 1 / (lam + 1e-5)},
            hint="divide column j by np.sqrt(pca['variances'][j] + eps), with eps = 1e-5 by default.")
# other splits: the training statistics of pca
check_array("whiten(X_test, pca)", whiten(X_test, pca), (X_test - mean) @ U / np.sqrt(lam + 1e-5), rtol=1e-8,
            atol=1e-10,
            mistakes={"X_test centred with its own mean: use the training mean stored in pca['mean']":
                          (X_test - X_test.mean(axis=0)) @ U / np.sqrt(lam + 1e-5)},
            hint="whiten every split with the training statistics in pca: (X - pca['mean']) @ pca['components'] / "
                 "np.sqrt(pca['variances'] + eps).")

# a direction of zero variance: data on a plane, its third variance exactly 0
flat = rng.normal(size=(30, 2)) @ np.array([[1.0, 0.0, 1.0], [0.0, 2.0, 0.0]])
pca_flat = fitted_pca(flat, 3, np.ones(3))
pca_flat["variances"][2] = 0.0
with no_warnings("whiten(X, pca) for a pca with a variance of exactly 0",
                 hint="the eps inside the square root keeps a direction of zero variance from dividing by zero: "
                      "np.sqrt(pca['variances'] + eps); no eps: division by zero."):
    Z = whiten(flat, pca_flat)
check_array("whiten(X, pca) for a pca with a variance of exactly 0", Z,
            (flat - pca_flat["mean"]) @ pca_flat["components"] / np.sqrt(pca_flat["variances"] + 1e-5),
            rtol=1e-6, atol=1e-9, hint="divide by np.sqrt(pca['variances'] + eps).")
### BEGIN HIDDEN TESTS
# fewer components than features: identity covariance of size k
pca2 = fitted_pca(X_train, 2, np.array([-1.0, 1.0]))
Z = whiten(X_train, pca2, eps=0.0)
check_array("whiten(X_train, pca with k=2 of 4 components, eps=0)", Z, shape=(N, 2))
check_array("the covariance of whiten(X_train, pca with k=2, eps=0)", Z.T @ Z / N, np.eye(2), rtol=0, atol=1e-6)
# an explicit eps is used
Z = whiten(X_train, pca, eps=1e-2)
check_array("the variance of each column of whiten(X_train, pca, eps=1e-2)", np.asarray(Z).var(axis=0),
            lam / (lam + 1e-2), rtol=1e-6, atol=0,
            mistakes={"eps outside the square root": lam / (np.sqrt(lam) + 1e-2) ** 2},
            hint="use the eps you are given, inside the square root.")
x = rng.normal(size=(1, 4))
check_array("whiten(x of shape (1, 4), pca)", whiten(x, pca), (x - mean) @ U / np.sqrt(lam + 1e-5), rtol=1e-8,
            atol=1e-10, mistakes={"a single example centred with its own mean": np.zeros((1, 4))})
### END HIDDEN TESTS
passed("test_whiten")

# %% [markdown] kind="readonly" grade_id="md-zca"
# ## Exercise 6: `zca_whiten`
#
# ZCA whitening: PCA-whiten (as `whiten` does, `eps` inside the square root), then rotate back to the
# original axes by multiplying with `pca['components'].T`. The result has shape $(M, D)$, like $X$.
#
# ZCA's whitening matrix $W = U \operatorname{diag}(1/\sqrt{\lambda + \varepsilon})\, U^\top$ is
# symmetric, and that is what makes its output the whitening closest to the centred data. The tests
# read it off your function: whitening the $D$ points `pca['mean'] + np.eye(D)` gives the rows of $W$.

# %% kind="answer" grade_id="zca_whiten"
def zca_whiten(X, pca, eps=1e-5):
    """ZCA whitening: PCA whitening rotated back to the original axes.

    Inputs:
    - X: float array of shape (M, D), any split. Not modified.
    - pca: a dict from pca_fit, with 'mean' (D,), 'components' (D, k) and 'variances' (k,). Not modified.
    - eps: added to each variance inside the square root (default 1e-5).

    Returns (X - mean) @ U / np.sqrt(variances + eps) @ U.T with U = pca['components'], shape (M, D):
    X is centred with the training mean stored in pca. With all D components and eps = 0 the training
    data get the identity covariance, and the whitening matrix U diag(1 / sqrt(variances + eps)) U.T is
    symmetric: of all whitenings, ZCA's output is the closest to the centred data.
    """
    # Hint: PCA-whiten as in whiten, then multiply by the transpose of the components.
    ### BEGIN SOLUTION
    U = pca["components"]
    return (X - pca["mean"]) @ U / np.sqrt(pca["variances"] + eps) @ U.T
    ### END SOLUTION


# %% kind="tests" grade_id="test_zca_whiten" points=3
import copy

import numpy as np
from cs231n_utils.testing import check_array, passed


def fitted_pca(X, k, flip):
    """A PCA of X with k components made here (eigh), the sign of each component multiplied by flip."""
    mean = X.mean(axis=0)
    lam, V = np.linalg.eigh((X - mean).T @ (X - mean) / len(X))
    return {"mean": mean, "components": V[:, ::-1][:, :k] * flip, "variances": np.maximum(lam[::-1][:k], 0.0)}


rng = np.random.default_rng(306)
N, D = 400, 3
Q, _ = np.linalg.qr(rng.standard_normal((D, D)))
X_train = np.array([1.0, -2.0, 3.0]) + (rng.standard_normal((N, D)) * [2.0, 0.5, 0.003]) @ Q.T
X_test = rng.normal([0.0, 1.0, 0.0], 1.0, size=(15, D))
pca = fitted_pca(X_train, D, np.array([-1.0, 1.0, -1.0]))
pca_before, X_train_before = copy.deepcopy(pca), X_train.copy()
U, mean, lam = pca_before["components"], pca_before["mean"], pca_before["variances"]

W = zca_whiten(X_train, pca, eps=0.0)
check_array("X_train after zca_whiten(X_train, pca, eps=0)", X_train, X_train_before, rtol=0, atol=0,
            hint="zca_whiten changed X in place: compute new arrays.")
for key in ("mean", "components", "variances"):
    check_array(f"pca[{key!r}] after zca_whiten(X_train, pca, eps=0)", pca[key], pca_before[key], rtol=0, atol=0,
                hint="zca_whiten changed the pca dict: leave the fitted statistics alone.")
check_array("zca_whiten(X_train, pca, eps=0)", W, shape=(N, D),
            hint="ZCA rotates the whitened data back to the original axes: shape (M, D), like X.")
check_array("the covariance W.T @ W / N of W = zca_whiten(X_train, pca, eps=0)", W.T @ W / N, np.eye(D), rtol=0,
            atol=1e-6, hint="whiten (divide the projection by np.sqrt(variances + eps)), then rotate back with "
                            "pca['components'].T: a rotation keeps white data white.")

# the whitening matrix, read off the function: the rows of zca_whiten(mean + I, pca) are the rows of W
pca_whitening = U / np.sqrt(lam)
M = zca_whiten(mean + np.eye(D), pca, eps=0.0)
check_array("M = zca_whiten(pca['mean'] + np.eye(D), pca, eps=0), the whitening matrix of ZCA", M,
            U @ np.diag(1 / np.sqrt(lam)) @ U.T, rtol=1e-7, atol=1e-9,
            mistakes={"not rotated back to the original axes: that is PCA whitening; ZCA then multiplies by "
                      "pca['components'].T": pca_whitening,
                      "rotated back with pca['components'] instead of pca['components'].T": pca_whitening @ U,
                      "X centred with its own mean: use the training mean stored in pca['mean']":
                          (np.eye(D) - 1 / D) @ U @ np.diag(1 / np.sqrt(lam)) @ U.T},
            hint="ZCA = (X - mean) @ U / np.sqrt(variances + eps) @ U.T: its whitening matrix "
                 "U diag(1/sqrt(variances + eps)) U.T is symmetric, which makes its output the whitening closest to "
                 "the centred data.")
# the default eps = 1e-5, inside the square root (the third variance is ~9e-6)
M = zca_whiten(mean + np.eye(D), pca)
for key in ("mean", "components", "variances"):
    check_array(f"pca[{key!r}] after zca_whiten(X, pca)", pca[key], pca_before[key], rtol=0, atol=0,
                hint="zca_whiten changed the pca dict (pca['variances'] += eps?): leave the fitted statistics alone.")
check_array("M = zca_whiten(pca['mean'] + np.eye(D), pca) (default eps; variances from 4 down to ~9e-6)", M,
            U @ np.diag(1 / np.sqrt(lam + 1e-5)) @ U.T, rtol=1e-7, atol=1e-9,
            mistakes={"eps outside the square root: divide by np.sqrt(variances + eps), not np.sqrt(variances) + eps":
                          U @ np.diag(1 / (np.sqrt(lam) + 1e-5)) @ U.T,
                      "no eps: the default eps = 1e-5 goes inside the square root": U @ np.diag(1 / np.sqrt(lam)) @ U.T},
            hint="divide by np.sqrt(pca['variances'] + eps), eps = 1e-5 by default.")
check_array("zca_whiten(X_test, pca)", zca_whiten(X_test, pca), (X_test - mean) @ U / np.sqrt(lam + 1e-5) @ U.T,
            rtol=1e-7, atol=1e-9,
            mistakes={"X_test centred with its own mean: use the training mean stored in pca['mean']":
                          (X_test - X_test.mean(axis=0)) @ U / np.sqrt(lam + 1e-5) @ U.T},
            hint="whiten every split with the training statistics in pca.")
### BEGIN HIDDEN TESTS
# ZCA is the whitening closest to the centred data: closer than PCA whitening rotated by any other rotation
W = np.asarray(zca_whiten(X_train, pca, eps=0.0))
Xc = X_train - mean
best = np.sum((W - Xc) ** 2)
for _ in range(5):
    R, _ = np.linalg.qr(rng.standard_normal((D, D)))
    other = np.sum((W @ R - Xc) ** 2)
    if other < best - 1e-9:
        check_array("zca_whiten(X_train, pca, eps=0) (not the whitening closest to the centred data)", W,
                    Xc @ U @ np.diag(1 / np.sqrt(lam)) @ U.T, rtol=1e-7, atol=1e-9)
# k < D components: a rank-k ZCA of shape (M, D)
pca2 = fitted_pca(X_train, 2, np.array([1.0, -1.0]))
W2 = zca_whiten(X_train, pca2, eps=0.0)
check_array("zca_whiten(X_train, pca with k=2 of 3 components, eps=0)", W2, shape=(N, D))
U2 = pca2["components"]
check_array("the covariance of zca_whiten(X_train, pca with k=2, eps=0) (the projector onto the 2 components)",
            W2.T @ W2 / N, U2 @ U2.T, rtol=0, atol=1e-6)
### END HIDDEN TESTS
passed("test_zca_whiten")

# %% [markdown] kind="readonly" grade_id="md-experiments"
# ## Experiments
#
# The rest of the notebook uses your functions. Nothing here is graded; run it, look at each picture,
# and read the sentence under it.
#
# ### 1. A 2-D cloud at each stage
# 300 training points from a stretched, tilted Gaussian far from the origin, and 20 test points (black
# crosses) from the same distribution. Each panel shows the data after one more step, **on the same
# axes**; every statistic is fitted on the training points and applied to the test points. The colour
# of a training point is its coordinate along the first principal component, so that you can follow
# the points from panel to panel.

# %% kind="readonly" grade_id="exp-cloud"
# The plots start here. matplotlib is imported here, not at the top: grading stops before
# the plots, and so does not spend time loading it.
import matplotlib.pyplot as plt

# %matplotlib inline

from threadpoolctl import threadpool_limits

# The matrices below are small: one BLAS thread multiplies them faster than several threads that
# must share the cores with other programs. This affects only the speed.
threadpool_limits(limits=1, user_api="blas")

cloud_rng = np.random.default_rng(0)
tilt = np.deg2rad(30.0)
rotation = np.array([[np.cos(tilt), -np.sin(tilt)], [np.sin(tilt), np.cos(tilt)]])
cloud_train = np.array([4.0, 2.5]) + (cloud_rng.standard_normal((300, 2)) * [2.0, 0.5]) @ rotation.T
cloud_test = np.array([4.0, 2.5]) + (cloud_rng.standard_normal((20, 2)) * [2.0, 0.5]) @ rotation.T

cloud_pca = pca_fit(cloud_train)
stages = {"original": (cloud_train, cloud_test),
          "zero-centred": zero_center(cloud_train, cloud_test),
          "normalized": normalize(cloud_train, cloud_test),
          "decorrelated (PCA)": (pca_transform(cloud_train, cloud_pca), pca_transform(cloud_test, cloud_pca)),
          "PCA-whitened": (whiten(cloud_train, cloud_pca), whiten(cloud_test, cloud_pca)),
          "ZCA-whitened": (zca_whiten(cloud_train, cloud_pca), zca_whiten(cloud_test, cloud_pca))}
for name, (train_pts, test_pts) in stages.items():
    cov = np.cov(train_pts.T, bias=True)
    print(f"{name:20s} training mean ({train_pts[:, 0].mean():5.2f}, {train_pts[:, 1].mean():5.2f}), variances "
          f"({cov[0, 0]:5.2f}, {cov[1, 1]:5.2f}), covariance {cov[0, 1]:5.2f}; test mean "
          f"({test_pts[:, 0].mean():5.2f}, {test_pts[:, 1].mean():5.2f})")

if not GRADING:
    colour = pca_transform(cloud_train, cloud_pca)[:, 0]
    fig, axes = plt.subplots(2, 3, figsize=(9, 5.6), sharex=True, sharey=True, layout="constrained")
    for ax, (name, (train_pts, test_pts)) in zip(axes.flat, stages.items()):
        ax.axhline(0.0, color="0.75", lw=0.8, zorder=0)
        ax.axvline(0.0, color="0.75", lw=0.8, zorder=0)
        ax.scatter(train_pts[:, 0], train_pts[:, 1], c=colour, cmap="coolwarm", s=7)
        ax.scatter(test_pts[:, 0], test_pts[:, 1], marker="x", color="black", s=22, lw=1)
        cov = np.cov(train_pts.T, bias=True)
        ax.set_title(f"{name}\nvar {cov[0, 0]:.2f}, {cov[1, 1]:.2f}; cov {cov[0, 1]:.2f}", fontsize=10)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=9)
    for j in range(2):  # the principal axes on the centred panel: 2 standard deviations long
        direction = cloud_pca["components"][:, j] * 2 * np.sqrt(cloud_pca["variances"][j])
        axes[0, 1].annotate("", xy=direction, xytext=(0, 0), arrowprops=dict(arrowstyle="->", lw=1.5))
    axes[0, 0].set(xlim=(-6.5, 10.5), ylim=(-5.0, 7.5))
    fig.suptitle("Fit on the training points (dots), applied to the test points (crosses)", fontsize=11)
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-cloud-notice"
# **What to notice:** zero-centering only **moves** the cloud to the origin; normalizing then
# **squeezes** each axis to variance 1, but the cloud stays tilted: the two features are still
# correlated (covariance 0.86). PCA **rotates** it so that its axes of largest and smallest spread (the
# arrows in the centred panel, two standard deviations long) become the coordinate axes: the covariance drops to 0 and the variances are
# the eigenvalues, about 4 and 0.24. PCA whitening then **rescales** both axes to variance 1: a round
# cloud, still turned by 30 degrees. ZCA whitening is round too, but rotated back: the colours sit where
# they were in the centred panel, and every point has moved as little as a whitening allows. The test
# crosses follow the training points, transformed with the training statistics: their mean is close to,
# but not exactly at, the origin, as it should be for data the statistics were not fitted on.
#
# ### 2. The digits: the mean image and the principal components
# We fit PCA on the 1197 training digits (64 pixels each) and look at the mean and at the first
# components, each drawn as an 8x8 image (red positive, blue negative; remember that each component
# may come out with either sign).

# %% kind="readonly" grade_id="exp-components"
from cs231n_utils.data import load_digits

digits = load_digits(seed=0)
X_train, y_train = digits["X_train"], digits["y_train"]
X_val, y_val, X_test = digits["X_val"], digits["y_val"], digits["X_test"]
digit_pca = pca_fit(X_train)
explained = digit_pca["variances"] / digit_pca["variances"].sum()
print(f"total variance of the training pixels: {digit_pca['variances'].sum():.2f}; first five components: "
      + ", ".join(f"{v:.3f} ({e:.1%})" for v, e in zip(digit_pca["variances"][:5], explained[:5])))

if not GRADING:
    fig, axes = plt.subplots(2, 6, figsize=(9, 3.7), layout="constrained")
    axes[0, 0].imshow(digit_pca["mean"].reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0)
    axes[0, 0].set_title("mean digit", fontsize=10)
    for j, ax in enumerate(axes.flat[1:]):
        component = digit_pca["components"][:, j]
        limit = np.abs(component).max()
        ax.imshow(component.reshape(8, 8), cmap="coolwarm", vmin=-limit, vmax=limit)
        ax.set_title(f"PC {j + 1}: {explained[j]:.1%}", fontsize=10)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("The mean training digit and the first 11 principal components (share of the variance)",
                 fontsize=11)
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-components-notice"
# **What to notice:** the mean digit is a blurry ring, the average of all ten classes: zero-centering
# subtracts it from every image. The first components are large-scale patterns, blobs of positive and
# negative weight over whole regions of the image (more ink here and less there than the average digit:
# the ways in which the classes differ most); later components show finer and finer detail and carry
# less and less variance.
#
# ### 3. How many components? The explained variance
# On the left, the variance $\lambda_j$ of each component (log scale); on the right the share of the
# total variance kept by the first $k$ components. Below, three **test** digits projected onto the
# first $k$ components of the training PCA and reconstructed, $\hat x = z\,U_k^\top + \mu$ with
# $z$ = `pca_transform(x, pca_fit(X_train, k))`.

# %% kind="readonly" grade_id="exp-explained"
cumulative = np.cumsum(explained)
needed = {q: int(np.searchsorted(cumulative, q) + 1) for q in (0.9, 0.95, 0.99)}
print("components needed for " + ", ".join(f"{q:.0%} of the variance: {k}" for q, k in needed.items()))
ks = [2, 5, 10, 20, 40, 64]
examples = X_test[:3]
reconstructions = {}
for k in ks:
    pca_k = pca_fit(X_train, k)
    reconstructions[k] = pca_transform(examples, pca_k) @ pca_k["components"].T + pca_k["mean"]
    error = np.mean((pca_transform(X_test, pca_k) @ pca_k["components"].T + pca_k["mean"] - X_test) ** 2)
    print(f"k = {k:2d}: mean squared reconstruction error of the test digits {error:.4f}")

if not GRADING:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.3), layout="constrained")
    axes[0].semilogy(range(1, 65), np.maximum(digit_pca["variances"], 1e-12), "o-", ms=3)
    axes[0].set(xlabel="component j", ylabel=r"variance $\lambda_j$", title="Variance of each component")
    axes[1].plot(range(1, 65), cumulative, "o-", ms=3)
    for (q, k), color in zip(needed.items(), ("C1", "C2", "C3")):
        axes[1].axhline(q, color=color, ls=":", lw=1)
        axes[1].annotate(f"{q:.0%} of the variance: k = {k}", (k, q), xytext=(30, 0.38 + 0.12 * (q > 0.92) + 0.12 * (q > 0.97)),
                         fontsize=9, color=color, arrowprops=dict(arrowstyle="->", color=color))
    axes[1].set(xlabel="number of components k", ylabel="share of the variance kept", ylim=(0, 1.02),
                title="Explained variance")
    plt.show()

    fig, axes = plt.subplots(3, len(ks) + 1, figsize=(7.5, 3.9), layout="constrained")
    for r, x in enumerate(examples):
        axes[r, 0].imshow(x.reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0)
        for c, k in enumerate(ks):
            axes[r, c + 1].imshow(reconstructions[k][r].reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0)
            axes[0, c + 1].set_title(f"k = {k}", fontsize=10)
    axes[0, 0].set_title("original", fontsize=10)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Test digits reconstructed from the first k components", fontsize=11)
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-explained-notice"
# **What to notice:** the variances fall steadily and then, after about 50 components, steeply: the
# first 10 components hold about three quarters of the variance, 21 of the 64 hold 90%, and the last
# three are 0 up to round-off (drawn at $10^{-12}$ on the log scale: three border pixels are blank in
# every training digit, directions in which the data do not vary at all). With $k = 10$ a test digit is already recognisable, with 20 it is
# hardly different from the original, and 64 components give it back exactly. The statistics fitted on
# the training digits work on digits PCA never saw.
#
# ### 4. Whitened digits
# Six test digits after each preprocessing, every statistic from the training split: normalized (each
# pixel divided by its own standard deviation), PCA-whitened (the 64 whitened coordinates drawn as an
# 8x8 array, no longer an image), and ZCA-whitened with the default $\varepsilon = 10^{-5}$ and with a
# larger $\varepsilon = 10^{-2}$. Each image has its own colour scale (red positive, blue negative).

# %% kind="readonly" grade_id="exp-whitened-digits"
shown = X_test[:6]
rows = {"original": shown,
        "normalized": normalize(X_train, shown)[1],
        "PCA-whitened": whiten(shown, digit_pca),
        "ZCA, eps 1e-5": zca_whiten(shown, digit_pca),
        "ZCA, eps 0.1": zca_whiten(shown, digit_pca, eps=0.1)}
for name, values in rows.items():
    print(f"{name:16s} largest absolute value {np.abs(values).max():10.1f}")

if not GRADING:
    fig, axes = plt.subplots(len(rows), len(shown), figsize=(6.4, 5.6), layout="constrained")
    for r, (name, values) in enumerate(rows.items()):
        for c, image in enumerate(values):
            ax = axes[r, c]
            if name == "original":
                ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0)
            else:
                limit = max(np.abs(image).max(), 1e-12)
                ax.imshow(image.reshape(8, 8), cmap="coolwarm", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(name, fontsize=9)
    fig.suptitle("Test digits after each preprocessing", fontsize=11)
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-whitened-notice"
# **What to notice:** normalized digits still show their shape, except for a few border pixels that are
# almost always blank in training: their tiny standard deviation turns a little ink into a large value
# (the dark red corners). PCA-whitened coordinates are not an image at all: they are the coefficients
# of the components, all of the same size. ZCA brings the picture back: each whitened value sits on
# its own pixel again, with the smooth, high-variance parts (the average shape shared by many digits)
# toned down and the fine detail enhanced. With the default $\varepsilon = 10^{-5}$ even the directions of
# tiny variance (components 50 to 61, variances from $10^{-3}$ down to $10^{-7}$) are blown up to
# variance 1: mostly noise. A larger $\varepsilon = 0.1$ leaves those directions almost alone and whitens
# only the strong ones: the digits are clearer. For images, whitening uses an $\varepsilon$ well above
# the default; the training experiment below uses $10^{-2}$.
#
# ### 5. Training with and without preprocessing
# The same network (one hidden layer of 64 ReLUs, He initialization, plain minibatch gradient descent,
# batches of 50) trained on the digits five times: raw pixels (between 0 and 1), zero-centred,
# normalized, PCA-whitened and ZCA-whitened ($\varepsilon = 10^{-2}$), everything fitted on the
# training split. First with the same learning rate 0.1 for all, then for a range of learning rates.

# %% kind="readonly" grade_id="exp-training"
from cs231n_utils.model import FullyConnectedNet
from cs231n_utils.solver import Solver


class ProvidedReLU:
    """A ReLU layer, provided for the experiments (forward/backward as in the course convention)."""

    @staticmethod
    def forward(x):
        return np.maximum(x, 0.0), x

    @staticmethod
    def backward(dout, cache):
        return np.where(cache > 0, dout, 0.0)


def he_init(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


def plain_step(w, dw, config=None):  # a provided plain gradient step (assignment 07 builds the real rules)
    config = {} if config is None else config
    return w - config.get("learning_rate", 1e-2) * dw, config


EPOCHS = 2 if GRADING else 20
LEARNING_RATES = [0.1] if GRADING else [0.01, 0.03, 0.1, 0.3, 1.0]
EPS_WHITEN = 1e-2
variants = {"raw pixels": (X_train, X_val),
            "zero-centred": zero_center(X_train, X_val),
            "normalized": normalize(X_train, X_val),
            "PCA-whitened": (whiten(X_train, digit_pca, EPS_WHITEN), whiten(X_val, digit_pca, EPS_WHITEN)),
            "ZCA-whitened": (zca_whiten(X_train, digit_pca, EPS_WHITEN), zca_whiten(X_val, digit_pca, EPS_WHITEN))}


def train(inputs_train, inputs_val, learning_rate):
    model = FullyConnectedNet([64], inputs_train.shape[1], 10, activation=ProvidedReLU, init=he_init,
                              rng=np.random.default_rng(0))
    solver = Solver(model, {"X_train": inputs_train, "y_train": y_train, "X_val": inputs_val, "y_val": y_val},
                    update_rule=plain_step, optim_config={"learning_rate": learning_rate}, batch_size=50,
                    num_epochs=EPOCHS, num_train_samples=None, progress=False, rng=1)
    with np.errstate(all="ignore"):  # a learning rate that is too high may overflow: the solver stops then
        solver.train()
    return solver


runs = {(name, lr): train(*splits, lr) for name, splits in variants.items() for lr in LEARNING_RATES}
per_epoch = len(runs["raw pixels", 0.1].loss_history) // EPOCHS


def final_loss(solver):
    """The mean training loss over the last epoch (inf if training diverged)."""
    return np.inf if solver.diverged else float(np.mean(solver.loss_history[-per_epoch:]))


print(f"{'preprocessing':14s} " + " ".join(f"{'lr ' + format(lr, 'g'):>10s}" for lr in LEARNING_RATES)
      + "   (training loss over the last epoch; validation accuracy at lr 0.1)")
for name in variants:
    print(f"{name:14s} " + " ".join(f"{final_loss(runs[name, lr]):10.3f}" for lr in LEARNING_RATES)
          + f"   {runs[name, 0.1].val_acc_history[-1]:.3f}")

if not GRADING:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    window = per_epoch
    for name in variants:
        losses = np.array(runs[name, 0.1].loss_history)
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        axes[0].semilogy(np.arange(window, len(losses) + 1) / per_epoch, smooth, label=name)
        finals = [final_loss(runs[name, lr]) for lr in LEARNING_RATES]
        axes[1].loglog(LEARNING_RATES, np.where(np.isfinite(finals), finals, np.nan), "o-", label=name)
    axes[0].set(xlabel="epoch", ylabel="training loss (mean over an epoch)", title="Learning rate 0.1")
    axes[0].legend(fontsize=9)
    axes[1].set(xlabel="learning rate", ylabel=f"training loss after {EPOCHS} epochs",
                title="Final loss for each learning rate")
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-training-notice"
# **What to notice:** at the same learning rate (left), the network trained on normalized inputs reaches
# a given training loss about three times sooner than on raw pixels, and the whitened inputs land in
# between, close to the normalized ones after a few epochs. Zero-centering alone changes little here:
# the pixels are between 0 and 1 and the hidden layer has biases that can absorb an offset. On the
# right, every learning rate tells the same story: raw and centred pixels need a learning rate several
# times larger to reach the loss that normalized or whitened inputs reach. Part of that is plain scale
# (raw pixels have a standard deviation of about 0.3, so their gradients are smaller), part is shape: a
# round, decorrelated cloud of inputs gives a loss surface without long narrow valleys, where one
# learning rate suits every direction. Validation accuracy (printed above) follows the training loss.
#
# ## Written questions (graded by hand)
#
# **Question 1.** A classmate standardizes the whole digits data set before splitting it into training,
# validation and test sets. Another standardizes each split separately, with its own mean and
# standard deviation. What is wrong with each approach? What would the second one do to a test "set"
# made of a single new image at prediction time?

# %% [markdown] kind="manual" grade_id="q1_fit_on_train" points=2
# ### BEGIN SOLUTION
# The statistics of the preprocessing are parameters learned from data, so they must come from the
# training split only, like the weights. Standardizing before splitting lets the validation and test
# data influence $\mu$ and $\sigma$: information leaks from the test set into training, and the test
# score is no longer an honest estimate of performance on new data (with 1797 digits the effect is
# small, but with small data sets, time series or preprocessing fitted on many features it can be
# large; it also cannot be done at deployment, where the new data do not exist yet). Standardizing each
# split with its own statistics is worse: every split is moved and scaled differently, so the network
# sees validation and test inputs in other coordinates than those it was trained in (a test set whose
# pixels are a little brighter on average gets shifted back, and the network never sees the difference
# it should respond to). A single new image would be centred with its own mean, which is the image
# itself: every pixel becomes 0 (and its standard deviation is 0, so dividing gives NaN): the
# prediction no longer depends on the input at all. Fit on the training split and apply the same
# $\mu$, $\sigma$ (or PCA) to every split and to every new example.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q2"
# **Question 2.** Three pixels of the digits are blank (0) in every training image. What does your
# `normalize` do with them, and what would the popular $(X - \mu)/(\sigma + 10^{-8})$ do with a test
# image that has a little ink (0.25) on one of them? In whitening, why does $\varepsilon$ go inside the
# square root, and what does a larger $\varepsilon$ change (experiment 4)?

# %% [markdown] kind="manual" grade_id="q2_eps" points=2
# ### BEGIN SOLUTION
# Their training standard deviation is 0 (at most eps), so `normalize` only centres them: it divides by 1,
# they are 0 for every training image and equal to the raw pixel value for new images, with no NaN and no
# warning. With $\sigma + 10^{-8}$ the training values are still 0, but a test image with 0.25 of ink on
# such a pixel gets $0.25/10^{-8} = 2.5\times10^{7}$ there: one feature millions of times larger than all
# the others, which dominates the first layer and makes the prediction meaningless. A feature that never
# varied in training carries nothing the network learned to use; it should not be amplified. In whitening
# the coordinate along component $j$ is divided by $\sqrt{\lambda_j + \varepsilon}$: inside the root,
# $\varepsilon$ acts like extra variance, so a direction of variance $\lambda$ ends up with variance
# $\lambda/(\lambda + \varepsilon)$: about 1 when $\lambda \gg \varepsilon$, about $\lambda/\varepsilon \approx 0$
# when $\lambda \ll \varepsilon$, and never a division by 0. Outside the root, $\sqrt{\lambda} + \varepsilon$
# would compare $\varepsilon$ with a standard deviation instead of a variance, so the same value would
# mean a very different threshold (and $10^{-5}$ would hardly protect a direction of variance $10^{-8}$).
# A larger $\varepsilon$ whitens less: the directions of small variance, mostly noise (for the digits,
# components 50 to 61), are no longer blown up to variance 1; in experiment 4 the ZCA-whitened digits
# with $\varepsilon = 0.1$ are cleaner than with $10^{-5}$, which mostly amplifies noise.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q3"
# **Question 3.** In experiment 5, why does the network learn faster on normalized or whitened inputs
# than on raw pixels at the same learning rate? Which part of the gain would a larger learning rate for
# the raw pixels also give, and which part would it not? When would you prefer PCA with $k < D$
# components to whitening?

# %% [markdown] kind="manual" grade_id="q3_training" points=2
# ### BEGIN SOLUTION
# The gradient of a first-layer weight is proportional to its input, $\partial L/\partial W = x^\top
# \partial L/\partial z$. Raw pixels are small (standard deviation about 0.3) and all positive, and they
# vary on very different scales and in strongly correlated groups; the loss surface is then stretched:
# steep along a few directions (the high-variance, correlated ones), flat along others. One learning rate
# must be small enough for the steep directions and is then too small for the flat ones, and steps
# zig-zag across narrow valleys. Normalized inputs give every feature the same scale, and whitened
# inputs are in addition uncorrelated (identity covariance): for the first layer the surface is much
# rounder and one learning rate suits every direction. A larger learning rate for the raw pixels makes
# up for their overall small scale (in experiment 5 the raw pixels at lr 0.3 to 1 get close to the
# normalized ones at a three times smaller lr), but not for the differences between directions, which
# no single scalar learning rate can fix (adaptive per-parameter rules, notebook 07, partly can). PCA
# with $k < D$ components is worth it when the input is large and redundant: it shrinks the first layer
# (fewer weights, faster training, less overfitting) while keeping most of the variance (21 of 64
# components keep 90% for the digits) and discards the low-variance directions, which are often noise;
# whitening keeps every dimension and amplifies exactly those directions.
# ### END SOLUTION
