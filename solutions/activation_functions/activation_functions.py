# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] kind="readonly" grade_id="intro"
# # 02 · Activation functions
#
# A neural network alternates **affine layers** $z = xW + b$ with **activation functions** applied to
# $z$. This notebook is about the second kind: what they are, why there are so many, how to compute
# them and their gradients correctly, and the ways each of them can stall training.
#
# **What you implement** (graded, each followed by a test cell), forward and backward pass of:
# 1. the sigmoid, stable for inputs of any size;
# 2. tanh;
# 3. ReLU;
# 4. Leaky ReLU;
# 5. PReLU, with the gradient for its learned slopes;
# 6. ELU;
# 7. Maxout, with the gradients for its weights and biases.
#
# Then four experiments (not graded) and three written questions (graded by hand).
#
# ## Why a nonlinearity at all?
# Two affine layers in a row are one affine layer: $(xW_1 + b_1)W_2 + b_2 = x(W_1W_2) + (b_1W_2 + b_2)$.
# However deep, a network without activation functions can only draw straight decision boundaries.
# A nonlinearity $f$ between the layers, $h = f(xW_1 + b_1)$, lets each layer bend the space, and a
# two-layer network with enough hidden units can approximate any continuous function. Which $f$ you
# pick decides how easily gradients flow back through the layers, and so how fast (and whether) the
# network learns.
#
# ## The layer convention
# Every activation is a *layer* with a forward and a backward pass, as everywhere in this course:
#
# ```python
# out, cache = name_forward(x, ...)     # out has the shape of x; cache: whatever backward needs
# dx = name_backward(dout, cache)       # dout = dL/dout (shape of out), dx = dL/dx (shape of x)
# ```
#
# For an elementwise $f$, the chain rule gives $\frac{\partial L}{\partial x_i} = \frac{\partial L}{\partial
# \text{out}_i}\, f'(x_i)$: **dx = dout times the local slope**, entry by entry. Forgetting the `dout`
# factor is the most common mistake in a backward pass. A layer with a parameter (PReLU's slopes,
# Maxout's weights) returns its gradient too: `dx, dalpha = prelu_backward(dout, cache)`.
#
# No pass changes its arguments in place: the forward pass leaves `x` as it was, the backward pass
# leaves `dout` and the cache as they were (the caller may still need them, and a cache may be used
# twice). The tests check every argument after every call.
#
# ## The functions
#
# | name | $f(x)$ | $f'(x)$ | range |
# | --- | --- | --- | --- |
# | sigmoid | $\sigma(x) = \frac{1}{1+e^{-x}}$ | $\sigma(x)\,(1-\sigma(x))$ | $(0, 1)$ |
# | tanh | $\tanh(x) = 2\sigma(2x) - 1$ | $1 - \tanh^2(x)$ | $(-1, 1)$ |
# | ReLU | $\max(0, x)$ | $1$ if $x>0$, $0$ if $x<0$ | $[0, \infty)$ |
# | Leaky ReLU | $x$ if $x>0$, $\alpha x$ otherwise ($\alpha = 0.01$) | $1$ or $\alpha$ | $\mathbb{R}$ |
# | PReLU | the same, with $\alpha$ **learned** | $1$ or $\alpha$; $\frac{\partial f}{\partial\alpha} = x$ if $x<0$, else $0$ | $\mathbb{R}$ |
# | ELU | $x$ if $x>0$, $\alpha(e^x - 1)$ otherwise | $1$ or $\alpha e^x = f(x) + \alpha$ | $(-\alpha, \infty)$ |
# | Maxout | $\max_j (x w_j + b_j)$ over $k$ pieces | the gradient goes to the winning piece | $\mathbb{R}$ |
#
# **Sigmoid.** Squashes any number into $(0, 1)$; historically popular because it reads as a firing
# rate. Two problems make it a poor hidden-layer activation:
# - *Saturation kills gradients.* For $|x|$ beyond about 5 the curve is flat: $\sigma'(x) \approx e^{-|x|}$.
#   Even at its best, $\sigma'(0) = 1/4$, so every sigmoid layer multiplies the gradient passing back
#   through it by at most $1/4$. A unit whose input is large (large weights at initialization, say)
#   passes almost no gradient back, and the layers below it stop learning.
# - *Outputs are not zero-centered.* All outputs are positive. A neuron of the next layer computes
#   $w \cdot h + b$ with every $h_i > 0$, so the gradient on its weights, $\frac{\partial L}{\partial w_i} =
#   \frac{\partial L}{\partial f}\, h_i$, has the **same sign for every $i$**: all weights of that neuron go up
#   together or down together, and reaching a $w$ that needs some up and some down takes a zig-zag
#   path (experiment 3).
#
# **Tanh.** A scaled, shifted sigmoid, $\tanh(x) = 2\sigma(2x)-1$: zero-centered, slope 1 at 0, but it
# saturates just the same. Preferred to the sigmoid when a squashing function is needed.
#
# **ReLU.** $\max(0, x)$: nothing to saturate for $x>0$ (slope exactly 1), no exponential to compute,
# and in practice several times faster to train than sigmoid or tanh networks. Its weakness is
# the flat side: a unit whose input is negative for *every* example gets zero gradient for every
# example, so its weights never change again. It is **dead**. A large learning rate can kill a
# large fraction of a network in a single step (experiment 4).
#
# **Leaky ReLU** gives the negative side a small slope $\alpha$ (0.01), so no unit is ever completely
# cut off. **PReLU** makes $\alpha$ a parameter learned with the others, one per feature: since the
# same $\alpha_d$ is used for every example in the batch, its gradient is a **sum over the batch**,
# $\frac{\partial L}{\partial \alpha_d} = \sum_{n:\,x_{nd}<0} \text{dout}_{nd}\, x_{nd}$.
# **ELU** has a smooth negative side that saturates at $-\alpha$, which pushes mean activations
# toward zero; its slope on the negative side is $\alpha e^x$, which is just $f(x) + \alpha$.
#
# **Maxout** generalizes them: each output unit $h$ is the maximum of $k$ affine functions of the
# input, $\text{out}_{nh} = \max_j \big(\sum_d x_{nd} W_{dhj} + b_{hj}\big)$. ReLU is maxout with
# $k=2$ and one piece fixed at 0; Leaky ReLU is $k=2$ with pieces $z$ and $\alpha z$. It never
# saturates and never dies, at the cost of $k$ times the parameters. Like a max-pooling layer it
# routes the gradient: only the **winning** piece of each output gets `dout`, the others get nothing.
#
# ## Kinks
# ReLU, Leaky ReLU, PReLU, ELU (for $\alpha \ne 1$) and Maxout have kinks, points where the slope
# jumps. At exactly $x = 0$ any value between the two slopes is a valid (sub)gradient; the
# tests never look there, and they check your backward passes against numerical gradients at
# points at least $10^{-3}$ away from every kink (notebook 01 showed why).
#
# ## Computing the sigmoid without overflow
# `np.exp(-x)` overflows for $x < -709$: $e^{710}$ is larger than the largest float64. The naive
# `1 / (1 + np.exp(-x))` still returns the right limit (0) for $x = -1000$, but numpy warns
# `RuntimeWarning: overflow encountered in exp`, and a test cell that prints a warning gets no points.
# The cure is to evaluate only exponentials of **non-positive** numbers, which can underflow to 0
# harmlessly but never overflow:
#
# $$\sigma(x) = \frac{1}{1 + e^{-x}} \quad (x \ge 0), \qquad \sigma(x) = \frac{e^{x}}{1 + e^{x}} \quad (x < 0).$$
#
# Careful: `np.where(x >= 0, 1 / (1 + np.exp(-x)), ...)` does **not** avoid the overflow: `np.where`
# evaluates both branches on every entry before choosing. Compute each branch on its own entries
# (boolean masks), or feed `np.exp` something that cannot be large, such as `-np.abs(x)`. The same
# trap waits in ELU's `np.exp(x)` for large positive $x$.
#
# ## What to use in practice
# Use ReLU, with a sensible learning rate, and watch the fraction of dead units. If it matters, try
# Leaky ReLU, PReLU, ELU or Maxout. Use tanh where a bounded, zero-centered output is needed; avoid
# the sigmoid in hidden layers (it remains the right output for a probability).

# %% kind="readonly" grade_id="imports"
import os

import numpy as np

# Under nbgrader (validate or autograde) the long experiments shrink or are skipped.
GRADING = bool(os.environ.get("NBGRADER_EXECUTION"))

# %% [markdown] kind="readonly" grade_id="md-sigmoid"
# ## Exercise 1: sigmoid
#
# Implement $\sigma(x) = 1/(1 + e^{-x})$ elementwise, for `x` of any shape, and its backward pass.
# It must return the correctly rounded limits, exactly 0.0 for $x = -1000$ and exactly 1.0 for
# $x = 1000$, **without any warning** (see "Computing the sigmoid without overflow" above).
# In the backward pass use $\sigma'(x) = \sigma(x)(1 - \sigma(x))$: the forward pass already computed
# $\sigma(x)$, so you can cache it rather than recompute it. Do not clip `x` to avoid the overflow: the
# limits must come out exactly.

# %% kind="answer" grade_id="sigmoid"
def sigmoid_forward(x):
    """Sigmoid, elementwise: out = 1 / (1 + exp(-x)), without overflow for any x.

    Inputs:
    - x: float array of any shape S.

    Returns (out, cache):
    - out: float array of shape S.
    - cache: what sigmoid_backward needs (e.g. out).
    """
    # Hint: make out = np.empty_like(x, dtype=float), a boolean mask pos = x >= 0, and fill
    # out[pos] and out[~pos] with the two formulas above, each on its own entries only.
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    cache = out
    return out, cache
    ### END SOLUTION


def sigmoid_backward(dout, cache):
    """Backward pass of sigmoid_forward.

    Inputs:
    - dout: upstream gradient dL/dout, float array of shape S.
    - cache: from sigmoid_forward.

    Returns dx = dL/dx, float array of shape S.
    """
    # Hint: dx = dout * (local slope), the local slope written with the forward's OUTPUT.
    ### BEGIN SOLUTION
    out = cache
    dx = dout * out * (1.0 - out)
    return dx
    ### END SOLUTION


# %% kind="tests" grade_id="test_sigmoid" points=4
import numpy as np
from cs231n_utils.testing import check_array, check_backward, check_no_warnings, checked_call, passed


x = np.linspace(-8, 8, 17).reshape(1, 17)
out, _ = checked_call(sigmoid_forward, x=x)
check_array("sigmoid_forward(x)[0] for x = -8, -7, ..., 8", out, 1 / (1 + np.exp(-x)), rtol=1e-7, atol=1e-12,
            inputs=x, mistakes={"computing tanh(x) instead of the sigmoid": np.tanh(x),
                                "1 / (1 + exp(x)): the sign of the exponent is flipped": 1 / (1 + np.exp(x))})
check_array("sigmoid_forward(0)[0]", sigmoid_forward(np.zeros((2, 2)))[0], np.full((2, 2), 0.5))
check_array("np.diff(out) > 0 (the sigmoid is increasing)", np.diff(out[0]) > 0, np.ones(16, dtype=bool),
            dtype_kind="b")

# large inputs: exact limits and no overflow warning
x = np.array([[-1000.0, -750.0, 750.0, 1000.0]])
stable_hint = ("exponentiate only numbers <= 0: exp(-x) on the entries where x >= 0 and exp(x) on the entries "
               "where x < 0, each computed on its own entries (np.where computes both branches everywhere).")
out, _ = check_no_warnings("sigmoid_forward(x) for x = -1000, -750, 750, 1000", sigmoid_forward, x, hint=stable_hint)
check_array("sigmoid_forward(x)[0] for x = -1000, -750, 750, 1000", out, np.array([[0.0, 0.0, 1.0, 1.0]]),
            rtol=0, atol=0, inputs=x,
            hint="in float64, sigmoid(-1000) is exactly 0.0 and sigmoid(1000) exactly 1.0: do not clip x (sigmoid(-100) "
                 "is 3.7e-44, not 0), " + stable_hint)

rng = np.random.default_rng(2)
check_backward(sigmoid_forward, sigmoid_backward, {"x": rng.uniform(-6, 6, size=(4, 5))},
               hints={"dx": "dx = dout * out * (1 - out) where out = sigmoid(x) is the forward's output, not the "
                            "input x."})
# the backward pass leaves dout and the cache as they were
_, cache = checked_call(sigmoid_forward, x=rng.uniform(-3, 3, size=(3, 4)))
checked_call(sigmoid_backward, dout=rng.standard_normal((3, 4)), cache=cache)
### BEGIN HIDDEN TESTS
# any shape, including 3-D, and only negative inputs
x = -rng.uniform(0.1, 30, size=(2, 3, 4))
check_array("sigmoid_forward(x)[0] for x of shape (2, 3, 4), all negative", sigmoid_forward(x)[0],
            np.exp(x) / (1 + np.exp(x)), rtol=1e-7, atol=1e-12, inputs=x)
check_backward(sigmoid_forward, sigmoid_backward, {"x": rng.uniform(-5, 5, size=(2, 3, 2))},
               hints={"dx": "dx = dout * out * (1 - out) where out = sigmoid(x) is the forward's output, not the "
                            "input x."})
# the backward pass is stable too: the gradient of a saturated sigmoid is 0
x = np.array([-1000.0, -40.0, 40.0, 1000.0])
out, cache = check_no_warnings("sigmoid_forward(x) for x = -1000, -40, 40, 1000", sigmoid_forward, x,
                               hint=stable_hint)
dx = check_no_warnings("sigmoid_backward(dout, cache) for x = -1000, -40, 40, 1000", sigmoid_backward,
                       np.ones(4), cache, hint="use the output cached by the forward pass, not a new exp(-x).")
check_array("sigmoid_backward(ones, cache) for x = -1000, -40, 40, 1000", dx, np.exp(-np.abs(x)), rtol=1e-6,
            atol=1e-15, inputs=x, hint="A saturated sigmoid passes (almost) no gradient back.")
# the cache can be used twice: backward must not change it
x = rng.uniform(-3, 3, size=(3, 4))
dout = rng.standard_normal((3, 4))
out, cache = sigmoid_forward(x)
first = sigmoid_backward(dout, cache)
second = sigmoid_backward(dout, cache)
check_array("a second sigmoid_backward(dout, cache) with the same cache", second, first, rtol=1e-12, atol=0,
            hint="sigmoid_backward changed its cache (or dout) in place, e.g. with out *= ...: compute into a "
                 "new array.")
### END HIDDEN TESTS
passed("test_sigmoid")

# %% [markdown] kind="readonly" grade_id="md-tanh"
# ## Exercise 2: tanh
#
# `np.tanh` is stable for every input, so the forward pass is one line; like the sigmoid, it must run
# without warnings for any `x`. The backward pass uses $\tanh'(x) = 1 - \tanh^2(x)$, again written with
# the forward's output.

# %% kind="answer" grade_id="tanh"
def tanh_forward(x):
    """Hyperbolic tangent, elementwise.

    Inputs:
    - x: float array of any shape S.

    Returns (out, cache): out = tanh(x), float array of shape S; cache: what tanh_backward needs.
    No overflow warning for any x.
    """
    # Hint: np.tanh.
    ### BEGIN SOLUTION
    out = np.tanh(x)
    return out, out
    ### END SOLUTION


def tanh_backward(dout, cache):
    """Backward pass of tanh_forward.

    Inputs:
    - dout: upstream gradient, float array of shape S.
    - cache: from tanh_forward.

    Returns dx, float array of shape S.
    """
    # Hint: the local slope is 1 - out**2 with out = tanh(x).
    ### BEGIN SOLUTION
    out = cache
    return dout * (1.0 - out ** 2)
    ### END SOLUTION


# %% kind="tests" grade_id="test_tanh" points=2
import numpy as np
from cs231n_utils.testing import check_array, check_backward, check_no_warnings, checked_call, passed


x = np.linspace(-4, 4, 9).reshape(3, 3)
out, _ = checked_call(tanh_forward, x=x)
check_array("tanh_forward(x)[0] for x = -4, -3, ..., 4", out, np.tanh(x), inputs=x,
            mistakes={"the sigmoid instead of tanh": 1 / (1 + np.exp(-x)),
                      "sigmoid(2x) without the scaling: tanh(x) = 2 * sigmoid(2x) - 1": 1 / (1 + np.exp(-2 * x))})
check_array("tanh_forward(-x)[0] (tanh is odd)", tanh_forward(-x)[0], -out, rtol=1e-12, atol=0)

rng = np.random.default_rng(3)
tanh_hint = ("dx = dout * (1 - out**2) where out = tanh(x) is the forward's output, not the input x "
             "(and square it).")
check_backward(tanh_forward, tanh_backward, {"x": rng.uniform(-3, 3, size=(4, 5))}, hints={"dx": tanh_hint})
_, cache = checked_call(tanh_forward, x=rng.uniform(-2, 2, size=(3, 4)))
checked_call(tanh_backward, dout=rng.standard_normal((3, 4)), cache=cache)
### BEGIN HIDDEN TESTS
x = rng.uniform(-2, 2, size=(2, 3, 4))
check_array("tanh_forward(x)[0] for x of shape (2, 3, 4)", tanh_forward(x)[0], np.tanh(x), inputs=x)
check_backward(tanh_forward, tanh_backward, {"x": x}, hints={"dx": tanh_hint})
# large inputs: exact limits and no warning
x = np.array([-1000.0, -400.0, 400.0, 1000.0])
out, cache = check_no_warnings("tanh_forward(x) for x = -1000, -400, 400, 1000", tanh_forward, x,
                               hint="use np.tanh: exp(x) and exp(-x) overflow for |x| > 709.")
check_array("tanh_forward(x)[0] for x = -1000, -400, 400, 1000", out, np.array([-1.0, -1.0, 1.0, 1.0]),
            rtol=0, atol=0, inputs=x, hint="Use np.tanh, or a formula that exponentiates only non-positive numbers.")
dx = check_no_warnings("tanh_backward(ones, cache) for x = -1000, -400, 400, 1000", tanh_backward, np.ones(4), cache)
check_array("tanh_backward(ones, cache) for x = -1000, -400, 400, 1000", dx, np.zeros(4), atol=1e-300, inputs=x)
# the cache can be used twice
x = rng.uniform(-2, 2, size=(3, 4))
dout = rng.standard_normal((3, 4))
_, cache = tanh_forward(x)
first = tanh_backward(dout, cache)
check_array("a second tanh_backward(dout, cache) with the same cache", tanh_backward(dout, cache), first,
            rtol=1e-12, atol=0, hint="tanh_backward changed its cache (or dout) in place: compute into a new array.")
### END HIDDEN TESTS
passed("test_tanh")

# %% [markdown] kind="readonly" grade_id="md-relu"
# ## Exercise 3: ReLU
#
# $\text{ReLU}(x) = \max(0, x)$. The backward pass lets `dout` through where the unit was active
# ($x > 0$) and blocks it where it was not ($x < 0$); use 0 at exactly $x = 0$. Do not change `x` in
# the forward pass (`x[x < 0] = 0` would change the caller's array) nor `dout` in the backward pass
# (`dout[x <= 0] = 0` would).

# %% kind="answer" grade_id="relu"
def relu_forward(x):
    """Rectified linear unit, elementwise: out = max(0, x).

    Inputs:
    - x: float array of any shape S. Not modified.

    Returns (out, cache): out, float array of shape S; cache: what relu_backward needs.
    """
    # Hint: np.maximum(x, 0) makes a new array.
    ### BEGIN SOLUTION
    out = np.maximum(x, 0.0)
    return out, x
    ### END SOLUTION


def relu_backward(dout, cache):
    """Backward pass of relu_forward.

    Inputs:
    - dout: upstream gradient, float array of shape S. Not modified.
    - cache: from relu_forward.

    Returns dx, float array of shape S: dout where x > 0, 0 where x <= 0.
    """
    # Hint: a boolean mask (x > 0) times dout.
    ### BEGIN SOLUTION
    x = cache
    return dout * (x > 0)
    ### END SOLUTION


# %% kind="tests" grade_id="test_relu" points=3
import numpy as np
from cs231n_utils.testing import check_array, check_backward, checked_call, passed


x = np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]])
out, cache = checked_call(relu_forward, x=x)
check_array("relu_forward(x)[0] for x = -2, -0.5, 0, 0.5, 2", out, np.array([[0.0, 0.0, 0.0, 0.5, 2.0]]), inputs=x,
            mistakes={"min(0, x) instead of max(0, x)": np.minimum(x, 0), "the absolute value |x|": np.abs(x)})

rng = np.random.default_rng(4)
relu_hint = "dx = dout where x > 0 (the unit was active) and 0 where x < 0."
check_backward(relu_forward, relu_backward, {"x": rng.standard_normal((5, 6))}, kinks={"x": (0.0,)},
               hints={"dx": relu_hint})
# at exactly x = 0 the gradient is 0; dout and the cache stay as they were
dx = checked_call(relu_backward, dout=np.full((1, 5), 3.0), cache=cache)
check_array("relu_backward(3 * ones, cache) for x = -2, -0.5, 0, 0.5, 2", dx, np.array([[0.0, 0.0, 0.0, 3.0, 3.0]]),
            inputs=x, mistakes={"dout let through at x = 0 (x >= 0 instead of x > 0)": np.array([[0, 0, 3.0, 3, 3]])},
            hint="dx is dout where x > 0 and 0 where x <= 0: use 0 at exactly x = 0.")
### BEGIN HIDDEN TESTS
# any shape; all-negative inputs give zeros forward and backward
x = rng.standard_normal((2, 3, 4))
check_array("relu_forward(x)[0] for x of shape (2, 3, 4)", relu_forward(x)[0], np.where(x > 0, x, 0.0), inputs=x)
check_backward(relu_forward, relu_backward, {"x": x}, kinks={"x": (0.0,)}, hints={"dx": relu_hint})
x = -rng.uniform(0.1, 5, size=(3, 4))
out, cache = relu_forward(x)
check_array("relu_forward(x)[0] for all-negative x", out, np.zeros((3, 4)), inputs=x)
check_array("relu_backward(dout, cache) for all-negative x", relu_backward(rng.standard_normal((3, 4)), cache),
            np.zeros((3, 4)), inputs=x, hint=relu_hint)
# large magnitudes pass through unchanged
x = np.array([-1e6, 1e6])
check_array("relu_forward(x)[0] for x = -1e6, 1e6", relu_forward(x)[0], np.array([0.0, 1e6]), inputs=x)
# neither dout nor the cache is changed in place
x = rng.standard_normal((4, 4))
dout = rng.standard_normal((4, 4))
dout_before = dout.copy()
out, cache = relu_forward(x)
first = relu_backward(dout, cache)
check_array("dout after relu_backward(dout, cache)", dout, dout_before, rtol=0, atol=0,
            hint="relu_backward changed dout in place (e.g. dout[x <= 0] = 0): the caller still needs it. "
                 "Compute into a new array.")
check_array("a second relu_backward(dout, cache) with the same cache", relu_backward(dout, cache), first,
            rtol=0, atol=0, hint="relu_backward changed its cache in place: compute into a new array.")
### END HIDDEN TESTS
passed("test_relu")

# %% [markdown] kind="readonly" grade_id="md-leaky-relu"
# ## Exercise 4: Leaky ReLU
#
# $f(x) = x$ for $x > 0$ and $\alpha x$ otherwise, with a small fixed slope $\alpha$ (default 0.01).
# Use the `alpha` you are given (the tests use other values) and keep it in the cache.

# %% kind="answer" grade_id="leaky_relu"
def leaky_relu_forward(x, alpha=0.01):
    """Leaky ReLU, elementwise: out = x where x > 0, alpha * x elsewhere.

    Inputs:
    - x: float array of any shape S. Not modified.
    - alpha: the slope for x <= 0, a float (default 0.01).

    Returns (out, cache): out, float array of shape S; cache: what leaky_relu_backward needs.
    """
    # Hint: np.where(condition, value_if_true, value_if_false).
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * x)
    return out, (x, alpha)
    ### END SOLUTION


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky_relu_forward.

    Inputs:
    - dout: upstream gradient, float array of shape S.
    - cache: from leaky_relu_forward.

    Returns dx, float array of shape S: dout where x > 0, alpha * dout where x <= 0.
    """
    # Hint: the local slope is 1 where x > 0 and alpha elsewhere.
    ### BEGIN SOLUTION
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha)
    ### END SOLUTION


# %% kind="tests" grade_id="test_leaky_relu" points=2
import numpy as np
from cs231n_utils.testing import check_array, check_backward, checked_call, passed


x = np.array([[-3.0, -1.0, 0.0, 1.0, 3.0]])
check_array("leaky_relu_forward(x, alpha=0.2)[0] for x = -3, -1, 0, 1, 3", checked_call(leaky_relu_forward, x=x, alpha=0.2)[0],
            np.array([[-0.6, -0.2, 0.0, 1.0, 3.0]]), inputs=x,
            mistakes={"ignoring the argument alpha (a fixed slope of 0.01)": np.where(x > 0, x, 0.01 * x),
                      "a plain ReLU: the negative side has slope alpha, not 0": np.maximum(x, 0)})

rng = np.random.default_rng(5)
leaky_hint = ("dx = dout where x > 0 and alpha * dout where x < 0, with the alpha given to the forward pass "
              "(keep it in the cache).")
check_backward(leaky_relu_forward, leaky_relu_backward, {"x": rng.standard_normal((4, 5)), "alpha": 0.2},
               kinks={"x": (0.0,)}, hints={"dx": leaky_hint})
_, cache = checked_call(leaky_relu_forward, x=rng.standard_normal((3, 4)), alpha=0.2)
checked_call(leaky_relu_backward, dout=rng.standard_normal((3, 4)), cache=cache)
### BEGIN HIDDEN TESTS
# the default alpha is 0.01
x = rng.standard_normal((2, 3, 4))
check_array("leaky_relu_forward(x)[0] with the default alpha, x of shape (2, 3, 4)", leaky_relu_forward(x)[0],
            np.where(x > 0, x, 0.01 * x), inputs=x, hint="The default slope is alpha=0.01.")
check_backward(leaky_relu_forward, leaky_relu_backward, {"x": x}, kinks={"x": (0.0,)}, hints={"dx": leaky_hint})
# all-negative inputs: every entry is on the leaky side
x = -rng.uniform(0.1, 5, size=(3, 4))
check_array("leaky_relu_forward(x, alpha=0.3)[0] for all-negative x", leaky_relu_forward(x, alpha=0.3)[0], 0.3 * x,
            inputs=x)
check_backward(leaky_relu_forward, leaky_relu_backward, {"x": x, "alpha": 0.3}, hints={"dx": leaky_hint})
# the cache can be used twice
x = rng.standard_normal((3, 4))
dout = rng.standard_normal((3, 4))
_, cache = leaky_relu_forward(x, alpha=0.1)
first = leaky_relu_backward(dout, cache)
check_array("a second leaky_relu_backward(dout, cache) with the same cache", leaky_relu_backward(dout, cache),
            first, rtol=0, atol=0, hint="leaky_relu_backward changed its cache or dout in place.")
### END HIDDEN TESTS
passed("test_leaky_relu")

# %% [markdown] kind="readonly" grade_id="md-prelu"
# ## Exercise 5: PReLU
#
# PReLU is a Leaky ReLU whose slopes are **parameters**: one slope per feature, `alpha` of shape
# `(D,)` for `x` of shape `(N, D)`, so `out[n, d] = x[n, d]` if `x[n, d] > 0` and
# `alpha[d] * x[n, d]` otherwise. The backward pass returns `(dx, dalpha)`; `dalpha` has the shape
# of `alpha`, and because every example uses the same `alpha[d]`, it **sums** the contributions of all
# examples: `dalpha[d]` $= \sum_n$ `dout[n, d] * x[n, d]` over the examples with `x[n, d] < 0`.
#
# A wrong shape of `alpha` could silently broadcast (an `alpha` of shape `(1,)` works with any `x`),
# so check it: raise a `ValueError` if `x` is not 2-D, and a `ValueError` whose message names `alpha`
# if `alpha.shape != (D,)`.

# %% kind="answer" grade_id="prelu"
def prelu_forward(x, alpha):
    """Parametric ReLU with one learned slope per feature.

    Inputs:
    - x: float array of shape (N, D). Not modified.
    - alpha: float array of shape (D,), the slope of feature d for x[:, d] <= 0.

    Returns (out, cache): out, float array of shape (N, D); cache: what prelu_backward needs.
    Raises ValueError if x is not 2-D, and ValueError naming alpha if alpha does not have shape (D,).
    """
    # Hint: alpha of shape (D,) broadcasts against x of shape (N, D) row by row.
    ### BEGIN SOLUTION
    x = np.asarray(x)
    alpha = np.asarray(alpha)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (N, D), got {x.shape}")
    if alpha.shape != (x.shape[1],):
        raise ValueError(f"alpha must have shape (D,) = ({x.shape[1]},) for x of shape {x.shape}, got {alpha.shape}")
    out = np.where(x > 0, x, alpha * x)
    return out, (x, alpha)
    ### END SOLUTION


def prelu_backward(dout, cache):
    """Backward pass of prelu_forward.

    Inputs:
    - dout: upstream gradient, float array of shape (N, D).
    - cache: from prelu_forward.

    Returns (dx, dalpha): dx of shape (N, D); dalpha of shape (D,), summed over the N examples.
    """
    # Hint: d out[n, d] / d alpha[d] is x[n, d] where x[n, d] <= 0 and 0 elsewhere.
    ### BEGIN SOLUTION
    x, alpha = cache
    negative = x <= 0
    dx = dout * np.where(negative, alpha, 1.0)
    dalpha = np.sum(dout * x * negative, axis=0)
    return dx, dalpha
    ### END SOLUTION


# %% kind="tests" grade_id="test_prelu" points=4
import numpy as np
from cs231n_utils.testing import check_array, check_backward, checked_call, passed


x = np.array([[-2.0, 1.0, -1.0], [3.0, -4.0, 0.5]])
alpha = np.array([0.1, 0.2, 0.5])
check_array("prelu_forward(x, alpha=[0.1, 0.2, 0.5])[0]", checked_call(prelu_forward, x=x, alpha=alpha)[0],
            np.array([[-0.2, 1.0, -0.5], [3.0, -0.8, 0.5]]), inputs=x,
            mistakes={"alpha used per example (row) instead of per feature (column)":
                          np.where(x > 0, x, x * alpha[:2, None]),
                      "a plain ReLU: the negative side has slope alpha[d], not 0": np.maximum(x, 0)})

rng = np.random.default_rng(6)
prelu_hints = {"dx": "dx = dout where x > 0 and alpha[d] * dout where x < 0.",
               "dalpha": "dalpha[d] is the sum over the batch of dout[n, d] * x[n, d], only where x[n, d] < 0; "
                         "it has the shape of alpha, (D,)."}
check_backward(prelu_forward, prelu_backward,
               {"x": rng.standard_normal((6, 4)), "alpha": rng.uniform(0.05, 0.5, size=4)},
               kinks={"x": (0.0,)}, hints=prelu_hints)
_, cache = checked_call(prelu_forward, x=rng.standard_normal((5, 4)), alpha=rng.uniform(0.05, 0.5, size=4))
checked_call(prelu_backward, dout=rng.standard_normal((5, 4)), cache=cache)
### BEGIN HIDDEN TESTS
# a batch of one example, and a batch whose feature 0 is always positive (dalpha[0] = 0)
check_backward(prelu_forward, prelu_backward, {"x": rng.standard_normal((1, 5)), "alpha": rng.uniform(0, 0.5, size=5)},
               kinks={"x": (0.0,)}, hints=prelu_hints)
x = rng.standard_normal((8, 3))
x[:, 0] = np.abs(x[:, 0]) + 0.1
x[:, 1] = -np.abs(x[:, 1]) - 0.1
dout = rng.standard_normal((8, 3))
out, cache = prelu_forward(x, np.array([0.25, 0.25, 0.25]))
dx, dalpha = prelu_backward(dout, cache)
expected = np.array([0.0, np.sum(dout[:, 1] * x[:, 1]), np.sum((dout * x)[:, 2][x[:, 2] < 0])])
check_array("dalpha from prelu_backward", dalpha, expected, rtol=1e-9, atol=1e-12,
            mistakes={"the mean over the batch: alpha is shared by all examples, so sum": expected / 8,
                      "dout * x summed over the whole batch: only entries with x < 0 depend on alpha":
                          np.sum(dout * x, axis=0),
                      "missing the factor x: d out / d alpha is x where x < 0":
                          np.sum(dout * (x < 0), axis=0)})
# the cache can be used twice, and validation of the shapes
first = prelu_backward(dout, cache)
second = prelu_backward(dout, cache)
check_array("dx of a second prelu_backward with the same cache", second[0], first[0], rtol=0, atol=0)
check_array("dalpha of a second prelu_backward with the same cache", second[1], first[1], rtol=0, atol=0)
### END HIDDEN TESTS
passed("test_prelu")

# %% kind="tests" grade_id="test_prelu_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

check_raises(ValueError, prelu_forward, np.ones((4, 3)), np.array([0.1]),
             what="alpha of shape (1,) for x of shape (4, 3)", must_mention="alpha")
check_raises(ValueError, prelu_forward, np.ones(3), np.full(3, 0.1), what="a 1-D x")
### BEGIN HIDDEN TESTS
check_raises(ValueError, prelu_forward, np.ones((4, 3)), np.array([0.1, 0.2, 0.3, 0.4]),
             what="alpha of shape (4,) for x of shape (4, 3)", must_mention="alpha")
check_raises(ValueError, prelu_forward, np.ones((4, 3)), np.full((4, 3), 0.1), what="alpha of shape (4, 3)",
             must_mention="alpha")
check_raises(ValueError, prelu_forward, np.ones((2, 3, 4)), np.full(4, 0.1), what="a 3-D x")
### END HIDDEN TESTS
passed("test_prelu_args")

# %% [markdown] kind="readonly" grade_id="md-elu"
# ## Exercise 6: ELU
#
# $f(x) = x$ for $x > 0$ and $\alpha(e^x - 1)$ for $x \le 0$, with $\alpha > 0$ (default 1). The slope on the
# negative side is $\alpha e^x$, which equals $f(x) + \alpha$ there. It must run without warnings for
# inputs as large as 1000: `np.exp(x)` of a large positive `x` overflows even if you then throw the
# value away, and `np.where` evaluates both of its branches on every entry. `np.exp(np.minimum(x, 0))`
# or boolean masks avoid it (and `np.expm1(v)` computes $e^v - 1$ accurately for small $v$).

# %% kind="answer" grade_id="elu"
def elu_forward(x, alpha=1.0):
    """Exponential linear unit, elementwise: out = x where x > 0, alpha * (exp(x) - 1) elsewhere.

    Inputs:
    - x: float array of any shape S. Not modified.
    - alpha: a float, the (negated) value the negative side saturates at (default 1.0).

    Returns (out, cache): out, float array of shape S; cache: what elu_backward needs.
    No overflow warning for any x.
    """
    # Hint: exponentiate np.minimum(x, 0), never x itself.
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))
    return out, (x, out, alpha)
    ### END SOLUTION


def elu_backward(dout, cache):
    """Backward pass of elu_forward.

    Inputs:
    - dout: upstream gradient, float array of shape S.
    - cache: from elu_forward.

    Returns dx, float array of shape S: dout where x > 0, dout * alpha * exp(x) elsewhere.
    """
    # Hint: alpha * exp(x) = out + alpha on the negative side.
    ### BEGIN SOLUTION
    x, out, alpha = cache
    return dout * np.where(x > 0, 1.0, out + alpha)
    ### END SOLUTION


# %% kind="tests" grade_id="test_elu" points=3
import numpy as np
from cs231n_utils.testing import check_array, check_backward, check_no_warnings, checked_call, passed


x = np.array([[-3.0, -1.0, -0.1, 0.0, 0.5, 2.0]])
check_array("elu_forward(x)[0] for x = -3, -1, -0.1, 0, 0.5, 2 (the default alpha)", checked_call(elu_forward, x=x)[0],
            np.where(x > 0, x, np.exp(x) - 1), inputs=x,
            mistakes={"alpha * exp(x) without the - 1 on the negative side: it must meet the line at 0":
                          np.where(x > 0, x, np.exp(x)),
                      "a plain ReLU: the negative side is alpha * (exp(x) - 1)": np.maximum(x, 0)},
            hint="out = x where x > 0 and alpha * (exp(x) - 1) elsewhere, with the default alpha=1.0.")
check_array("elu_forward(x, alpha=2.0)[0] for x = -3, -1, -0.1, 0, 0.5, 2", elu_forward(x, alpha=2.0)[0],
            np.where(x > 0, x, 2.0 * (np.exp(x) - 1)), inputs=x,
            mistakes={"ignoring the argument alpha": np.where(x > 0, x, np.exp(x) - 1)})

rng = np.random.default_rng(7)
elu_hint = "dx = dout where x > 0 and dout * alpha * exp(x) where x < 0, with the alpha given to the forward pass."
for alpha in (1.0, 0.5):
    check_backward(elu_forward, elu_backward, {"x": rng.uniform(-3, 3, size=(4, 5)), "alpha": alpha},
                   kinks={"x": (0.0,)}, hints={"dx": elu_hint})
_, cache = checked_call(elu_forward, x=rng.uniform(-3, 3, size=(3, 4)), alpha=0.5)
checked_call(elu_backward, dout=rng.standard_normal((3, 4)), cache=cache)
### BEGIN HIDDEN TESTS
# large inputs of both signs: no overflow, exact limits
x = np.array([-1000.0, -50.0, 50.0, 1000.0])
elu_stable = "exponentiate np.minimum(x, 0), not x: np.where computes both of its branches on every entry."
out, cache = check_no_warnings("elu_forward(x, alpha=1.5) for x = -1000, -50, 50, 1000", elu_forward, x, alpha=1.5,
                               hint=elu_stable)
check_array("elu_forward(x, alpha=1.5)[0] for x = -1000, -50, 50, 1000", out, np.array([-1.5, -1.5, 50.0, 1000.0]),
            inputs=x, hint=elu_stable)
dx = check_no_warnings("elu_backward(ones, cache) for x = -1000, -50, 50, 1000", elu_backward, np.ones(4), cache)
check_array("elu_backward(ones, cache) for x = -1000, -50, 50, 1000", dx, np.array([0.0, 1.5 * np.exp(-50), 1.0, 1.0]),
            rtol=1e-7, atol=1e-12, inputs=x, hint=elu_hint)
# any shape; all-negative inputs; another alpha
x = rng.uniform(-3, 3, size=(2, 3, 4))
check_backward(elu_forward, elu_backward, {"x": x, "alpha": 2.0}, kinks={"x": (0.0,)}, hints={"dx": elu_hint})
x = -rng.uniform(0.1, 4, size=(3, 4))
check_array("elu_forward(x, alpha=0.7)[0] for all-negative x", elu_forward(x, alpha=0.7)[0], 0.7 * np.expm1(x),
            rtol=1e-9, atol=1e-12, inputs=x)
check_backward(elu_forward, elu_backward, {"x": x, "alpha": 0.7}, hints={"dx": elu_hint})
# the cache can be used twice
x = rng.uniform(-3, 3, size=(3, 4))
dout = rng.standard_normal((3, 4))
_, cache = elu_forward(x, alpha=0.5)
first = elu_backward(dout, cache)
check_array("a second elu_backward(dout, cache) with the same cache", elu_backward(dout, cache), first, rtol=0,
            atol=0, hint="elu_backward changed its cache or dout in place.")
### END HIDDEN TESTS
passed("test_elu")

# %% [markdown] kind="readonly" grade_id="md-maxout"
# ## Exercise 7: Maxout
#
# A maxout layer with `H` outputs and `k` pieces has weights `W` of shape `(D, H, k)` and biases `b`
# of shape `(H, k)`. For input `x` of shape `(N, D)` it computes the pre-activations of every piece,
# `z[n, h, j] = sum_d x[n, d] * W[d, h, j] + b[h, j]` (shape `(N, H, k)`), and keeps the largest piece
# of each output: `out[n, h] = max_j z[n, h, j]`, shape `(N, H)`.
#
# Backward: each `dout[n, h]` goes to the **winning** piece `j* = argmax_j z[n, h, j]` only: the
# gradient `dz` is `dout[n, h]` at `(n, h, j*)` and 0 at the other pieces. Then, as for an affine
# layer, `dx[n, d] = sum_{h,j} dz[n,h,j] W[d,h,j]`, `dW[d,h,j] = sum_n x[n,d] dz[n,h,j]`,
# `db[h, j] = sum_n dz[n, h, j]`. (Where two pieces tie the max has a kink; the tests avoid ties.)
#
# Raise a `ValueError` when the shapes do not fit: `W` not 3-D or `W.shape[0] != D` (with a message
# that names `W`), or `b.shape != (H, k)` (which numpy would otherwise broadcast silently).

# %% kind="answer" grade_id="maxout"
def maxout_forward(x, W, b):
    """Maxout layer: the maximum over k affine pieces for each of H outputs.

    Inputs:
    - x: float array of shape (N, D).
    - W: float array of shape (D, H, k), the weights of piece j of output h in W[:, h, j].
    - b: float array of shape (H, k).

    Returns (out, cache): out of shape (N, H), out[n, h] = max_j (x[n] @ W[:, h, j] + b[h, j]);
    cache: what maxout_backward needs.
    Raises ValueError if b.shape != (H, k), and ValueError naming W if W is not 3-D or W.shape[0] != D.
    """
    # Hint: np.einsum("nd,dhk->nhk", x, W) + b gives z of shape (N, H, k); keep which piece won
    # (np.argmax over the last axis) in the cache.
    ### BEGIN SOLUTION
    if x.ndim != 2 or W.ndim != 3:
        raise ValueError(f"x must have shape (N, D) and W shape (D, H, k), got x {x.shape} and W {W.shape}")
    if W.shape[0] != x.shape[1]:
        raise ValueError(f"W must have shape (D, H, k) with D = {x.shape[1]} for x of shape {x.shape}, got {W.shape}")
    if b.shape != W.shape[1:]:
        raise ValueError(f"b must have shape (H, k) = {W.shape[1:]} for W of shape {W.shape}, got {b.shape}")
    z = np.einsum("nd,dhk->nhk", x, W) + b
    winner = np.argmax(z, axis=2)
    out = np.take_along_axis(z, winner[:, :, None], axis=2)[:, :, 0]
    return out, (x, W, winner)
    ### END SOLUTION


def maxout_backward(dout, cache):
    """Backward pass of maxout_forward.

    Inputs:
    - dout: upstream gradient, float array of shape (N, H).
    - cache: from maxout_forward.

    Returns (dx, dW, db) with the shapes of x (N, D), W (D, H, k) and b (H, k).
    """
    # Hint: build dz of shape (N, H, k), zero except dout at each winning piece
    # (np.put_along_axis, or a one-hot mask), then use the affine-layer formulas above.
    ### BEGIN SOLUTION
    x, W, winner = cache
    dz = np.zeros((x.shape[0],) + W.shape[1:])
    np.put_along_axis(dz, winner[:, :, None], dout[:, :, None], axis=2)
    dx = np.einsum("nhk,dhk->nd", dz, W)
    dW = np.einsum("nd,nhk->dhk", x, dz)
    db = dz.sum(axis=0)
    return dx, dW, db
    ### END SOLUTION


# %% kind="tests" grade_id="test_maxout" points=4
import numpy as np
from cs231n_utils.testing import check_array, check_backward, checked_call, passed


def separated_maxout_inputs(rng, N, D, H, k, margin=0.05):
    """x, W, b whose best two pieces differ by more than `margin` everywhere (no kink nearby)."""
    while True:
        x, W, b = rng.standard_normal((N, D)), rng.standard_normal((D, H, k)), rng.standard_normal((H, k))
        top = np.sort(np.einsum("nd,dhk->nhk", x, W) + b, axis=2)
        if k == 1 or np.min(top[..., -1] - top[..., -2]) > margin:
            return x, W, b

# one input, one output, three pieces: out = max(2x, -x + 1, 0.5x - 3)
x = np.array([[-2.0], [0.0], [0.5], [3.0]])
W = np.array([2.0, -1.0, 0.5]).reshape(1, 1, 3)
b = np.array([[0.0, 1.0, -3.0]])
check_array("maxout_forward(x, W, b)[0] for out = max(2x, 1 - x, 0.5x - 3), x = -2, 0, 0.5, 3",
            checked_call(maxout_forward, x=x, W=W, b=b)[0], np.array([[3.0], [1.0], [1.0], [6.0]]), inputs=x,
            mistakes={"the minimum over the pieces instead of the maximum": np.array([[-4.0], [-3.0], [-2.75], [-2.0]]),
                      "the sum over the pieces instead of the maximum": np.array([[-5.0], [-2.0], [-1.25], [2.5]])})

rng = np.random.default_rng(8)
maxout_hints = {"dx": "dx[n] = sum over outputs h of dout[n, h] * W[:, h, j*] with j* the winning piece of (n, h).",
                "dW": "only the winning piece of each output gets gradient: dW[:, h, j] sums x[n] * dout[n, h] "
                      "over the examples n where piece j won output h.",
                "db": "db[h, j] sums dout[n, h] over the examples n where piece j won output h; "
                      "it has the shape of b, (H, k)."}
x, W, b = separated_maxout_inputs(rng, N=5, D=4, H=3, k=3)
check_backward(maxout_forward, maxout_backward, {"x": x, "W": W, "b": b}, hints=maxout_hints)

# a piece that never wins gets no gradient
x, W, b = separated_maxout_inputs(rng, N=6, D=3, H=2, k=3)
b[:, 0] = -100.0
out, cache = checked_call(maxout_forward, x=x, W=W, b=b)
dx, dW, db = checked_call(maxout_backward, dout=rng.standard_normal((6, 2)), cache=cache)
check_array("dW[:, :, 0], the weights of a piece that never wins", dW[:, :, 0], np.zeros((3, 2)),
            hint="Route dout only to the winning piece of each output; the other pieces get 0.")
check_array("db[:, 0], the bias of a piece that never wins", db[:, 0], np.zeros(2),
            hint="Route dout only to the winning piece of each output; the other pieces get 0.")
### BEGIN HIDDEN TESTS
# k = 1 is an affine layer; k = 2 with a zero piece is ReLU of an affine layer
x, W, b = separated_maxout_inputs(rng, N=4, D=3, H=5, k=1)
check_array("maxout_forward(x, W, b)[0] with k = 1 (an affine layer)", maxout_forward(x, W, b)[0],
            x @ W[:, :, 0] + b[:, 0], rtol=1e-9, atol=1e-12)
check_backward(maxout_forward, maxout_backward, {"x": x, "W": W, "b": b}, hints=maxout_hints)
x, W, b = separated_maxout_inputs(rng, N=6, D=3, H=4, k=2)
W[:, :, 1], b[:, 1] = 0.0, 0.0
check_array("maxout_forward(x, W, b)[0] with a zero second piece (a ReLU)", maxout_forward(x, W, b)[0],
            np.maximum(x @ W[:, :, 0] + b[:, 0], 0), rtol=1e-9, atol=1e-12)
# more pieces, more examples, a different random upstream gradient
x, W, b = separated_maxout_inputs(rng, N=7, D=2, H=2, k=4)
check_backward(maxout_forward, maxout_backward, {"x": x, "W": W, "b": b}, seed=11, hints=maxout_hints)
# db sums over the batch
x, W, b = separated_maxout_inputs(rng, N=5, D=3, H=2, k=2)
out, cache = maxout_forward(x, W, b)
dout = rng.standard_normal((5, 2))
_, _, db = maxout_backward(dout, cache)
won = np.argmax(np.einsum("nd,dhk->nhk", x, W) + b, axis=2)
expected = np.stack([np.where(won == j, dout, 0).sum(axis=0) for j in range(2)], axis=1)
check_array("db from maxout_backward", db, expected, rtol=1e-9, atol=1e-12,
            mistakes={"the mean over the batch instead of the sum": expected / 5},
            hint=maxout_hints["db"])
# the cache can be used twice
first = maxout_backward(dout, cache)
second = maxout_backward(dout, cache)
for name, g1, g2 in zip(("dx", "dW", "db"), first, second):
    check_array(f"{name} of a second maxout_backward with the same cache", g2, g1, rtol=0, atol=0)
### END HIDDEN TESTS
passed("test_maxout")

# %% kind="tests" grade_id="test_maxout_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

check_raises(ValueError, maxout_forward, np.ones((2, 3)), np.ones((3, 4, 2)), np.ones(2),
             what="b of shape (2,) for W of shape (3, 4, 2)")
check_raises(ValueError, maxout_forward, np.ones((2, 3)), np.ones((4, 4, 2)), np.ones((4, 2)),
             what="W with 4 rows for x with 3 features", must_mention="W")
### BEGIN HIDDEN TESTS
check_raises(ValueError, maxout_forward, np.ones((2, 3)), np.ones((3, 4)), np.ones((4,)), what="a 2-D W",
             must_mention="W")
check_raises(ValueError, maxout_forward, np.ones((2, 3)), np.ones((3, 4, 2)), np.ones((1, 2)),
             what="b of shape (1, 2) for W of shape (3, 4, 2)")
check_raises(ValueError, maxout_forward, np.ones((2, 3)), np.ones((3, 4, 2)), np.ones((4, 1)),
             what="b of shape (4, 1) for W of shape (3, 4, 2)")
### END HIDDEN TESTS
passed("test_maxout_args")

# %% [markdown] kind="readonly" grade_id="md-experiments"
# ## Experiments
#
# The rest of the notebook uses your functions. Nothing here is graded; run it, look at each
# picture, and read the sentence under it.
#
# ### 1. Each function and its derivative
# The derivative comes from your backward pass with `dout = 1`: for an elementwise function,
# `backward(ones, cache)` is exactly $f'(x)$. (For Maxout we take one input, one output and three
# pieces, so it is a function of one variable too.)

# %% kind="readonly" grade_id="exp-shapes"
# The plots start here. matplotlib is imported here, not at the top: grading stops before
# the plots, and so does not spend time loading it.
import matplotlib.pyplot as plt

# %matplotlib inline

xs = np.linspace(-4, 4, 161 if GRADING else 801).reshape(-1, 1)
ones = np.ones_like(xs)
W_demo = np.array([-0.5, 0.2, 1.5]).reshape(1, 1, 3)
b_demo = np.array([[-1.0, 0.0, -1.5]])


def maxout_1d_forward(x):
    return maxout_forward(x, W_demo, b_demo)


def maxout_1d_backward(dout, cache):
    return maxout_backward(dout, cache)[0]


activations = {
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "ReLU": (relu_forward, relu_backward),
    "Leaky ReLU (alpha = 0.1)": (lambda x: leaky_relu_forward(x, alpha=0.1), leaky_relu_backward),
    "PReLU (alpha = 0.25)": (lambda x: prelu_forward(x, np.array([0.25])), lambda d, c: prelu_backward(d, c)[0]),
    "ELU (alpha = 1)": (elu_forward, elu_backward),
    "Maxout (k = 3)": (maxout_1d_forward, maxout_1d_backward),
}
fig, axes = plt.subplots(3, 3, figsize=(9, 7.5), layout="constrained", sharex=True)
for ax, (name, (forward, backward)) in zip(axes.flat, activations.items()):
    out, cache = forward(xs)
    ax.plot(xs[:, 0], out[:, 0], label="f(x)")
    ax.plot(xs[:, 0], backward(ones, cache)[:, 0], "--", label="f'(x)")
    if name.startswith("Maxout"):
        for j in range(3):
            ax.plot(xs[:, 0], xs[:, 0] * W_demo[0, 0, j] + b_demo[0, j], ":", color="gray", lw=0.8)
    ax.axhline(0, color="black", lw=0.5)
    ax.axvline(0, color="black", lw=0.5)
    ax.set(title=name, ylim=(-2, 3))
    ax.legend(fontsize=9, loc="upper left")
for ax in axes.flat[len(activations):]:
    ax.remove()
for ax in axes[1, 1:]:  # the bottom of their column now
    ax.xaxis.set_tick_params(labelbottom=True)
plt.show()

# %% [markdown] kind="readonly" grade_id="md-shapes"
# **What to notice:** the sigmoid's derivative never exceeds 0.25 and tanh's never exceeds 1, and both
# fall to 0 on the flat tails; ReLU's derivative is exactly 1 for every positive input and exactly
# 0 for every negative one; Leaky ReLU, PReLU and ELU keep a non-zero slope on the left; Maxout (its
# three pieces dotted) is a convex piecewise-linear function whose slope is that of the winning piece.
#
# ### 2. Saturation kills the gradient
# Left: the local slope of the sigmoid and of tanh against the size of the input, on a log scale.
# Right: a 10-layer network (width 100, Xavier initialization $W \sim \mathcal{N}(0, 1/\text{fan\_in})$
# for sigmoid and tanh, He $\mathcal{N}(0, 2/\text{fan\_in})$ for ReLU) applied to 200 digits; we send a random
# gradient back from the top and measure its average size at the input of every layer.

# %% kind="readonly" grade_id="exp-saturation"
from cs231n_utils.data import load_digits

digits = load_digits(seed=0)
X_digits = digits["X_train"][:200]
X_digits = (X_digits - X_digits.mean(axis=0)) / (X_digits.std(axis=0) + 1e-8)

mag = np.linspace(0, 15, 151)
slope_sigmoid = sigmoid_backward(np.ones_like(mag), sigmoid_forward(mag)[1])
slope_tanh = tanh_backward(np.ones_like(mag), tanh_forward(mag)[1])

depth, width = 10, 100
stack = {"sigmoid": (sigmoid_forward, sigmoid_backward, 1.0),
         "tanh": (tanh_forward, tanh_backward, 1.0),
         "ReLU": (relu_forward, relu_backward, 2.0)}
grad_size = {}
for name, (forward, backward, gain) in stack.items():
    rng = np.random.default_rng(0)
    h, caches, weights = X_digits, [], []
    for layer in range(depth):
        W = rng.standard_normal((h.shape[1], width)) * np.sqrt(gain / h.shape[1])
        h, cache = forward(h @ W)
        caches.append(cache)
        weights.append(W)
    dh = rng.standard_normal(h.shape)
    sizes = []
    for W, cache in zip(reversed(weights), reversed(caches)):
        dz = backward(dh, cache)     # gradient at the layer's pre-activation
        sizes.append(np.mean(np.abs(dz)))
        dh = dz @ W.T                # gradient at the layer's input
    grad_size[name] = sizes[::-1]

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained")
ax1.semilogy(mag, slope_sigmoid, label="sigmoid'(x)")
ax1.semilogy(mag, slope_tanh, label="tanh'(x)")
ax1.axhline(0.25, color="gray", ls=":", lw=1)
ax1.set(xlabel="x", ylabel="local slope", ylim=(1e-7, 2), title="Saturation: the slope of\na squashing function")
ax1.legend()
for name, sizes in grad_size.items():
    ax2.semilogy(range(1, depth + 1), sizes, "o-", label=name)
ax2.set(xlabel="layer (1 = closest to the input)", ylabel="mean |gradient| at the pre-activation",
        title=f"Gradient flowing back\nthrough {depth} layers")
ax2.legend()
plt.show()
for name, sizes in grad_size.items():
    print(f"{name:8s}: gradient at layer 10 {sizes[-1]:.1e}, at layer 1 {sizes[0]:.1e} "
          f"(ratio {sizes[0] / sizes[-1]:.1e})")

# %% [markdown] kind="readonly" grade_id="md-saturation"
# **What to notice:** left, the sigmoid's slope starts at 0.25 and falls like $e^{-|x|}$: a unit whose input
# is 10 passes back $4.5\times10^{-5}$ of its gradient. Right, every sigmoid layer shrinks the
# gradient by a factor of about 4 or more, so after 10 layers the first layer receives about a
# millionth of what the last one got and barely learns; tanh loses much less, and ReLU (with He
# initialization) keeps the gradient's size from layer to layer.
#
# ### 3. Non-zero-centered inputs: same-sign gradients and the zig-zag path
# A neuron computes $f = w \cdot h + b$ and receives $\partial L/\partial f$ from above; then
# $\partial L/\partial w_i = (\partial L/\partial f)\, h_i$. If every input $h_i$ is positive (the output of a
# sigmoid), every entry of the gradient has the sign of $\partial L/\partial f$. We check that on 1000 examples,
# for a neuron with 10 inputs, against the same inputs shifted to be zero-centered
# ($\sigma(z) - 0.5 = \tfrac12\tanh(z/2)$, a tanh).

# %% kind="readonly" grade_id="exp-zigzag-signs"
rng = np.random.default_rng(0)
z = 2 * rng.standard_normal((1000, 10))
h_sigmoid, _ = sigmoid_forward(z)
inputs = {"sigmoid outputs (all positive)": h_sigmoid, "sigmoid outputs - 0.5 (zero-centered)": h_sigmoid - 0.5}
df = rng.standard_normal((1000, 1))  # upstream gradient dL/df, one per example

fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
for ax, (name, h) in zip(axes, inputs.items()):
    dw = df * h  # one weight gradient per example (row), shape (1000, 10)
    same_sign = np.mean(np.all(dw > 0, axis=1) | np.all(dw < 0, axis=1))
    print(f"{name:40s}: {100 * same_sign:5.1f}% of the per-example gradients have one sign in all 10 entries")
    ax.imshow(np.sign(dw[:30]).T, cmap="coolwarm", vmin=-1, vmax=1, aspect="auto")
    ax.set(xlabel="example", ylabel="weight", title=f"sign of dL/dw:\n{name}")
plt.show()

# %% [markdown] kind="readonly" grade_id="md-zigzag-signs"
# **What to notice:** with sigmoid inputs every column (one example's gradient) is entirely red or
# entirely blue, for 100% of the examples; with zero-centered inputs signs mix, and only about
# $2/2^{10} = 0.2\%$ of the gradients have a single sign.
#
# What that does to learning: a 2-D linear neuron trained by stochastic gradient descent, one example
# per step, towards the weights $w^* = (1, -1)$, which need one weight to go up and the other down.
# Each step moves along $\pm h$: with positive inputs only up-and-right or down-and-left.

# %% kind="readonly" grade_id="exp-zigzag-path"
from cs231n_utils.plots import plot_optimization_paths

rng = np.random.default_rng(0)
h2 = sigmoid_forward(2 * rng.standard_normal((200, 2)))[0]
w_star = np.array([1.0, -1.0])
fig, axes = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
for ax, (name, H2) in zip(axes, [("inputs all positive (sigmoid)", h2), ("inputs zero-centered", h2 - 0.5)]):
    y = H2 @ w_star
    w = np.array([-1.0, 1.0])
    path = [w.copy()]
    for t in range(40):
        residual = H2[t] @ w - y[t]
        w = w - 1.2 * residual * H2[t]  # the gradient of 0.5 * residual**2 is residual * h
        path.append(w.copy())

    def mean_loss(A, B, H2=H2, y=y):
        return np.mean(0.5 * (A[..., None] * H2[:, 0] + B[..., None] * H2[:, 1] - y) ** 2, axis=-1)

    plot_optimization_paths(mean_loss, {"SGD": np.array(path)}, xlim=(-2, 2.5), ylim=(-2.5, 2), minimum=w_star,
                            ax=ax, title=name, resolution=60 if GRADING else 200)
    ax.set(xlabel="$w_1$", ylabel="$w_2$")
plt.show()

# %% [markdown] kind="readonly" grade_id="md-zigzag-path"
# **What to notice:** on the left every step points up-right or down-left, never towards the minimum
# (down-right), so the path zig-zags and needs many steps; on the right the steps can point anywhere
# and the path heads almost straight for the minimum. Minibatches soften the effect (the sum of
# same-sign gradients of different signs can point anywhere), which is why it is an inconvenience
# rather than a disaster, and one more reason to prefer zero-centered activations and data.
#
# ### 4. Dead ReLUs after a large step
# We train a ReLU network (one hidden layer of 100 units, your `relu_forward`/`relu_backward`) on the
# digits for a few epochs with plain SGD, then take **one** gradient step with a much larger learning
# rate and count the hidden units that are *dead*: not active ($x > 0$) on a single training example.

# %% kind="readonly" grade_id="exp-dead-relu"
import copy

from cs231n_utils.model import FullyConnectedNet
from cs231n_utils.solver import Solver


def he_init(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


def plain_step(w, dw, config=None):  # a provided plain gradient step (assignment 07 builds the real rules)
    config = {} if config is None else config
    return w - config.get("learning_rate", 1e-2) * dw, config


def active_fraction(model, X):
    """Per hidden unit: the fraction of the examples in X on which it is active (input > 0)."""
    _, stats = model.forward_with_stats(X)
    return np.mean(stats[0]["affine"] > 0, axis=0)


model = FullyConnectedNet([100], 64, 10, activation=(relu_forward, relu_backward), init=he_init,
                          rng=np.random.default_rng(0))
solver = Solver(model, digits, update_rule=plain_step, optim_config={"learning_rate": 0.1}, batch_size=50,
                num_epochs=1 if GRADING else 5, progress=False, rng=1)
solver.train()
trained = copy.deepcopy(model.params)
X_train, y_train = digits["X_train"], digits["y_train"]
before_step = active_fraction(model, X_train)
print(f"after training: validation accuracy {solver.val_acc_history[-1]:.2f}, "
      f"dead units {np.mean(before_step == 0):.0%}")

step_sizes = [0.1, 1, 3, 10, 30] if GRADING else [0.1, 0.3, 1, 3, 10, 30, 100]
_, grads = model.loss(X_train[:100], y_train[:100])  # the gradient of one minibatch
dead = []
for lr in step_sizes:
    model.params = {k: trained[k] - lr * grads[k] for k in trained}
    active = active_fraction(model, X_train)
    dead.append(np.mean(active == 0))
    accuracy = np.mean(model.predict(digits["X_val"]) == digits["y_val"])
    print(f"one step of learning rate {lr:5g}: {dead[-1]:4.0%} of the hidden units dead, "
          f"validation accuracy {accuracy:.2f}")
    if lr == 30:
        after_step = active

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained")
ax1.semilogx(step_sizes, dead, "o-")
ax1.set(xlabel="learning rate of the single step", ylabel="fraction of dead hidden units",
        title="One large step kills ReLUs", ylim=(0, 1))
ax2.plot(np.sort(before_step), ".-", label="after training")
ax2.plot(np.sort(after_step), ".-", label="after one step of learning rate 30")
ax2.set(xlabel="hidden unit (sorted by how often it fires)", ylabel="fraction of training examples active",
        title="How often each unit fires\n(0 = dead)", ylim=(-0.03, 1.4), yticks=np.linspace(0, 1, 6))
ax2.legend(loc="upper left")  # above the curves
plt.show()

if not GRADING:  # keep training after the large step: do the dead units come back?
    model.params = {k: trained[k] - 30 * grads[k] for k in trained}
    dead_before = active_fraction(model, X_train) == 0
    Solver(model, digits, update_rule=plain_step, optim_config={"learning_rate": 0.1}, batch_size=50, num_epochs=5,
           progress=False, rng=2).train()
    dead_after = active_fraction(model, X_train) == 0
    print(f"dead right after the step: {dead_before.sum()} units; after 5 more epochs: {dead_after.sum()} units, "
          f"{np.sum(dead_before & dead_after)} of them the same")

# %% [markdown] kind="readonly" grade_id="md-dead-relu"
# **What to notice:** a few units die even in normal training, and small steps leave that number alone;
# from a learning rate of about 10 a single step pushes the weights and biases of more and more units
# so far that their input is negative for every training example: at 30 a quarter of the hidden layer
# dies at once (left). On the right, the units are sorted by how often they fire: after the large
# step the flat stretch at 0 (the dead units) is several times longer. Training on afterwards does not
# bring them back (the last line printed): a dead unit's local slope is 0 for every example, so its
# incoming weights never get another gradient.
#
# ## Written questions (graded by hand)
#
# **Question 1.** Your 10-layer network with sigmoid activations trains its last layers while the
# weights of its first layers hardly change. Explain why, using experiment 2 and the derivative of
# the sigmoid, and name two changes that would help.

# %% [markdown] kind="manual" grade_id="q1_saturation" points=2
# ### BEGIN SOLUTION
# The gradient reaching layer $l$ is a product of the local slopes of all the layers above it. The
# sigmoid's slope is $\sigma(1-\sigma) \le 1/4$, and much less for saturated units ($\approx e^{-|x|}$),
# so each sigmoid layer shrinks the gradient by a factor of 4 or more: after 10 layers the first
# layers get about $10^{-6}$ of what the last layer gets (experiment 2, right) and their updates are
# negligible (vanishing gradients). Large weights make it worse by pushing inputs into the flat
# tails. Remedies: ReLU-family activations (slope 1 on the active side) or at least tanh (slope up to
# 1, zero-centered); a careful initialization (Xavier/He) that keeps pre-activations out of
# saturation; batch normalization; residual connections.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q2"
# **Question 2.** In experiment 3, why does every per-example gradient of the weights of a neuron whose
# inputs come from a sigmoid have the same sign in all its entries? Why does that slow gradient
# descent down, and why is it less of a problem with minibatches or zero-centered inputs?

# %% [markdown] kind="manual" grade_id="q2_zigzag" points=2
# ### BEGIN SOLUTION
# The neuron computes $f = \sum_i w_i h_i + b$, so $\partial L/\partial w_i = (\partial L/\partial f)\, h_i$: one scalar
# times the input vector. Sigmoid outputs are all positive, so every entry has the sign of
# $\partial L/\partial f$: an update can only move all weights up together or all down together. When the
# best weights need some to grow and others to shrink, gradient descent must alternate between the
# two allowed directions, a zig-zag that takes many more steps (experiment 3). A minibatch gradient
# is a sum over examples whose $\partial L/\partial f$ have different signs, so it can point in other
# directions, and zero-centered inputs (tanh, or the data minus its mean) have entries of both signs,
# so the restriction disappears.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q3"
# **Question 3.** After one step with a too-large learning rate, a third of the hidden ReLUs of your
# network never activate again (experiment 4). Why do they not recover as training goes on? Give two
# ways to avoid or fix the problem.

# %% [markdown] kind="manual" grade_id="q3_dead_relu" points=2
# ### BEGIN SOLUTION
# A dead unit's pre-activation $x = w \cdot h + b$ is negative for every training example, so ReLU's
# local slope there is 0 for every example: the backward pass sends zero gradient to $w$ and $b$ and
# nothing ever moves them back (only changes in the layers below could, by chance, make $x$ positive
# again). The large step pushed $b$ (and $w$) far into the negative region. Remedies: a smaller
# learning rate (or a schedule, warm-up, gradient clipping, an adaptive method); activations with a
# non-zero slope for $x < 0$ (Leaky ReLU, PReLU, ELU) or Maxout, which never die; a good
# initialization (He) and possibly a small positive bias; monitoring the fraction of dead units.
# ### END SOLUTION
