# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] kind="readonly" grade_id="intro"
# # 01 · Gradient checking
#
# Every backward pass you write in this course is checked the same way: compare the **analytic**
# gradient your code computes with a **numerical** gradient computed from the forward pass alone.
# In this notebook you build that tool yourself, learn how to read its output, and see the four
# ways a gradient check lies to you.
#
# **What you implement** (graded, each followed by a test cell):
# 1. `numerical_gradient(f, x, h)`: the centered numerical gradient of a scalar function;
# 2. `numerical_gradient_array(f, x, dout, h)`: the same for a function returning an array;
# 3. `relative_error(a, b)`: the number you compare against a threshold;
# 4. `crosses_kink(x, h, kinks)`: which entries a numerical gradient cannot be trusted at.
#
# Then experiments (not graded) and three written questions (graded by hand).
#
# ## Centered differences
# The derivative is a limit, $\frac{df}{dx} = \lim_{h\to 0}\frac{f(x+h)-f(x)}{h}$. With a finite $h$,
# Taylor's theorem gives the error of the two ways to estimate it:
#
# $$\frac{f(x+h)-f(x)}{h} = f'(x) + \frac{h}{2}f''(x) + O(h^2) \qquad\text{(one-sided: error} \propto h)$$
#
# $$\frac{f(x+h)-f(x-h)}{2h} = f'(x) + \frac{h^2}{6}f'''(x) + O(h^4) \qquad\text{(centered: error} \propto h^2)$$
#
# The centered form costs two evaluations of $f$ per entry instead of one, and is far more accurate:
# with $h = 10^{-5}$ the one-sided error is about $10^{-5}$, the centered one about $10^{-10}$. **Always
# use the centered form.** For a function of many inputs, nudge one entry $x_i$ at a time and leave
# the others alone: $\frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}$.
#
# Smaller $h$ is not always better: $f(x\pm h)$ are computed in floating point with a relative
# round-off of about $\epsilon \approx 10^{-16}$ (float64), and dividing their difference by $2h$ blows
# that up to about $\epsilon\,|f| / h$. The total error is smallest near $h \approx 10^{-5}$ for float64.
# In float32 ($\epsilon \approx 10^{-7}$) gradient checks are hopeless: always check in float64.
#
# ## Relative error
# Compare an analytic gradient $a$ with a numerical one $n$ by their **relative** error
#
# $$ \text{rel}(a, n) = \frac{|a - n|}{\max(|a|, |n|)}, $$
#
# taking 0 where both are exactly 0 (they agree perfectly; do not divide 0 by 0). An absolute
# difference means nothing on its own: $10^{-4}$ is a huge error for a gradient of size $10^{-5}$ and
# a tiny one for a gradient of size $10^{3}$. For an array, report the worst entry (the maximum).
#
# | relative error | verdict |
# | --- | --- |
# | $> 10^{-2}$ | the gradient is probably **wrong** |
# | $10^{-2}$ … $10^{-4}$ | uncomfortable: wrong unless the function has kinks |
# | $10^{-4}$ … $10^{-7}$ | fine for functions with kinks (ReLU, max), too high otherwise |
# | $< 10^{-7}$ | **good** |
#
# Deeper networks compound errors: a relative error of $10^{-2}$ may be acceptable for the input
# gradient of a 10-layer net. Check small layers one at a time.
#
# ## Kinks
# ReLU $\max(0, x)$, max-pooling, the hinge loss and $|x|$ have **kinks**: points where the derivative
# jumps. If $x - h$ and $x + h$ lie on different sides of a kink, the centered difference averages the
# two slopes and disagrees with the analytic gradient although both are "right". With $x$ of size 1
# and $h = 10^{-5}$ this seems rare, but a net has millions of inputs to its ReLUs, and some are
# always within $h$ of 0. Know which entries crossed a kink (you will write `crosses_kink`) and
# ignore or re-draw those.
#
# ## More pitfalls
# - **Regularization swamping the data loss.** With a large regularization term, the loss gradient is
#   dominated by the easy regularization gradient, so a broken data-loss gradient can hide. Check the
#   data loss alone first (reg = 0), then with regularization.
# - **Randomness.** Dropout draws a new mask on every forward call, so $f(x+h)$ and $f(x-h)$ are
#   different functions. Fix the seed (or turn dropout off) while checking.
# - **Only a few dimensions.** Numerical gradients cost two forward passes per entry. Check a few
#   random entries of each parameter (or a few random directions), not all of them.
# - **Use a short burn-in.** At initialization some pathological cases (all weights tiny) can pass a
#   check that fails later. Check again after a few training steps.

# %% kind="readonly" grade_id="imports"
import os

import numpy as np

from cs231n_utils.layers import affine_backward, affine_forward, softmax_loss

# Under nbgrader (validate or autograde) the long experiments shrink or are skipped.
GRADING = bool(os.environ.get("NBGRADER_EXECUTION"))

# %% [markdown] kind="readonly" grade_id="md-numerical-gradient"
# ## Exercise 1: `numerical_gradient`
#
# Implement the centered numerical gradient of a **scalar** function `f` at `x`. `x` may have any
# shape; the gradient has the same shape. Change `x` **in place** (nudge one entry, evaluate `f`,
# put the entry back): copying `x` for every entry is slow for large arrays, and some callers rely on
# `f` seeing the very array they passed. But `x` must be exactly as it was when you return.

# %% kind="answer" grade_id="numerical_gradient"
def numerical_gradient(f, x, h=1e-5):
    """Centered numerical gradient of a scalar function.

    Inputs:
    - f: callable taking an array of x's shape and returning a float.
    - x: float array of any shape, shape S. Modified during the computation and restored.
    - h: the step, a positive float.

    Returns grad, a float array of shape S with
        grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)
    where e_i is 1 at index i and 0 elsewhere.
    """
    # Hint: `for ix in np.ndindex(x.shape):` visits every index of an array of any shape.
    # Remember the old value of x[ix], set x[ix] = old + h, evaluate f, then old - h, then restore.
    ### BEGIN SOLUTION
    grad = np.zeros(x.shape, dtype=float)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        f_plus = float(f(x))
        x[ix] = old - h
        f_minus = float(f(x))
        x[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * h)
    return grad
    ### END SOLUTION


# %% kind="tests" grade_id="test_numerical_gradient" points=4
import numpy as np
from cs231n_utils.testing import check_array, passed

rng = np.random.default_rng(101)
x = rng.standard_normal((3, 4))
x_before = x.copy()
grad = numerical_gradient(lambda v: np.sum(v ** 2), x)
h = 1e-5
check_array("numerical_gradient(sum(x**2), x)", grad, 2 * x_before, rtol=1e-6, atol=1e-8,
            mistakes={
                "a one-sided difference (f(x+h) - f(x)) / h: use (f(x+h) - f(x-h)) / (2h)": 2 * x_before + h,
                "a one-sided difference (f(x) - f(x-h)) / h: use (f(x+h) - f(x-h)) / (2h)": 2 * x_before - h,
                "dividing by h instead of 2h": 4 * x_before,
                "nudging every entry of x at once: nudge one entry at a time (x + h e_i) and leave the "
                "others alone": np.full(x.shape, 2 * x_before.sum()),
            },
            hint="The gradient of sum(x**2) is 2x.")
check_array("x after numerical_gradient returned", x, x_before, rtol=0, atol=0,
            hint="Put every entry of x back to its old value after nudging it.")

# f must see the very array you were given: this f reads the caller's x, not its argument
x = rng.standard_normal(4)
w = rng.standard_normal(4)
x_before = x.copy()
grad = numerical_gradient(lambda _: float(np.sum(w * x ** 2)), x)
check_array("numerical_gradient(f, x) for an f that reads the caller's x (not its argument)", grad,
            2 * w * x_before, rtol=1e-6, atol=1e-8,
            mistakes={"nudging a copy of x: nudge x itself (x[ix] = old + h), callers rely on f seeing the very "
                      "array they passed": np.zeros(4)})
check_array("x after numerical_gradient returned", x, x_before, rtol=0, atol=0,
            hint="Put every entry of x back to its old value after nudging it.")

# A large step makes the formula visible: for sum(x**3) the centered difference is 3x^2 + h^2.
h = 0.1
x = rng.uniform(0.5, 2.0, size=(5,))
grad = numerical_gradient(lambda v: np.sum(v ** 3), x.copy(), h=h)
check_array("numerical_gradient(sum(x**3), x, h=0.1)", grad, 3 * x ** 2 + h ** 2, rtol=1e-9, atol=1e-12,
            mistakes={
                "a one-sided difference (f(x+h) - f(x)) / h: use (f(x+h) - f(x-h)) / (2h)": 3 * x ** 2 + 3 * x * h + h ** 2,
                "a one-sided difference (f(x) - f(x-h)) / h: use (f(x+h) - f(x-h)) / (2h)": 3 * x ** 2 - 3 * x * h + h ** 2,
                "dividing by h instead of 2h": 2 * (3 * x ** 2 + h ** 2),
                "ignoring the argument h (a fixed step)": 3 * x ** 2,
            })

# the default step: for small x the h^2 of the centered difference of sum(x**3) shows which h was used
x = rng.uniform(0.01, 0.02, size=(5,))
check_array("numerical_gradient(sum(x**3), x) without h, x in [0.01, 0.02]",
            numerical_gradient(lambda v: float(np.sum(v ** 3)), x.copy()), 3 * x ** 2 + 1e-5 ** 2,
            rtol=1e-9, atol=0,
            hint="The default step is h=1e-5: def numerical_gradient(f, x, h=1e-5). For sum(x**3) the centered "
                 "difference is 3x^2 + h^2.")
### BEGIN HIDDEN TESTS
# any shape, including 3-D and a single entry
x = rng.standard_normal((2, 3, 2))
grad = numerical_gradient(lambda v: np.sum(np.sin(v)), x.copy(), h=1e-3)
expected = (np.sin(x + 1e-3) - np.sin(x - 1e-3)) / 2e-3
check_array("numerical_gradient(sum(sin(x)), x of shape (2, 3, 2), h=1e-3)", grad, expected, rtol=1e-7, atol=1e-10,
            hint="Loop over every index of x, whatever its number of dimensions (np.ndindex(x.shape)).")
x = np.array([[0.7]])
check_array("numerical_gradient(sum(exp(x)), x of shape (1, 1))",
            numerical_gradient(lambda v: float(np.exp(v).sum()), x.copy()), np.exp(x), rtol=1e-8)
# a transposed (non-contiguous) view must be nudged through, not a flattened copy
base = rng.standard_normal((4, 3))
xt = base.T
weights = rng.standard_normal((3, 4))
check_array("numerical_gradient(sum(w * x), x a transposed view)",
            numerical_gradient(lambda v: np.sum(weights * v), xt), weights, rtol=1e-7, atol=1e-9,
            hint="Nudge x itself (x[ix] = ...). x.ravel() or x.flatten() can return a copy, and nudging a copy does not change what f sees.")
check_array("the view after numerical_gradient", xt, base.T.copy(), rtol=0, atol=0)
### END HIDDEN TESTS
passed("test_numerical_gradient")

# %% [markdown] kind="readonly" grade_id="md-numerical-gradient-array"
# ## Exercise 2: `numerical_gradient_array`
#
# A layer's forward pass returns an array, and its backward pass receives the upstream gradient
# `dout` $= \partial L/\partial\,\text{out}$ and returns $\partial L/\partial x$. By the chain rule that is
# $\sum_j \text{dout}_j \,\partial\,\text{out}_j/\partial x_i$: the numerical version of it nudges $x_i$
# and sums the change of every output, weighted by `dout`:
#
# $$\text{dx}_i \approx \sum_j \frac{f(x + h e_i)_j - f(x - h e_i)_j}{2h}\,\text{dout}_j .$$
#
# Careful: a function may return an array that *shares memory* with `x` (the identity `lambda x: x`,
# a reshape, a slice). Copy $f(x + h e_i)$ before you change `x` again.

# %% kind="answer" grade_id="numerical_gradient_array"
def numerical_gradient_array(f, x, dout, h=1e-5):
    """Centered numerical gradient of sum(f(x) * dout) for an array-valued function f.

    Inputs:
    - f: callable taking an array of x's shape S and returning an array of dout's shape T.
    - x: float array of shape S, modified during the computation and restored.
    - dout: upstream gradient, float array of shape T (the shape of f(x)). Not modified.
    - h: the step, a positive float.

    Returns dx, a float array of shape S with
        dx[i] = sum((f(x + h e_i) - f(x - h e_i)) * dout) / (2 h).
    """
    # Hint: the same loop as numerical_gradient; np.array(f(x), copy=True) protects you from a
    # result that changes when x changes.
    ### BEGIN SOLUTION
    dx = np.zeros(x.shape, dtype=float)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        out_plus = np.array(f(x), dtype=float, copy=True)
        x[ix] = old - h
        out_minus = np.array(f(x), dtype=float, copy=True)
        x[ix] = old
        dx[ix] = np.sum((out_plus - out_minus) * dout) / (2 * h)
    return dx
    ### END SOLUTION


# %% kind="tests" grade_id="test_numerical_gradient_array" points=4
import numpy as np
from cs231n_utils.testing import check_array, passed

rng = np.random.default_rng(202)
x = rng.standard_normal((4, 3))
w = rng.standard_normal((3, 5))
dout = rng.standard_normal((4, 5))
x_before, dout_before = x.copy(), dout.copy()
dx = numerical_gradient_array(lambda v: v @ w, x, dout)
check_array("numerical_gradient_array(x @ w, x, dout)", dx, dout_before @ w.T, rtol=1e-6, atol=1e-8,
            mistakes={"forgetting dout (summing the change of every output unweighted)": np.ones_like(dout) @ w.T,
                      "dividing by h instead of 2h": 2 * dout_before @ w.T},
            hint="dx[i] = sum((f(x + h e_i) - f(x - h e_i)) * dout) / (2h).")
check_array("x after numerical_gradient_array returned", x, x_before, rtol=0, atol=0,
            hint="Put every entry of x back to its old value after nudging it.")
check_array("dout after numerical_gradient_array returned", dout, dout_before, rtol=0, atol=0,
            hint="numerical_gradient_array changed dout in place: the caller still needs it. Compute into new arrays.")

# f must see the very array you were given: this f reads the caller's x, not its argument
x = rng.standard_normal(3)
a = rng.standard_normal((2, 3))
dout = rng.standard_normal(2)
x_before = x.copy()
check_array("numerical_gradient_array(f, x, dout) for an f that reads the caller's x (not its argument)",
            numerical_gradient_array(lambda _: a @ x, x, dout), a.T @ dout,
            rtol=1e-6, atol=1e-8,
            mistakes={"nudging a copy of x: nudge x itself (x[ix] = old + h), callers rely on f seeing the very "
                      "array they passed": np.zeros(3)})
check_array("x after numerical_gradient_array returned", x, x_before, rtol=0, atol=0,
            hint="Put every entry of x back to its old value after nudging it.")

h = 1e-2
x = rng.standard_normal((3, 2))
dout = rng.standard_normal((3, 2))
expected = (np.tanh(x + h) - np.tanh(x - h)) / (2 * h) * dout
check_array("numerical_gradient_array(tanh(x), x, dout, h=1e-2)",
            numerical_gradient_array(np.tanh, x.copy(), dout, h=h), expected, rtol=1e-9, atol=1e-12,
            mistakes={
                "a one-sided difference (f(x+h) - f(x)) / h: use (f(x+h) - f(x-h)) / (2h)": (np.tanh(x + h) - np.tanh(x)) / h * dout,
                "dividing by h instead of 2h": 2 * expected,
                "ignoring the argument h (a fixed step)": (1 - np.tanh(x) ** 2) * dout,
            })

# the default step: for small x the h^2 of the centered difference of x**3 shows which h was used
x = rng.uniform(0.01, 0.02, size=(5,))
dout = rng.uniform(0.5, 1.5, size=(5,))
check_array("numerical_gradient_array(x**3, x, dout) without h, x in [0.01, 0.02]",
            numerical_gradient_array(lambda v: v ** 3, x.copy(), dout.copy()), (3 * x ** 2 + 1e-5 ** 2) * dout,
            rtol=1e-9, atol=0,
            hint="The default step is h=1e-5: def numerical_gradient_array(f, x, dout, h=1e-5). For x**3 the "
                 "centered difference is 3x^2 + h^2.")
### BEGIN HIDDEN TESTS
# f returning x itself: the result must be copied before x changes again
x = rng.standard_normal((2, 3))
dout = rng.standard_normal((2, 3))
check_array("numerical_gradient_array(identity, x, dout) where f returns x itself",
            numerical_gradient_array(lambda v: v, x.copy(), dout), dout, rtol=1e-6, atol=1e-8,
            mistakes={"keeping a reference to f(x + h e_i), which f(x - h e_i) then overwrites: copy it first "
                      "(np.array(f(x), copy=True))": np.zeros_like(dout)})
# output shape different from x, 1-D input
x = rng.standard_normal(4)
a = rng.standard_normal((3, 4))
dout = rng.standard_normal(3)
check_array("numerical_gradient_array(a @ x, x of shape (4,), dout of shape (3,))",
            numerical_gradient_array(lambda v: a @ v, x.copy(), dout), a.T @ dout, rtol=1e-6, atol=1e-8)
# 3-D input to a function returning a scalar-shaped array
x = rng.standard_normal((2, 2, 2))
check_array("numerical_gradient_array(sum of squares as a 0-d array, x of shape (2, 2, 2), dout=2.0)",
            numerical_gradient_array(lambda v: np.array(np.sum(v ** 2)), x.copy(), np.array(2.0)), 4 * x,
            rtol=1e-6, atol=1e-8)
### END HIDDEN TESTS
passed("test_numerical_gradient_array")

# %% [markdown] kind="readonly" grade_id="md-relative-error"
# ## Exercise 3: `relative_error`
#
# Implement $\max_i \frac{|a_i - b_i|}{\max(|a_i|, |b_i|)}$, with the term taken as 0 where $a_i$ and $b_i$
# are both 0. It must be **symmetric** (`relative_error(a, b) == relative_error(b, a)`), must not
# print a warning or return `nan` when both are zero, and must return the worst entry (not the mean:
# one wrong entry among a million is a bug). Accept scalars and arrays of one shape.

# %% kind="answer" grade_id="relative_error"
def relative_error(a, b):
    """Largest symmetric relative error between a and b.

    Inputs:
    - a, b: floats or float arrays of one shape S.

    Returns a float: max over entries of |a - b| / max(|a|, |b|), where an entry with
    a == b == 0 counts as 0 (no division by zero, no warning).
    """
    # Hint: np.maximum(np.abs(a), np.abs(b)) is the denominator; handle the entries where it is 0
    # with np.where or by dividing only where it is positive.
    ### BEGIN SOLUTION
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    diff = np.abs(a - b)
    scale = np.maximum(np.abs(a), np.abs(b))
    ratio = np.zeros_like(diff)
    np.divide(diff, scale, out=ratio, where=scale > 0)
    return float(ratio.max()) if ratio.size else 0.0
    ### END SOLUTION


# %% kind="tests" grade_id="test_relative_error" points=3
import numpy as np
from cs231n_utils.testing import check_scalar, check_no_warnings, passed

from cs231n_utils.testing import HintError

try:
    rel = relative_error(1.0, 1.1)
except NotImplementedError:
    raise
except Exception as exc:
    raise HintError(f"relative_error(1.0, 1.1) raised {type(exc).__name__} ({exc}). a and b may be plain "
                    "floats: np.asarray(a, dtype=float) turns them into 0-d arrays that array code handles.") from None
check_scalar("relative_error(1.0, 1.1)", rel, 0.1 / 1.1, rtol=1e-9,
             mistakes={"dividing by |a| only: use max(|a|, |b|)": 0.1,
                       "dividing by |a| + |b|: use max(|a|, |b|)": 0.1 / 2.1})
check_scalar("relative_error(1.1, 1.0)", relative_error(1.1, 1.0), 0.1 / 1.1, rtol=1e-9,
             mistakes={"dividing by one argument only, which is not symmetric: use max(|a|, |b|)": 0.1})
a = np.array([1.0, 2.0, -3.0])
check_scalar("relative_error(a, a)", relative_error(a, a.copy()), 0.0, atol=0)
rel = check_no_warnings("relative_error(zeros, zeros)", relative_error, np.zeros(3), np.zeros(3),
                        hint="Where a and b are both 0 the error is 0: don't divide 0 by 0.")
check_scalar("relative_error(zeros, zeros)", rel, 0.0, atol=0,
             hint="Where a and b are both 0 the error is 0: don't divide 0 by 0 (0 / 0 is nan).")
### BEGIN HIDDEN TESTS
# the worst entry, not the mean; signs handled by absolute values
a = np.array([1.0, 1.0, 1.0, 1.0])
b = np.array([1.0, 1.0, 1.0, 0.5])
check_scalar("relative_error([1, 1, 1, 1], [1, 1, 1, 0.5])", relative_error(a, b), 0.5, rtol=1e-9,
             mistakes={"the mean over entries: report the maximum (the worst entry)": 0.125,
                       "the norm of the whole difference": np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b))})
check_scalar("relative_error(-2.0, -1.0)", relative_error(-2.0, -1.0), 0.5, rtol=1e-9,
             hint="Take absolute values: |a - b| / max(|a|, |b|).")
check_scalar("relative_error(1.0, -1.0)", relative_error(1.0, -1.0), 2.0, rtol=1e-9,
             hint="Opposite signs: |1 - (-1)| / max(1, 1) = 2.")
# zeros mixed with non-zeros, 2-D arrays, scale invariance
a = np.array([[0.0, 1e-3], [2.0, 0.0]])
b = np.array([[0.0, 1.1e-3], [2.0, 0.0]])
rel = check_no_warnings("relative_error with some entries both zero", relative_error, a, b)
check_scalar("relative_error with some entries both zero", rel, 0.1e-3 / 1.1e-3, rtol=1e-9)
check_scalar("relative_error(1e6 * a, 1e6 * b)", relative_error(1e6 * a, 1e6 * b), 0.1e-3 / 1.1e-3, rtol=1e-9,
             hint="The relative error does not change when both arguments are scaled.")
### END HIDDEN TESTS
passed("test_relative_error")

# %% [markdown] kind="readonly" grade_id="md-crosses-kink"
# ## Exercise 4: `crosses_kink`
#
# The centered difference at $x$ looks at $f(x - h)$ and $f(x + h)$. It can be trusted only if no kink
# $k$ lies strictly between them: $x - h < k < x + h$. Return a boolean array, with the shape of `x`,
# that is `True` where some kink of `kinks` lies strictly inside $(x - h, x + h)$.
# (A kink exactly at $x \pm h$ is harmless for a continuous function: both sides agree there.)

# %% kind="answer" grade_id="crosses_kink"
def crosses_kink(x, h=1e-5, kinks=(0.0,)):
    """Where does the interval (x - h, x + h) contain a kink?

    Inputs:
    - x: float or float array of shape S, the points where a numerical gradient is taken.
    - h: the step, a positive float.
    - kinks: a sequence of floats, the points where the function's derivative jumps
      (0 for ReLU; 0 and 1 for a function clipped to [0, 1]).

    Returns a boolean array of shape S (one boolean, shape (), for a scalar x): True where
    x - h < k < x + h for at least one k in kinks.
    """
    # Hint: compare x against each kink (a loop over kinks is fine) and combine with |.
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    result = np.zeros(x.shape, dtype=bool)
    for k in kinks:
        result |= (x - h < k) & (k < x + h)
    return result
    ### END SOLUTION


# %% kind="tests" grade_id="test_crosses_kink" points=3
import numpy as np
from cs231n_utils.testing import check_array, passed

x = np.array([-1.0, -3e-6, 0.0, 3e-6, 1.0])
check_array("crosses_kink([-1, -3e-6, 0, 3e-6, 1], h=1e-5)", crosses_kink(x, h=1e-5, kinks=(0.0,)),
            np.array([False, True, True, True, False]), dtype_kind="b",
            mistakes={"checking only one side of the interval: the kink may be below x or above it":
                      np.array([False, False, True, True, False]),
                      "checking only one side of the interval (the kink may be above x or below it)":
                      np.array([False, True, True, False, False])})
# the interval is open: a kink exactly at x - h or x + h is not crossed
x = np.array([0.25, -0.25, 0.125, -0.5])
check_array("crosses_kink([0.25, -0.25, 0.125, -0.5], h=0.25, kinks=(0.0,))", crosses_kink(x, h=0.25, kinks=(0.0,)),
            np.array([False, False, True, False]), dtype_kind="b",
            mistakes={"counting a kink exactly at x - h or x + h: the interval is open, x - h < k < x + h strictly":
                      np.array([True, True, True, False]),
                      "ignoring the argument h: the interval is (x - h, x + h)": np.array([False, False, False, False])})
x = np.array([0.5, 1.000004, 1.2])
check_array("crosses_kink([0.5, 1.000004, 1.2], h=1e-4, kinks=(0.0, 1.0))",
            crosses_kink(x, h=1e-4, kinks=(0.0, 1.0)), np.array([False, True, False]), dtype_kind="b",
            hint="Check every kink in `kinks`, not only 0.")
# the defaults
x = np.array([-2e-5, -5e-6, 5e-6, 2e-5])
check_array("crosses_kink([-2e-5, -5e-6, 5e-6, 2e-5]) without h and kinks", crosses_kink(x),
            np.array([False, True, True, False]), dtype_kind="b",
            hint="The defaults are h=1e-5 and kinks=(0.0,): def crosses_kink(x, h=1e-5, kinks=(0.0,)).")
### BEGIN HIDDEN TESTS
x = np.array([[2.0, 2.05], [1.5, -3.0]])
check_array("crosses_kink(x of shape (2, 2), h=0.1, kinks=(2.1,))", crosses_kink(x, h=0.1, kinks=(2.1,)),
            np.array([[False, True], [False, False]]), dtype_kind="b",
            hint="Return one boolean per entry of x, with x's shape.")
check_array("crosses_kink(x, h=0.3, kinks=(-3.2, 1.7))", crosses_kink(x, h=0.3, kinks=(-3.2, 1.7)),
            np.array([[False, False], [True, True]]), dtype_kind="b")
# a larger h sees more kinks
x = np.linspace(-1, 1, 21)
small, large = crosses_kink(x, h=0.05), crosses_kink(x, h=0.55)
check_array("crosses_kink(linspace(-1, 1, 21), h=0.05)", small, np.abs(x) < 0.05, dtype_kind="b")
check_array("crosses_kink(linspace(-1, 1, 21), h=0.55)", large, np.abs(x) < 0.55, dtype_kind="b",
            hint="Use the argument h: the interval is (x - h, x + h).")
# a scalar x gives one boolean
check_array("crosses_kink(4e-6) for a scalar x", np.asarray(crosses_kink(4e-6)), np.array(True), dtype_kind="b",
            hint="For a scalar x return one boolean (shape ()), not an array of shape (1,): np.asarray(x) keeps "
                 "the shape of x.")
### END HIDDEN TESTS
passed("test_crosses_kink")

# %% [markdown] kind="readonly" grade_id="md-experiments"
# ## Experiments
#
# The rest of the notebook uses your functions. Nothing here is graded; run it, look at each
# picture, and read the sentence under it.
#
# ### 1. Error against h: one-sided vs centered
# We take $f(x) = e^x \sin x$ at $x = 1$ (derivative $e^x(\sin x + \cos x)$) and measure the relative
# error of both estimates for $h$ from $10^{-13}$ to $10^{-1}$, on log-log axes.

# %% kind="readonly" grade_id="exp-error-vs-h"
# The plots start here. matplotlib is imported here, not at the top: grading stops before
# the plots, and so does not spend time loading it.
import matplotlib.pyplot as plt

# %matplotlib inline

def f_scalar(v):
    return float(np.sum(np.exp(v) * np.sin(v)))

x0 = np.array([1.0])
true_grad = np.exp(x0) * (np.sin(x0) + np.cos(x0))
hs = np.logspace(-13, -1, 13 if GRADING else 49)
centered = [relative_error(numerical_gradient(f_scalar, x0.copy(), h), true_grad) for h in hs]
one_sided = [relative_error((f_scalar(x0 + h) - f_scalar(x0)) / h, true_grad) for h in hs]

fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(hs, one_sided, "o-", ms=3, label="one-sided $(f(x+h)-f(x))/h$")
ax.loglog(hs, centered, "s-", ms=3, label="centered $(f(x+h)-f(x-h))/2h$")
ax.loglog(hs, hs, "k:", lw=1, label="slope 1")
ax.loglog(hs, hs ** 2, "k--", lw=1, label="slope 2")
ax.set(xlabel="h", ylabel="relative error", ylim=(1e-17, 10), title="Numerical derivative error vs h")
ax.legend(fontsize=9)
plt.show()
best = hs[int(np.argmin(centered))]
print(f"best h for the centered difference: {best:.0e}, relative error {min(centered):.1e}")

# %% [markdown] kind="readonly" grade_id="md-error-vs-h"
# **What to notice:** to the right, truncation error dominates: the one-sided line follows slope 1,
# the centered one slope 2, so at $h=10^{-5}$ centered is about five orders of magnitude better. To the
# left, round-off takes over and both errors *grow* as $h$ shrinks (roughly $\epsilon/h$): there is a
# floor, and it sits around $h \approx 10^{-5}$ for the centered difference in float64.
#
# ### 2. float32 vs float64
# The same check on a small softmax classifier, with the parameters in float32 and in float64.

# %% kind="readonly" grade_id="exp-float32"
rng = np.random.default_rng(0)
X = rng.standard_normal((20, 10))
y = rng.integers(0, 5, size=20)

def classifier_loss(W, b):
    scores, _ = affine_forward(X.astype(W.dtype), W, b)
    loss, _ = softmax_loss(scores.astype(np.float64), y)
    return loss

for dtype in (np.float64, np.float32):
    W = (0.1 * rng.standard_normal((10, 5))).astype(dtype)
    b = np.zeros(5, dtype=dtype)
    scores, cache = affine_forward(X.astype(dtype), W, b)
    _, dscores = softmax_loss(scores.astype(np.float64), y)
    _, dW, _ = affine_backward(dscores.astype(dtype), cache)
    for h in (1e-2, 1e-3, 1e-5):
        num = numerical_gradient(lambda W_: classifier_loss(W_, b), W, h=h)
        print(f"{np.dtype(dtype).name:8s} h={h:.0e}: relative error {relative_error(dW, num):.1e}")

# %% [markdown] kind="readonly" grade_id="md-float32"
# **What to notice:** in float64 the error falls to about $10^{-9}$ with $h=10^{-5}$; in float32 the same
# $h$ gives errors near 1 (a *correct* gradient looks broken), and no $h$ gets below roughly $10^{-3}$.
# Always gradient-check in float64.
#
# ### 3. The ReLU kink
# The loss $\sum_i \max(0, x_i)$ has derivative 1 for $x_i > 0$ and 0 for $x_i < 0$. We take inputs the
# size of real pre-activations, some of them within $h$ of 0, and compare.

# %% kind="readonly" grade_id="exp-kink"
rng = np.random.default_rng(1)
h = 1e-2  # a large step, so that many entries cross the kink in this small example
pre = rng.standard_normal(2000) * 0.05
num = numerical_gradient(lambda v: float(np.maximum(0, v).sum()), pre.copy(), h=h)
slope = (pre > 0).astype(float)
err = np.abs(num - slope)
crossed = crosses_kink(pre, h=h, kinks=(0.0,))
print(f"{crossed.sum()} of {pre.size} inputs cross the kink")
print(f"worst error where no kink is crossed: {err[~crossed].max():.1e}")
print(f"worst error where a kink is crossed: {err[crossed].max():.2f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.scatter(pre[~crossed], err[~crossed] + 1e-17, s=4, label="no kink in (x-h, x+h)")
ax.scatter(pre[crossed], err[crossed] + 1e-17, s=4, c="C3", label="kink crossed")
ax.set(yscale="log", xlabel="input x", ylabel="|numerical - analytic|", title="Kinks break the numerical gradient")
ax.legend(fontsize=9)
plt.show()

# %% [markdown] kind="readonly" grade_id="md-kink"
# **What to notice:** every large error sits where your `crosses_kink` says the interval straddles 0;
# everywhere else the numerical gradient is exact. In a real check, ignore (or re-draw) the entries
# that cross a kink instead of concluding the backward pass is wrong.
#
# ### 4. Regularization swamping the data loss
# A deliberately **broken** data gradient (off by a factor 1.5), checked with an L2 term
# $\frac{\lambda}{2}\|W\|^2$ of growing strength.

# %% kind="readonly" grade_id="exp-regularization"
from cs231n_utils.data import load_digits

digits = load_digits(seed=0)
Xd, yd = digits["X_train"][:50], digits["y_train"][:50]
rng = np.random.default_rng(2)
W = 0.01 * rng.standard_normal((64, 10))
b = np.zeros(10)

def loss_and_broken_grad(W, reg):
    scores, cache = affine_forward(Xd, W, b)
    data_loss, dscores = softmax_loss(scores, yd)
    _, dW, _ = affine_backward(dscores, cache)
    return data_loss + 0.5 * reg * np.sum(W ** 2), 1.5 * dW + reg * W  # the bug: 1.5 * dW

regs = [0.0, 1e-2, 1.0, 1e2, 1e4]
errors = []
for reg in regs:
    _, grad = loss_and_broken_grad(W, reg)
    num = numerical_gradient(lambda W_: loss_and_broken_grad(W_, reg)[0], W, h=1e-5)
    errors.append(relative_error(grad, num))
    print(f"reg = {reg:8.2g}: relative error {errors[-1]:.1e}")

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.loglog([r if r else 1e-4 for r in regs], errors, "o-")
ax.axhline(1e-2, color="C3", ls="--", label="'probably wrong' threshold")
ax.set(xlabel="regularization strength (0 drawn at 1e-4)", ylabel="relative error",
       title="A broken gradient hidden by regularization")
ax.legend(fontsize=9)
plt.show()

# %% [markdown] kind="readonly" grade_id="md-regularization"
# **What to notice:** with no regularization the bug is obvious (relative error about 0.2); as the
# regularization gradient $\lambda W$ grows it dominates both gradients and the error falls under
# every threshold. Check the data loss alone first.
#
# ### 5. Dropout breaks a gradient check
# A loss with dropout draws a new random mask at every call, so $f(x+h)$ and $f(x-h)$ are
# evaluations of *different* functions.

# %% kind="readonly" grade_id="exp-dropout"
rng_data = np.random.default_rng(3)
xin = rng_data.standard_normal((5, 8))

def dropout_loss(v, seed=None):
    mask_rng = np.random.default_rng(seed)
    keep = mask_rng.random(v.shape) >= 0.5
    return float(np.sum((v * keep / 0.5) ** 2))

grad_fixed_mask = numerical_gradient(lambda v: dropout_loss(v, seed=0), xin.copy())
keep = np.random.default_rng(0).random(xin.shape) >= 0.5
analytic = 2 * xin * keep / 0.25
grad_new_masks = numerical_gradient(lambda v: dropout_loss(v), xin.copy())
print(f"same mask at every call (fixed seed): relative error {relative_error(analytic, grad_fixed_mask):.1e}")
print(f"a new mask at every call:             relative error {relative_error(analytic, grad_new_masks):.1e}")
print(f"largest numerical 'gradient' with new masks: {np.abs(grad_new_masks).max():.1e}")

# %% [markdown] kind="readonly" grade_id="md-dropout"
# **What to notice:** with a fixed mask the check passes to about $10^{-10}$; with a new mask per call the
# numerical "gradient" is noise divided by $2h$, of size $10^{5}$. Fix the seed (or switch dropout off)
# whenever you check a network that uses it.
#
# ## Written questions (graded by hand)
#
# **Question 1.** Your gradient check of a two-layer ReLU net reports a relative error of $3\times10^{-4}$
# for `W1` and $2\times10^{-9}$ for `W2`. Is the backward pass for `W1` wrong? What would you do to find
# out, using the functions from this notebook?

# %% [markdown] kind="manual" grade_id="q1_kinks" points=2
# ### BEGIN SOLUTION
# Not necessarily. `W1` feeds the ReLU, so some pre-activations lie within $h$ of the kink at 0 and
# their centered differences average the two slopes; errors around $10^{-4}$ are typical of that,
# while `W2` (after the ReLU, no kink on its path) is at the $10^{-9}$ level of a correct gradient.
# To find out: compute the pre-activations, use `crosses_kink(pre, h)` to see whether any cross, and
# compare the gradients only on entries whose computation involves no crossing (or re-draw the inputs,
# or use a smaller h). If the error stays large away from kinks, the backward pass is wrong.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q2"
# **Question 2.** Why does the plot in experiment 1 have a minimum? Roughly where would it be for
# float32, and what does that say about checking gradients in float32?

# %% [markdown] kind="manual" grade_id="q2_step_size" points=2
# ### BEGIN SOLUTION
# The error is the sum of a truncation term that shrinks as $h^2$ (centered) and a round-off term
# $\approx \epsilon |f| / h$ that grows as $h$ shrinks; the minimum is where they balance,
# $h \approx \epsilon^{1/3}$ (about $10^{-5}$ for float64). For float32, $\epsilon\approx10^{-7}$, so the best
# $h$ is about $10^{-2}$ to $10^{-3}$ and the best relative error only about $10^{-3}$–$10^{-4}$, above the
# thresholds that separate right from wrong: gradient checks must be done in float64.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q3"
# **Question 3.** A classmate checks the full loss (data loss plus a large L2 term) and gets a relative
# error of $10^{-8}$. Does that prove their data gradient is right? Explain with experiment 4.

# %% [markdown] kind="manual" grade_id="q3_regularization" points=2
# ### BEGIN SOLUTION
# No. When the regularization gradient $\lambda W$ is much larger than the data gradient it dominates
# both the analytic and the numerical gradient, so their relative error is small even if the data
# gradient is wrong (experiment 4: a 50% error drops below $10^{-6}$ at large $\lambda$). Check with
# reg = 0 first, then add regularization and check again.
# ### END SOLUTION
