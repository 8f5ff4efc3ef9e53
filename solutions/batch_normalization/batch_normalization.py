# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] kind="readonly" grade_id="intro"
# # 05 · Batch normalization
#
# A deep network trains well when the inputs of every layer stay in a sensible range: not so small
# that the signal (and the gradient) fades away, not so large that units saturate or explode.
# Notebook 04 got there with a careful initialization, but that only holds at the first step: as the
# weights change, the distribution of each layer's inputs changes with them. **Batch normalization**
# (Ioffe and Szegedy, 2015) enforces it at every step: it standardizes each feature of a layer to
# mean 0 and variance 1 over the minibatch, then lets the network rescale and shift it with two
# learned parameters. The network becomes far less sensitive to the initialization and to the
# learning rate, and usually trains faster.
#
# **What you implement** (graded, each followed by a test cell):
# 1. `batchnorm_forward` in train mode (batch statistics) and in test mode (running averages), with
#    the running averages kept in `bn_param`;
# 2. `batchnorm_backward` by the computational graph, and `batchnorm_backward_alt`, the simplified
#    formula;
# 3. `spatial_batchnorm_forward/backward` for images of shape (N, C, H, W);
# 4. `layernorm_forward/backward`, which normalizes each example instead of each feature.
#
# Then five experiments (not graded) and three written questions (graded by hand).
#
# ## The forward pass in train mode
# The input is a minibatch `x` of shape (N, D): N examples, D features (the outputs of an affine
# layer). For each feature $j$, batchnorm computes the mean and the variance **over the batch**,
#
# $$\mu_j = \frac{1}{N}\sum_{n=1}^N x_{nj}, \qquad \sigma_j^2 = \frac{1}{N}\sum_{n=1}^N (x_{nj} - \mu_j)^2,$$
#
# standardizes, and applies a learned scale $\gamma_j$ and shift $\beta_j$:
#
# $$\hat x_{nj} = \frac{x_{nj} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}}, \qquad y_{nj} = \gamma_j \hat x_{nj} + \beta_j.$$
#
# - The variance is the **biased** one, dividing by $N$ (what `np.var` computes by default), not by
#   $N-1$: it is the variance of the numbers in the batch, which is what makes $\hat x$ have variance
#   exactly $\sigma^2/(\sigma^2+\epsilon) \approx 1$.
# - $\epsilon$ (default $10^{-5}$) goes **inside** the square root. It keeps the division finite when
#   a feature is constant over the batch ($\sigma^2 = 0$, e.g. a dead ReLU below); $\sqrt{\sigma^2} +
#   \epsilon$ is a different function, with a different gradient.
# - So every feature of `y` has mean $\beta_j$ and standard deviation (almost exactly) $\gamma_j$.
#
# **Why $\gamma$ and $\beta$?** Forcing mean 0 and variance 1 could take away what the layer needs: a
# sigmoid fed unit-variance inputs only ever sees its almost linear middle part. With $\gamma_j =
# \sqrt{\sigma_j^2 + \epsilon}$ and $\beta_j = \mu_j$ the layer gives back its input unchanged, so
# batchnorm costs no expressive power: the network *learns* which scale and shift each feature should
# have, and only the fragile dependence on all the weights below is gone. (The bias $b$ of the affine
# layer before batchnorm becomes useless: subtracting the mean removes it, and $\beta$ does its job.)
#
# **Where it goes:** `affine - batchnorm - ReLU`, in every hidden layer, as in
# `cs231n_utils.model.FullyConnectedNet(..., normalization=(batchnorm_forward, batchnorm_backward))`.
#
# **Why it helps.** Multiply the weights of the affine layer by any $a > 0$: $x$ becomes $a x$, $\mu$
# becomes $a\mu$, $\sigma$ becomes $a\sigma$, and $\hat x$ does not change (up to $\epsilon$). The
# forward pass no longer cares about the scale of the weights, so a poor initialization cannot make
# the activations vanish or explode, and gradients keep a useful size through many layers. As a side
# effect the statistics of a minibatch are noisy, which acts as a mild regularizer.
#
# ## Test mode: running averages
# At test time a prediction must depend on its own input only, not on the other examples it happens
# to be batched with (and a single example has no variance at all). So batchnorm keeps estimates of
# the mean and variance of each feature over the whole training set: **exponential running averages**
# of the batch statistics, updated at every training step,
#
# $$\text{running\_mean} \leftarrow m \cdot \text{running\_mean} + (1 - m)\,\mu, \qquad
# \text{running\_var} \leftarrow m \cdot \text{running\_var} + (1 - m)\,\sigma^2,$$
#
# with the momentum $m$ (default 0.9) on the **old** value: each step moves the average 10% of the
# way towards the new batch. In test mode the layer computes $y = \gamma\,(x - \text{running\_mean}) /
# \sqrt{\text{running\_var} + \epsilon} + \beta$ and changes nothing.
#
# The course keeps all of this in a dict `bn_param`, one per layer, that the layer reads and
# **updates in place** (the caller keeps the same dict from step to step):
#
# | key | meaning |
# | --- | --- |
# | `'mode'` | `'train'` or `'test'`; anything else is a mistake and raises a `ValueError` naming it |
# | `'eps'` | $\epsilon$, default `1e-5` |
# | `'momentum'` | $m$, default `0.9`, in $[0, 1]$ |
# | `'running_mean'`, `'running_var'` | shape (D,); if absent they are created as zeros and ones, in either mode |
#
# Creating absent running averages in test mode too means an untrained layer has mean 0 and
# variance 1 as its estimates, i.e. it computes $\gamma x/\sqrt{1+\epsilon} + \beta$ instead of failing.
# (PyTorch's `momentum=0.1` is our $1 - m$, and PyTorch stores the unbiased variance in `running_var`;
# with batches of more than a few dozen examples the difference is negligible.)
#
# ## The backward pass by the computational graph
# Write the forward pass as a chain of simple steps (sums over the batch, axis 0):
#
# $$\mu = \tfrac1N \textstyle\sum_n x_n,\quad x_c = x - \mu,\quad \sigma^2 = \tfrac1N \sum_n x_{c,n}^2,\quad
# s = (\sigma^2 + \epsilon)^{-1/2},\quad \hat x = x_c\, s,\quad y = \gamma \hat x + \beta,$$
#
# and walk back through it, each step multiplying by its local derivative and **summing over
# every path**:
#
# | step | gradient |
# | --- | --- |
# | $y = \gamma\hat x + \beta$ | $d\beta = \sum_n dy_n$, $\ d\gamma = \sum_n dy_n\, \hat x_n$, $\ d\hat x = dy\, \gamma$ |
# | $\hat x = x_c\, s$ | $ds = \sum_n d\hat x_n\, x_{c,n}$, and a first part of $dx_c$: $d\hat x\, s$ |
# | $s = (\sigma^2+\epsilon)^{-1/2}$ | $d\sigma^2 = -\tfrac12 (\sigma^2+\epsilon)^{-3/2}\, ds = -\tfrac12 s^3\, ds$ |
# | $\sigma^2 = \tfrac1N\sum_n x_{c,n}^2$ | the second part of $dx_c$: $\tfrac2N x_c\, d\sigma^2$ |
# | $x_c = x - \mu$ | a first part of $dx$: $dx_c$; $\ d\mu = -\sum_n dx_{c,n}$ |
# | $\mu = \tfrac1N\sum_n x_n$ | the second part of $dx$: $\tfrac1N d\mu$ (the same for every $n$) |
#
# $\gamma$ and $\beta$ are shared by all N examples, so their gradients are **sums over the batch**,
# of shape (D,). The classic mistake in $dx$ is to forget that $\mu$ and $\sigma^2$ depend on every
# $x_n$, i.e. to stop at $dx = dy\,\gamma\, s$ as if the batch statistics were constants.
#
# ## The simplified backward pass
# Substituting the steps into each other, everything collapses into one expression (per feature,
# sums over the batch):
#
# $$dx = \frac{s}{N}\Big(N\, d\hat x - \sum_n d\hat x_n - \hat x \sum_n d\hat x_n\, \hat x_n\Big),
# \qquad d\hat x = dy\,\gamma.$$
#
# It reads well: the gradient of a standardization is the incoming gradient with its mean removed and
# its component along $\hat x$ removed (shifting or scaling a feature over the batch does not change
# $\hat x$), scaled by $s = 1/\sqrt{\sigma^2+\epsilon}$. It touches fewer intermediate arrays, so it is
# usually faster (experiment 3).
#
# ## Classic mistakes
# - the unbiased variance (`np.var(x, axis=0, ddof=1)`, dividing by $N-1$): the outputs' standard
#   deviation is then slightly less than $\gamma$;
# - $\epsilon$ outside the square root, or no $\epsilon$ at all (a constant feature divides by zero);
# - the momentum on the wrong term (`0.1 * old + 0.9 * new` forgets the history at once), or the new
#   running averages computed into a local variable and never written back into `bn_param`;
# - test mode normalizing with the batch's own statistics instead of the running averages;
# - `dgamma`, `dbeta` not summed over the batch (shape (N, D) instead of (D,)), or `dx` without the
#   paths through $\mu$ and $\sigma^2$;
# - spatial batchnorm over the wrong axes, e.g. `x.reshape(-1, C)` without moving the channels last.
#
# ## Spatial batchnorm: images (N, C, H, W)
# In a convolutional network each channel is one feature computed at every position by the same
# filter, so the channel shares one $\gamma_c$, one $\beta_c$ and **one mean and variance**, taken over
# all $N \cdot H \cdot W$ values of that channel (axes 0, 2 and 3); $\gamma$, $\beta$ and the running
# averages have shape (C,). Normalizing over axis 0 only would give every pixel its own statistics.
# You can compute over `axis=(0, 2, 3)` directly, or move the channels last and reuse your batchnorm:
# `x.transpose(0, 2, 3, 1).reshape(-1, C)` (a plain `x.reshape(-1, C)` without the transpose mixes
# channels up).
#
# ## Layer normalization
# Batchnorm couples the examples of a batch: with small batches its statistics are noisy, and the
# train/test difference can hurt (experiment 4). **Layernorm** (Ba, Kiros and Hinton, 2016) normalizes
# each example over its own D features instead:
#
# $$\mu_n = \frac1D \sum_j x_{nj},\qquad \sigma_n^2 = \frac1D\sum_j (x_{nj}-\mu_n)^2,\qquad
# y_{nj} = \gamma_j \frac{x_{nj} - \mu_n}{\sqrt{\sigma_n^2 + \epsilon}} + \beta_j.$$
#
# It needs no batch and no running averages, so it computes the same thing in train and test mode,
# and it is the normalization of transformers and recurrent networks. $\gamma$ and $\beta$ still have
# one entry per feature, shape (D,), and their gradients are still sums over the batch; the backward
# pass is batchnorm's with the roles of the axes swapped.
#
# | | batchnorm | spatial batchnorm | layernorm |
# | --- | --- | --- | --- |
# | input | (N, D) | (N, C, H, W) | (N, D) |
# | statistics over | the batch, axis 0 | axes (0, 2, 3) | the features, axis 1 |
# | $\gamma$, $\beta$, running averages | (D,) | (C,) | (D,), no running averages |
# | test mode | running averages | running averages | same as train mode |

# %% kind="readonly" grade_id="imports"
import contextlib
import io
import os
import time

import numpy as np

# Under nbgrader (validate or autograde) the experiments are skipped.
GRADING = bool(os.environ.get("NBGRADER_EXECUTION"))

# %% [markdown] kind="readonly" grade_id="md-batchnorm-forward"
# ## Exercise 1: batchnorm forward, train and test mode
#
# Implement `batchnorm_forward(x, gamma, beta, bn_param)` as described above:
# - read `mode`, `eps` and `momentum` from `bn_param` (with the defaults 1e-5 and 0.9), and raise a
#   `ValueError` whose message names the bad value when the mode is neither `'train'` nor `'test'`, or
#   when the momentum is outside $[0, 1]$;
# - take `running_mean`/`running_var` from `bn_param`, or zeros/ones of shape (D,) if absent;
# - **train mode**: normalize with the batch's mean and biased variance, then store the updated running
#   averages in `bn_param['running_mean']` and `bn_param['running_var']`;
# - **test mode**: normalize with the running averages; change nothing in `bn_param`'s averages;
# - never change `x` in place; return `(out, cache)`, the cache holding what your backward passes
#   need (they are only ever called after a train-mode forward pass).
#
# Two test cells follow: the first checks train mode, the second the running averages and test mode.

# %% kind="answer" grade_id="batchnorm_forward"
def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization of a minibatch, in train or test mode.

    Inputs:
    - x: float array of shape (N, D), N examples of D features. Not modified.
    - gamma: scale, float array of shape (D,).
    - beta: shift, float array of shape (D,).
    - bn_param: dict, read and updated in place:
      - 'mode': 'train' or 'test';
      - 'eps': added to the variance inside the square root (default 1e-5);
      - 'momentum': of the running averages, in [0, 1] (default 0.9);
      - 'running_mean', 'running_var': float arrays of shape (D,); zeros and ones if absent.

    Train mode: mean and biased (1/N) variance of each feature over the batch,
    out = gamma * (x - mean) / sqrt(var + eps) + beta, and
    bn_param['running_mean'] = momentum * running_mean + (1 - momentum) * mean (same for the variance).
    Test mode: the same formula with running_mean and running_var; the averages are not changed.

    Returns (out, cache): out, float array of shape (N, D); cache: what the backward passes need.
    Raises ValueError naming the bad value if the mode is not 'train' or 'test', or the momentum is
    not in [0, 1].
    """
    # Hint: x.mean(axis=0) and x.var(axis=0) (np.var divides by N); bn_param.get(key, default) reads
    # an entry that may be absent; finish train mode with bn_param["running_mean"] = ... .
    ### BEGIN SOLUTION
    mode = bn_param.get("mode")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {mode!r}")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"bn_param['momentum'] must be in [0, 1], got {momentum!r}")
    D = x.shape[1]
    running_mean = bn_param.get("running_mean")
    running_var = bn_param.get("running_var")
    if running_mean is None:
        running_mean = np.zeros(D, dtype=x.dtype)
    if running_var is None:
        running_var = np.ones(D, dtype=x.dtype)

    if mode == "train":
        mu = x.mean(axis=0)
        xc = x - mu
        var = np.mean(xc ** 2, axis=0)
        inv_std = 1.0 / np.sqrt(var + eps)
        xhat = xc * inv_std
        out = gamma * xhat + beta
        running_mean = momentum * running_mean + (1.0 - momentum) * mu
        running_var = momentum * running_var + (1.0 - momentum) * var
        cache = (xhat, xc, inv_std, gamma)
    else:
        inv_std = 1.0 / np.sqrt(running_var + eps)
        xhat = (x - running_mean) * inv_std
        out = gamma * xhat + beta
        cache = None  # no backward pass in test mode
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache
    ### END SOLUTION


# %% kind="tests" grade_id="test_batchnorm_train" points=4
import numpy as np
from cs231n_utils.testing import check_array, check_no_warnings, passed

# every feature of the output has mean beta and standard deviation gamma
rng = np.random.default_rng(10)
N, D = 50, 4
x = rng.standard_normal((N, D)) * np.array([1.0, 5.0, 2.0, 30.0]) + np.array([0.0, -10.0, 3.0, 100.0])
gamma = np.array([1.0, 2.0, 0.5, 3.0])
beta = np.array([0.0, 1.0, -2.0, 5.0])
x_before = x.copy()
out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
check_array("out of batchnorm_forward(x, gamma, beta, {'mode': 'train'}) for x of shape (50, 4)", out, shape=(N, D))
check_array("x after batchnorm_forward(x, ...)", x, x_before, rtol=0, atol=0,
            hint="batchnorm_forward changed its input x in place (x -= mean?): compute into new arrays.")
mu, var = x.mean(axis=0), x.var(axis=0)
per_example = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
check_array("out.mean(axis=0), the mean of each feature over the batch (should be beta)", out.mean(axis=0), beta,
            rtol=1e-7, atol=1e-9,
            mistakes={"normalizing each example over its features (axis=1) instead of each feature over the "
                      "batch (axis=0)": (gamma * per_example + beta).mean(axis=0)})
check_array("out.std(axis=0), the standard deviation of each feature over the batch (should be gamma)",
            out.std(axis=0), gamma, rtol=1e-5,
            mistakes={"the unbiased variance (dividing by N - 1): batchnorm uses the variance of the batch itself, "
                      "dividing by N as np.var does": gamma * np.sqrt(var / (var * N / (N - 1) + 1e-5)),
                      "dividing by the variance instead of the standard deviation (a missing square root)":
                          gamma * np.sqrt(var) / (var + 1e-5)})

# a constant feature (variance 0): eps keeps the division finite, the output is beta
x = rng.standard_normal((8, 3))
x[:, 1] = 4.2
eps_hint = ("eps belongs inside the square root, (x - mean) / sqrt(var + eps): it keeps the division finite when "
            "a feature is constant over the batch.")
out, _ = check_no_warnings("batchnorm_forward(x, ...) with a constant feature x[:, 1] = 4.2", batchnorm_forward, x,
                           np.ones(3), np.array([0.5, -1.0, 2.0]), {"mode": "train"}, hint=eps_hint)
check_array("out[:, 1] for a constant feature x[:, 1] = 4.2 (beta[1] = -1)", out[:, 1], np.full(8, -1.0), atol=1e-6,
            hint=eps_hint)

# gamma = sqrt(var + eps) and beta = mean give back x: the identity, here with bn_param['eps'] = 0.1
eps = 0.1
x = rng.standard_normal((20, 3)) * np.array([0.3, 1.0, 0.1]) + np.array([2.0, -1.0, 0.0])
mu, var = x.mean(axis=0), x.var(axis=0)
out, _ = batchnorm_forward(x, np.sqrt(var + eps), mu, {"mode": "train", "eps": eps})
check_array("out for gamma = sqrt(var + eps), beta = mean, bn_param['eps'] = 0.1 (should give back x)", out, x,
            rtol=1e-9, atol=1e-12,
            mistakes={"eps outside the square root: divide by sqrt(var + eps), not by sqrt(var) + eps":
                          (x - mu) * np.sqrt(var + eps) / (np.sqrt(var) + eps) + mu,
                      "ignoring bn_param['eps'] (0.1 here) and using 1e-5": (x - mu) * np.sqrt(var + eps) / np.sqrt(
                          var + 1e-5) + mu,
                      "the unbiased variance (dividing by N - 1)": (x - mu) * np.sqrt(var + eps) / np.sqrt(
                          var * 20 / 19 + eps) + mu})
### BEGIN HIDDEN TESTS
# the exact formula, for other shapes and a given eps
for (N, D), eps in (((30, 7), 1e-5), ((3, 2), 0.5), ((200, 1), 1e-3)):
    x = 3 * rng.standard_normal((N, D)) + rng.uniform(-5, 5, size=D)
    gamma, beta = rng.uniform(0.5, 2.0, size=D), rng.standard_normal(D)
    mu, var = x.mean(axis=0), x.var(axis=0)
    expected = gamma * (x - mu) / np.sqrt(var + eps) + beta
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": eps})
    check_array(f"out in train mode for x of shape {x.shape}, eps = {eps}", out, expected, rtol=1e-9, atol=1e-12,
                mistakes={"eps outside the square root": gamma * (x - mu) / (np.sqrt(var) + eps) + beta,
                          "the unbiased variance (dividing by N - 1)":
                              gamma * (x - mu) / np.sqrt(var * N / (N - 1) + eps) + beta})
# train mode uses the batch statistics, whatever running averages bn_param holds
x = rng.standard_normal((10, 3))
gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.0, -0.5])
fresh, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train", "running_mean": np.full(3, 100.0),
                                            "running_var": np.full(3, 50.0)})
check_array("out in train mode with running averages 100 and 50 in bn_param", out, fresh, rtol=1e-12, atol=1e-12,
            hint="Train mode normalizes with the batch's own mean and variance; the running averages are only "
                 "updated, and used in test mode.")
# no 'eps' in bn_param: the default 1e-5, inside the square root; feature 0 has a variance of about 1e-5
x = rng.standard_normal((40, 3)) * np.array([3e-3, 1.0, 2e-4]) + np.array([1.0, 0.0, -2.0])
gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.0, -0.5])
mu, var = x.mean(axis=0), x.var(axis=0)
out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
check_array("out in train mode with no 'eps' in bn_param, for features of variance about 1e-5, 1 and 4e-8", out,
            gamma * (x - mu) / np.sqrt(var + 1e-5) + beta, rtol=1e-9, atol=1e-12,
            hint="bn_param has no 'eps' here: the default eps is 1e-5, added to the variance inside the square root.",
            mistakes={"eps outside the square root": gamma * (x - mu) / (np.sqrt(var) + 1e-5) + beta})
# a batch of one example: its variance is 0, the output is beta, without a warning
out, _ = check_no_warnings("batchnorm_forward(x, ...) for a batch of one example", batchnorm_forward,
                           rng.standard_normal((1, 3)), gamma, beta, {"mode": "train"}, hint=eps_hint)
check_array("out for a batch of one example (x - mean = 0)", out, beta[None, :], atol=1e-9, hint=eps_hint)
### END HIDDEN TESTS
passed("test_batchnorm_train")

# %% kind="tests" grade_id="test_batchnorm_test" points=3
import numpy as np
from cs231n_utils.testing import HintError, check_array, passed

rng = np.random.default_rng(11)
gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])

# one training step updates the running averages, the momentum on the old value
N = 4000
x = rng.standard_normal((N, 3)) * np.array([1.0, 3.0, 0.5]) + np.array([2.0, -1.0, 5.0])
rm0, rv0 = np.array([0.5, 0.0, -1.0]), np.array([2.0, 0.5, 1.0])
bn_param = {"mode": "train", "running_mean": rm0.copy(), "running_var": rv0.copy()}
batchnorm_forward(x, gamma, beta, bn_param)
mu, var = x.mean(axis=0), x.var(axis=0)
running_hint = ("after a train-mode pass, bn_param['running_mean'] = momentum * running_mean + (1 - momentum) * "
                "batch mean (momentum 0.9 on the OLD value), and the same for 'running_var' with the batch variance, "
                "both written back into bn_param.")
check_array("bn_param['running_mean'] after one train-mode pass (momentum 0.9)", bn_param.get("running_mean"),
            0.9 * rm0 + 0.1 * mu, rtol=1e-9, atol=1e-12, hint=running_hint,
            mistakes={"the momentum on the wrong term: 0.1 * old + 0.9 * batch mean (or a default momentum of 0.1, "
                      "PyTorch's convention: PyTorch's momentum is our 1 - m, and our default is 0.9)":
                      0.1 * rm0 + 0.9 * mu,
                      "the running averages are not written back into bn_param": rm0,
                      "the running average replaced by the batch mean": mu})
check_array("bn_param['running_var'] after one train-mode pass (momentum 0.9)", bn_param.get("running_var"),
            0.9 * rv0 + 0.1 * var, rtol=1e-4, hint=running_hint,
            mistakes={"the momentum on the wrong term: 0.1 * old + 0.9 * batch variance": 0.1 * rv0 + 0.9 * var,
                      "the running averages are not written back into bn_param": rv0,
                      "the standard deviation averaged instead of the variance": 0.9 * rv0 + 0.1 * np.sqrt(var)})

# test mode normalizes with the running averages and changes nothing
rm, rv = np.array([1.0, -2.0, 0.5]), np.array([4.0, 1.0, 2.25])
x = 2 * rng.standard_normal((5, 3))
x_before = x.copy()
bn_param = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy()}
out, _ = batchnorm_forward(x, gamma, beta, bn_param)
check_array("x after a test-mode batchnorm_forward(x, ...)", x, x_before, rtol=0, atol=0,
            hint="batchnorm_forward changed its input x in place (x -= running_mean?): compute into new arrays.")
check_array("out in test mode (running_mean = [1, -2, 0.5], running_var = [4, 1, 2.25])", out,
            gamma * (x - rm) / np.sqrt(rv + 1e-5) + beta, rtol=1e-5, atol=1e-4,
            hint="test mode computes gamma * (x - running_mean) / sqrt(running_var + eps) + beta.",
            mistakes={"test mode uses the batch statistics: it must use the running averages": gamma * (
                x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5) + beta,
                      "test mode without gamma and beta": (x - rm) / np.sqrt(rv + 1e-5)})
check_array("bn_param['running_mean'] after a test-mode pass", bn_param.get("running_mean"), rm, rtol=0, atol=0,
            hint="test mode must not update the running averages.")
check_array("bn_param['running_var'] after a test-mode pass", bn_param.get("running_var"), rv, rtol=0, atol=0,
            hint="test mode must not update the running averages.")
one, _ = batchnorm_forward(x[:1], gamma, beta, bn_param)
check_array("test-mode out for the example x[:1] alone", one, out[:1], rtol=1e-12, atol=1e-12,
            hint="in test mode an example's output must not depend on the rest of the batch.")

# no running averages yet: test mode uses mean 0 and variance 1
x = rng.standard_normal((4, 3))
try:
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "test"})
except KeyError as exc:
    raise HintError(f"batchnorm_forward(x, gamma, beta, {{'mode': 'test'}}) raised KeyError {exc}: when bn_param has "
                    "no running averages yet (they are absent), create them as zeros (mean) and ones (variance) of "
                    "shape (D,), in either mode.") from None
check_array("out in test mode when bn_param has no running averages (mean 0, variance 1)", out,
            gamma * x / np.sqrt(1 + 1e-5) + beta, rtol=1e-5, atol=1e-4,
            hint="absent running averages are zeros (mean) and ones (variance).")

# after many training batches, the running averages match the data's statistics
pool = rng.standard_normal((2000, 3)) * np.array([0.5, 2.0, 10.0]) + np.array([-3.0, 0.0, 5.0])
bn_param = {"mode": "train"}
for step in range(100):
    batchnorm_forward(pool[rng.choice(2000, size=200, replace=False)], gamma, beta, bn_param)
m, s = pool.mean(axis=0), pool.std(axis=0)
check_array("(running_mean - data mean) / data std after 100 training batches", (bn_param["running_mean"] - m) / s,
            np.zeros(3), atol=0.1, hint=running_hint)
check_array("running_var / data variance after 100 training batches", bn_param["running_var"] / s ** 2, np.ones(3),
            rtol=0.05, hint=running_hint)
bn_param["mode"] = "test"
out, _ = batchnorm_forward(pool, gamma, beta, bn_param)
check_array("(test-mode out.mean(axis=0) - beta) / gamma on the data", (out.mean(axis=0) - beta) / gamma, np.zeros(3),
            atol=0.1)
check_array("test-mode out.std(axis=0) on the data (about gamma)", out.std(axis=0), gamma, rtol=0.05)
### BEGIN HIDDEN TESTS
# the momentum comes from bn_param
x = rng.standard_normal((3000, 2)) + np.array([1.0, -1.0])
rm0, rv0 = np.array([0.0, 2.0]), np.array([3.0, 0.2])
bn_param = {"mode": "train", "momentum": 0.8, "running_mean": rm0.copy(), "running_var": rv0.copy()}
batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
check_array("bn_param['running_mean'] after one train-mode pass with momentum 0.8", bn_param["running_mean"],
            0.8 * rm0 + 0.2 * x.mean(axis=0), rtol=1e-9, atol=1e-12,
            mistakes={"a fixed momentum 0.9 instead of bn_param['momentum']": 0.9 * rm0 + 0.1 * x.mean(axis=0),
                      "the momentum on the wrong term": 0.2 * rm0 + 0.8 * x.mean(axis=0)})
# absent running averages in train mode start from zeros and ones
x = rng.standard_normal((3000, 2)) * 2 + 1
bn_param = {"mode": "train"}
batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
check_array("bn_param['running_mean'] after one train-mode pass from no running averages",
            bn_param.get("running_mean"), 0.1 * x.mean(axis=0), rtol=1e-9, atol=1e-12,
            hint="absent running averages start as zeros (mean) and ones (variance), then get updated.")
check_array("bn_param['running_var'] after one train-mode pass from no running averages",
            bn_param.get("running_var"), 0.9 + 0.1 * x.var(axis=0), rtol=1e-4,
            hint="absent running averages start as zeros (mean) and ones (variance), then get updated.")
# test mode with tiny running variances and a large eps: eps inside the square root there too
x = rng.standard_normal((5, 3))
x_before = x.copy()
rm, rv = np.array([0.2, -0.1, 0.0]), np.array([1e-4, 0.01, 1.0])
bn_param = {"mode": "test", "eps": 0.1, "running_mean": rm.copy(), "running_var": rv.copy()}
out, _ = batchnorm_forward(x, gamma, beta, bn_param)
check_array("x after a test-mode batchnorm_forward(x, ...)", x, x_before, rtol=0, atol=0,
            hint="batchnorm_forward changed its input x in place: compute into new arrays.")
check_array("out in test mode with running_var = [1e-4, 0.01, 1] and bn_param['eps'] = 0.1", out,
            gamma * (x - rm) / np.sqrt(rv + 0.1) + beta, rtol=1e-9, atol=1e-12,
            hint="test mode computes gamma * (x - running_mean) / sqrt(running_var + eps) + beta.",
            mistakes={"eps outside the square root in test mode: divide by sqrt(running_var + eps)":
                      gamma * (x - rm) / (np.sqrt(rv) + 0.1) + beta,
                      "test mode ignoring bn_param['eps'] (0.1 here)": gamma * (x - rm) / np.sqrt(rv + 1e-5) + beta})
check_array("bn_param['running_var'] after a test-mode pass", bn_param.get("running_var"), rv, rtol=0, atol=0,
            hint="test mode must not update the running averages.")
### END HIDDEN TESTS
passed("test_batchnorm_test")

# %% kind="tests" grade_id="test_batchnorm_args" points=1
import numpy as np
from cs231n_utils.testing import HintError, check_raises, passed

# a bad mode or momentum is refused with a ValueError naming the value; momentum 0 and 1 are allowed
rng = np.random.default_rng(16)
x = rng.standard_normal((6, 3))
gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])
for mode in ("eval", "Test"):
    check_raises(ValueError, batchnorm_forward, x, gamma, beta, {"mode": mode}, must_mention=mode,
                 what=f"bn_param['mode'] = {mode!r}")
for momentum in (1.5, -0.1):
    check_raises(ValueError, batchnorm_forward, x, gamma, beta, {"mode": "train", "momentum": momentum},
                 must_mention=str(momentum), what=f"bn_param['momentum'] = {momentum}")
for momentum in (0.0, 1.0):
    try:
        batchnorm_forward(x, gamma, beta, {"mode": "train", "momentum": momentum})
    except ValueError as exc:
        raise HintError(f"batchnorm_forward refused bn_param['momentum'] = {momentum} ({exc}): the momentum may be "
                        "anything in [0, 1], both ends included (1 keeps the running averages, 0 replaces them by the "
                        "batch statistics).") from None
passed("test_batchnorm_args")

# %% [markdown] kind="readonly" grade_id="md-batchnorm-backward"
# ## Exercise 2: batchnorm backward by the computational graph
#
# Implement `batchnorm_backward(dout, cache)` step by step, following the table "The backward pass by
# the computational graph" above: one line per step of the forward pass, from `y` back to `x`. It
# returns `(dx, dgamma, dbeta)`; `dgamma` and `dbeta` have shape (D,). It is only called after a
# train-mode forward pass. The test compares it with the numerical gradient of **your**
# `batchnorm_forward` (notebook 01), so the cache is yours to design.

# %% kind="answer" grade_id="batchnorm_backward"
def batchnorm_backward(dout, cache):
    """Backward pass of batchnorm_forward in train mode, step by step through the computational graph.

    Inputs:
    - dout: upstream gradient dL/dout, float array of shape (N, D).
    - cache: from batchnorm_forward in train mode.
    Neither dout nor the cache is modified.

    Returns (dx, dgamma, dbeta): dx of shape (N, D); dgamma and dbeta of shape (D,), summed over the batch.
    """
    # Hint: mean and variance depend on every x[n, d], so dx collects the paths through x_hat, through
    # the variance and through the mean; np.sum(..., axis=0) sums over the batch.
    ### BEGIN SOLUTION
    xhat, xc, inv_std, gamma = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dinv_std = np.sum(dxhat * xc, axis=0)         # xhat = xc * inv_std
    dvar = -0.5 * inv_std ** 3 * dinv_std          # inv_std = (var + eps) ** -0.5
    dxc = dxhat * inv_std + 2.0 * xc * dvar / N    # var = mean(xc ** 2)
    dmu = -np.sum(dxc, axis=0)                     # xc = x - mu
    dx = dxc + dmu / N                             # mu = mean(x)
    return dx, dgamma, dbeta
    ### END SOLUTION


# %% kind="tests" grade_id="test_batchnorm_backward" points=4
import numpy as np
from cs231n_utils.testing import check_array, check_backward, passed

bn_hints = {"dx": "the mean and the variance depend on every x[n, d]: dx needs the paths through the mean and "
                  "the variance too, not only dout * gamma / sqrt(var + eps) (see the table in the lesson).",
            "dgamma": "dgamma = sum over the batch (axis 0) of dout * x_hat, shape (D,).",
            "dbeta": "dbeta = sum over the batch (axis 0) of dout, shape (D,)."}
rng = np.random.default_rng(12)
check_backward(batchnorm_forward, batchnorm_backward,
               {"x": 2 * rng.standard_normal((5, 4)) + 1, "gamma": rng.uniform(0.5, 2.0, size=4),
                "beta": rng.standard_normal(4), "bn_param": {"mode": "train"}}, hints=bn_hints)
### BEGIN HIDDEN TESTS
# other shapes, a given eps, a batch of two
check_backward(batchnorm_forward, batchnorm_backward,
               {"x": 5 * rng.standard_normal((12, 3)) - 2, "gamma": rng.uniform(-2.0, 2.0, size=3),
                "beta": rng.standard_normal(3), "bn_param": {"mode": "train", "eps": 0.3}}, hints=bn_hints)
check_backward(batchnorm_forward, batchnorm_backward,
               {"x": rng.standard_normal((2, 6)), "gamma": rng.uniform(0.5, 2.0, size=6),
                "beta": rng.standard_normal(6), "bn_param": {"mode": "train", "eps": 0.1}}, hints=bn_hints)
# neither dout nor the cache is changed
x = rng.standard_normal((6, 3))
dout = rng.standard_normal((6, 3))
dout_before = dout.copy()
_, cache = batchnorm_forward(x, np.array([0.5, 2.0, -1.5]), np.zeros(3), {"mode": "train"})
first = batchnorm_backward(dout, cache)
check_array("dout after batchnorm_backward(dout, cache)", dout, dout_before, rtol=0, atol=0,
            hint="batchnorm_backward changed dout in place: compute into new arrays.")
second = batchnorm_backward(dout, cache)
check_array("dout after a second batchnorm_backward(dout, cache)", dout, dout_before, rtol=0, atol=0,
            hint="batchnorm_backward changed dout in place: compute into new arrays.")
check_array("dx of a second batchnorm_backward with the same cache", second[0], first[0], rtol=1e-12, atol=0,
            hint="batchnorm_backward changed its cache in place: compute into new arrays.")
### END HIDDEN TESTS
passed("test_batchnorm_backward")

# %% [markdown] kind="readonly" grade_id="md-batchnorm-backward-alt"
# ## Exercise 3: the simplified backward pass
#
# Implement `batchnorm_backward_alt(dout, cache)` with the one-expression formula of "The simplified
# backward pass" for `dx` (same cache, same return values as `batchnorm_backward`). It must give the
# same gradients; experiment 3 times the two.

# %% kind="answer" grade_id="batchnorm_backward_alt"
def batchnorm_backward_alt(dout, cache):
    """Backward pass of batchnorm_forward in train mode, with the simplified formula for dx.

    Inputs:
    - dout: upstream gradient, float array of shape (N, D).
    - cache: from batchnorm_forward in train mode.
    Neither dout nor the cache is modified.

    Returns (dx, dgamma, dbeta), as batchnorm_backward:
    dx = s / N * (N * dxhat - sum_n dxhat - xhat * sum_n(dxhat * xhat)) with dxhat = dout * gamma and
    s = 1 / sqrt(var + eps), the sums over the batch (axis 0).
    """
    # Hint: keepdims is not needed: a (D,) sum broadcasts against (N, D) arrays row by row.
    ### BEGIN SOLUTION
    xhat, _, inv_std, gamma = cache
    N = dout.shape[0]
    dxhat = dout * gamma
    dx = inv_std / N * (N * dxhat - dxhat.sum(axis=0) - xhat * np.sum(dxhat * xhat, axis=0))
    return dx, np.sum(dout * xhat, axis=0), dout.sum(axis=0)
    ### END SOLUTION


# %% kind="tests" grade_id="test_batchnorm_backward_alt" points=2
import numpy as np
from cs231n_utils.testing import check_array, check_backward, passed

alt_hints = {"dx": "dx = s / N * (N * dxhat - sum(dxhat) - x_hat * sum(dxhat * x_hat)) with dxhat = dout * gamma, "
                   "s = 1 / sqrt(var + eps) and the sums over the batch (axis 0).",
             "dgamma": "dgamma = sum over the batch (axis 0) of dout * x_hat, shape (D,).",
             "dbeta": "dbeta = sum over the batch (axis 0) of dout, shape (D,)."}
rng = np.random.default_rng(13)
check_backward(batchnorm_forward, batchnorm_backward_alt,
               {"x": 2 * rng.standard_normal((5, 4)) + 1, "gamma": rng.uniform(0.5, 2.0, size=4),
                "beta": rng.standard_normal(4), "bn_param": {"mode": "train"}}, hints=alt_hints)
### BEGIN HIDDEN TESTS
check_backward(batchnorm_forward, batchnorm_backward_alt,
               {"x": 5 * rng.standard_normal((12, 3)) - 2, "gamma": rng.uniform(-2.0, 2.0, size=3),
                "beta": rng.standard_normal(3), "bn_param": {"mode": "train", "eps": 0.3}}, hints=alt_hints)
check_backward(batchnorm_forward, batchnorm_backward_alt,
               {"x": rng.standard_normal((2, 6)), "gamma": rng.uniform(0.5, 2.0, size=6),
                "beta": rng.standard_normal(6), "bn_param": {"mode": "train", "eps": 0.1}}, hints=alt_hints)
# neither dout nor the cache is changed
x = rng.standard_normal((6, 3))
dout = rng.standard_normal((6, 3))
dout_before = dout.copy()
_, cache = batchnorm_forward(x, np.array([0.5, 2.0, -1.5]), np.zeros(3), {"mode": "train"})
first = batchnorm_backward_alt(dout, cache)
check_array("dout after batchnorm_backward_alt(dout, cache)", dout, dout_before, rtol=0, atol=0,
            hint="batchnorm_backward_alt changed dout in place: compute into new arrays.")
second = batchnorm_backward_alt(dout, cache)
check_array("dout after a second batchnorm_backward_alt(dout, cache)", dout, dout_before, rtol=0, atol=0,
            hint="batchnorm_backward_alt changed dout in place: compute into new arrays.")
check_array("dx of a second batchnorm_backward_alt with the same cache", second[0], first[0], rtol=1e-12, atol=0,
            hint="batchnorm_backward_alt changed its cache in place: compute into new arrays.")
### END HIDDEN TESTS
passed("test_batchnorm_backward_alt")

# %% [markdown] kind="readonly" grade_id="md-spatial"
# ## Exercise 4: spatial batchnorm
#
# Implement `spatial_batchnorm_forward(x, gamma, beta, bn_param)` for `x` of shape (N, C, H, W) and
# its backward pass: one mean and one variance per **channel**, over axes (0, 2, 3); `gamma`, `beta`
# and the running averages have shape (C,); `bn_param` works exactly as in `batchnorm_forward`
# (mode, eps, momentum, running averages created if absent, a `ValueError` for a bad mode or momentum,
# `x` never changed in place). You may
# compute directly with `axis=(0, 2, 3)` and `keepdims=True`, or reshape and call your batchnorm
# functions.

# %% kind="answer" grade_id="spatial_batchnorm"
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Spatial batch normalization: one mean and variance per channel, over the batch and all positions.

    Inputs:
    - x: float array of shape (N, C, H, W). Not modified.
    - gamma, beta: float arrays of shape (C,).
    - bn_param: dict as for batchnorm_forward, updated in place: 'mode'; 'eps' (default 1e-5, inside
      the square root); 'momentum' (default 0.9, in [0, 1]); 'running_mean' and 'running_var' of shape
      (C,), zeros and ones if absent (in either mode), updated in train mode only.

    Train mode: per channel, the mean and biased variance over axes (0, 2, 3) normalize x, and the
    running averages are updated as in batchnorm_forward. Test mode: the running averages normalize x.
    Returns (out, cache): out of shape (N, C, H, W); cache for spatial_batchnorm_backward.
    Raises ValueError naming the bad value if the mode is not 'train' or 'test', or the momentum is
    not in [0, 1].
    """
    # Hint: statistics over axis=(0, 2, 3); reshape (C,) arrays to (1, C, 1, 1) to broadcast.
    ### BEGIN SOLUTION
    mode = bn_param.get("mode")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {mode!r}")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"bn_param['momentum'] must be in [0, 1], got {momentum!r}")
    C = x.shape[1]
    running_mean = bn_param.get("running_mean")
    running_var = bn_param.get("running_var")
    if running_mean is None:
        running_mean = np.zeros(C, dtype=x.dtype)
    if running_var is None:
        running_var = np.ones(C, dtype=x.dtype)

    def per_channel(v):
        return np.reshape(v, (1, C, 1, 1))

    if mode == "train":
        mu = x.mean(axis=(0, 2, 3))
        xc = x - per_channel(mu)
        var = np.mean(xc ** 2, axis=(0, 2, 3))
        inv_std = per_channel(1.0 / np.sqrt(var + eps))
        xhat = xc * inv_std
        running_mean = momentum * running_mean + (1.0 - momentum) * mu
        running_var = momentum * running_var + (1.0 - momentum) * var
        cache = (xhat, inv_std, per_channel(gamma))
    else:
        inv_std = per_channel(1.0 / np.sqrt(running_var + eps))
        xhat = (x - per_channel(running_mean)) * inv_std
        cache = None
    out = per_channel(gamma) * xhat + per_channel(beta)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache
    ### END SOLUTION


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial_batchnorm_forward in train mode.

    Inputs:
    - dout: upstream gradient, float array of shape (N, C, H, W).
    - cache: from spatial_batchnorm_forward in train mode.
    Neither dout nor the cache is modified.

    Returns (dx, dgamma, dbeta): dx of shape (N, C, H, W); dgamma and dbeta of shape (C,), summed
    over axes (0, 2, 3).
    """
    # Hint: batchnorm's backward pass with M = N * H * W values per channel and sums over (0, 2, 3).
    ### BEGIN SOLUTION
    xhat, inv_std, gamma = cache
    axes = (0, 2, 3)
    M = dout.shape[0] * dout.shape[2] * dout.shape[3]
    dxhat = dout * gamma
    dx = inv_std / M * (M * dxhat - dxhat.sum(axis=axes, keepdims=True)
                        - xhat * np.sum(dxhat * xhat, axis=axes, keepdims=True))
    return dx, np.sum(dout * xhat, axis=axes), dout.sum(axis=axes)
    ### END SOLUTION


# %% kind="tests" grade_id="test_spatial_batchnorm" points=3
import numpy as np
from cs231n_utils.testing import HintError, check_array, check_backward, passed

rng = np.random.default_rng(14)
N, C, H, W = 4, 3, 5, 6
x = rng.standard_normal((N, C, H, W)) * np.array([1.0, 4.0, 2.0])[None, :, None, None] \
    + np.array([0.0, 5.0, -3.0])[None, :, None, None]
gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])
g4, b4 = gamma[None, :, None, None], beta[None, :, None, None]
x_before = x.copy()
out, _ = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
check_array("x after spatial_batchnorm_forward(x, ...)", x, x_before, rtol=0, atol=0,
            hint="spatial_batchnorm_forward changed its input x in place (x -= mean?): compute into new arrays.")
check_array("out of spatial_batchnorm_forward for x of shape (4, 3, 5, 6)", out, shape=x.shape)
check_array("out.mean(axis=(0, 2, 3)), the mean of each channel (should be beta)", out.mean(axis=(0, 2, 3)), beta,
            rtol=1e-7, atol=1e-9, hint="x.reshape(-1, C) without first moving the channels last mixes the channels "
                                       "up: transpose to (N, H, W, C) first, or compute over axis=(0, 2, 3).")
check_array("out.std(axis=(0, 2, 3)), the standard deviation of each channel (should be gamma)",
            out.std(axis=(0, 2, 3)), gamma, rtol=1e-5)


def standardize(z, axis):
    return (z - z.mean(axis=axis, keepdims=True)) / np.sqrt(z.var(axis=axis, keepdims=True) + 1e-5)


check_array("out in train mode", out, g4 * standardize(x, (0, 2, 3)) + b4, rtol=1e-7, atol=1e-9,
            hint="out = gamma * (x - mean_c) / sqrt(var_c + eps) + beta with each channel's mean and biased variance "
                 "over axes (0, 2, 3); bn_param has no 'eps' here: the default eps is 1e-5.",
            mistakes={"each (c, h, w) position normalized over the batch only (axis 0): spatial batchnorm pools each "
                      "channel over axes (0, 2, 3)": g4 * standardize(x, 0) + b4,
                      "each example and channel normalized over (2, 3) (instance norm): include the batch axis 0":
                          g4 * standardize(x, (2, 3)) + b4})
bn_param = {"mode": "train"}
spatial_batchnorm_forward(x, gamma, beta, bn_param)
check_array("bn_param['running_mean'] after one train-mode pass", bn_param.get("running_mean"),
            0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-9, atol=1e-12,
            hint="one running mean per channel, shape (C,): 0.9 * zeros + 0.1 * the channel means.",
            mistakes={"a default momentum of 0.1 (PyTorch's convention): our default is 0.9":
                      0.9 * x.mean(axis=(0, 2, 3))})
check_array("bn_param['running_var'] after one train-mode pass", bn_param.get("running_var"),
            0.9 + 0.1 * x.var(axis=(0, 2, 3)), rtol=1e-9, atol=1e-12,
            hint="one running variance per channel, shape (C,): 0.9 * ones + 0.1 * the channel variances.")

# test mode uses the running averages and changes nothing
rm, rv = np.array([1.0, -2.0, 0.5]), np.array([4.0, 1.0, 2.25])
x = rng.standard_normal((2, 3, 4, 4))
x_before = x.copy()
bn_param = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy()}
out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
check_array("x after a test-mode spatial_batchnorm_forward(x, ...)", x, x_before, rtol=0, atol=0,
            hint="spatial_batchnorm_forward changed its input x in place: compute into new arrays.")
check_array("out in test mode", out, g4 * (x - rm[None, :, None, None]) / np.sqrt(rv[None, :, None, None] + 1e-5) + b4,
            rtol=1e-5, mistakes={"test mode uses the batch statistics: it must use the running averages":
                                     g4 * standardize(x, (0, 2, 3)) + b4})
for key, value in (("running_mean", rm), ("running_var", rv)):
    check_array(f"bn_param[{key!r}] after a test-mode pass", bn_param.get(key), value, rtol=0, atol=0,
                hint="test mode must not update the running averages.")

sp_hints = {"dx": "batchnorm's dx per channel, with M = N * H * W values and the sums over axes (0, 2, 3).",
            "dgamma": "dgamma = sum of dout * x_hat over axes (0, 2, 3), shape (C,).",
            "dbeta": "dbeta = sum of dout over axes (0, 2, 3), shape (C,)."}
check_backward(spatial_batchnorm_forward, spatial_batchnorm_backward,
               {"x": 2 * rng.standard_normal((2, 3, 4, 5)) + 1, "gamma": rng.uniform(0.5, 2.0, size=3),
                "beta": rng.standard_normal(3), "bn_param": {"mode": "train"}}, hints=sp_hints)
### BEGIN HIDDEN TESTS
# no running averages yet: test mode uses mean 0 and variance 1
x = rng.standard_normal((2, 3, 2, 2))
try:
    out, _ = spatial_batchnorm_forward(x, gamma, beta, {"mode": "test"})
except KeyError as exc:
    raise HintError(f"spatial_batchnorm_forward(x, gamma, beta, {{'mode': 'test'}}) raised KeyError {exc}: when "
                    "bn_param has no running averages yet (they are absent), create them as zeros (mean) and ones "
                    "(variance) of shape (C,), in either mode.") from None
check_array("out in test mode when bn_param has no running averages (mean 0, variance 1)", out,
            g4 * x / np.sqrt(1 + 1e-5) + b4, rtol=1e-7, atol=1e-9,
            hint="absent running averages are zeros (mean) and ones (variance).")
# the momentum comes from bn_param
x = rng.standard_normal((3, 2, 4, 4)) + np.array([1.0, -2.0])[None, :, None, None]
rm0, rv0 = np.array([0.5, 0.5]), np.array([2.0, 3.0])
bn_param = {"mode": "train", "momentum": 0.7, "running_mean": rm0.copy(), "running_var": rv0.copy()}
spatial_batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
check_array("bn_param['running_mean'] after one train-mode pass with momentum 0.7", bn_param.get("running_mean"),
            0.7 * rm0 + 0.3 * x.mean(axis=(0, 2, 3)), rtol=1e-9, atol=1e-12,
            mistakes={"a fixed momentum 0.9 instead of bn_param['momentum']": 0.9 * rm0 + 0.1 * x.mean(axis=(0, 2, 3))})
# another shape, a given eps; H = W = 1 is plain batchnorm
x = 3 * rng.standard_normal((3, 2, 2, 7)) - 1
out, _ = spatial_batchnorm_forward(x, np.array([2.0, 0.5]), np.array([1.0, -1.0]), {"mode": "train", "eps": 0.2})
mu, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
g2, b2 = np.array([2.0, 0.5])[None, :, None, None], np.array([1.0, -1.0])[None, :, None, None]
check_array("out in train mode for x of shape (3, 2, 2, 7), eps = 0.2", out, g2 * (x - mu) / np.sqrt(var + 0.2) + b2,
            rtol=1e-9, atol=1e-12,
            mistakes={"ignoring bn_param['eps'] (0.2 here) and using 1e-5": g2 * (x - mu) / np.sqrt(var + 1e-5) + b2,
                      "eps outside the square root": g2 * (x - mu) / (np.sqrt(var) + 0.2) + b2})
x = rng.standard_normal((10, 4, 1, 1))
out, _ = spatial_batchnorm_forward(x, np.ones(4), np.zeros(4), {"mode": "train"})
check_array("out for x of shape (10, 4, 1, 1) (plain batchnorm)", out, standardize(x, 0), rtol=1e-9, atol=1e-12,
            hint="bn_param has no 'eps' here: the default eps is 1e-5.")
check_backward(spatial_batchnorm_forward, spatial_batchnorm_backward,
               {"x": rng.standard_normal((3, 2, 3, 2)), "gamma": rng.uniform(-2.0, 2.0, size=2),
                "beta": rng.standard_normal(2), "bn_param": {"mode": "train", "eps": 0.1}}, hints=sp_hints)
# neither dout nor the cache is changed
x = rng.standard_normal((2, 3, 2, 2))
dout = rng.standard_normal((2, 3, 2, 2))
dout_before = dout.copy()
_, cache = spatial_batchnorm_forward(x, np.array([0.5, 2.0, -1.5]), np.zeros(3), {"mode": "train"})
first = spatial_batchnorm_backward(dout, cache)
check_array("dout after spatial_batchnorm_backward(dout, cache)", dout, dout_before, rtol=0, atol=0,
            hint="spatial_batchnorm_backward changed dout in place: compute into new arrays.")
second = spatial_batchnorm_backward(dout, cache)
check_array("dout after a second spatial_batchnorm_backward(dout, cache)", dout, dout_before, rtol=0, atol=0,
            hint="spatial_batchnorm_backward changed dout in place: compute into new arrays.")
check_array("dx of a second spatial_batchnorm_backward with the same cache", second[0], first[0], rtol=1e-12, atol=0,
            hint="spatial_batchnorm_backward changed its cache in place: compute into new arrays.")
### END HIDDEN TESTS
passed("test_spatial_batchnorm")

# %% kind="tests" grade_id="test_spatial_batchnorm_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

# a bad mode or momentum is refused with a ValueError naming the value
rng = np.random.default_rng(17)
x = rng.standard_normal((2, 3, 2, 2))
gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])
for mode in ("eval", "Test"):
    check_raises(ValueError, spatial_batchnorm_forward, x, gamma, beta, {"mode": mode}, must_mention=mode,
                 what=f"bn_param['mode'] = {mode!r}")
for momentum in (1.5, -0.1):
    check_raises(ValueError, spatial_batchnorm_forward, x, gamma, beta, {"mode": "train", "momentum": momentum},
                 must_mention=str(momentum), what=f"bn_param['momentum'] = {momentum}")
passed("test_spatial_batchnorm_args")

# %% [markdown] kind="readonly" grade_id="md-layernorm"
# ## Exercise 5: layer normalization
#
# Implement `layernorm_forward(x, gamma, beta, ln_param)` and `layernorm_backward(dout, cache)`:
# each example (row) is normalized over its D features with its own mean and biased variance, then
# scaled by `gamma` and shifted by `beta` (shape (D,)). `ln_param` may hold `'eps'` (default 1e-5);
# ignore any other key: a `FullyConnectedNet` hands it the same dict as to batchnorm, with a mode and
# running averages, but layernorm computes the same thing in both modes and keeps no statistics.
# `dgamma` and `dbeta` are still sums over the batch.

# %% kind="answer" grade_id="layernorm"
def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalization: each example normalized over its own features.

    Inputs:
    - x: float array of shape (N, D). Not modified.
    - gamma, beta: float arrays of shape (D,).
    - ln_param: dict; 'eps' (default 1e-5) is used, any other key ('mode', running averages) is
      ignored; nothing is written into it.

    Returns (out, cache): out = gamma * (x - mean_n) / sqrt(var_n + eps) + beta, of shape (N, D), with
    the mean and biased variance of each row; the same in train and test mode.
    """
    # Hint: axis=1 with keepdims=True gives per-example statistics of shape (N, 1).
    ### BEGIN SOLUTION
    eps = ln_param.get("eps", 1e-5)
    mu = x.mean(axis=1, keepdims=True)
    xc = x - mu
    inv_std = 1.0 / np.sqrt(np.mean(xc ** 2, axis=1, keepdims=True) + eps)
    xhat = xc * inv_std
    return gamma * xhat + beta, (xhat, inv_std, gamma)
    ### END SOLUTION


def layernorm_backward(dout, cache):
    """Backward pass of layernorm_forward.

    Inputs:
    - dout: upstream gradient, float array of shape (N, D).
    - cache: from layernorm_forward.
    Neither dout nor the cache is modified.

    Returns (dx, dgamma, dbeta): dx of shape (N, D); dgamma and dbeta of shape (D,), summed over the batch.
    """
    # Hint: batchnorm's simplified dx with the sums over the features (axis=1, keepdims=True) and D in
    # place of N; dgamma and dbeta as in batchnorm.
    ### BEGIN SOLUTION
    xhat, inv_std, gamma = cache
    D = dout.shape[1]
    dxhat = dout * gamma
    dx = inv_std / D * (D * dxhat - dxhat.sum(axis=1, keepdims=True)
                        - xhat * np.sum(dxhat * xhat, axis=1, keepdims=True))
    return dx, np.sum(dout * xhat, axis=0), dout.sum(axis=0)
    ### END SOLUTION


# %% kind="tests" grade_id="test_layernorm" points=3
import numpy as np
from cs231n_utils.testing import HintError, check_array, check_backward, check_no_warnings, passed

rng = np.random.default_rng(15)
N, D = 5, 6
x = rng.standard_normal((N, D)) * np.array([1.0, 3.0, 0.5, 10.0, 2.0])[:, None] \
    + np.array([0.0, 4.0, -2.0, 50.0, 1.0])[:, None]
x[2] *= 2  # row 2 has variance >= 1 too
x_before = x.copy()
ln_param = {}
out, _ = layernorm_forward(x, np.ones(D), np.zeros(D), ln_param)
check_array("x after layernorm_forward(x, ...)", x, x_before, rtol=0, atol=0,
            hint="layernorm_forward changed its input x in place (x -= mean?): compute into new arrays.")
if ln_param != {}:
    raise HintError(f"layernorm_forward(x, gamma, beta, ln_param) with ln_param = {{}} left ln_param = {ln_param}: "
                    "nothing is written into ln_param (read 'eps' with ln_param.get('eps', 1e-5)).")
check_array("out of layernorm_forward for x of shape (5, 6)", out, shape=(N, D))
batch_normalized = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
check_array("out.mean(axis=1), the mean of each example (gamma = 1, beta = 0)", out.mean(axis=1), np.zeros(N),
            atol=1e-9, mistakes={"normalizing each feature over the batch (axis 0), as batchnorm does: layernorm "
                                 "normalizes each example over its features (axis 1)": batch_normalized.mean(axis=1)})
var_n = x.var(axis=1)
check_array("out.std(axis=1), the standard deviation of each example (gamma = 1, beta = 0)", out.std(axis=1),
            np.ones(N), rtol=1e-5,
            mistakes={"the unbiased variance (dividing by D - 1): layernorm uses the biased variance of the row, "
                      "dividing by D as np.var does": np.sqrt(var_n / (var_n * D / (D - 1) + 1e-5))})
gamma, beta = rng.uniform(0.5, 2.0, size=D), rng.standard_normal(D)
x = 2 * rng.standard_normal((4, D)) + 1
xhat = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
out, _ = layernorm_forward(x, gamma, beta, {})
check_array("out of layernorm_forward with gamma and beta", out, gamma * xhat + beta, rtol=1e-7, atol=1e-9,
            hint="out = gamma * (x - mean_n) / sqrt(var_n + eps) + beta with each row's own mean and biased variance, "
                 "and eps = 1e-5 when ln_param has no 'eps'.")
# the same in both modes, whatever running averages the dict holds, and independent of the batch
ln_param = {"mode": "test", "running_mean": np.full(D, 3.0), "running_var": np.full(D, 9.0)}
out_test, _ = layernorm_forward(x, gamma, beta, ln_param)
check_array("out with ln_param = {'mode': 'test', running averages 3 and 9}", out_test, out, rtol=1e-12, atol=1e-12,
            hint="layernorm is the same in both modes: always the example's own statistics, no running averages.")
if sorted(ln_param) != ["mode", "running_mean", "running_var"] or ln_param["mode"] != "test" \
        or not np.array_equal(ln_param["running_mean"], np.full(D, 3.0)) \
        or not np.array_equal(ln_param["running_var"], np.full(D, 9.0)):
    raise HintError("layernorm_forward changed ln_param: nothing is written into ln_param (no eps, no running "
                    "averages); it only reads 'eps'.")
check_array("out for the example x[:1] alone", layernorm_forward(x[:1], gamma, beta, {})[0], out[:1], rtol=1e-12,
            atol=1e-12, hint="each example is normalized with its own statistics, independently of the batch.")

ln_hints = {"dx": "batchnorm's dx with the roles of the axes swapped: sums over the features (axis 1) and D "
                  "instead of N.",
            "dgamma": "dgamma = sum over the batch (axis 0) of dout * x_hat, shape (D,).",
            "dbeta": "dbeta = sum over the batch (axis 0) of dout, shape (D,)."}
check_backward(layernorm_forward, layernorm_backward,
               {"x": 2 * rng.standard_normal((4, 5)) + 1, "gamma": rng.uniform(0.5, 2.0, size=5),
                "beta": rng.standard_normal(5), "ln_param": {}}, hints=ln_hints)
### BEGIN HIDDEN TESTS
# eps from ln_param
x = rng.standard_normal((3, 4)) * 0.5
xhat = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + 0.2)
sd = np.sqrt(x.var(axis=1, keepdims=True))
check_array("out of layernorm_forward with ln_param = {'eps': 0.2}", layernorm_forward(x, np.ones(4), np.zeros(4),
                                                                                       {"eps": 0.2})[0], xhat,
            rtol=1e-9, atol=1e-12, hint="use ln_param['eps'] (default 1e-5), inside the square root.",
            mistakes={"ignoring ln_param['eps'] (0.2 here) and using 1e-5":
                      (x - x.mean(axis=1, keepdims=True)) / np.sqrt(sd ** 2 + 1e-5),
                      "eps outside the square root": (x - x.mean(axis=1, keepdims=True)) / (sd + 0.2)})
# a constant example: output beta, no warning
x = np.vstack([np.full(4, 3.0), rng.standard_normal(4)])
beta = np.array([1.0, 2.0, 3.0, 4.0])
out, _ = check_no_warnings("layernorm_forward(x, ...) with a constant example x[0] = 3", layernorm_forward, x,
                           np.ones(4), beta, {}, hint="eps inside the square root keeps the division finite.")
check_array("out[0] for a constant example x[0] = 3", out[0], beta, atol=1e-6,
            hint="eps inside the square root keeps the division finite.")
# other shapes; the mode does not matter
check_backward(layernorm_forward, layernorm_backward,
               {"x": 3 * rng.standard_normal((7, 3)), "gamma": rng.uniform(-2.0, 2.0, size=3),
                "beta": rng.standard_normal(3), "ln_param": {"mode": "train", "eps": 0.1}}, hints=ln_hints)
check_backward(layernorm_forward, layernorm_backward,
               {"x": rng.standard_normal((1, 8)), "gamma": rng.uniform(0.5, 2.0, size=8),
                "beta": rng.standard_normal(8), "ln_param": {"mode": "test"}}, hints=ln_hints)
# neither dout nor the cache is changed
x = rng.standard_normal((4, 3))
dout = rng.standard_normal((4, 3))
dout_before = dout.copy()
_, cache = layernorm_forward(x, np.array([0.5, 2.0, -1.5]), np.zeros(3), {})
first = layernorm_backward(dout, cache)
check_array("dout after layernorm_backward(dout, cache)", dout, dout_before, rtol=0, atol=0,
            hint="layernorm_backward changed dout in place: compute into new arrays.")
second = layernorm_backward(dout, cache)
check_array("dout after a second layernorm_backward(dout, cache)", dout, dout_before, rtol=0, atol=0,
            hint="layernorm_backward changed dout in place: compute into new arrays.")
check_array("dx of a second layernorm_backward with the same cache", second[0], first[0], rtol=1e-12, atol=0,
            hint="layernorm_backward changed its cache in place: compute into new arrays.")
### END HIDDEN TESTS
passed("test_layernorm")

# %% [markdown] kind="readonly" grade_id="md-experiments"
# ## Experiments
#
# The rest of the notebook uses your functions. Nothing here is graded; run it, look at each
# picture, and read the sentence under it. (Under nbgrader the training runs are skipped.)
#
# We train deep fully-connected networks on the digits (8x8 images, 10 classes, the training mean
# subtracted): 5 hidden layers of 50 units, ReLU, `affine - [batchnorm] - ReLU` in each, with
# `cs231n_utils.model.FullyConnectedNet` and `cs231n_utils.solver.Solver`. The ReLU and the update
# rule (SGD with momentum 0.9) below are provided, written out here so the notebook depends on no other
# assignment; you write your own in notebooks 02 and 07.

# %% kind="readonly" grade_id="exp-setup"
# The plots start here. matplotlib is imported here, not at the top: grading stops before
# the plots, and so does not spend time loading it.
import matplotlib.pyplot as plt

# %matplotlib inline

from cs231n_utils.data import load_digits
from cs231n_utils.model import FullyConnectedNet
from cs231n_utils.plots import plot_histogram_grid
from cs231n_utils.solver import Solver

digits = load_digits(seed=0)
train_mean = digits["X_train"].mean(axis=0)
data = {key: digits[key] - train_mean if key.startswith("X_") else digits[key]
        for key in ("X_train", "y_train", "X_val", "y_val")}


def provided_relu_forward(x):
    """Provided ReLU layer: out = max(x, 0); the cache is x."""
    return np.maximum(x, 0.0), x


def provided_relu_backward(dout, cache):
    """Provided: the gradient passes where the input was positive."""
    return dout * (cache > 0)


def momentum_update(w, dw, config=None):
    """Provided update rule: SGD with momentum, v = 0.9 v - learning_rate * dw, w = w + v."""
    config = {} if config is None else config
    velocity = config.get("momentum", 0.9) * config.get("velocity", np.zeros_like(w)) \
        - config.get("learning_rate", 1e-2) * dw
    config["velocity"] = velocity
    return w + velocity, config


def gaussian_init(scale):
    """Weights N(0, scale^2) for every layer."""
    return lambda fan_in, fan_out, rng: scale * rng.standard_normal((fan_in, fan_out))


def he_init(fan_in, fan_out, rng):
    return np.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, fan_out))


NORMS = {"plain": None, "batchnorm": (batchnorm_forward, batchnorm_backward),
         "layernorm": (layernorm_forward, layernorm_backward)}


def train_net(init, norm="plain", learning_rate=1e-2, batch_size=50, num_epochs=3, seed=0):
    """A 6-layer net trained on the digits; returns (model, solver). Divergence is reported quietly."""
    model = FullyConnectedNet([50] * 5, 64, 10, activation=(provided_relu_forward, provided_relu_backward),
                              init=init, normalization=NORMS[norm], rng=np.random.default_rng(seed))
    solver = Solver(model, data, update_rule=momentum_update, optim_config={"learning_rate": learning_rate},
                    batch_size=batch_size, num_epochs=num_epochs, num_train_samples=300, progress=False, rng=seed)
    with contextlib.redirect_stdout(io.StringIO()):  # a diverging run prints why it stopped
        solver.train()
    return model, solver


def accuracy(model, split):
    return float(np.mean(model.predict(data[f"X_{split}"]) == data[f"y_{split}"]))

# %% [markdown] kind="readonly" grade_id="md-weight-scale"
# ### 1. Weight scale: with and without batchnorm
# Every weight drawn from $\mathcal{N}(0, \text{scale}^2)$, for scales from $10^{-3}$ to 3 (He
# initialization would be about 0.2), trained for 3 epochs with learning rate 0.01. Left: the final
# accuracies. Right: the training loss at scale 0.01. Below: the activations of each hidden layer at
# initialization, at scale 0.01, without and with batchnorm.

# %% kind="readonly" grade_id="exp-weight-scale"
if GRADING:
    print("skipped under grading")
else:
    scales = np.logspace(-3, 0.5, 8)
    results = {"plain": [], "batchnorm": []}
    curves = {}
    for scale in scales:
        for norm in results:
            model, solver = train_net(gaussian_init(scale), norm)
            results[norm].append((accuracy(model, "train"), accuracy(model, "val")))
            if np.isclose(scale, 0.01):
                curves[norm] = solver.loss_history

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained")
    for norm, color in (("plain", "C0"), ("batchnorm", "C1")):
        acc = np.array(results[norm])
        ax1.semilogx(scales, acc[:, 0], "o-", color=color, label=f"{norm}, train")
        ax1.semilogx(scales, acc[:, 1], "s--", color=color, label=f"{norm}, validation")
        ax2.plot(curves[norm], color=color, label=norm)
    ax1.axhline(0.1, color="gray", ls=":", lw=1)
    ax1.set(xlabel="weight scale (std of every weight)", ylabel="accuracy after 3 epochs",
            title="Deep net vs weight\ninitialization scale", ylim=(0, 1))
    ax1.legend(fontsize=9)
    ax2.set(xlabel="iteration", ylabel="training loss", title="Training loss\nat weight scale 0.01")
    ax2.legend()
    plt.show()
    for scale, plain, bn in zip(scales, results["plain"], results["batchnorm"]):
        print(f"scale {scale:7.4f}: validation accuracy plain {plain[1]:.2f}, batchnorm {bn[1]:.2f}")

    stats = {}
    for norm in ("plain", "batchnorm"):
        model = FullyConnectedNet([50] * 5, 64, 10, activation=(provided_relu_forward, provided_relu_backward),
                                  init=gaussian_init(0.01), normalization=NORMS[norm], rng=np.random.default_rng(0))
        _, layers = model.forward_with_stats(data["X_train"][:300], mode="train")
        stats[norm] = [layer["activation"] for layer in layers]
    plot_histogram_grid(stats, bins=30, title="Hidden activations at initialization, weight scale 0.01");
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-weight-scale-notice"
# **What to notice:** the plain network learns only in a narrow band of scales, around 0.3 (He
# initialization would be about 0.2); below it the activations shrink by a constant factor at every
# layer (top row of the histograms: about 20 times per layer, so the fifth layer's outputs are some
# 100 000 times smaller than the first's) and its loss never leaves $\ln 10 \approx 2.3$; above it they
# explode. With batchnorm every layer's activations have the same healthy
# spread whatever the scale, and the network trains across the whole range; it is slower only at the
# extremes, because the gradient with respect to a weight matrix scales like $1/\text{scale}$ (the
# forward pass ignores the scale), so the effective step size changes with it.
#
# ### 2. Learning rate: with and without batchnorm
# He initialization, 3 epochs, learning rates from $3\times10^{-4}$ to 1.

# %% kind="readonly" grade_id="exp-learning-rate"
if GRADING:
    print("skipped under grading")
else:
    rates = np.logspace(-3.5, 0, 8)
    lr_results = {"plain": [], "batchnorm": []}
    for lr in rates:
        for norm in lr_results:
            model, solver = train_net(he_init, norm, learning_rate=lr)
            lr_results[norm].append(accuracy(model, "val"))
    fig, ax = plt.subplots(figsize=(6, 4))
    for norm, acc in lr_results.items():
        ax.semilogx(rates, acc, "o-", label=norm)
    ax.set(xlabel="learning rate", ylabel="validation accuracy after 3 epochs", ylim=(0, 1),
           title="Deep net vs learning rate (He initialization)")
    ax.legend()
    plt.show()
    for lr, plain, bn in zip(rates, lr_results["plain"], lr_results["batchnorm"]):
        print(f"learning rate {lr:7.4f}: validation accuracy plain {plain:.2f}, batchnorm {bn:.2f}")

# %% [markdown] kind="readonly" grade_id="md-learning-rate-notice"
# **What to notice:** with batchnorm the network learns faster at every small learning rate, and it
# keeps training well at 0.3 (and still reasonably at 1) where the plain network falls apart:
# batchnorm lets you use larger learning rates and makes the choice much less critical.
#
# ### 3. The two backward passes: same result, different speed
# Both backward passes of your batchnorm on the same cache, for a batch of 500 examples with 1000
# features, timed over several repetitions (the best of each is kept).

# %% kind="readonly" grade_id="exp-backward-speed"
rng = np.random.default_rng(0)
shape = (50, 100) if GRADING else (500, 1000)
x = 3 * rng.standard_normal(shape) + 1
dout = rng.standard_normal(shape)
_, cache = batchnorm_forward(x, rng.uniform(0.5, 2, shape[1]), rng.standard_normal(shape[1]), {"mode": "train"})
times = {}
grads = {}
for name, backward in (("graph (batchnorm_backward)", batchnorm_backward),
                       ("simplified (batchnorm_backward_alt)", batchnorm_backward_alt)):
    best = np.inf
    for repeat in range(3 if GRADING else 20):
        start = time.perf_counter()
        grads[name] = backward(dout, cache)
        best = min(best, time.perf_counter() - start)
    times[name] = best
(dx1, dg1, db1), (dx2, dg2, db2) = grads.values()
print(f"max |dx_graph - dx_simplified| / max |dx| = {np.max(np.abs(dx1 - dx2)) / np.max(np.abs(dx1)):.1e}")
for name, seconds in times.items():
    print(f"{name:38s}: {1e3 * seconds:6.2f} ms")
names = list(times)
print(f"speed-up of the simplified form: {times[names[0]] / times[names[1]]:.2f}x")
if not GRADING:
    fig, ax = plt.subplots(figsize=(6, 2.5))
    ax.barh(names, [1e3 * t for t in times.values()], color=["C0", "C1"])
    ax.set(xlabel="milliseconds (best of 20)", title=f"batchnorm backward, x of shape {shape}")
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-backward-speed-notice"
# **What to notice:** the two gradients agree to round-off (about $10^{-16}$ relative), and the
# simplified form is faster, typically by 1.5 to 3 times, because it makes fewer passes over (N, D)
# arrays; in a network the backward pass of every batchnorm layer runs at every step, so it matters.
# (If your graph version is written as compactly as the formula, the difference shrinks.)
#
# ### 4. Batch size: batchnorm needs a batch
# The same network with batchnorm, with layernorm and with neither, trained with batch sizes from 2 to
# 128 for the same number of updates (300, learning rate 0.01, He initialization).

# %% kind="readonly" grade_id="exp-batch-size"
if GRADING:
    print("skipped under grading")
else:
    batch_sizes = [2, 4, 8, 32, 128]
    bs_results = {"plain": [], "batchnorm": [], "layernorm": []}
    for batch_size in batch_sizes:
        epochs = int(np.ceil(300 * batch_size / len(data["y_train"])))
        for norm in bs_results:
            model, solver = train_net(he_init, norm, batch_size=batch_size, num_epochs=epochs)
            bs_results[norm].append(accuracy(model, "val"))
    fig, ax = plt.subplots(figsize=(6, 4))
    for norm, acc in bs_results.items():
        ax.semilogx(batch_sizes, acc, "o-", label=norm, base=2)
    ax.set(xlabel="batch size", ylabel="validation accuracy", ylim=(0, 1),
           title="Batch size, at 300 updates")
    ax.legend()
    plt.show()
    for i, batch_size in enumerate(batch_sizes):
        print(f"batch size {batch_size:3d}: " + ", ".join(f"{norm} {acc[i]:.2f}" for norm, acc in bs_results.items()))

# %% [markdown] kind="readonly" grade_id="md-batch-size-notice"
# **What to notice:** from batches of 8 on, batchnorm does as well as or better than the others; with
# tiny batches it collapses. With 2 examples per batch every normalized feature is exactly $\pm1$
# ($x_1 - \mu = -(x_2 - \mu)$), so the layer passes on only the sign of each difference, and the batch
# statistics the network learns with are far from the running averages it is tested with. Layernorm,
# which never looks at the other examples, does not care about the batch size.
#
# ### 5. Gamma and beta
# **(a) Recovering the identity.** Batchnorm can undo itself: we fit only $\gamma$ and $\beta$ by
# gradient descent (your `batchnorm_backward`) so that the output reproduces the input,
# $L = \frac{1}{2N}\sum (y - x)^2$, for 4 features with different means and standard deviations.

# %% kind="readonly" grade_id="exp-identity"
rng = np.random.default_rng(1)
true_std, true_mean = np.array([0.5, 1.0, 2.0, 3.0]), np.array([-2.0, 0.0, 1.0, 4.0])
x = rng.standard_normal((200, 4)) * true_std + true_mean
gamma, beta = np.ones(4), np.zeros(4)
path = [(gamma.copy(), beta.copy())]
for step in range(20 if GRADING else 80):
    y, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    _, dgamma, dbeta = batchnorm_backward((y - x) / len(x), cache)
    gamma, beta = gamma - 0.2 * dgamma, beta - 0.2 * dbeta
    path.append((gamma.copy(), beta.copy()))
y, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
print(f"after {len(path) - 1} steps: max |y - x| = {np.max(np.abs(y - x)):.1e}")
print("gamma =", np.round(gamma, 3), " feature std  =", np.round(x.std(axis=0), 3))
print("beta  =", np.round(beta, 3), " feature mean =", np.round(x.mean(axis=0), 3))
if not GRADING:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    for j in range(4):
        ax1.plot([p[0][j] for p in path], color=f"C{j}")
        ax1.axhline(x[:, j].std(), color=f"C{j}", ls=":")
        ax2.plot([p[1][j] for p in path], color=f"C{j}", label=f"feature {j}")
        ax2.axhline(x[:, j].mean(), color=f"C{j}", ls=":")
    ax1.set(xlabel="gradient step", ylabel="gamma", title="gamma approaches\neach feature's std (dotted)")
    ax2.set(xlabel="gradient step", ylabel="beta", title="beta approaches\neach feature's mean (dotted)")
    ax2.legend(fontsize=9)
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-identity-notice"
# **What to notice:** $\gamma$ converges to each feature's standard deviation (exactly, to
# $\sqrt{\sigma^2+\epsilon}$) and $\beta$ to its mean, and the output then equals the input (to about
# $10^{-7}$ after 80 steps; the error shrinks by a constant factor at every step): normalization takes
# nothing away that the network cannot learn back.
#
# **(b) After training.** The batchnorm network trained for 10 epochs (He initialization, learning
# rate 0.03): the learned $\gamma$ and $\beta$ of each hidden layer.

# %% kind="readonly" grade_id="exp-gamma-beta"
if GRADING:
    print("skipped under grading")
else:
    model, solver = train_net(he_init, "batchnorm", learning_rate=0.03, num_epochs=10)
    print(f"validation accuracy {accuracy(model, 'val'):.3f}")
    learned = {"gamma": [model.params[f"gamma{i}"] for i in range(1, 6)],
               "beta": [model.params[f"beta{i}"] for i in range(1, 6)]}
    plot_histogram_grid(learned, bins=15, title="Learned gamma and beta per hidden layer (init: 1 and 0)");
    plt.show()
    for i in range(1, 6):
        g, b = model.params[f"gamma{i}"], model.params[f"beta{i}"]
        print(f"layer {i}: gamma in [{g.min():.2f}, {g.max():.2f}], beta in [{b.min():.2f}, {b.max():.2f}]")

# %% [markdown] kind="readonly" grade_id="md-gamma-beta-notice"
# **What to notice:** in 10 epochs the parameters leave their initial values 1 and 0 and spread out
# by some 10%: each unit learns its own scale and offset. The largest changes are in the last hidden
# layer, whose $\gamma$ grow (mean about 1.1) and whose $\beta$ mostly turn positive, so its ReLUs fire
# more often. The network does not simply keep "mean 0, variance 1" everywhere, which is why $\gamma$
# and $\beta$ are there.
#
# ## Written questions (graded by hand)
#
# **Question 1.** In experiment 1 the plain network trains only for weight scales near 0.3, the
# batchnorm network for all of them. Explain why, using what batchnorm computes when every weight of
# the layer below is multiplied by a constant $a > 0$. Why is the batchnorm network still slower at
# very small and very large scales?

# %% [markdown] kind="manual" grade_id="q1_weight_scale" points=2
# ### BEGIN SOLUTION
# Without normalization each layer multiplies the size of its activations by roughly
# $\text{scale}\cdot\sqrt{\text{fan\_in}/2}$, so over 5 layers they shrink to nothing (small scale: the
# output is constant, the loss stays at $\ln 10$ and the gradients vanish) or blow up (large scale:
# the loss and gradients explode); only near the He scale $\sqrt{2/\text{fan\_in}}$ does the signal keep
# its size. Batchnorm divides by the batch standard deviation: with weights $aW$ the pre-activation is
# $a z$, its mean $a\mu$ and its standard deviation $a\sigma$, so $\hat x$ is unchanged (up to $\epsilon$).
# Every layer's output has a fixed spread whatever the scale, so the forward pass and the gradients
# through it stay healthy. But the gradient with respect to $W$ scales as $1/a$ while $W$ scales as $a$:
# the relative update is $\propto \text{lr}/a^2$, too large and noisy for tiny scales and too small for
# large ones, so training is slower at the extremes.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q2"
# **Question 2.** Why must batchnorm use running averages rather than the batch's own statistics at
# test time? Give two things that go wrong otherwise. Why does batchnorm fail with batches of 2
# (experiment 4), and what would you use instead?

# %% [markdown] kind="manual" grade_id="q2_test_mode" points=2
# ### BEGIN SOLUTION
# With batch statistics a prediction depends on which other examples are in the batch: the same image
# gets different outputs in different batches, results are not reproducible, and a single example
# (batch of 1) has variance 0, so every output would be $\beta$. A skewed test batch (e.g. all of one
# class) would also be normalized away. The running averages estimate the statistics of the whole
# training distribution, so test mode is a fixed, deterministic function of each input. With batches
# of 2, $x_1 - \mu = -(x_2 - \mu)$ and each normalized feature is $\pm 1$: only the sign of the
# difference survives, the batch statistics are extremely noisy, and they differ a lot from the running
# averages used at test time. Layer normalization (or group normalization), which normalizes each
# example on its own and behaves the same in train and test mode, avoids this; otherwise use larger
# batches.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q3"
# **Question 3.** A classmate says batchnorm limits what a network can represent, since it forces every
# feature to have mean 0 and variance 1. Answer with $\gamma$ and $\beta$ (experiment 5). Then explain why
# the bias $b$ of an affine layer followed by batchnorm is useless.

# %% [markdown] kind="manual" grade_id="q3_gamma_beta" points=2
# ### BEGIN SOLUTION
# The normalized $\hat x$ is followed by $y = \gamma \hat x + \beta$ with learned $\gamma, \beta$. With
# $\gamma = \sqrt{\sigma^2 + \epsilon}$ and $\beta = \mu$ the layer is the identity, so any function the
# network could compute without batchnorm it can still compute; gradient descent finds these values
# when they are needed (experiment 5a), and in a trained network the $\gamma$, $\beta$ spread to
# whatever scale and offset each unit needs (5b). What batchnorm removes is only the dependence of each
# layer's statistics on all the weights below. The bias: $z = xW + b$ adds the same $b_j$ to every example,
# so the batch mean is $\mu_j + b_j$ and $z - \text{mean}$ does not contain $b$ at all: its gradient is 0
# and $\beta$ plays its role, so the affine bias can be dropped.
# ### END SOLUTION
