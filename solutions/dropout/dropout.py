# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] kind="readonly" grade_id="intro"
# # 06 · Dropout
#
# A large network trained on a small data set can memorize it: training accuracy reaches 100% while
# validation accuracy stalls. **Dropout** (Hinton et al. 2012, Srivastava et al. 2014) is a simple,
# cheap remedy: during training, every hidden unit is switched off at random, independently, at
# every forward pass.
# In this notebook you implement it the way every modern library does ("inverted" dropout), check it
# with tests that accept any correct random draw, and see what it does to training and to predictions.
#
# **What you implement** (graded, each followed by a test cell):
# 1. `dropout_forward(x, dropout_param)`: inverted dropout in train mode, the identity in test mode,
#    with a clear error for a bad `p` or `mode`;
# 2. `dropout_backward(dout, cache)`: the gradient through the **same** mask.
#
# Then two experiments (not graded) and three written questions (graded by hand).
#
# ## The idea
# In train mode, each unit $x_i$ of a layer's output is **dropped** (set to 0) with probability $p$ and
# kept with probability $1-p$. Draw a mask $m_i \sim \text{Bernoulli}(1-p)$, independently for every
# entry (every example and every unit), and multiply: a different random sub-network at every step.
#
# Why would that help? A unit can no longer rely on a few particular other units being present
# (no "co-adaptation"): it has to be useful in many random contexts, which favours redundant, robust
# features over brittle ones that memorize individual training examples. Another view: with $n$
# units there are $2^n$ sub-networks, all sharing the same weights, and every training step trains
# one of them. Dropout trains a huge **ensemble** at the cost of one network, and at test time we
# want the ensemble's average prediction.
#
# ## Inverted dropout: scale at train time, nothing at test time
# At test time we use every unit, with no randomness. But then a unit of the next layer would see
# larger inputs than during training: with half the units dropped, $\sum_i w_i x_i m_i$ is on average
# half of $\sum_i w_i x_i$. The expected value has to match between the two modes, and there are two
# ways to make it match:
#
# | | train mode | test mode |
# | --- | --- | --- |
# | original ("vanilla") dropout | $\text{out} = x \odot m$ | $\text{out} = (1-p)\,x$ |
# | **inverted dropout** (use this) | $\text{out} = \dfrac{x \odot m}{1-p}$ | $\text{out} = x$ |
#
# In both, the expected output in train mode equals the output in test mode. **Inverted** dropout
# does the scaling during training, so that the test-time network is the plain network, with no
# trace of dropout: nothing to remember at prediction time, and $p$ can even change during training
# without touching the deployed model. With inverted dropout:
#
# $$ m_i \sim \text{Bernoulli}(1-p), \qquad \text{out}_i = \frac{m_i}{1-p}\, x_i, \qquad
#    \mathbb{E}[\text{out}_i] = \frac{(1-p)\,x_i}{1-p} = x_i . $$
#
# ## Backward pass
# For a fixed mask the forward pass is linear in $x$: $\text{out}_i = \frac{m_i}{1-p} x_i$. So
#
# $$ \frac{\partial L}{\partial x_i} = \frac{\partial L}{\partial \text{out}_i}\,\frac{m_i}{1-p}, $$
#
# that is `dx = dout * mask / (1 - p)` with **the mask of the forward pass**: a dropped unit
# contributed nothing to the loss, so it receives no gradient. Store the mask in the cache. In test
# mode the forward pass is the identity and `dx = dout`.
#
# ## Conventions in this course
# - `dropout_param['p']` is the probability of **dropping** a unit, as in PyTorch (`nn.Dropout(p)`).
#   Careful: the original paper and the CS231n notes use $p$ for the probability of **keeping** a
#   unit. `p = 0` means no dropout; `p = 0.5` is the classic choice for hidden layers. `p` must lie
#   in $[0, 1)$: with `p = 1` every unit is dropped and $1/(1-p)$ divides by zero.
# - `dropout_param['mode']` is `'train'` or `'test'`; anything else is a mistake (such as `'eval'`
#   from PyTorch's `model.eval()`), and a silent fallback would hide it: raise a `ValueError`.
# - `dropout_param.get('seed')`: an optional integer. Draw the mask from
#   `rng = np.random.default_rng(dropout_param.get('seed'))`. With a seed, two calls give the same mask
#   (the model passes a fresh seed at each training step, and gradient checks need repeatable masks);
#   without one, `default_rng(None)` takes fresh randomness from the operating system, so every call
#   differs. Any other correct way to draw the mask (`rng.random(x.shape) >= p`,
#   `rng.random(x.shape) < 1 - p`, `rng.binomial(1, 1 - p, size=x.shape)`) passes the tests: they
#   never depend on one exact random stream.
#
# ## Pitfalls
# - **Scaling at test time as well.** With inverted dropout the training pass already divided by
#   $1-p$; multiplying by $1-p$ again at test time shrinks every activation (experiment 2 shows the
#   damage).
# - **$p$ versus $1-p$.** Keeping units with probability $p$, or dividing by $p$ instead of $1-p$: both
#   are invisible at `p = 0.5` and wrong everywhere else.
# - **A new mask in the backward pass.** The gradient must flow through exactly the units that were
#   kept. Never draw random numbers in `dropout_backward`.
# - **Forgetting to switch modes.** Predicting in train mode gives a random answer from one
#   sub-network; training in test mode is training without dropout.
# - **Gradient checks.** A new mask at every call makes $f(x+h)$ and $f(x-h)$ different functions
#   (notebook 01): fix the seed while checking.
# - **Where to put it.** Dropout goes after the activation of hidden layers (the model in
#   `cs231n_utils` applies it there), not on the output scores.

# %% kind="readonly" grade_id="imports"
import os

import numpy as np

# Under nbgrader (validate or autograde) the long experiments shrink or are skipped.
GRADING = bool(os.environ.get("NBGRADER_EXECUTION"))

# %% [markdown] kind="readonly" grade_id="md-dropout-forward"
# ## Exercise 1: `dropout_forward`
#
# Implement inverted dropout for `x` of any shape:
# - **train mode**: draw a mask that keeps each entry independently with probability $1-p$, and return
#   `x * mask / (1 - p)`; with `p = 0` that is exactly `x`;
# - **test mode**: return `x` unchanged (no mask, no scaling);
# - check the arguments first: raise a `ValueError` whose message names the bad value if `p` is not in
#   $[0, 1)$ (in either mode) or if `mode` is neither `'train'` nor `'test'`.
#
# Do not change `x` in place (`x *= mask` would change the caller's array), and put in the cache
# whatever `dropout_backward` needs (the mode and the scaled mask, for example).
#
# The tests cannot compare your output with one expected array: your mask is random. They check
# properties that every correct mask has. On a $500\times500$ input, the fraction of zeros must be
# within 6 binomial standard deviations of $p$ (about $\pm0.006$ for $p = 0.3$; a correct answer
# fails this less than once in 100 million runs), the mean of the output must be close to the mean
# of `x`, every kept entry must equal $x_i/(1-p)$, test mode must be the identity, and the same seed
# must give the same mask.

# %% kind="answer" grade_id="dropout_forward"
def dropout_forward(x, dropout_param):
    """Inverted dropout.

    Inputs:
    - x: float array of any shape S. Not modified.
    - dropout_param: dict with
      - 'p': probability of DROPPING each unit, a float in [0, 1);
      - 'mode': 'train' or 'test';
      - 'seed' (optional): an int. The same seed always gives the same mask, different seeds give
        different masks, and without a seed every call draws a fresh mask
        (np.random.default_rng(dropout_param.get('seed')) does all three).

    Returns (out, cache):
    - out: float array of shape S. Train mode: out = x * mask / (1 - p), where mask[i] is 1 with
      probability 1 - p and 0 with probability p, independently for every entry. Test mode: out = x.
    - cache: what dropout_backward needs (e.g. the mode and the scaled mask).

    Raises ValueError, naming the bad value, if p is not in [0, 1) or mode is not 'train'/'test'.
    """
    # Hint: check p and mode first. rng.random(x.shape) gives uniform numbers in [0, 1): a unit is
    # kept where its number is >= p. Divide the kept units by 1 - p.
    ### BEGIN SOLUTION
    p, mode = dropout_param["p"], dropout_param["mode"]
    if not 0 <= p < 1:
        raise ValueError(f"dropout_param['p'] is the probability of dropping a unit and must be in [0, 1), got {p!r}")
    if mode not in ("train", "test"):
        raise ValueError(f"dropout_param['mode'] must be 'train' or 'test', got {mode!r}")
    if mode == "train":
        rng = np.random.default_rng(dropout_param.get("seed"))
        mask = (rng.random(x.shape) >= p) / (1 - p)
        out = x * mask
    else:
        mask = None
        out = x
    cache = (mode, mask)
    return out, cache
    ### END SOLUTION


# %% kind="tests" grade_id="test_dropout_forward" points=5
import numpy as np
from cs231n_utils.testing import HintError, check_array, check_scalar, passed

rng = np.random.default_rng(600)
x = rng.uniform(0.5, 1.5, size=(500, 500))  # no zeros, so out == 0 marks exactly the dropped units
x_before = x.copy()
n = x.size
p = 0.3
out, _ = dropout_forward(x, {"p": p, "mode": "train", "seed": 1})
check_array("out = dropout_forward(x, {'p': 0.3, 'mode': 'train', 'seed': 1})[0]", out, shape=x.shape)
check_array("x after dropout_forward", x, x_before, rtol=0, atol=0,
            hint="dropout_forward changed x in place (x *= mask?): compute out into a new array.")

# the fraction of dropped units: p, within 6 binomial standard deviations
tol = 6 * np.sqrt(p * (1 - p) / n)
check_scalar("the fraction of zeros in out (p=0.3, x of shape (500, 500) without zeros)", np.mean(out == 0), p,
             rtol=0, atol=tol,
             mistakes={"p used as the probability of KEEPING a unit: p is the probability of DROPPING it "
                       "(as in PyTorch)": 1 - p, "no unit dropped at all": 0.0},
             hint=f"Draw one uniform number per entry of x (rng.random(x.shape)) and drop the entry with probability p; "
                  f"a correct answer is within {tol:.4f} of p.")
# the mean is preserved: E[out] = x, within 6 standard deviations of the mean of out
tol = 6 * np.sqrt(np.sum(x ** 2) * p / (1 - p)) / n
check_scalar("out.mean() (train mode, p=0.3)", np.mean(out), np.mean(x), rtol=0, atol=tol,
             mistakes={"no scaling: inverted dropout divides the kept units by 1 - p": (1 - p) * np.mean(x),
                       "dividing by p instead of 1 - p": (1 - p) / p * np.mean(x),
                       "multiplying the kept units by 1 - p instead of dividing": (1 - p) ** 2 * np.mean(x)},
             hint="The kept units are divided by 1 - p so that the mean of out equals the mean of x.")
# every kept unit is x / (1 - p) exactly
kept = out != 0
check_array("out[out != 0] (the kept units)", out[kept], x[kept] / (1 - p), rtol=1e-12, atol=0,
            mistakes={"no scaling: inverted dropout divides the kept units by 1 - p": x[kept],
                      "dividing by p instead of 1 - p": x[kept] / p,
                      "multiplying the kept units by 1 - p instead of dividing": x[kept] * (1 - p)},
            hint="A kept unit is x / (1 - p).")

# test mode is the identity
out_test, _ = dropout_forward(x, {"p": p, "mode": "test"})
check_array("dropout_forward(x, {'p': 0.3, 'mode': 'test'})[0]", out_test, x, rtol=1e-12, atol=0,
            mistakes={"scaling by 1 - p at test time: with inverted dropout the training pass already scaled, "
                      "so test mode is the identity": x * (1 - p),
                      "dividing by 1 - p at test time: that belongs to train mode": x / (1 - p)},
            hint="In test mode use every unit, unscaled and without a mask: out = x.")

# p = 0 in train mode is the identity
try:
    out0, _ = dropout_forward(x, {"p": 0.0, "mode": "train", "seed": 2})
except ValueError as exc:
    raise HintError(f"dropout_forward(x, {{'p': 0.0, 'mode': 'train', 'seed': 2}}) raised ValueError ({exc}): "
                    "p = 0 is allowed (no dropout); refuse only p < 0 or p >= 1.") from None
check_array("dropout_forward(x, {'p': 0.0, 'mode': 'train', 'seed': 2})[0]", out0, x, rtol=1e-12, atol=0,
            hint="With p = 0 no unit is dropped and 1 / (1 - p) = 1: keep a unit when its uniform number is >= p.")

# the same seed gives the same mask
first, _ = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 7})
second, _ = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 7})
check_array("a second dropout_forward(x, {'p': 0.5, 'mode': 'train', 'seed': 7})[0]", second, first, rtol=0, atol=0,
            hint="The same seed must give the same mask: draw it from np.random.default_rng(dropout_param.get('seed')), "
                 "not from np.random.random or a generator made once outside the function.")
### BEGIN HIDDEN TESTS
# signed inputs of another shape, a large p
x = rng.choice([-1.0, 1.0], size=(40, 50, 60)) * rng.uniform(0.5, 2.0, size=(40, 50, 60))
n = x.size
for p, seed in ((0.75, 3), (0.1, 4)):
    out, _ = dropout_forward(x, {"p": p, "mode": "train", "seed": seed})
    check_array(f"dropout_forward(x of shape (40, 50, 60), p={p})[0]", out, shape=x.shape)
    tol = 6 * np.sqrt(p * (1 - p) / n)
    check_scalar(f"the fraction of zeros in out (p={p}, x of shape (40, 50, 60))", np.mean(out == 0), p,
                 rtol=0, atol=tol,
                 mistakes={"p used as the probability of KEEPING a unit: p is the probability of DROPPING it "
                           "(as in PyTorch)": 1 - p})
    kept = out != 0
    check_array(f"out[out != 0] (the kept units, p={p}, x of shape (40, 50, 60))", out[kept], x[kept] / (1 - p),
                rtol=1e-12, atol=0,
                mistakes={"dividing by p instead of 1 - p": x[kept] / p, "no scaling": x[kept]})
# the mask is drawn per entry, not per row or per column
out, _ = dropout_forward(np.ones((400, 300)), {"p": 0.5, "mode": "train", "seed": 5})
check_scalar("the fraction of rows of out that are all zero or all non-zero (p=0.5, 300 columns)",
             np.mean(np.all(out == 0, axis=1) | np.all(out != 0, axis=1)), 0.0, rtol=0, atol=0,
             hint="Draw one random number per entry of x (rng.random(x.shape)), not one per row or column.")
check_scalar("the fraction of columns of out that are all zero or all non-zero (p=0.5, 400 rows)",
             np.mean(np.all(out == 0, axis=0) | np.all(out != 0, axis=0)), 0.0, rtol=0, atol=0,
             hint="Draw one random number per entry of x (rng.random(x.shape)), not one per row or column.")
# different seeds, and no seed, give different masks
x = rng.uniform(0.5, 1.5, size=(300, 300))
a, _ = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 7})
b, _ = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 8})
q, tol = 0.5, 6 * np.sqrt(0.25 / x.size)
check_scalar("the fraction of units dropped by exactly one of the masks of seeds 7 and 8 (p=0.5)",
             np.mean((a == 0) != (b == 0)), q, rtol=0, atol=tol,
             hint="Different seeds must give different (independent) masks: pass the seed to np.random.default_rng.")
a, _ = dropout_forward(x, {"p": 0.5, "mode": "train"})
b, _ = dropout_forward(x, {"p": 0.5, "mode": "train"})
check_scalar("the fraction of units dropped by exactly one of two masks drawn without a seed (p=0.5)",
             np.mean((a == 0) != (b == 0)), q, rtol=0, atol=tol,
             hint="Without a seed every call must draw a fresh mask: np.random.default_rng(None) does, a fixed "
                  "default seed (dropout_param.get('seed', 0)) does not.")
# test mode: the identity for any shape and p, with or without a seed, and x is not changed
x = rng.standard_normal((3, 4, 5))
x_before = x.copy()
check_array("dropout_forward(x of shape (3, 4, 5), {'p': 0.8, 'mode': 'test', 'seed': 1})[0]",
            dropout_forward(x, {"p": 0.8, "mode": "test", "seed": 1})[0], x_before, rtol=1e-12, atol=0,
            mistakes={"scaling by 1 - p at test time: with inverted dropout the training pass already scaled, "
                      "so test mode is the identity": x_before * 0.2},
            hint="In test mode use every unit, unscaled and without a mask: out = x.")
dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 1})
check_array("x after dropout_forward in train mode", x, x_before, rtol=0, atol=0,
            hint="dropout_forward changed x in place (x *= mask?): compute out into a new array.")
# p given as an int or a numpy float
check_array("dropout_forward(x, {'p': 0, 'mode': 'train'})[0] (p an int)",
            dropout_forward(x, {"p": 0, "mode": "train"})[0], x_before, rtol=1e-12, atol=0)
out, _ = dropout_forward(np.ones((200, 200)), {"p": np.float64(0.2), "mode": "train", "seed": 9})
check_array("out[out != 0] for x = ones, p=np.float64(0.2)", out[out != 0], np.full(int(np.sum(out != 0)), 1.25),
            rtol=1e-12, atol=0)
### END HIDDEN TESTS
passed("test_dropout_forward")

# %% [markdown] kind="readonly" grade_id="md-validation"
# The next cell checks only the argument validation of `dropout_forward`, so that a missing check
# costs its own points, not those of the cell above.

# %% kind="tests" grade_id="test_dropout_validation" points=2
import numpy as np
from cs231n_utils.testing import check_raises, passed

x = np.ones((4, 5))
with np.errstate(all="ignore"):
    check_raises(ValueError, dropout_forward, x, {"p": 1.5, "mode": "train"}, must_mention="1.5",
                 what="p=1.5 (p is a probability in [0, 1))")
    check_raises(ValueError, dropout_forward, x, {"p": -0.1, "mode": "train"}, must_mention="-0.1",
                 what="p=-0.1 (p is a probability in [0, 1))")
    check_raises(ValueError, dropout_forward, x, {"p": 1.0, "mode": "train"},
                 what="p=1.0 (every unit dropped, and 1 / (1 - p) divides by zero)")
    check_raises(ValueError, dropout_forward, x, {"p": 0.5, "mode": "eval"}, must_mention="eval",
                 what="mode='eval' (only 'train' and 'test' exist)")
### BEGIN HIDDEN TESTS
with np.errstate(all="ignore"):
    check_raises(ValueError, dropout_forward, x, {"p": 0.5, "mode": "Train"}, must_mention="Train",
                 what="mode='Train' (the modes are lower case)")
    check_raises(ValueError, dropout_forward, x, {"p": 1.5, "mode": "test"}, must_mention="1.5",
                 what="p=1.5 in test mode (check p in both modes)")
    check_raises(ValueError, dropout_forward, x, {"p": 2, "mode": "train", "seed": 0}, must_mention="2",
                 what="p=2")
### END HIDDEN TESTS
passed("test_dropout_validation")

# %% [markdown] kind="readonly" grade_id="md-dropout-backward"
# ## Exercise 2: `dropout_backward`
#
# Return `dx = dout * mask / (1 - p)` in train mode, with the mask the forward pass drew (from the
# cache), and `dx = dout` in test mode. Do not change `dout` in place.
#
# The tests take the forward pass **you** wrote as the reference: for the mask your forward drew, the
# forward pass is linear in `x`, so the exact gradient is `dout * out / x` (0 where a unit was
# dropped, `dout / (1 - p)` where it was kept). With a fixed seed they also compare with numerical
# gradients of your forward pass.

# %% kind="answer" grade_id="dropout_backward"
def dropout_backward(dout, cache):
    """Backward pass of dropout_forward.

    Inputs:
    - dout: upstream gradient dL/dout, float array of shape S. Not modified.
    - cache: from dropout_forward. Not modified (it may be used again).

    Returns dx = dL/dx, float array of shape S: dout * mask / (1 - p) in train mode, with the mask of
    the forward pass (0 exactly where a unit was dropped); dout in test mode.
    """
    # Hint: everything you need is in the cache; no random numbers here.
    ### BEGIN SOLUTION
    mode, mask = cache
    if mode == "train":
        return dout * mask
    return dout.copy()
    ### END SOLUTION


# %% kind="tests" grade_id="test_dropout_backward" points=4
import numpy as np
from cs231n_utils.testing import check_array, check_backward, passed


def forward_on_copy(x_in, param):
    """dropout_forward on a copy of x_in, out in the shape of x_in (the cell of dropout_forward grades its shape)."""
    out, cache = dropout_forward(x_in.copy(), param)
    return np.reshape(np.array(out, dtype=float), x_in.shape), cache


rng = np.random.default_rng(602)
x = rng.choice([-1.0, 1.0], size=(200, 300)) * rng.uniform(0.5, 1.5, size=(200, 300))  # no zeros
dout = rng.standard_normal((200, 300))
dout_before = dout.copy()
p = 0.4
out, cache = forward_on_copy(x, {"p": p, "mode": "train", "seed": 5})
dx = dropout_backward(dout, cache)
check_array("dx = dropout_backward(dout, cache) (train mode, p=0.4)", dx, shape=x.shape)
check_array("dout after dropout_backward", dout, dout_before, rtol=0, atol=0,
            hint="dropout_backward changed dout in place (dout *= mask?): the caller still needs it. "
                 "Compute into a new array.")
dropped = out == 0
new_mask_hint = ("Use the mask that dropout_forward stored in its cache; never draw a new mask in the backward "
                 "pass: the gradient must flow through exactly the units the forward pass kept.")
check_array("dx where the forward pass dropped the unit (out == 0)", dx[dropped], np.zeros(int(dropped.sum())),
            rtol=0, atol=0, hint=new_mask_hint)
# The reference is the gradient of your own forward pass for the mask it drew: out / x is its local slope,
# 0 or 1 / (1 - p). If your forward pass scales wrongly (the cell of dropout_forward grades that),
# dout * mask / (1 - p) is accepted as well.
expected = dout_before * (out / x)
by_the_formula = dout_before * (out != 0) / (1 - p)
if isinstance(dx, np.ndarray) and dx.shape == x.shape and np.allclose(dx, by_the_formula, rtol=1e-10, atol=1e-12):
    expected = by_the_formula
check_array("dx (train mode, p=0.4)", dx, expected, rtol=1e-10, atol=1e-12,
            mistakes={"forgetting the scale 1/(1 - p) in the backward pass: the forward multiplied the kept "
                      "units by it, so their gradient is multiplied by it too": dout_before * (out != 0),
                      "dividing by p instead of 1 - p": dout_before * (out != 0) / p,
                      "returning the mask without multiplying by dout": out / x},
            hint="dx = dout * mask / (1 - p) with the mask of the forward pass.")

# test mode: the forward pass is the identity, so dx = dout (or the gradient of your own test-mode forward)
out, cache = forward_on_copy(x, {"p": p, "mode": "test"})
dx = dropout_backward(dout, cache)
expected = dout_before * (out / x)
if isinstance(dx, np.ndarray) and dx.shape == x.shape and np.allclose(dx, dout_before, rtol=1e-12, atol=0):
    expected = dout_before
check_array("dropout_backward(dout, cache) in test mode (p=0.4)", dx, expected, rtol=1e-12, atol=0,
            mistakes={"scaling the gradient by 1 - p in test mode": dout_before * (1 - p),
                      "dividing the gradient by 1 - p in test mode": dout_before / (1 - p)},
            hint="In test mode the forward pass is the identity, so dx = dout.")
check_array("dout after dropout_backward in test mode", dout, dout_before, rtol=0, atol=0,
            hint="dropout_backward changed dout in place: the caller still needs it. Compute into a new array.")

# a forward pass without a seed: a backward pass that draws a mask again (even from the same seed) cannot agree
out, cache = forward_on_copy(x, {"p": p, "mode": "train"})
dx = dropout_backward(dout, cache)
check_array("dx where the forward pass without a seed dropped the unit (out == 0)", dx[out == 0],
            np.zeros(int(np.sum(out == 0))), rtol=0, atol=0, hint=new_mask_hint)
expected = dout_before * (out / x)
by_the_formula = dout_before * (out != 0) / (1 - p)
if isinstance(dx, np.ndarray) and dx.shape == x.shape and np.allclose(dx, by_the_formula, rtol=1e-10, atol=1e-12):
    expected = by_the_formula
check_array("dx after a forward pass without a seed (train mode, p=0.4)", dx, expected, rtol=1e-10, atol=1e-12,
            hint=new_mask_hint)

# zeros in x: a kept unit whose x is 0 has out == 0 too, and still passes its gradient on. The mask your forward
# pass draws for a seed does not depend on x, so a second call on x without zeros shows it.
x0 = x.copy()
x0[:, ::3] = 0.0
x1 = np.where(x0 == 0, 1.0, x0)
param = {"p": p, "mode": "train", "seed": 21}
out0, cache0 = forward_on_copy(x0, dict(param))
out1 = np.array(forward_on_copy(x1, dict(param))[0], dtype=float, copy=True)
again = np.array(forward_on_copy(x1, dict(param))[0], dtype=float, copy=True)
if np.array_equal(out1, again):  # (a forward pass that ignores the seed loses the points of its own cell)
    slope = out1 / x1
    dx = dropout_backward(dout, cache0)
    check_array("dropout_backward(dout, cache) for x with zeros (p=0.4, seed 21)", dx, dout_before * slope,
                rtol=1e-10, atol=1e-12,
                mistakes={"rebuilding the mask from out != 0: a kept unit whose x is 0 has out == 0 as well. Keep "
                          "the mask of the forward pass in the cache": dout_before * slope * (x0 != 0)},
                hint=new_mask_hint)
### BEGIN HIDDEN TESTS
# another shape and p; the cache can be used twice
x = rng.choice([-1.0, 1.0], size=(20, 30, 40)) * rng.uniform(0.5, 1.5, size=(20, 30, 40))
dout = rng.standard_normal(x.shape)
p = 0.8
out, cache = forward_on_copy(x, {"p": p, "mode": "train", "seed": 6})
dx = dropout_backward(dout, cache)
check_array("dx where the forward pass dropped the unit (p=0.8, x of shape (20, 30, 40))", dx[out == 0],
            np.zeros(int(np.sum(out == 0))), rtol=0, atol=0, hint=new_mask_hint)
expected = dout * (out / x)
by_the_formula = dout * (out != 0) / (1 - p)
if isinstance(dx, np.ndarray) and dx.shape == x.shape and np.allclose(dx, by_the_formula, rtol=1e-10, atol=1e-12):
    expected = by_the_formula
check_array("dx (p=0.8, x of shape (20, 30, 40))", dx, expected, rtol=1e-10, atol=1e-12,
            mistakes={"forgetting the scale 1/(1 - p) in the backward pass": dout * (out != 0)})
dx = np.array(dx, dtype=float, copy=True)  # the first answer as it was, whatever the second call changes
check_array("a second dropout_backward(dout, cache) with the same cache", dropout_backward(dout, cache), dx,
            rtol=0, atol=0, hint="dropout_backward changed its cache (or dout) in place: compute into a new array. "
                                 + new_mask_hint)
# p = 0: the gradient passes unchanged (if your forward pass accepts p = 0, which its cell grades)
try:
    out, cache = forward_on_copy(x, {"p": 0.0, "mode": "train", "seed": 6})
except ValueError:
    cache = None
if cache is not None:
    check_array("dropout_backward(dout, cache) for p=0 in train mode", dropout_backward(dout, cache), dout,
                rtol=1e-12, atol=0)
# numerical gradient of your forward pass with a fixed seed (if your forward repeats its mask for a seed
# and leaves x alone, which the cell of dropout_forward grades)
x_small = rng.standard_normal((6, 7))
param = {"p": 0.5, "mode": "train", "seed": 11}
x_probe = x_small.copy()
first = dropout_forward(x_probe, dict(param))[0].copy()
if (np.array_equal(x_probe, x_small) and np.shape(first) == x_small.shape
        and np.array_equal(first, dropout_forward(x_small.copy(), dict(param))[0])):
    check_backward(dropout_forward, dropout_backward, {"x": x_small, "dropout_param": param}, grad_names=["x"],
                   hints={"dx": "dx = dout * mask / (1 - p) with the mask of the forward pass."})
### END HIDDEN TESTS
passed("test_dropout_backward")

# %% [markdown] kind="readonly" grade_id="md-experiments"
# ## Experiments
#
# The rest of the notebook uses your functions inside a network: `FullyConnectedNet` from
# `cs231n_utils` takes them as `dropout=(dropout_forward, dropout_backward)` and applies dropout after
# every hidden activation, in train mode during `loss(X, y)` (with a fresh seed at each step) and in
# test mode for predictions. Nothing here is graded; run it, look at each picture, and read the
# sentence under it.
#
# The cell below provides the other pieces: a ReLU layer (you wrote your own in notebook 02),
# He initialization and a plain gradient step.

# %% kind="readonly" grade_id="provided"
# The plots start here. matplotlib is imported here, not at the top: grading stops before
# the plots, and so does not spend time loading it.
import matplotlib.pyplot as plt

# %matplotlib inline

import copy

from cs231n_utils.data import load_digits
from cs231n_utils.model import FullyConnectedNet
from cs231n_utils.plots import plot_training_curves
from cs231n_utils.solver import Solver
from threadpoolctl import threadpool_limits

# The matrices below are small: one BLAS thread multiplies them faster than several threads that
# must share the cores with other programs. This affects only the speed.
threadpool_limits(limits=1, user_api="blas")


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


def softmax(scores):
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(probs, y):
    return float(-np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-300))))


digits = load_digits(seed=0)

# %% [markdown] kind="readonly" grade_id="md-gap"
# ### 1. The train/val gap with and without dropout
# A network with two hidden layers of 256 ReLUs (about 85 000 weights) trained on only **300**
# digits can memorize them. We train it on two versions of those 300 digits: the clean labels, and
# the same digits with **20% of the labels replaced by a wrong class**, as happens in data sets
# labelled in a hurry. Memorizing wrong labels can only hurt on new data, which makes that the
# situation where a regularizer earns its keep. Each training is plain SGD (learning rate 0.2,
# batches of 100, 100 epochs) with dropout probability $p$ after both hidden layers. After every
# epoch we measure, in test mode, the accuracy on the training set (with the labels the net was
# given), on 300 validation digits, and how many of the mislabelled training digits the net predicts
# with their *wrong* label, that is, how many wrong labels it has learned by heart.

# %% kind="readonly" grade_id="exp-gap"
N_TRAIN, NOISE = 300, 0.2
EPOCHS = 3 if GRADING else 100
P_NOISY = [0.0, 0.5] if GRADING else [0.0, 0.25, 0.5, 0.75]
P_CLEAN = [0.0, 0.5]

label_rng = np.random.default_rng(0)
X_small, y_clean = digits["X_train"][:N_TRAIN], digits["y_train"][:N_TRAIN]
wrong = label_rng.random(N_TRAIN) < NOISE
y_noisy = y_clean.copy()
y_noisy[wrong] = (y_clean[wrong] + label_rng.integers(1, 10, size=int(wrong.sum()))) % 10
print(f"{wrong.sum()} of the {N_TRAIN} training labels replaced by a wrong class")


def train(p, y_train, seed=0):
    """Train the net with dropout probability p; returns (model, solver, memorized per epoch)."""
    model = FullyConnectedNet([256, 256], 64, 10, activation=ProvidedReLU, init=he_init,
                              dropout=(dropout_forward, dropout_backward), dropout_p=p,
                              rng=np.random.default_rng(seed))
    data = {"X_train": X_small, "y_train": y_train, "X_val": digits["X_val"], "y_val": digits["y_val"]}
    memorized = []

    def track(solver):  # called after every epoch: the fraction of wrong labels reproduced
        memorized.append(np.mean(solver.model.predict(X_small[wrong]) == y_noisy[wrong]))
        return False  # never stop early

    solver = Solver(model, data, update_rule=plain_step, optim_config={"learning_rate": 0.2}, batch_size=100,
                    num_epochs=EPOCHS, num_train_samples=None, progress=False, rng=seed + 1, on_epoch_end=track)
    solver.train()  # keeps the parameters of the epoch with the best validation accuracy
    return model, solver, memorized


runs = {("20% wrong", p): train(p, y_noisy) for p in P_NOISY}
runs.update({("clean", p): train(p, y_clean) for p in P_CLEAN})

fig, axes = plt.subplot_mosaic([["loss", "accuracy"], ["memorized", "memorized"]], figsize=(9, 7),
                                layout="constrained")
plot_training_curves({"no dropout": runs["20% wrong", 0.0][1], "dropout p = 0.5": runs["20% wrong", 0.5][1]},
                     axes=[axes["loss"], axes["accuracy"]], title="300 digits, 20% of the labels wrong")
for p in (0.0, 0.5):
    axes["memorized"].plot(runs["20% wrong", p][2], label="no dropout" if p == 0 else f"dropout p = {p}")
axes["memorized"].set(xlabel="epoch", ylabel="fraction", ylim=(0, 1),
                      title=f"Mislabelled training digits predicted with their wrong label ({wrong.sum()} digits)")
axes["memorized"].legend(fontsize=9)
plt.show()

fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained", sharey=True)
for ax, labels, p_values in zip(axes, ("clean", "20% wrong"), (P_CLEAN, P_NOISY)):
    train_acc = [runs[labels, p][1].train_acc_history[-1] for p in p_values]
    val_acc = [runs[labels, p][1].val_acc_history[-1] for p in p_values]
    ax.plot(p_values, train_acc, "o-", label="train (the labels it was given)")
    ax.plot(p_values, val_acc, "s--", label="validation")
    ax.fill_between(p_values, val_acc, train_acc, alpha=0.15, label="train/val gap")
    ax.set(xlabel="dropout probability p", title=f"{labels} labels:\naccuracy after {EPOCHS} epochs")
    ax.legend(fontsize=9)
axes[0].set_ylabel("accuracy")
plt.show()

print(f"{'labels':10s} {'p':>5s} {'train':>6s} {'val':>6s} {'gap':>6s}   wrong labels learned")
for (labels, p), (model, solver, memorized) in runs.items():
    train_acc, val_acc = solver.train_acc_history[-1], solver.val_acc_history[-1]
    line = f"{labels:10s} {p:5.2f} {train_acc:6.3f} {val_acc:6.3f} {train_acc - val_acc:6.3f}"
    print(line + (f"   {memorized[-1]:4.0%}" if labels != "clean" else ""))

# %% [markdown] kind="readonly" grade_id="md-gap-notice"
# **What to notice:** with 20% wrong labels and no dropout (first figure, blue), training accuracy
# keeps climbing to about 94%, and the bottom panel shows how: by the last epoch the net reproduces
# the *wrong* label of about 70% of the mislabelled digits, learned one by one. Meanwhile validation
# accuracy peaks around epoch 20 and then falls to about 76%: a train/val gap of almost 20 points.
# With $p = 0.5$ (orange) training accuracy levels off near 83%, close to the 80% of labels that are
# right, only about one wrong label in seven is learned, and validation accuracy stays at the level
# of the training accuracy: the gap all but closes. The price shows in the loss panel: with dropout
# the training loss is higher and noisier, and learning is slower. The second figure shows the trend
# in $p$: on the noisy labels, as $p$ grows, training accuracy falls, validation accuracy rises, and
# the gap closes (it even turns negative at $p = 0.75$). On the clean labels both nets reach 100% on
# the training set and about the same validation accuracy (dropout even costs a point or two): 300
# clean digits leave little harmful to memorize, and a regularizer cannot create information the
# data does not contain. Dropout helps when a large net can memorize what does not generalize.
#
# ### 2. Test-time scaling versus averaging many masks
# The dropout net is an ensemble of sub-networks; its ideal prediction is the **average** of their
# predictions. We take the $p = 0.5$ net trained above on the noisy labels and predict the 300
# **test** digits two ways:
# - **test mode** (inverted dropout: use every unit, nothing to scale), one deterministic pass;
# - **Monte Carlo averaging**: $K$ passes in train mode, each with its own random masks, averaging the
#   $K$ softmax probabilities.
#
# We also measure how far the *input of the second hidden layer* (an affine function of the first
# layer's dropped-out output) averaged over $K$ masks is from its test-mode value, and evaluate the
# classic mistake of scaling by $1-p$ at test time on top of inverted dropout.

# %% kind="readonly" grade_id="exp-averaging"
model = runs["20% wrong", 0.5][0]
X_test, y_test = digits["X_test"], digits["y_test"]
p = model.dropout_param["p"]
K_MAX = 5 if GRADING else 300

probs_test_mode = softmax(model.loss(X_test))  # loss(X) without y runs in test mode
_, stats_test_mode = model.forward_with_stats(X_test, mode="test")
layer2_test_mode = stats_test_mode[1]["affine"]

ks, mc_acc, mc_loss, dist_layer2, dist_probs = [], [], [], [], []
sum_probs, sum_layer2 = 0.0, 0.0
for k in range(1, K_MAX + 1):
    scores, stats = model.forward_with_stats(X_test, mode="train")  # fresh masks at every call
    sum_probs = sum_probs + softmax(scores)
    sum_layer2 = sum_layer2 + stats[1]["affine"]
    if k in (1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300):
        ks.append(k)
        mean_probs = sum_probs / k
        mc_acc.append(np.mean(mean_probs.argmax(axis=1) == y_test))
        mc_loss.append(cross_entropy(mean_probs, y_test))
        dist_layer2.append(np.mean(np.abs(sum_layer2 / k - layer2_test_mode)) / np.mean(np.abs(layer2_test_mode)))
        dist_probs.append(np.mean(np.abs(mean_probs - probs_test_mode)))

# the classic mistake: inverted dropout in training, and *also* multiplying by 1 - p at test time
def dropout_scaled_at_test_time(x, dropout_param):
    out, cache = dropout_forward(x, dropout_param)
    return (out * (1 - dropout_param["p"]) if dropout_param["mode"] == "test" else out), cache


good_pair = model.dropout
model.dropout = (dropout_scaled_at_test_time, dropout_backward)
probs_double = softmax(model.loss(X_test))
model.dropout = good_pair

test_acc, test_loss = np.mean(probs_test_mode.argmax(axis=1) == y_test), cross_entropy(probs_test_mode, y_test)
double_acc, double_loss = np.mean(probs_double.argmax(axis=1) == y_test), cross_entropy(probs_double, y_test)
fig, axes = plt.subplot_mosaic([["accuracy", "loss"], ["distance", "distance"]], figsize=(9, 7),
                                layout="constrained")
for ax, values, test_value, double_value, name in (
        (axes["accuracy"], mc_acc, test_acc, double_acc, "test accuracy"),
        (axes["loss"], mc_loss, test_loss, double_loss, "test cross-entropy")):
    ax.semilogx(ks, values, "o-", label="average of K masks (Monte Carlo)")
    ax.axhline(test_value, color="C1", ls="--", label="test mode (inverted dropout)")
    ax.axhline(double_value, color="C3", ls=":", label="test mode, also scaled by 1 - p (a bug)")
    ax.set(xlabel="number of masks K", ylabel=name, title=name.capitalize())
    ax.legend(fontsize=9)
axes["distance"].loglog(ks, dist_layer2, "o-", label="input of hidden layer 2 (relative)")
axes["distance"].loglog(ks, dist_probs, "s-", label="output probabilities")
axes["distance"].loglog(ks, dist_layer2[0] / np.sqrt(ks), "k:", lw=1, label=r"$1/\sqrt{K}$")
axes["distance"].set(xlabel="number of masks K", ylabel="mean |average of K masks - test mode|",
                     title="How far the Monte Carlo average is from test mode")
axes["distance"].legend(fontsize=9)
plt.show()
print(f"test mode:                    accuracy {test_acc:.3f}, cross-entropy {test_loss:.3f}")
print(f"one mask (forgot test mode):  accuracy {mc_acc[0]:.3f}, cross-entropy {mc_loss[0]:.3f}")
print(f"average of {ks[-1]:3d} masks:         accuracy {mc_acc[-1]:.3f}, cross-entropy {mc_loss[-1]:.3f}")
print(f"also scaled by 1 - p:         accuracy {double_acc:.3f}, cross-entropy {double_loss:.3f}")

# %% [markdown] kind="readonly" grade_id="md-averaging-notice"
# **What to notice:** a single random mask (what you get if you forget to switch to test mode) loses
# more than ten points of accuracy. Averaging more masks helps quickly, and from about $K = 5$–$10$
# masks the average is as accurate as the single deterministic test-mode pass (the remaining ups and
# downs are noise: one test digit is 0.33 points); in cross-entropy the test-mode pass is even better
# than the average of any number of masks here, at $1/K$ of the cost. Below, the input of the
# second hidden layer is *linear* in the first layer's mask, so its Monte Carlo average converges to
# the test-mode value, with an error falling like $1/\sqrt{K}$: for a linear layer, scaling *is* the
# average. The output probabilities pass through ReLUs and a softmax, so their average levels off at
# a small distance from the test-mode probabilities: for a deep net, test-time scaling is an
# approximation of the ensemble average, a good and cheap one. Scaling by $1-p$ on top of inverted
# dropout halves both hidden layers' outputs: the predicted class hardly changes (without biases it
# would not change at all, since a ReLU net scales with its input), but the scores shrink about
# fourfold, the probabilities become far too uncertain, and the cross-entropy almost triples.
#
# ## Written questions (graded by hand)
#
# **Question 1.** Your teammate implemented inverted dropout for training, and in the prediction code
# multiplies the hidden activations by $1-p$ "as in the dropout paper". What goes wrong, and why?
# What would go wrong instead if they forgot to switch the network to test mode before predicting?

# %% [markdown] kind="manual" grade_id="q1_test_time" points=2
# ### BEGIN SOLUTION
# Inverted dropout already divides the kept units by $1-p$ during training, so that the expected
# activation in train mode equals the plain activation: the test-time network must be used as it is.
# Multiplying by $1-p$ at prediction time scales the activations twice, making every hidden layer's
# output $(1-p)$ times too small (halved for $p=0.5$; compounded over layers). Biases then weigh
# relatively more, scores shrink, and the predicted probabilities are badly calibrated: in
# experiment 2 the accuracy barely changed but the cross-entropy rose sharply. The paper's $1-p$
# (with $p$ the keep probability there) belongs to vanilla dropout, which does not scale during
# training. Forgetting test mode instead makes every prediction a random draw of one sub-network:
# predictions change from call to call and are less accurate (experiment 2, K = 1: more than ten
# points lower), because a single thinned network is a much weaker model than the average.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q2"
# **Question 2.** In experiment 1, dropout lowered training accuracy on the noisy labels and raised
# validation accuracy, while on the clean labels it changed little. Explain both observations. Why
# does dropping random units make it harder to memorize a wrongly labelled example?

# %% [markdown] kind="manual" grade_id="q2_regularization" points=2
# ### BEGIN SOLUTION
# Without dropout the large net has enough capacity to fit every training label, including the 20%
# that are wrong; fitting those bends its decision function around individual examples, which
# hurts on new digits (training about 94%, validation about 76%). Memorizing one odd example
# requires a specific combination of units to fire together (co-adaptation). With dropout any unit
# may be missing at any step, so only features that work in many random sub-networks, that is,
# patterns shared by many examples, survive training; an isolated wrong label keeps being
# contradicted by the many correct examples that look like it. So the dropout net fits about the
# correctly labelled fraction (training accuracy near 83%), learns only a few of the wrong labels,
# and generalizes better: the gap closes. It is also an ensemble average of many thinned networks, which reduces variance.
# On the clean labels there is nothing harmful to memorize: both nets fit the training set and the
# validation accuracy is limited by the amount of data (300 digits), which no regularizer can
# increase; the noise dropout injects then just slows training slightly.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q3"
# **Question 3.** Why is test-time scaling exactly the average over masks for a single linear layer,
# but only an approximation for a deep network? Experiment 2 suggests that the approximation is good:
# name one situation where averaging many masks (Monte Carlo dropout) is still worth its cost.

# %% [markdown] kind="manual" grade_id="q3_averaging" points=2
# ### BEGIN SOLUTION
# A linear layer computes $\sum_i w_i \frac{m_i}{1-p} x_i$; by linearity of expectation its average over
# masks is $\sum_i w_i \frac{\mathbb{E}[m_i]}{1-p} x_i = \sum_i w_i x_i$, the test-mode output, exactly
# (experiment 2: the second layer's input converges to it as $1/\sqrt{K}$). In a deep net the masked
# values pass through nonlinearities (ReLU, softmax) and further masks, and in general
# $\mathbb{E}[f(z)] \ne f(\mathbb{E}[z])$, so one deterministic pass with expected activations only
# approximates the average prediction (for a softmax output of a linear model it gives a normalized
# geometric mean rather than the arithmetic mean). The approximation is good and costs one pass
# instead of K. Monte Carlo averaging is worth it when you need an estimate of the model's
# uncertainty (the spread of the K predictions; "MC dropout" as approximate Bayesian inference),
# e.g. to flag inputs the model is unsure about, or when the net is so nonlinear that the scaled
# prediction is measurably worse than the average and a little more accuracy matters more than K
# times the compute.
# ### END SOLUTION
