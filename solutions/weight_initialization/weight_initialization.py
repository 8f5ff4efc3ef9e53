# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] kind="readonly" grade_id="intro"
# # 04 · Weight initialization
#
# Gradient descent has to start somewhere. Before the first step every weight matrix is filled with
# numbers, and that choice decides whether a deep network can learn at all: whether the signal
# survives the forward pass through ten layers, whether the gradient survives the way back, and
# whether the hidden units can become different from each other.
#
# **What you implement** (graded, each followed by test cells):
# 1. `init_weights(fan_in, fan_out, scheme, rng)`: a weight matrix for one layer, for six schemes:
#    `zeros`, `small`, `large`, `xavier`, `glorot` and `he`;
# 2. `activation_statistics(X, weights, activation, biases=None)`: push data through a deep stack of
#    layers and describe every layer's output (its values, mean and standard deviation).
#
# Then three experiments (not graded) and three written questions (graded by hand).
#
# ## Why not all zeros? Symmetry
# Take a hidden layer whose units all start with the same incoming weights (all zeros, or all 0.05).
# Every unit computes the same function of the input, so they all output the same value, receive the
# same gradient in the backward pass, and take the same update. After any number of steps they are
# still identical: the layer of 100 units behaves like a layer of one. (With all-zero weights and tanh
# or ReLU it is worse: the hidden outputs are 0, so no gradient reaches any weight at all.) Random
# initial weights **break the symmetry**: each unit starts as a different feature detector.
#
# ## How large? Keep the signal's variance constant
# A layer computes $z = hW$ with $h$ of shape $(N, n_\text{in})$ and $W$ of shape $(n_\text{in}, n_\text{out})$:
# one output is $z_j = \sum_{i=1}^{n_\text{in}} h_i W_{ij}$. If the weights are independent of each other
# and of $h$, with mean 0 and variance $\sigma^2$, then $E[z_j] = 0$ and
#
# $$\operatorname{Var}(z_j) = \sum_{i=1}^{n_\text{in}} E[h_i^2]\,E[W_{ij}^2] = n_\text{in}\,\sigma^2\,E[h^2].$$
#
# The variance of the pre-activations is multiplied at every layer by a **gain**, and after $L$ layers
# by the gain to the power $L$. The gain has to be 1:
#
# - **tanh** is close to the identity near 0 and zero-centered, so $E[h^2] \approx \operatorname{Var}(z_\text{prev})$
#   and the gain is $n_\text{in}\sigma^2$: choose $\sigma^2 = 1/n_\text{in}$ (**Xavier**, LeCun's rule).
# - **ReLU** sets the negative half of a symmetric $z_\text{prev}$ to zero, so
#   $E[h^2] = \tfrac12 \operatorname{Var}(z_\text{prev})$ and the gain is $n_\text{in}\sigma^2/2$: choose
#   $\sigma^2 = 2/n_\text{in}$ (**He** or Kaiming initialization). The factor 2 makes up for the half
#   that ReLU throws away.
# - The **backward pass** runs the same argument the other way: $\partial L/\partial h_i = \sum_j W_{ij}\,
#   \partial L/\partial z_j$ sums $n_\text{out}$ terms, so the gradient keeps its variance when
#   $\sigma^2 = 1/n_\text{out}$. When $n_\text{in} \ne n_\text{out}$ both cannot hold; **Glorot** and Bengio
#   compromise with the average, $\sigma^2 = 2/(n_\text{in} + n_\text{out})$.
#
# Get the gain wrong and the damage compounds. With $n_\text{in} = 256$:
# - **small** ($\sigma = 0.01$): gain $256 \times 10^{-4} \approx 0.026$, so the standard deviation shrinks
#   by a factor 6 per layer, $10^{-8}$ after ten layers. The last layers see (almost) the same value
#   for every input, and since the gradient of a weight is $\partial L/\partial W = h^T\,\partial L/\partial z$,
#   tiny activations $h$ give tiny weight gradients too.
# - **large** ($\sigma = 1$): gain 256. A tanh unit receives inputs of size 16 and **saturates** at
#   $\pm 1$, where its slope $1 - \tanh^2$ is 0 and gradients vanish; a ReLU network's activations grow
#   by a factor of 11 per layer and **explode** (about $10^{10}$ after ten layers).
#
# ## The schemes of this notebook
#
# | scheme | variance $\sigma^2$ of each weight | standard deviation | use |
# | --- | --- | --- | --- |
# | `zeros` | 0 | 0 | never for weights (symmetry); fine for biases |
# | `small` | $10^{-4}$ | 0.01 | shallow networks only |
# | `large` | 1 | 1 | never |
# | `xavier` | $1/\text{fan\_in}$ | $\sqrt{1/\text{fan\_in}}$ | tanh, linear layers |
# | `glorot` | $2/(\text{fan\_in} + \text{fan\_out})$ | $\sqrt{2/(\text{fan\_in}+\text{fan\_out})}$ | tanh, when the widths change |
# | `he` | $2/\text{fan\_in}$ | $\sqrt{2/\text{fan\_in}}$ | ReLU and its relatives |
#
# **fan_in** is the number of inputs of a unit (the rows of $W$), **fan_out** the number of units of
# the layer (the columns). A word on names: Glorot and Bengio's 2010 paper is the origin of both
# "Xavier" (Xavier Glorot's first name) and "Glorot" initialization, and libraries use either name for
# either formula. This course follows the CS231n notes: `xavier` is the $1/\text{fan\_in}$ rule, `glorot`
# the average of fan_in and fan_out.
#
# ## Normal or uniform?
# The argument above only uses the mean (0) and the variance of the weights, so any zero-mean
# distribution with the right variance will do. The usual choice is a Gaussian,
# `np.sqrt(variance) * rng.standard_normal((fan_in, fan_out))`. A uniform draw on $[-a, a]$ has
# variance $a^2/3$, so the uniform version uses $a = \sqrt{3\sigma^2}$. Careful: the popular
# $U(-1/\sqrt{n}, 1/\sqrt{n})$ has variance $1/(3n)$, not $1/n$.
#
# ## Pitfalls
# - **Variance vs standard deviation.** `rng.standard_normal` has variance 1; multiply it by the
#   standard deviation $\sqrt{\sigma^2}$, not by the variance. Multiplying by $1/n$ gives a variance of $1/n^2$.
# - **fan_in vs fan_out.** In `x @ W` with `W` of shape `(fan_in, fan_out)`, fan_in is `W.shape[0]`.
#   Swap them and nothing changes in a network whose layers all have one width, so the bug hides until
#   the widths differ.
# - **The factor 2 of He.** Forget it and a ReLU network's activations halve their variance at every
#   layer: a factor $2^{-10} \approx 10^{-3}$ after ten layers.
# - **Randomness from the `rng`.** Draw every random number from the `rng` you are given (a
#   `np.random.Generator`), never from `np.random.randn` or a Generator made inside the function:
#   then the same seed gives the same network, two different seeds give two different ones, and two
#   layers drawn one after the other from one `rng` get different weights (its state advances).
# - **Biases** are usually initialized to 0: the random weights already break the symmetry. For ReLU
#   some people use a small positive bias such as 0.01 so that every unit starts active
#   (experiment 3 looks at what that really does).

# %% kind="readonly" grade_id="imports"
import os

import numpy as np

# Under nbgrader (validate or autograde) the long experiments shrink or are skipped.
GRADING = bool(os.environ.get("NBGRADER_EXECUTION"))

# %% [markdown] kind="readonly" grade_id="md-init-weights"
# ## Exercise 1: `init_weights`
#
# Return a weight matrix of shape `(fan_in, fan_out)` (one row per input, one column per unit, so that
# `x @ W` maps `(N, fan_in)` to `(N, fan_out)`), of float64, whose entries are independent draws with
# mean 0 and the variance of the table above. `zeros` returns exact zeros. Draw from `rng` only.
#
# Raise a `ValueError`:
# - for a `scheme` that is not one of the six, with a message that names the scheme you were given and
#   lists the six options (e.g. `"scheme must be one of 'zeros', 'small', ...; got 'kaiming'"`);
# - for a `fan_in` or `fan_out` that is not a positive integer, with a message naming the argument.
#
# The tests draw large matrices (40 000 entries) and compare their mean and variance with the scheme's.
# The sampling spread of a variance estimated from $n$ Gaussian draws is $\sqrt{2/n} \approx 0.7\%$ of it,
# so the tests allow 10% (fourteen times that): a correct answer passes whatever the seed, while a
# swapped fan_in and fan_out (a factor 4 with their shapes), a missing factor 2 or a standard
# deviation used as a variance does not.

# %% kind="answer" grade_id="init_weights"
INIT_SCHEMES = ("zeros", "small", "large", "xavier", "glorot", "he")


def init_weights(fan_in, fan_out, scheme, rng):
    """Initial weights of one fully connected layer.

    Inputs:
    - fan_in: number of inputs of each unit, a positive int (the rows of W).
    - fan_out: number of units of the layer, a positive int (the columns of W).
    - scheme: one of INIT_SCHEMES; the variance of every entry is
        'zeros'  0 (every entry exactly 0.0)
        'small'  0.01**2      (standard deviation 0.01)
        'large'  1.0          (standard deviation 1)
        'xavier' 1 / fan_in
        'glorot' 2 / (fan_in + fan_out)
        'he'     2 / fan_in
    - rng: a np.random.Generator, the only source of randomness.

    Returns W, a float64 array of shape (fan_in, fan_out) of independent zero-mean draws with that
    variance (Gaussian; a uniform draw with the same variance is also fine).

    Raises ValueError for an unknown scheme (naming it and the options) or a fan_in / fan_out that
    is not a positive integer (naming the argument).
    """
    # Hint: check the arguments first. Then compute the variance of the scheme and return
    # np.sqrt(variance) * rng.standard_normal((fan_in, fan_out)): the standard deviation, not the variance.
    ### BEGIN SOLUTION
    for name, value in (("fan_in", fan_in), ("fan_out", fan_out)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    variances = {"zeros": 0.0, "small": 0.01 ** 2, "large": 1.0, "xavier": 1.0 / fan_in,
                 "glorot": 2.0 / (fan_in + fan_out), "he": 2.0 / fan_in}
    if not isinstance(scheme, str) or scheme not in variances:
        options = ", ".join(repr(s) for s in INIT_SCHEMES)
        raise ValueError(f"scheme must be one of {options}; got {scheme!r}")
    if scheme == "zeros":
        return np.zeros((fan_in, fan_out))
    return np.sqrt(variances[scheme]) * rng.standard_normal((fan_in, fan_out))
    ### END SOLUTION


# %% [markdown] kind="readonly" grade_id="md-test-init-shapes"
# The first test cell checks what every scheme shares: the shape `(fan_in, fan_out)`, the dtype
# float64, exact zeros for `zeros`, and randomness that comes from `rng` (the same seed gives the same
# matrix, different seeds different ones). The next four check the mean and variance of each scheme,
# and the last one the errors.

# %% kind="tests" grade_id="test_init_shapes" points=3
import numpy as np
from cs231n_utils.testing import HintError, check_array, passed

shape_hint = ("W has one row per input and one column per unit: shape (fan_in, fan_out), so that x @ W maps "
              "(N, fan_in) to (N, fan_out).")
rng_hint = ("draw every random number from the rng argument (rng.standard_normal(...), rng.normal(...) or "
            "rng.uniform(...)), not from np.random.randn or np.random.default_rng() called inside the function.")
for scheme in ("zeros", "small", "large", "xavier", "glorot", "he"):
    W = init_weights(7, 3, scheme, np.random.default_rng(0))
    check_array(f"init_weights(7, 3, {scheme!r}, rng)", W, shape=(7, 3), hint=shape_hint)
    if W.dtype != np.float64:
        raise HintError(f"init_weights(7, 3, {scheme!r}, rng) has dtype {W.dtype}, expected float64.\nLikely "
                        "cause: a draw or a zeros array made with dtype=np.float32 (or an astype): keep numpy's "
                        "default float64.")

check_array("init_weights(50, 20, 'zeros', rng)", init_weights(50, 20, "zeros", np.random.default_rng(1)),
            np.zeros((50, 20)), rtol=0, atol=0,
            hint="'zeros' returns np.zeros((fan_in, fan_out)): every entry exactly 0.0, not a tiny random draw.")

for scheme in ("small", "large", "xavier", "glorot", "he"):
    call = f"init_weights(30, 20, {scheme!r}, rng)"
    first = init_weights(30, 20, scheme, np.random.default_rng(123))
    again = init_weights(30, 20, scheme, np.random.default_rng(123))
    check_array(f"{call} for a second rng made with the same seed (123)", again, first, rtol=0, atol=0,
                hint=f"the same rng state must give the same weights: {rng_hint}")
    other = init_weights(30, 20, scheme, np.random.default_rng(456))
    if other.shape == first.shape and bool(np.all(other == first)):
        raise HintError(f"{call} returned the same matrix for rngs made with the seeds 123 and 456: the "
                        f"weights must come from the rng you are given.\nLikely cause: {rng_hint}")
### BEGIN HIDDEN TESTS
for scheme in ("zeros", "small", "large", "xavier", "glorot", "he"):
    for fan_in, fan_out in ((1, 1), (1, 9), (12, 1), (64, 256)):
        check_array(f"init_weights({fan_in}, {fan_out}, {scheme!r}, rng)",
                    init_weights(fan_in, fan_out, scheme, np.random.default_rng(2)), shape=(fan_in, fan_out),
                    hint=shape_hint)
check_array("init_weights(3, 300, 'zeros', rng)", init_weights(3, 300, "zeros", np.random.default_rng(3)),
            np.zeros((3, 300)), rtol=0, atol=0)
for scheme in ("small", "large", "xavier", "glorot", "he"):
    rng = np.random.default_rng(7)
    first = init_weights(40, 25, scheme, rng)
    second = init_weights(40, 25, scheme, rng)
    if first.shape == second.shape and bool(np.all(first == second)):
        raise HintError(f"two calls init_weights(40, 25, {scheme!r}, rng) with the same rng returned the same "
                        "matrix: draw from the rng you are given (its state must advance), do not make a new "
                        "Generator from a fixed seed.")
    # every unit (column) and every input (row) gets its own draws: no repeated row or column
    if len(np.unique(first, axis=1).T) != 25 or len(np.unique(first, axis=0)) != 40:
        raise HintError(f"init_weights(40, 25, {scheme!r}, rng) has identical rows or columns: draw all "
                        "fan_in * fan_out entries independently (rng.standard_normal((fan_in, fan_out))), do "
                        "not repeat one row or column: identical units never become different.")
### END HIDDEN TESTS
passed("test_init_shapes")

# %% kind="tests" grade_id="test_init_small_large" points=2
import numpy as np
from cs231n_utils.testing import check_array, check_scalar, passed


def check_init_statistics(scheme, fan_in, fan_out, variance, mistakes, hint):
    """Variance and mean of one large draw. Tolerances: 10% for the variance (14 times its sampling
    spread sqrt(2 / n) for n = 40 000 Gaussian entries), 10 standard errors for the mean."""
    call = f"init_weights({fan_in}, {fan_out}, {scheme!r}, rng)"
    W = init_weights(fan_in, fan_out, scheme, np.random.default_rng(fan_in + 7 * fan_out))
    check_array(call, W)  # a float numpy array; its shape is tested in test_init_shapes
    check_scalar(f"np.mean({call} ** 2), the variance of the weights", float(np.mean(W ** 2)), variance,
                 rtol=0.05, mistakes=mistakes, hint=hint)
    check_scalar(f"np.mean({call})", float(np.mean(W)), 0.0, atol=0.05 * np.sqrt(variance),
                 hint="the weights must have mean 0: draw from a zero-mean distribution (rng.standard_normal, "
                      "or rng.uniform(-a, a)), not rng.random(), which is uniform on [0, 1).")


scale_hint = ("W = std * rng.standard_normal((fan_in, fan_out)) has variance std**2: multiply by the standard "
              "deviation (the square root of the variance).")
check_init_statistics("small", 400, 100, 1e-4, hint=scale_hint, mistakes={
    "0.01 used as the variance: 'small' has standard deviation 0.01, variance 1e-4": 1e-2,
    "0.01 squared used as the standard deviation": 1e-8,
    "a uniform draw on [-0.01, 0.01] has variance 0.01**2 / 3: use [-a, a] with a = sqrt(3) * 0.01": 1e-4 / 3})
check_init_statistics("large", 400, 100, 1.0, hint=scale_hint, mistakes={
    "a uniform draw on [-1, 1] has variance 1/3: use [-a, a] with a = sqrt(3)": 1.0 / 3})
### BEGIN HIDDEN TESTS
check_init_statistics("small", 100, 400, 1e-4, hint=scale_hint, mistakes={
    "0.01 used as the variance: 'small' has standard deviation 0.01, variance 1e-4": 1e-2})
check_init_statistics("large", 2000, 20, 1.0, hint=scale_hint, mistakes={})
### END HIDDEN TESTS
passed("test_init_small_large")

# %% kind="tests" grade_id="test_init_xavier" points=2
import numpy as np
from cs231n_utils.testing import check_array, check_scalar, passed


def check_init_statistics(scheme, fan_in, fan_out, variance, mistakes, hint):
    """Variance and mean of one large draw. Tolerances: 10% for the variance (14 times its sampling
    spread sqrt(2 / n) for n = 40 000 Gaussian entries), 10 standard errors for the mean."""
    call = f"init_weights({fan_in}, {fan_out}, {scheme!r}, rng)"
    W = init_weights(fan_in, fan_out, scheme, np.random.default_rng(fan_in + 7 * fan_out))
    check_array(call, W)  # a float numpy array; its shape is tested in test_init_shapes
    check_scalar(f"np.mean({call} ** 2), the variance of the weights", float(np.mean(W ** 2)), variance,
                 rtol=0.05, mistakes=mistakes, hint=hint)
    check_scalar(f"np.mean({call})", float(np.mean(W)), 0.0, atol=0.05 * np.sqrt(variance),
                 hint="the weights must have mean 0: draw from a zero-mean distribution (rng.standard_normal, "
                      "or rng.uniform(-a, a)), not rng.random(), which is uniform on [0, 1).")


def xavier_mistakes(fan_in, fan_out):
    return {"1 / fan_out instead of 1 / fan_in: fan_in is the number of rows of W": 1 / fan_out,
            "1/fan_in used as the standard deviation: multiply by sqrt(1 / fan_in)": 1 / fan_in ** 2,
            "the He variance 2 / fan_in: Xavier has no factor 2": 2 / fan_in,
            "the Glorot variance 2 / (fan_in + fan_out)": 2 / (fan_in + fan_out),
            "a uniform draw on [-1/sqrt(fan_in), 1/sqrt(fan_in)], variance 1 / (3 fan_in): use a = sqrt(3 / fan_in)":
                1 / (3 * fan_in)}


xavier_hint = "xavier: variance 1 / fan_in, so W = np.sqrt(1 / fan_in) * rng.standard_normal((fan_in, fan_out))."
check_init_statistics("xavier", 400, 100, 1 / 400, xavier_mistakes(400, 100), xavier_hint)
### BEGIN HIDDEN TESTS
check_init_statistics("xavier", 100, 400, 1 / 100, xavier_mistakes(100, 400), xavier_hint)
check_init_statistics("xavier", 1000, 40, 1 / 1000, xavier_mistakes(1000, 40), xavier_hint)
### END HIDDEN TESTS
passed("test_init_xavier")

# %% kind="tests" grade_id="test_init_glorot" points=2
import numpy as np
from cs231n_utils.testing import check_array, check_scalar, passed


def check_init_statistics(scheme, fan_in, fan_out, variance, mistakes, hint):
    """Variance and mean of one large draw. Tolerances: 10% for the variance (14 times its sampling
    spread sqrt(2 / n) for n = 40 000 Gaussian entries), 10 standard errors for the mean."""
    call = f"init_weights({fan_in}, {fan_out}, {scheme!r}, rng)"
    W = init_weights(fan_in, fan_out, scheme, np.random.default_rng(fan_in + 7 * fan_out))
    check_array(call, W)  # a float numpy array; its shape is tested in test_init_shapes
    check_scalar(f"np.mean({call} ** 2), the variance of the weights", float(np.mean(W ** 2)), variance,
                 rtol=0.05, mistakes=mistakes, hint=hint)
    check_scalar(f"np.mean({call})", float(np.mean(W)), 0.0, atol=0.05 * np.sqrt(variance),
                 hint="the weights must have mean 0: draw from a zero-mean distribution (rng.standard_normal, "
                      "or rng.uniform(-a, a)), not rng.random(), which is uniform on [0, 1).")


def glorot_mistakes(fan_in, fan_out):
    return {"1 / (fan_in + fan_out): the factor 2 is missing": 1 / (fan_in + fan_out),
            "only fan_in, 1 / fan_in (Xavier): Glorot averages fan_in and fan_out": 1 / fan_in,
            "only fan_in, 2 / fan_in (He): Glorot averages fan_in and fan_out": 2 / fan_in,
            "only fan_out, 1 / fan_out: Glorot averages fan_in and fan_out": 1 / fan_out,
            "2 / (fan_in + fan_out) used as the standard deviation: multiply by its square root":
                (2 / (fan_in + fan_out)) ** 2,
            "2 / (fan_in * fan_out): the average of fan_in and fan_out is (fan_in + fan_out) / 2":
                2 / (fan_in * fan_out)}


glorot_hint = "glorot: variance 2 / (fan_in + fan_out), one over the average of fan_in and fan_out."
check_init_statistics("glorot", 400, 100, 2 / 500, glorot_mistakes(400, 100), glorot_hint)
### BEGIN HIDDEN TESTS
check_init_statistics("glorot", 100, 400, 2 / 500, glorot_mistakes(100, 400), glorot_hint)
check_init_statistics("glorot", 1000, 40, 2 / 1040, glorot_mistakes(1000, 40), glorot_hint)
### END HIDDEN TESTS
passed("test_init_glorot")

# %% kind="tests" grade_id="test_init_he" points=2
import numpy as np
from cs231n_utils.testing import check_array, check_scalar, passed


def check_init_statistics(scheme, fan_in, fan_out, variance, mistakes, hint):
    """Variance and mean of one large draw. Tolerances: 10% for the variance (14 times its sampling
    spread sqrt(2 / n) for n = 40 000 Gaussian entries), 10 standard errors for the mean."""
    call = f"init_weights({fan_in}, {fan_out}, {scheme!r}, rng)"
    W = init_weights(fan_in, fan_out, scheme, np.random.default_rng(fan_in + 7 * fan_out))
    check_array(call, W)  # a float numpy array; its shape is tested in test_init_shapes
    check_scalar(f"np.mean({call} ** 2), the variance of the weights", float(np.mean(W ** 2)), variance,
                 rtol=0.05, mistakes=mistakes, hint=hint)
    check_scalar(f"np.mean({call})", float(np.mean(W)), 0.0, atol=0.05 * np.sqrt(variance),
                 hint="the weights must have mean 0: draw from a zero-mean distribution (rng.standard_normal, "
                      "or rng.uniform(-a, a)), not rng.random(), which is uniform on [0, 1).")


def he_mistakes(fan_in, fan_out):
    return {"1 / fan_in: the factor 2 of He is missing": 1 / fan_in,
            "2 / fan_out instead of 2 / fan_in: fan_in is the number of rows of W": 2 / fan_out,
            "1 / fan_out: fan_out instead of fan_in, and the factor 2 is missing": 1 / fan_out,
            "2/fan_in used as the standard deviation: multiply by sqrt(2 / fan_in)": (2 / fan_in) ** 2,
            "the Glorot variance 2 / (fan_in + fan_out)": 2 / (fan_in + fan_out),
            "a uniform draw on [-sqrt(2/fan_in), sqrt(2/fan_in)], variance 2 / (3 fan_in): use a = sqrt(6 / fan_in)":
                2 / (3 * fan_in)}


he_hint = "he: variance 2 / fan_in, so W = np.sqrt(2 / fan_in) * rng.standard_normal((fan_in, fan_out))."
check_init_statistics("he", 400, 100, 2 / 400, he_mistakes(400, 100), he_hint)
### BEGIN HIDDEN TESTS
check_init_statistics("he", 100, 400, 2 / 100, he_mistakes(100, 400), he_hint)
check_init_statistics("he", 1000, 40, 2 / 1000, he_mistakes(1000, 40), he_hint)
### END HIDDEN TESTS
passed("test_init_he")

# %% kind="tests" grade_id="test_init_errors" points=2
import numpy as np
from cs231n_utils.testing import check_raises, passed

rng = np.random.default_rng(0)
options = ["zeros", "small", "large", "xavier", "glorot"]  # and 'he', which any message contains
check_raises(ValueError, init_weights, 10, 5, "kaiming", rng, what="scheme='kaiming'",
             must_mention=["kaiming"] + options)
check_raises(ValueError, init_weights, 0, 5, "he", rng, what="fan_in=0", must_mention="fan_in")
check_raises(ValueError, init_weights, 10, -2, "xavier", rng, what="fan_out=-2", must_mention="fan_out")
check_raises(ValueError, init_weights, 2.5, 5, "he", rng, what="fan_in=2.5 (not an integer)", must_mention="fan_in")
### BEGIN HIDDEN TESTS
check_raises(ValueError, init_weights, 10, 1.5, "small", rng, what="fan_out=1.5 (not an integer)",
             must_mention="fan_out")
check_raises(ValueError, init_weights, 10, 5, "", rng, what="scheme='' (an empty string)", must_mention=options)
check_raises(ValueError, init_weights, 10, 5, "uniform", rng, what="scheme='uniform'",
             must_mention=["uniform"] + options)
check_raises((ValueError, TypeError), init_weights, 10, 5, None, rng, what="scheme=None")
check_raises(ValueError, init_weights, -1, 5, "zeros", rng, what="fan_in=-1 (with scheme 'zeros')",
             must_mention="fan_in")
check_raises(ValueError, init_weights, 10, 0, "glorot", rng, what="fan_out=0", must_mention="fan_out")
check_raises(ValueError, init_weights, -4, 3, "small", rng, what="fan_in=-4", must_mention="fan_in")
check_raises(ValueError, init_weights, 6, -6, "large", rng, what="fan_out=-6", must_mention="fan_out")
### END HIDDEN TESTS
passed("test_init_errors")

# %% [markdown] kind="readonly" grade_id="md-activation-statistics"
# ## Exercise 2: `activation_statistics`
#
# To see what an initialization does to a deep network, push a batch of data through a stack of
# fully connected layers and look at the output of every layer. Layer $l = 1, \dots, L$ computes
#
# $$h_l = f(h_{l-1} W_l + b_l), \qquad h_0 = X,$$
#
# with the same elementwise activation function $f$ (e.g. `np.tanh`) at every layer, the last one
# included. `weights[l - 1]` is $W_l$, of shape $(D_{l-1}, D_l)$; `biases` is `None` (no biases, the same
# as zeros) or a list of arrays of shape $(D_l,)$. For each layer return a dict with
# - `'activations'`: $h_l$ itself, shape $(N, D_l)$, after the activation function;
# - `'mean'` and `'std'`: the mean and standard deviation of **all** its $N \cdot D_l$ entries, as floats
#   (`np.mean` and `np.std` of the whole array).
#
# Return a list of $L$ dicts, one per layer (the input $X$ is not a layer). Do not change `X` or the weights.
# Raise a `ValueError` when the shapes do not chain (`weights[l]` must have one row per column of the
# layer before it); never transpose a matrix to make it fit.

# %% kind="answer" grade_id="activation_statistics"
def activation_statistics(X, weights, activation, biases=None):
    """Forward X through fully connected layers and describe the output of every layer.

    Inputs:
    - X: float array of shape (N, D_0), the input batch. Not modified.
    - weights: list of L float arrays; weights[l] has shape (D_l, D_{l+1}). Not modified.
    - activation: a function f(z) -> array of z's shape, applied elementwise after every layer
      (e.g. np.tanh, or lambda z: np.maximum(z, 0)).
    - biases: None (no biases) or a list of L float arrays; biases[l] has shape (D_{l+1},).

    Returns a list of L dicts, the l-th one for the output h = f(h_prev @ weights[l] + biases[l]) of
    layer l + 1 (h_prev = X for the first layer):
    - 'activations': h, a float array of shape (N, D_{l+1});
    - 'mean': float, the mean of all N * D_{l+1} entries of h;
    - 'std': float, their standard deviation (np.std of the whole array).
    Raises ValueError if the shapes do not chain (weights[l].shape[0] is not the width of the layer
    before it).
    """
    # Hint: keep the current output h (starting with X); for every layer compute
    # h = activation(h @ W + b) and append {'activations': h, 'mean': ..., 'std': ...}.
    ### BEGIN SOLUTION
    if biases is None:
        biases = [np.zeros(W.shape[1]) for W in weights]
    if len(biases) != len(weights):
        raise ValueError(f"biases must have one entry per layer ({len(weights)}), got {len(biases)}")
    stats = []
    h = X
    for l, (W, b) in enumerate(zip(weights, biases)):
        if W.ndim != 2 or W.shape[0] != h.shape[1]:
            raise ValueError(f"weights[{l}] must have shape ({h.shape[1]}, D) to follow an input with "
                             f"{h.shape[1]} features, got {W.shape}")
        h = activation(h @ W + b)
        stats.append({"activations": h, "mean": float(np.mean(h)), "std": float(np.std(h))})
    return stats
    ### END SOLUTION


# %% kind="tests" grade_id="test_activation_statistics" points=4
import numpy as np
from cs231n_utils.testing import HintError, check_array, check_scalar, passed


def checked_layers(stats, num_layers, call):
    """The list returned by activation_statistics, after checking its structure."""
    if not isinstance(stats, (list, tuple)):
        raise HintError(f"{call} should return a list of dicts, one per layer; got {type(stats).__name__}.")
    if len(stats) != num_layers:
        raise HintError(f"{call} returned {len(stats)} entries for {num_layers} layers: return one dict per "
                        "layer, for that layer's output (the input X is not a layer).")
    for l, entry in enumerate(stats):
        missing = [k for k in ("activations", "mean", "std") if not (isinstance(entry, dict) and k in entry)]
        if missing:
            raise HintError(f"{call}[{l}] should be a dict with the keys 'activations', 'mean' and 'std'; "
                            f"missing {', '.join(map(repr, missing))}.")
    return stats


def checked(call, check, name, *args, **kwargs):
    """check(name, *args, **kwargs) on an entry of stats, saying which call made stats if it fails."""
    try:
        check(name, *args, **kwargs)
    except HintError as exc:
        raise HintError(f"With stats = {call}:\n{exc}") from None


def statistics_of(call, num_layers, X, weights, activation, biases=None):
    """activation_statistics(X, weights, activation[, biases]) (without biases: the default), after
    checking that it left the caller's X, weights and biases as they were, and the structure of what it
    returned."""
    before = (X.copy(), [W.copy() for W in weights], None if biases is None else [b.copy() for b in biases])
    if biases is None:
        stats = activation_statistics(X, weights, activation)
    else:
        stats = activation_statistics(X, weights, activation, biases=biases)
    check_array(f"X after {call}", X, before[0], rtol=0, atol=0,
                hint="activation_statistics changed the caller's X in place (e.g. h = X; h += b, or writing a "
                     "layer's output into h[...]): compute new arrays and leave X alone.")
    for l, (W, W0) in enumerate(zip(weights, before[1])):
        check_array(f"weights[{l}] after {call}", W, W0, rtol=0, atol=0,
                    hint="activation_statistics changed the caller's weight matrix in place (e.g. W *= ..., "
                         "W += ..., W[...] = ...): compute new arrays and leave the weights alone.")
    for l, (b, b0) in enumerate(zip(biases or [], before[2] or [])):
        check_array(f"biases[{l}] after {call}", b, b0, rtol=0, atol=0,
                    hint="activation_statistics changed the caller's biases in place: compute new arrays.")
    return checked_layers(stats, num_layers, call)


rng = np.random.default_rng(40)
X = 0.5 + 2.0 * rng.standard_normal((40, 30))
X_before = X.copy()
I = np.eye(30)

# Weights 2I and f(z) = z + 1: layer l outputs 2**l X + 2**l - 1, built on the previous layer's output.
call = "activation_statistics(X, [2I, 2I, 2I], f) with f(z) = z + 1 and the identity matrix I"
stats = statistics_of(call, 3, X, [2.0 * I for _ in range(3)], lambda z: z + 1.0)
for l in range(1, 4):
    pre = ("the last layer's pre-activation h @ W + b: f is applied at every layer, the last one included"
           if l == 3 else "the pre-activation h @ W + b, before the activation function: store f's output")
    checked(call, check_array, f"stats[{l - 1}]['activations']", stats[l - 1]["activations"],
            2 ** l * X + 2 ** l - 1, rtol=1e-9, atol=1e-12,
            mistakes={pre: 2 ** l * X + 2 ** l - 2,
                      "every layer applied to X instead of to the previous layer's output": 2 * X + 1,
                      "the activation applied before the weights, f(h) @ W, instead of f(h @ W + b)":
                          2 ** l * X + 2 ** (l + 1) - 2,
                      "a bias added although biases is None (no biases, the same as zeros)":
                          2 ** l * X + 1.01 * (2 ** l - 1)},
            hint=f"h_l = f(h_(l-1) @ W_l + b_l), with h_0 = X: each layer takes the previous layer's output as "
                 f"its input, and f is applied at every layer, the last one included. Here layer {l} outputs "
                 f"{2 ** l} X + {2 ** l - 1}.")

# Identity weights and f(z) = z + 1: layer l outputs X + l, whose mean and std are known.
call = "activation_statistics(X, [I, I, I, I], f) with f(z) = z + 1"
stats = statistics_of(call, 4, X, [I.copy() for _ in range(4)], lambda z: z + 1.0)
for l in range(1, 5):
    expected = X + l
    checked(call, check_array, f"stats[{l - 1}]['activations']", stats[l - 1]["activations"], expected,
            rtol=1e-9, atol=1e-12,
            mistakes={"the pre-activation h @ W + b, before the activation function: store f's output": X + l - 1},
            hint=f"layer {l} outputs f(h @ W + b) where h is the output of layer {l - 1} (X for the first "
                 f"layer): here X + {l}.")
    checked(call, check_scalar, f"stats[{l - 1}]['mean']", stats[l - 1]["mean"], expected.mean(), rtol=1e-6,
            atol=1e-9, hint="the mean of all N * D entries of the layer's output, one number: np.mean of the whole "
                            "array.")
    checked(call, check_scalar, f"stats[{l - 1}]['std']", stats[l - 1]["std"], expected.std(), rtol=1e-3,
            mistakes={"the variance instead of the standard deviation": expected.var(),
                      "the mean of the per-unit standard deviations instead of the std of all entries":
                          expected.std(axis=0).mean()},
            hint="the standard deviation of all N * D entries of the layer's output: np.std of the whole array.")

# Biases, and layers of different widths: identity activation, W1 keeps 20 of the 30 features, W2 10 of them.
b1, b2 = np.linspace(-1.0, 1.0, 20), np.full(10, 0.5)
call = "activation_statistics(X, [W1, W2], f, biases=[b1, b2]) with f(z) = z"
stats = statistics_of(call, 2, X, [I[:, :20], np.eye(20)[:, :10]], lambda z: z, biases=[b1, b2])
bias_hint = "add biases[l] to h @ weights[l] before applying f."
checked(call, check_array, "stats[0]['activations']", stats[0]["activations"], X[:, :20] + b1, rtol=1e-9,
        atol=1e-12, mistakes={"ignoring the biases": X[:, :20]}, hint=bias_hint)
checked(call, check_array, "stats[1]['activations']", stats[1]["activations"], X[:, :10] + b1[:10] + b2,
        rtol=1e-9, atol=1e-12, mistakes={"ignoring the biases": X[:, :10]}, hint=bias_hint)
### BEGIN HIDDEN TESTS
# random weights of several widths, ReLU, biases, and a reference computed here
dims = [30, 25, 12, 7]
Ws = [rng.standard_normal((dims[i], dims[i + 1])) / np.sqrt(dims[i]) for i in range(3)]
bs = [0.1 * rng.standard_normal(dims[i + 1]) for i in range(3)]
call = "activation_statistics(X, weights, relu, biases) for widths 30, 25, 12, 7"
stats = statistics_of(call, 3, X, Ws, lambda z: np.maximum(z, 0.0), biases=bs)
h = X_before
for l in range(3):
    h = np.maximum(h @ Ws[l] + bs[l], 0.0)
    checked(call, check_array, f"stats[{l}]['activations']", stats[l]["activations"], h, rtol=1e-9, atol=1e-12)
    checked(call, check_scalar, f"stats[{l}]['mean']", stats[l]["mean"], h.mean(), rtol=1e-6, atol=1e-9)
    checked(call, check_scalar, f"stats[{l}]['std']", stats[l]["std"], h.std(), rtol=1e-3, atol=1e-9,
            mistakes={"the variance instead of the standard deviation": h.var(),
                      "the mean of the per-unit standard deviations instead of the std of all entries":
                          h.std(axis=0).mean()})
# tanh with no biases, one layer
W = rng.standard_normal((30, 50)) / np.sqrt(30)
call = "activation_statistics(X, [W], np.tanh)"
stats = statistics_of(call, 1, X, [W], np.tanh)
checked(call, check_array, "stats[0]['activations']", stats[0]["activations"], np.tanh(X @ W), rtol=1e-9,
        atol=1e-12)
# a single example
call = "activation_statistics(x of shape (1, 30), [2I, 2I], f) with f(z) = z + 1"
stats = statistics_of(call, 2, X[:1].copy(), [2.0 * I, 2.0 * I], lambda z: z + 1.0)
checked(call, check_array, "stats[1]['activations']", stats[1]["activations"], 4 * X[:1] + 3, rtol=1e-9,
        atol=1e-12)
### END HIDDEN TESTS
passed("test_activation_statistics")

# %% kind="tests" grade_id="test_activation_statistics_shapes" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

X = np.ones((5, 4))
chain_hint = "weights of shapes (4, 3) and (6, 3): the second does not follow the first (do not transpose it)"
check_raises(ValueError, activation_statistics, X, [np.ones((4, 3)), np.ones((2, 6))], np.tanh,
             what="weights of shapes (4, 3) and (2, 6), which do not chain")
check_raises(ValueError, activation_statistics, X, [np.ones((4, 3)), np.ones((6, 3))], np.tanh, what=chain_hint)
### BEGIN HIDDEN TESTS
check_raises(ValueError, activation_statistics, X, [np.ones((3, 4))], np.tanh,
             what="weights[0] of shape (3, 4) for X with 4 features (do not transpose it)")
check_raises(ValueError, activation_statistics, X, [np.ones((4, 4)), np.ones((4, 2)), np.ones((3, 2))], np.tanh,
             what="a third weight matrix of shape (3, 2) after a layer of width 2")
### END HIDDEN TESTS
passed("test_activation_statistics_shapes")

# %% [markdown] kind="readonly" grade_id="md-experiments"
# ## Experiments
#
# The rest of the notebook uses your two functions. Nothing here is graded; run it, look at each
# picture, and read the sentence under it. The data are the handwritten digits (8x8 pixels, 64
# features), each pixel standardized to mean 0 and variance 1 on the training set.
#
# ### 1. Activations of a 10-layer network, for every scheme
# Ten fully connected layers of 256 units, no biases, the same random stream for every scheme (so the
# weights of two schemes differ only by their scale), applied to 1000 digits: once with tanh after
# every layer and once with ReLU. The histograms show four of the ten layers (1, 4, 7 and 10), so that
# each panel is wide enough to read; the table printed above them and the line plots after them cover
# every layer.

# %% kind="readonly" grade_id="exp-setup"
# The plots start here. matplotlib is imported here, not at the top: grading stops before
# the plots, and so does not spend time loading it.
import matplotlib.pyplot as plt

# %matplotlib inline

from cs231n_utils.data import load_digits


def relu(z):
    """ReLU for the experiments (forward only)."""
    return np.maximum(z, 0.0)


def activation_histograms(stats_by_scheme, hist_range, title, layers, positive_only=False):
    """One row per scheme, one column per layer in `layers` (numbered from 1): a histogram of the
    layer's activations (within hist_range) with the mean and std that activation_statistics
    computed for the whole layer. 9 inches wide, so it fits a notebook column as drawn."""
    schemes = list(stats_by_scheme)
    fig, axes = plt.subplots(len(schemes), len(layers), figsize=(9, 0.8 + 1.3 * len(schemes)),
                             layout="constrained", sharex=True, squeeze=False)
    for r, scheme in enumerate(schemes):
        for c, number in enumerate(layers):
            ax = axes[r, c]
            layer = stats_by_scheme[scheme][number - 1]
            values = layer["activations"].ravel()
            if positive_only:
                values = values[values > 0]
            counts, edges = np.histogram(values, bins=40, range=hist_range)
            ax.stairs(counts, edges, fill=True, color="tab:blue", alpha=0.8)
            text = f"mean {layer['mean']:.2g}\nstd {layer['std']:.2g}"
            beyond = np.mean((values < hist_range[0]) | (values > hist_range[1])) if values.size else 0.0
            if beyond > 0.01:
                text += f"\n{beyond:.0%} out of range"
            ax.text(0.97, 0.95, text, transform=ax.transAxes, ha="right", va="top", fontsize=9,
                    bbox=dict(boxstyle="round", facecolor="white", alpha=0.8))
            ax.set_yticks([])
            ax.tick_params(labelsize=9)
            if r == 0:
                ax.set_title(f"layer {number}", fontsize=10)
        axes[r, 0].set_ylabel(scheme, fontsize=10)
    fig.suptitle(title)
    return fig


digits = load_digits(seed=0)
pixel_mean = digits["X_train"].mean(axis=0)
pixel_std = digits["X_train"].std(axis=0) + 1e-8
data = {key: (digits[key] - pixel_mean) / pixel_std if key.startswith("X_") else digits[key]
        for key in ("X_train", "y_train", "X_val", "y_val")}

# %% kind="readonly" grade_id="exp-histograms"
N, width, depth = (200, 64, 10) if GRADING else (1000, 256, 10)
X_exp = data["X_train"][:N]
dims = [X_exp.shape[1]] + [width] * depth
stats_by = {}
for act_name, f in (("tanh", np.tanh), ("ReLU", relu)):
    for scheme in INIT_SCHEMES:
        rng = np.random.default_rng(0)
        weights = [init_weights(dims[l], dims[l + 1], scheme, rng) for l in range(depth)]
        stats_by[act_name, scheme] = activation_statistics(X_exp, weights, f)

for act_name in ("tanh", "ReLU"):
    print(f"{act_name}: standard deviation of the activations, layer 1 to {depth}")
    for scheme in INIT_SCHEMES:
        print(f"  {scheme:7s}", " ".join(f"{s['std']:8.2g}" for s in stats_by[act_name, scheme]))

if not GRADING:  # 2 x 24 histograms take a few seconds to draw
    shown = (1, 4, 7, 10)  # four of the ten layers, so that each panel is wide enough to read
    activation_histograms({scheme: stats_by["tanh", scheme] for scheme in INIT_SCHEMES}, (-1.0, 1.0),
                          "tanh: the activations of layers 1, 4, 7 and 10, one row per scheme", shown)
    plt.show()
    activation_histograms({scheme: stats_by["ReLU", scheme] for scheme in INIT_SCHEMES}, (0.0, 3.0),
                          "ReLU: the positive activations of layers 1, 4, 7 and 10\n"
                          "(about half are exactly 0), one row per scheme", shown, positive_only=True)
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-histograms"
# **What to notice:** under tanh (first grid), `small` collapses to a spike at 0 whose standard deviation
# falls about six-fold per layer, `large` piles everything up at -1 and +1 (saturated units, slope 0),
# `xavier` and `glorot` narrow slowly (std 0.6 to 0.2) but stay bell-shaped and clear of the flat tails,
# and `he` spreads out to a flat, partly saturated distribution. Under ReLU (second grid, every panel from
# 0 to 3) `he` keeps the same shape in every layer, `xavier` and `glorot` slide towards 0 by a factor
# of about 1.4 per layer, `small` is a spike at 0 (its std is 0.05 in the first layer already), and
# `large` has left the range (its std reaches $10^{10}$). `zeros` gives exact zeros everywhere, whatever
# the activation.
#
# The same numbers for all ten layers on one picture: the mean and the standard deviation of each
# layer's activations, the standard deviations on a log scale (`zeros` is left out: its activations
# are exactly 0).

# %% kind="readonly" grade_id="exp-std-per-layer"
if not GRADING:  # the numbers were printed above
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.5), layout="constrained", sharex=True)
    for row, act_name in zip(axes, ("tanh", "ReLU")):
        for scheme in INIT_SCHEMES[1:]:
            means = [s["mean"] for s in stats_by[act_name, scheme]]
            row[0].plot(range(1, depth + 1), means, "o-", ms=4, label=scheme)
            row[1].semilogy(range(1, depth + 1), [s["std"] for s in stats_by[act_name, scheme]], "o-", ms=4)
        row[0].set(ylabel="mean of the activations", title=f"{act_name}: mean")
        row[1].set(ylabel="std of the activations", title=f"{act_name}: standard deviation")
    axes[0, 0].set_ylim(-1, 1)  # the range of tanh
    axes[1, 0].set_yscale("log")  # ReLU's means are positive and change by orders of magnitude
    for ax in axes[1]:
        ax.set_xlabel("layer")
        ax.set_xticks(range(1, depth + 1))
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside right center", fontsize=10)
    fig.suptitle(f"{depth} layers of {width} units, every layer")
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-std-per-layer"
# **What to notice:** the lines are straight on the log scale because the gain multiplies at every layer:
# `small` falls by a constant factor per layer (to $10^{-9}$ under tanh, $10^{-10}$ under ReLU), `large`
# is flat at about 1 under tanh (saturated) but climbs steadily under ReLU; the right scale for
# each activation (`xavier`/`glorot` for tanh, `he` for ReLU) keeps the line nearly flat. Under tanh
# even Xavier drifts down slowly (tanh is below the identity away from 0, so its gain is a little under 1).
# The means (left) differ between the activations: tanh is zero-centered, so its mean stays at 0 for
# every scheme, while ReLU's outputs are all positive and their mean follows the standard deviation,
# shrinking or exploding with it.
#
# ### 2. Zero initialization: the units never become different
# We train a network with one hidden layer of 50 tanh units on the digits, three times: all weights
# zero (`zeros`), all weights equal to 0.05 (a constant, to show that the problem is the symmetry and not
# the zero), and `xavier`. Then we look at the incoming weights of the hidden units: column $j$ of $W_1$,
# the 64 weights of unit $j$, drawn as an 8x8 image.

# %% kind="readonly" grade_id="exp-symmetry"
from cs231n_utils.model import FullyConnectedNet


def tanh_layer_forward(x):
    """tanh as a layer for FullyConnectedNet, provided: (out, cache)."""
    out = np.tanh(x)
    return out, out


def tanh_layer_backward(dout, cache):
    return dout * (1.0 - cache ** 2)


def train(model, data, learning_rate, num_epochs, batch_size=100, seed=0):
    """Plain minibatch gradient descent on model.params, in place; returns the loss of every step."""
    rng = np.random.default_rng(seed)
    X, y = data["X_train"], data["y_train"]
    losses = []
    for _ in range(num_epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X) - batch_size + 1, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = model.loss(X[batch], y[batch])
            for name in model.params:
                model.params[name] -= learning_rate * grads[name]
            losses.append(loss)
    return losses


inits = {"zeros": lambda fan_in, fan_out, rng: init_weights(fan_in, fan_out, "zeros", rng),
         "constant 0.05": lambda fan_in, fan_out, rng: np.full((fan_in, fan_out), 0.05),
         "xavier": lambda fan_in, fan_out, rng: init_weights(fan_in, fan_out, "xavier", rng)}
losses, first_layers = {}, {}
for name, init in inits.items():
    model = FullyConnectedNet([50], 64, 10, activation=(tanh_layer_forward, tanh_layer_backward), init=init,
                              rng=np.random.default_rng(0))
    losses[name] = train(model, data, learning_rate=0.1, num_epochs=3 if GRADING else 20)
    W1 = model.params["W1"]
    first_layers[name] = W1
    spread = np.max(np.abs(W1 - W1[:, :1]))  # largest difference between unit j's weights and unit 0's
    accuracy = np.mean(model.predict(data["X_val"]) == data["y_val"])
    print(f"{name:14s}: validation accuracy {accuracy:.2f}; largest difference between two hidden units' "
          f"weights {spread:.1e} (weights of size up to {np.max(np.abs(W1)):.2g})")

if not GRADING:
    fig = plt.figure(figsize=(9, 7.5), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.15])
    ax = top.subplots()
    for name, history in losses.items():
        ax.plot(history, label=name)
    ax.set(xlabel="iteration", ylabel="training loss", title="Training a 64-50-10 tanh network")
    ax.legend()
    grid = bottom.subplots(3, 8)
    for row, (name, W1) in zip(grid, first_layers.items()):
        limit = max(np.max(np.abs(W1)), 1e-12)
        for j, ax in enumerate(row):
            ax.imshow(W1[:, j].reshape(8, 8), cmap="coolwarm", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(name, fontsize=9)
    bottom.suptitle("Incoming weights of hidden units 1 to 8 after training (blue < 0 < red)")
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-symmetry"
# **What to notice:** with `zeros` nothing but the output biases ever moves (the hidden outputs are
# tanh(0) = 0, so every weight gets a zero gradient): the loss stays near $\ln 10 \approx 2.3$, accuracy at
# chance, and the weight images are blank. With the constant 0.05 the weights do change, but all 50 hidden
# units change in exactly the same way and end up with identical weights (identical images; the largest
# difference printed, about $10^{-14}$, is round-off): in effect a network with a single hidden unit, which
# learns far less than `xavier`, whose units all look different.
#
# ### 3. ReLU with a small positive bias
# It is sometimes recommended to start ReLU units with a bias of 0.01 "so that every unit fires at the
# start". We measure what the bias changes in the 10-layer ReLU network of experiment 1: the fraction of
# activations that are positive (the unit fires for that example) and the standard deviation of the
# activations, for He weights and for `small` weights, with biases 0, 0.01 and 0.1. Then we train a
# ReLU network of four hidden layers with He weights and biases 0, 0.01 and 0.1.

# %% kind="readonly" grade_id="exp-bias"
def relu_layer_forward(x):
    """ReLU as a layer for FullyConnectedNet, provided: (out, cache)."""
    return np.maximum(x, 0.0), x


def relu_layer_backward(dout, cache):
    return np.where(cache > 0, dout, 0.0)


settings = [("he", 0.0), ("he", 0.01), ("he", 0.1), ("small", 0.0), ("small", 0.01)]
per_layer = {}
for scheme, bias in settings:
    rng = np.random.default_rng(0)
    weights = [init_weights(dims[l], dims[l + 1], scheme, rng) for l in range(depth)]
    stats = activation_statistics(X_exp, weights, relu, biases=[np.full(width, bias)] * depth)
    label = f"{scheme}, bias {bias:g}"
    per_layer[label] = ([np.mean(s["activations"] > 0) for s in stats], [s["std"] for s in stats])
    firing = per_layer[label][0]
    print(f"{label:16s}: firing fraction in layers 1, 5, 10: {firing[0]:.2f} {firing[4]:.2f} {firing[9]:.2f};"
          f" std of the activations in layer 10 {stats[-1]['std']:.2g}, mean {stats[-1]['mean']:.2g}")

histories = {}
for bias in (0.0, 0.01, 0.1):
    model = FullyConnectedNet([100] * 4, 64, 10, activation=(relu_layer_forward, relu_layer_backward),
                              init=lambda fan_in, fan_out, rng: init_weights(fan_in, fan_out, "he", rng),
                              bias_init=bias, rng=np.random.default_rng(1))
    histories[bias] = train(model, data, learning_rate=0.05, num_epochs=1 if GRADING else 10)
    accuracy = np.mean(model.predict(data["X_val"]) == data["y_val"])
    print(f"4 hidden ReLU layers, He weights, bias {bias:g}: final training loss "
          f"{np.mean(histories[bias][-10:]):.3f}, validation accuracy {accuracy:.3f}")

if not GRADING:
    fig, axes = plt.subplot_mosaic([["firing", "spread"], ["loss", "loss"]], figsize=(9, 7),
                                   layout="constrained")
    for label, (firing, stds) in per_layer.items():
        style = "o-" if label.startswith("he") else "s--"
        axes["firing"].plot(range(1, depth + 1), firing, style, label=label)
        axes["spread"].semilogy(range(1, depth + 1), stds, style, label=label)
    axes["firing"].set(xlabel="layer", ylabel="fraction of activations > 0", ylim=(0, 1.05),
                       title="How often the units fire")
    axes["spread"].set(xlabel="layer", ylabel="std of the activations", title="Spread of the activations")
    axes["firing"].legend(fontsize=9)
    for bias, history in histories.items():
        axes["loss"].plot(history, label=f"bias {bias:g}")
    axes["loss"].set(xlabel="iteration", ylabel="training loss", title="Training with He weights")
    axes["loss"].legend(fontsize=9)
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-bias"
# **What to notice:** with He weights the pre-activations are of size 1, so a bias of 0.01 changes
# nothing visible (half the activations positive in every layer, the same spread: its lines hide those of
# bias 0), 0.1 only a little, and the three training curves are almost the same. With `small` weights
# the pre-activations are far smaller than 0.01, so from the third layer on the bias *is* the signal:
# every unit fires on every example (fraction 1), but with almost the same value, 0.01, for every digit;
# the input is drowned out. (Without biases the scale of the weights does not change which units fire,
# since $\max(0, cz) = c\max(0, z)$ for $c > 0$: `small` with bias 0 fires exactly where `he` does, with
# far smaller values.) A positive bias is no substitute for weights of the right scale, and zero biases
# are the usual default.
#
# ## Written questions (graded by hand)
#
# **Question 1.** Starting from $\operatorname{Var}(z) = n_\text{in}\,\sigma^2\,E[h^2]$, explain why `xavier`
# suits tanh but loses a constant factor per layer with ReLU (experiment 1), and why He's factor 2 fixes
# it. What would you expect from `he` in a tanh network, and what does experiment 1 show?

# %% [markdown] kind="manual" grade_id="q1_variance" points=2
# ### BEGIN SOLUTION
# With $\sigma^2 = 1/n_\text{in}$ the gain is $E[h^2]/\operatorname{Var}(z_\text{prev})$. tanh is zero-centered and
# close to the identity for moderate inputs, so $E[h^2] \approx \operatorname{Var}(z_\text{prev})$ and the gain is about
# 1 (slightly less, since $|\tanh z| < |z|$: the slow drift in the plot). ReLU zeroes the negative half of
# a symmetric input, so $E[h^2] = \operatorname{Var}(z_\text{prev})/2$: with Xavier the second moment halves at every
# layer and the standard deviation shrinks by $\sqrt 2$ per layer ($2^{-5} \approx 0.03$ after ten), as
# measured. He doubles the variance of the weights, $n_\text{in}\cdot(2/n_\text{in})\cdot\tfrac12 = 1$, so the
# gain is 1 again. With `he` in a tanh network the gain is about 2 for small inputs, so the activations
# grow until tanh's saturation limits them: experiment 1 shows them levelling off at a larger spread
# (std about 0.55) with more mass near $\pm 1$, partly saturated, but not collapsing like `small` or
# saturating fully like `large`.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q2"
# **Question 2.** In experiment 2, why do the hidden units of the network initialized with the constant
# 0.05 still have identical weights after 20 epochs of training? Would they still be identical if only
# the *biases* of the hidden layer were drawn at random? Explain.

# %% [markdown] kind="manual" grade_id="q2_symmetry" points=2
# ### BEGIN SOLUTION
# All hidden units have the same incoming weights, so for every example they compute the same
# pre-activation and output. Their outgoing weights (rows of $W_2$) are equal too, so in the backward pass
# each unit receives the same gradient $\partial L/\partial h_j = \sum_k \partial L/\partial s_k\, W_{2,jk}$, hence the same
# gradient for its incoming weights, $x^T \partial L/\partial z_j$, and the same update. By induction they
# stay identical at every step: gradient descent cannot break a symmetry that the initialization
# does not break. Random hidden biases do break it: units with different biases output different values,
# so their outgoing weights get different gradients and become different, and then their incoming weights
# receive different gradients as well. (It breaks slowly, and with all-zero $W_2$ the incoming weights get
# no gradient at the first step; random weights are the standard, reliable way.)
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q3"
# **Question 3.** A classmate initializes a 10-layer ReLU network with `small` weights and biases 0.01, and
# reports proudly that every unit is active on every training example. Using experiment 3, explain why
# that is not a good sign, and what they should do instead.

# %% [markdown] kind="manual" grade_id="q3_bias" points=2
# ### BEGIN SOLUTION
# With weights of standard deviation 0.01 the contribution of the previous layer, $hW$, shrinks by a
# large factor per layer, and after two or three layers it is much smaller than the bias. The
# pre-activation of every unit is then about $0.01 + (\text{tiny})$, positive for every example, so every
# unit fires, but its output is nearly the same constant 0.01 for every input: the deep layers carry
# almost no information about the example (std about $10^{-3}$ around a mean of $10^{-2}$ in experiment 3), and
# the gradients of the weights, proportional to these nearly constant activations, teach little. "Active"
# is not the same as "informative". They should use He initialization, $\sigma^2 = 2/\text{fan\_in}$, which
# keeps the spread of the signal constant through the layers, with zero biases (a bias of 0.01 then
# changes almost nothing).
# ### END SOLUTION
