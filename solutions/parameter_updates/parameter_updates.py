# %% [markdown] kind="readonly" grade_id="intro"
# # 07 · Parameter updates
#
# Backpropagation tells you the gradient $\nabla_w L$ of the loss with respect to every parameter.
# What you *do* with that gradient is the job of the **update rule**, and the choice matters: on the
# same network, with the same gradients, one rule reaches 95% accuracy in a few epochs while another
# is still at 70%, crawls through a narrow valley, stalls at a saddle point or blows up.
#
# **What you implement** (graded, each followed by a test cell):
# 1. `sgd`: plain stochastic gradient descent;
# 2. `sgd_momentum`: SGD with momentum;
# 3. `nesterov_momentum`: Nesterov's accelerated gradient;
# 4. `adagrad`: per-parameter step sizes from the sum of squared gradients;
# 5. `rmsprop`: the same with a leaky (moving) average;
# 6. `adam`: momentum plus RMSProp, with bias correction;
# 7. `step_decay`, `exponential_decay`, `inverse_time_decay`: learning-rate schedules;
# 8. `clip_grad_norm`: gradient clipping by the global norm of all the gradients.
#
# Then five experiments (not graded) and three written questions (graded by hand).
#
# ## The convention: `rule(w, dw, config) -> (next_w, config)`
# Every update rule has the signature
#
# ```python
# next_w, config = rule(w, dw, config=None)
# ```
#
# `w` is one parameter array (a weight matrix, a bias vector, of any shape), `dw` its gradient (same
# shape), and `config` a dict holding the rule's **hyperparameters** (`learning_rate`, `momentum`, ...)
# and its **state**: whatever it must remember between two calls (the velocity of momentum, the
# squared-gradient cache of Adagrad and RMSProp, Adam's moments and step count). The rule returns the
# new value of the parameter and the config to pass to the next call. Three consequences:
#
# - **The state lives in `config`, nowhere else.** Not in a global variable, not in a default
#   argument. When `config` is None, start from a new empty dict; use the default hyperparameter for
#   every key that is missing, and create the state (zeros of `w`'s shape) at the first call.
# - **Every parameter has its own config.** `W1` and `b1` have their own velocities, their own
#   caches; the `Solver` keeps one config per parameter (`solver.optim_configs[name]`). Beware of
#   `def rule(w, dw, config={})`: Python creates that default dict **once**, so every call without a
#   config would share one dict, one velocity, for all parameters.
# - **Defaults** (use these when a key is missing):
#
# | rule | hyperparameters (default) | state in `config` |
# | --- | --- | --- |
# | `sgd` | `learning_rate` (1e-2) | none |
# | `sgd_momentum` | `learning_rate` (1e-2), `momentum` (0.9) | `velocity` |
# | `nesterov_momentum` | `learning_rate` (1e-2), `momentum` (0.9) | `velocity` |
# | `adagrad` | `learning_rate` (1e-2), `epsilon` (1e-8) | `cache` |
# | `rmsprop` | `learning_rate` (1e-2), `decay_rate` (0.99), `epsilon` (1e-8) | `cache` |
# | `adam` | `learning_rate` (1e-3), `beta1` (0.9), `beta2` (0.999), `epsilon` (1e-8) | `m`, `v`, `t` |
#
# **Bad hyperparameters are refused.** A negative learning rate climbs the loss; a momentum of 1 never
# forgets anything (no friction) and above 1 it explodes; a decay rate or a beta outside $[0, 1)$
# makes a moving average grow without bound; $\epsilon \le 0$ may divide by zero. Each rule checks its
# hyperparameters and raises a `ValueError` whose message names the argument and its value, e.g.
# `ValueError: momentum must be in [0, 1), got 1.5`. The provided helper
# `require_number(name, value, low=..., high=..., low_open=..., high_open=...)` (imported below) does
# exactly that: `require_number("momentum", mu, low=0, high=1, high_open=True)`.
#
# ## SGD and its two problems
# Plain gradient descent steps against the gradient, $w \leftarrow w - \eta\,\nabla_w L$, with the
# **learning rate** $\eta$. (Stochastic: the gradient is computed on a minibatch, so it is noisy.)
#
# **Ill-conditioning.** Near a minimum the loss looks like a quadratic bowl
# $\frac12 \sum_i \lambda_i x_i^2$ with very different curvatures $\lambda_i$ in different directions
# (a long narrow valley). Along direction $i$ one step multiplies the distance to the minimum by
# $(1 - \eta\lambda_i)$: the step diverges unless $\eta < 2/\lambda_{\max}$, and then progress along the
# flattest direction is only a factor $(1 - \eta\lambda_{\min}) \approx 1 - 2\lambda_{\min}/\lambda_{\max}$ per
# step. With a condition number $\lambda_{\max}/\lambda_{\min}$ of 100, SGD needs hundreds of steps, and a
# learning rate near the limit makes it **zig-zag** across the valley while crawling along it.
#
# **Saddle points and plateaus.** In high dimensions most points where the gradient vanishes are
# saddles, not minima. Near a saddle the gradient is tiny in every direction, so SGD, whose step is
# proportional to the gradient, slows to a crawl just where it should escape.
#
# ## Momentum
# Give the parameters a **velocity** $v$ that accumulates the gradients, like a ball rolling downhill
# with friction:
#
# $$ v \leftarrow \mu\, v - \eta\,\nabla_w L, \qquad w \leftarrow w + v .$$
#
# $\mu$ (`momentum`, typically 0.9, sometimes annealed from 0.5 to 0.99) is the friction: how much
# velocity survives a step. Where successive gradients agree (along the valley), the velocity builds
# up to $\eta\,\nabla L/(1-\mu)$, ten times the SGD step for $\mu = 0.9$. Where they alternate in sign
# (across the valley), they cancel in $v$. Momentum also rolls through saddles and small bumps.
#
# *Another textbook form*, $v \leftarrow \mu v + \nabla_w L$, $w \leftarrow w - \eta v$, stores $-v/\eta$
# instead of $v$, and gives **exactly the same** $w$ at every step while $\eta$ is constant. Either is
# correct (the tests compare the path of $w$, never the stored velocity). This notebook uses the first.
#
# ## Nesterov momentum
# Momentum will carry $w$ to about $w + \mu v$ anyway, so evaluate the gradient *there*, at the
# **look-ahead** point, and correct the velocity before it overshoots:
#
# $$ v \leftarrow \mu v - \eta\,\nabla L(w + \mu v), \qquad w \leftarrow w + v. $$
#
# An update rule receives the gradient at the `w` it is given, not at $w + \mu v$. The way out (used
# in CS231n and in most libraries) is to store the look-ahead point $\tilde w = w + \mu v$ itself as the
# parameter. Rewriting the update for $\tilde w$ gives
#
# $$ v_{\text{prev}} = v, \qquad v \leftarrow \mu v - \eta\,\nabla L(\tilde w), \qquad
#    \tilde w \leftarrow \tilde w - \mu\, v_{\text{prev}} + (1 + \mu)\, v, $$
#
# where the gradient is now taken at the point we have. (Check: $\tilde w_{\text{new}} = w_{\text{new}} + \mu
# v_{\text{new}} = w + v_{\text{new}} + \mu v_{\text{new}}$ and $w = \tilde w - \mu v_{\text{prev}}$.) Compared with
# plain momentum there is an extra **look-ahead term** $\mu(v - v_{\text{prev}})$. Careful: $v_{\text{prev}}$
# must be the *old* velocity; if you update `v` in place (`v *= mu`), `v_prev = v` changes with it.
# Equivalent forms, such as $w \leftarrow w + \mu v - \eta\,\nabla L$ or PyTorch's
# $v \leftarrow \mu v + \nabla L$, $w \leftarrow w - \eta(\nabla L + \mu v)$, give the same path.
#
# ## Per-parameter learning rates: Adagrad, RMSProp, Adam
# One learning rate for every parameter is a compromise: steep directions need small steps, flat ones
# large steps. **Adagrad** keeps, for every entry, the sum of its squared gradients and divides by its
# square root:
#
# $$ \text{cache} \leftarrow \text{cache} + (\nabla L)^2, \qquad
#    w \leftarrow w - \eta\, \frac{\nabla L}{\sqrt{\text{cache}} + \epsilon} $$
#
# (elementwise; $\epsilon \approx 10^{-8}$ only avoids dividing by zero). Entries with large gradients get
# their steps shrunk, rarely updated ones keep large steps. But the cache only grows, so the effective
# learning rate $\eta/\sqrt{\text{cache}}$ decays to zero and learning stops, usually too early for a
# deep network. **RMSProp** replaces the sum by a leaky average, so old gradients are forgotten:
#
# $$ \text{cache} \leftarrow \rho\,\text{cache} + (1-\rho)\,(\nabla L)^2, \qquad
#    w \leftarrow w - \eta\, \frac{\nabla L}{\sqrt{\text{cache}} + \epsilon} $$
#
# with the decay rate $\rho$ (`decay_rate`, 0.99) on the **old cache** and $1-\rho$ on the **new squared
# gradient**. **Adam** combines a momentum-like average of the gradients (first moment $m$) with the
# RMSProp cache (second moment $v$), and corrects both for starting at zero:
#
# $$ t \leftarrow t + 1, \quad m \leftarrow \beta_1 m + (1-\beta_1)\nabla L, \quad
#    v \leftarrow \beta_2 v + (1-\beta_2)(\nabla L)^2, \quad
#    \hat m = \frac{m}{1-\beta_1^t}, \quad \hat v = \frac{v}{1-\beta_2^t}, \quad
#    w \leftarrow w - \eta\,\frac{\hat m}{\sqrt{\hat v} + \epsilon}. $$
#
# **Why the bias correction.** $m$ and $v$ start at 0, so early on they are far too small: after the
# first step $m = 0.1\,\nabla L$ and $v = 0.001\,(\nabla L)^2$, so $m/\sqrt v \approx 3.2$ times the sign of
# the gradient, a step more than three times too large. In general $m_t$ is a weighted sum of the
# gradients whose weights add up to $1 - \beta_1^t$, not 1; dividing by that undoes it. The correction
# matters only for the first few hundred steps (for $\beta_2 = 0.999$, $1 - \beta_2^t$ reaches 0.5 after
# about 700 steps) but those are the steps that can throw a network off. $t$ counts the updates and is
# incremented **before** it is used: at the first update $t = 1$ (with $t = 0$, $1 - \beta^0 = 0$).
#
# All three rules in this notebook add $\epsilon$ **outside** the square root, $\sqrt{\cdot} + \epsilon$,
# as the Adam paper and CS231n do. Some libraries put it inside, $\sqrt{\cdot + \epsilon}$; with gradients
# of a sensible size the two are indistinguishable, and the tests accept both.
#
# ## Learning-rate schedules
# Early in training a large $\eta$ moves fast; later, the noise of minibatch gradients keeps the
# parameters bouncing around a minimum unless $\eta$ shrinks. Three common schedules, with $t$ the
# epoch (the `Solver` calls its `lr_schedule` once per epoch; per iteration works the same way):
#
# | schedule | $\eta(t)$ | hyperparameters |
# | --- | --- | --- |
# | step decay | $\eta_0 \cdot \text{drop}^{\lfloor t / \text{epochs\_drop} \rfloor}$ | e.g. halve every 10 epochs |
# | exponential decay | $\eta_0\, e^{-k t}$ | $k \ge 0$ |
# | 1/t decay | $\eta_0 / (1 + k t)$ | $k \ge 0$ |
#
# Step decay keeps $\eta$ constant for `epochs_drop` epochs, then multiplies it by `drop`: the
# $\lfloor\cdot\rfloor$ (floor) makes it a staircase. Adaptive rules (Adam) are often used with a constant
# or slowly decaying rate; SGD with momentum almost always with a schedule.
#
# ## Gradient clipping by the global norm
# Sometimes the loss surface has a **cliff**: a region where the gradient is enormous (recurrent
# networks, or a bad step into a steep wall). One step of size $\eta\|\nabla L\|$ then throws the
# parameters far away, where the gradient may be even larger, and training explodes. **Clipping**
# caps the size of the step: compute the norm of *all* the gradients together,
#
# $$ \|g\| = \sqrt{\sum_{\text{parameters } p}\ \sum_{\text{entries } i} (g_{p,i})^2 }, $$
#
# and if it exceeds `max_norm`, multiply **every** gradient by $\text{max\_norm}/\|g\|$. The update keeps
# its direction and only gets shorter. Clipping each parameter separately (or each entry, with
# `np.clip`) shrinks some parts of the gradient more than others and so **changes its direction**.
#
# ## Pitfalls in one list
# - The sign: every rule moves **against** the gradient.
# - State that is not stored in `config` (or stored in a dict shared by every parameter).
# - Nesterov: `v_prev` changed in place along with `v`, or the look-ahead term forgotten.
# - Adagrad: `cache = dw**2` instead of accumulating; RMSProp: $\rho$ and $1-\rho$ swapped.
# - Adam: no bias correction, or `t` incremented after it is used.
# - Clipping each parameter separately; modifying the caller's gradients in place.

# %% kind="readonly" grade_id="imports"
import os

import numpy as np

from cs231n_utils.validation import require_number  # require_number(name, value, low=..., high=..., ...)

# Under nbgrader (validate or autograde) the long experiments shrink or are skipped.
GRADING = bool(os.environ.get("NBGRADER_EXECUTION"))

# %% [markdown] kind="readonly" grade_id="md-sgd"
# ## Exercise 1: `sgd`
#
# $w \leftarrow w - \eta\, dw$. Handle `config=None` (a new dict), use the default learning rate when
# the key is missing, and refuse a negative `learning_rate` with a `ValueError` that names it and its
# value. You may update `w` in place or return a new array; the caller uses what you return.

# %% kind="answer" grade_id="sgd"
def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: next_w = w - learning_rate * dw.

    Inputs:
    - w: float array of any shape S, the parameter.
    - dw: float array of shape S, the gradient of the loss with respect to w.
    - config: dict or None, with
      - learning_rate: float >= 0 (default 1e-2).

    Returns (next_w, config): next_w a float array of shape S; config the dict (a new one if
    config was None).
    Raises ValueError naming learning_rate and its value if it is negative.
    """
    # Hint: `config = {} if config is None else config`, then config.setdefault("learning_rate", 1e-2).
    ### BEGIN SOLUTION
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    lr = require_number("learning_rate", config["learning_rate"], low=0)
    next_w = w - lr * dw
    return next_w, config
    ### END SOLUTION


# %% kind="tests" grade_id="test_sgd" points=1
import numpy as np
from cs231n_utils.testing import HintError, check_array, passed
from cs231n_utils.validation import describe


def run_rule(rule, w0, grad, steps, config=None):
    """w0 and the w after each of `steps` updates of `rule`, stacked, with dw = grad(w, t); and the last config."""
    w, path = w0.copy(), [w0.copy()]
    for t in range(steps):
        try:
            result = rule(w.copy(), grad(w, t), config)
        except (AttributeError, TypeError) as exc:
            if config is None and "NoneType" in str(exc):
                raise HintError(f"`{rule.__name__}` failed when called with config=None ({exc}). Start with "
                                "`if config is None: config = {}`.") from None
            raise
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
            raise HintError(f"`{rule.__name__}` must return a pair (next_w, config) with config a dict; at update "
                            f"{t + 1} it returned {describe(result)}")
        w, config = result
        check_array(f"next_w returned by `{rule.__name__}` at update {t + 1}", w, shape=w0.shape)
        path.append(w.copy())
    return np.array(path), config


rng = np.random.default_rng(700)
w0 = rng.standard_normal((4, 3))
dw = rng.standard_normal((4, 3))
path, config = run_rule(sgd, w0, lambda w, t: dw.copy(), 1)
check_array("sgd(w, dw) (one update with the default learning rate 1e-2)", path[1], w0 - 1e-2 * dw,
            hint="config=None: the default learning_rate is 1e-2.",
            mistakes={"w + learning_rate * dw: the update must go against the gradient, w - learning_rate * dw":
                      w0 + 1e-2 * dw,
                      "forgetting the learning rate (w - dw)": w0 - dw})

G = rng.standard_normal((5, 4, 3))
path, config = run_rule(sgd, w0, lambda w, t: G[t].copy(), 5, {"learning_rate": 0.3})
expected = np.concatenate([w0[None], w0 - 0.3 * np.cumsum(G, axis=0)])
check_array("w after each of 5 sgd updates with learning_rate 0.3", path, expected,
            mistakes={"ignoring config['learning_rate'] (always the default 1e-2)":
                      np.concatenate([w0[None], w0 - 1e-2 * np.cumsum(G, axis=0)]),
                      "w + learning_rate * dw: the update must go against the gradient":
                      np.concatenate([w0[None], w0 + 0.3 * np.cumsum(G, axis=0)])})

### BEGIN HIDDEN TESTS
# a gradient that depends on w: a quadratic bowl with a different curvature for every entry
curvature = rng.uniform(0.5, 3.0, size=(2, 3, 2))
w0 = rng.standard_normal((2, 3, 2))
path, _ = run_rule(sgd, w0, lambda w, t: curvature * w, 8, {"learning_rate": 0.2})
expected = np.array([(1 - 0.2 * curvature) ** t * w0 for t in range(9)])
check_array("w after each of 8 sgd updates on a quadratic bowl (dw = curvature * w), learning_rate 0.2",
            path, expected, rtol=1e-9)
### END HIDDEN TESTS
passed("test_sgd")


# %% kind="tests" grade_id="test_sgd_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

# bad arguments of sgd are refused with a ValueError naming the argument and its value
rng = np.random.default_rng(720)
w0 = rng.standard_normal((4, 3))
dw = rng.standard_normal((4, 3))
check_raises(ValueError, sgd, w0.copy(), dw.copy(), {"learning_rate": -1.0}, must_mention=["learning_rate", "-1"],
             what="learning_rate=-1.0")
### BEGIN HIDDEN TESTS
check_raises(ValueError, sgd, w0.copy(), w0.copy(), {"learning_rate": -1e-3}, must_mention="learning_rate",
             what="learning_rate=-0.001")
### END HIDDEN TESTS
passed("test_sgd_args")

# %% [markdown] kind="readonly" grade_id="md-momentum"
# ## Exercise 2: `sgd_momentum`
#
# $v \leftarrow \mu v - \eta\,dw$, $w \leftarrow w + v$, with the velocity $v$ stored in
# `config['velocity']` (zeros of `w`'s shape at the first call). Refuse a negative learning rate and a
# momentum outside $[0, 1)$. (The other textbook form, $v \leftarrow \mu v + dw$, $w \leftarrow w - \eta v$,
# is accepted too.)

# %% kind="answer" grade_id="sgd_momentum"
def sgd_momentum(w, dw, config=None):
    """SGD with momentum, in the CS231n form: v = momentum * v - learning_rate * dw; next_w = w + v.

    Inputs:
    - w: float array of any shape S; dw: its gradient, shape S.
    - config: dict or None, with
      - learning_rate: float >= 0 (default 1e-2);
      - momentum: float in [0, 1) (default 0.9);
      - velocity: float array of shape S, the state (zeros of w's shape if absent).

    Returns (next_w, config) with config['velocity'] the new velocity.
    Raises ValueError naming the hyperparameter and its value if one is out of range.
    """
    # Hint: v = config.get("velocity"); if it is None use np.zeros_like(w). Store the new v back in config.
    ### BEGIN SOLUTION
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    lr = require_number("learning_rate", config["learning_rate"], low=0)
    mu = require_number("momentum", config["momentum"], low=0, high=1, high_open=True)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w, dtype=float)
    v = mu * v - lr * dw
    config["velocity"] = v
    next_w = w + v
    return next_w, config
    ### END SOLUTION


# %% kind="tests" grade_id="test_sgd_momentum" points=2
import numpy as np
from cs231n_utils.testing import HintError, check_array, passed
from cs231n_utils.validation import describe


def run_rule(rule, w0, grad, steps, config=None):
    """w0 and the w after each of `steps` updates of `rule`, stacked, with dw = grad(w, t); and the last config."""
    w, path = w0.copy(), [w0.copy()]
    for t in range(steps):
        try:
            result = rule(w.copy(), grad(w, t), config)
        except (AttributeError, TypeError) as exc:
            if config is None and "NoneType" in str(exc):
                raise HintError(f"`{rule.__name__}` failed when called with config=None ({exc}). Start with "
                                "`if config is None: config = {}`.") from None
            raise
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
            raise HintError(f"`{rule.__name__}` must return a pair (next_w, config) with config a dict; at update "
                            f"{t + 1} it returned {describe(result)}")
        w, config = result
        check_array(f"next_w returned by `{rule.__name__}` at update {t + 1}", w, shape=w0.shape)
        path.append(w.copy())
    return np.array(path), config


def momentum_path(w0, grad, steps, lr, mu, sign=-1.0):
    """The path of v = mu * v + sign * lr * dw; w = w + v."""
    w, v, path = w0.copy(), np.zeros_like(w0), [w0.copy()]
    for t in range(steps):
        v = mu * v + sign * lr * grad(w, t)
        w = w + v
        path.append(w)
    return np.array(path)


rng = np.random.default_rng(701)
w0 = rng.standard_normal((4, 3))
dw = rng.standard_normal((4, 3))
path, config = run_rule(sgd_momentum, w0, lambda w, t: dw.copy(), 1)
check_array("sgd_momentum(w, dw) (the first update: zero velocity, learning_rate 1e-2)", path[1], w0 - 1e-2 * dw,
            hint="config=None: the defaults are learning_rate 1e-2 and momentum 0.9.",
            mistakes={"v = momentum * v + learning_rate * dw: the velocity must move against the gradient "
                      "(v = momentum * v - learning_rate * dw)": w0 + 1e-2 * dw})
if not isinstance(config.get("velocity"), np.ndarray) or config["velocity"].shape != w0.shape:
    raise HintError(f"config['velocity'] should hold the velocity, an array of w's shape {w0.shape}; got "
                    f"{describe(config.get('velocity'))}. The state of the rule lives in config.")

G = rng.standard_normal((6, 4, 3))
grad = lambda w, t: G[t].copy()
path, config = run_rule(sgd_momentum, w0, grad, 6, {"learning_rate": 0.1, "momentum": 0.8})
check_array("w after each of 6 sgd_momentum updates (learning_rate 0.1, momentum 0.8)", path,
            momentum_path(w0, grad, 6, 0.1, 0.8),
            mistakes={"v = momentum * v + learning_rate * dw: the velocity must move against the gradient "
                      "(v = momentum * v - learning_rate * dw)": momentum_path(w0, grad, 6, 0.1, 0.8, sign=1.0),
                      "the velocity is not kept between calls (this is plain SGD): store it in config['velocity'] "
                      "and start from it at the next call": momentum_path(w0, grad, 6, 0.1, 0.0),
                      "ignoring config['momentum'] (always 0.9)": momentum_path(w0, grad, 6, 0.1, 0.9)})

### BEGIN HIDDEN TESTS
# an empty config: the defaults learning_rate 1e-2 and momentum 0.9
curvature = rng.uniform(1.0, 20.0, size=(3, 2))
w1 = rng.standard_normal((3, 2))
path, _ = run_rule(sgd_momentum, w1, lambda w, t: curvature * w, 10, {})
check_array("w after each of 10 sgd_momentum updates from config = {} on a quadratic bowl", path,
            momentum_path(w1, lambda w, t: curvature * w, 10, 1e-2, 0.9), rtol=1e-6, atol=1e-7,
            hint="Defaults: learning_rate 1e-2 and momentum 0.9 when the keys are missing.")
# two parameters updated in turn, each with its own config, both starting from config=None
wa0, wb0 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))  # the shape of the visible tests
Ga, Gb = rng.standard_normal((4, 4, 3)), rng.standard_normal((4, 4, 3))
wa, wb, ca, cb = wa0.copy(), wb0.copy(), None, None
for t in range(4):
    wa, ca = sgd_momentum(wa.copy(), Ga[t].copy(), ca)
    wb, cb = sgd_momentum(wb.copy(), Gb[t].copy(), cb)
if ca is cb or np.shares_memory(ca["velocity"], cb["velocity"]):
    raise HintError("Two calls of sgd_momentum with config=None returned configs that share their velocity: the "
                    "state is shared between parameters. A default argument config={} or a module-level dict is "
                    "created once and shared by every call: create a new dict inside the function.")
check_array("w of the first of two parameters updated in turn, each with its own config", wa,
            momentum_path(wa0, lambda w, t: Ga[t], 4, 1e-2, 0.9)[-1],
            hint="Keep the state in the config you are given and nowhere else (no globals).")
check_array("w of the second of two parameters updated in turn, each with its own config", wb,
            momentum_path(wb0, lambda w, t: Gb[t], 4, 1e-2, 0.9)[-1],
            hint="Keep the state in the config you are given and nowhere else (no globals).")
# a gradient that depends on w, with the defaults (learning_rate 1e-2, momentum 0.9), 3-D parameter
curvature = rng.uniform(1.0, 20.0, size=(2, 2, 3))
w0 = rng.standard_normal((2, 2, 3))
bowl = lambda w, t: curvature * w
path, _ = run_rule(sgd_momentum, w0, bowl, 15)
check_array("w after each of 15 sgd_momentum updates with the default config on a quadratic bowl", path,
            momentum_path(w0, bowl, 15, 1e-2, 0.9), rtol=1e-6, atol=1e-7,
            hint="Defaults: learning_rate 1e-2 and momentum 0.9 when the keys are missing.")
# momentum 0 is plain SGD
path, _ = run_rule(sgd_momentum, w0, bowl, 5, {"learning_rate": 0.05, "momentum": 0.0})
check_array("sgd_momentum with momentum 0 (plain SGD)", path, momentum_path(w0, bowl, 5, 0.05, 0.0), rtol=1e-6, atol=1e-7,
            hint="momentum = 0 is allowed (the range is [0, 1)) and gives plain SGD.")
### END HIDDEN TESTS
passed("test_sgd_momentum")


# %% kind="tests" grade_id="test_sgd_momentum_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

# bad arguments of sgd_momentum are refused with a ValueError naming the argument and its value
rng = np.random.default_rng(721)
w0 = rng.standard_normal((4, 3))
dw = rng.standard_normal((4, 3))
check_raises(ValueError, sgd_momentum, w0.copy(), dw.copy(), {"momentum": 1.5}, must_mention=["momentum", "1.5"],
             what="momentum=1.5")
check_raises(ValueError, sgd_momentum, w0.copy(), dw.copy(), {"learning_rate": -1.0},
             must_mention=["learning_rate", "-1"], what="learning_rate=-1.0")
### BEGIN HIDDEN TESTS
for bad in (1.0, -0.5):
    check_raises(ValueError, sgd_momentum, w0.copy(), w0.copy(), {"momentum": bad}, must_mention="momentum",
                 what=f"momentum={bad}")
### END HIDDEN TESTS
passed("test_sgd_momentum_args")

# %% [markdown] kind="readonly" grade_id="md-nesterov"
# ## Exercise 3: `nesterov_momentum`
#
# The look-ahead form of the lesson: keep the old velocity $v_{\text{prev}}$, update
# $v \leftarrow \mu v - \eta\,dw$, then $w \leftarrow w - \mu v_{\text{prev}} + (1 + \mu) v$. Same
# hyperparameters, defaults, checks and state key (`velocity`) as `sgd_momentum`.

# %% kind="answer" grade_id="nesterov_momentum"
def nesterov_momentum(w, dw, config=None):
    """Nesterov momentum in the CS231n look-ahead form (w is the look-ahead point w + mu * v):
        v_prev = v;  v = momentum * v - learning_rate * dw;  next_w = w - momentum * v_prev + (1 + momentum) * v.

    Inputs:
    - w: float array of any shape S; dw: its gradient (at w), shape S.
    - config: dict or None, with
      - learning_rate: float >= 0 (default 1e-2);
      - momentum: float in [0, 1) (default 0.9);
      - velocity: float array of shape S, the state (zeros of w's shape if absent).

    Returns (next_w, config) with config['velocity'] the new velocity.
    Raises ValueError naming the hyperparameter and its value if one is out of range.
    """
    # Hint: compute the new velocity into a NEW array (v = mu * v_prev - lr * dw), so v_prev keeps its value.
    ### BEGIN SOLUTION
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    lr = require_number("learning_rate", config["learning_rate"], low=0)
    mu = require_number("momentum", config["momentum"], low=0, high=1, high_open=True)
    v_prev = config.get("velocity")
    if v_prev is None:
        v_prev = np.zeros_like(w, dtype=float)
    v = mu * v_prev - lr * dw
    config["velocity"] = v
    next_w = w - mu * v_prev + (1 + mu) * v
    return next_w, config
    ### END SOLUTION


# %% kind="tests" grade_id="test_nesterov_momentum" points=2
import numpy as np
from cs231n_utils.testing import HintError, check_array, passed
from cs231n_utils.validation import describe


def run_rule(rule, w0, grad, steps, config=None):
    """w0 and the w after each of `steps` updates of `rule`, stacked, with dw = grad(w, t); and the last config."""
    w, path = w0.copy(), [w0.copy()]
    for t in range(steps):
        try:
            result = rule(w.copy(), grad(w, t), config)
        except (AttributeError, TypeError) as exc:
            if config is None and "NoneType" in str(exc):
                raise HintError(f"`{rule.__name__}` failed when called with config=None ({exc}). Start with "
                                "`if config is None: config = {}`.") from None
            raise
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
            raise HintError(f"`{rule.__name__}` must return a pair (next_w, config) with config a dict; at update "
                            f"{t + 1} it returned {describe(result)}")
        w, config = result
        check_array(f"next_w returned by `{rule.__name__}` at update {t + 1}", w, shape=w0.shape)
        path.append(w.copy())
    return np.array(path), config


def nesterov_path(w0, grad, steps, lr, mu, sign=-1.0, variant="nesterov"):
    """The path of v = mu * v + sign * lr * dw and the w update of `variant`."""
    w, v, path = w0.copy(), np.zeros_like(w0), [w0.copy()]
    for t in range(steps):
        v_prev = v
        v = mu * v + sign * lr * grad(w, t)
        if variant == "nesterov":
            w = w - mu * v_prev + (1 + mu) * v
        elif variant == "plain":
            w = w + v
        elif variant == "no state":  # every update from zero velocity: v_prev = 0, v = -lr * dw
            v = sign * lr * grad(w, t)
            w = w + (1 + mu) * v
        else:  # "no v_prev": the - mu * v_prev term forgotten
            w = w + (1 + mu) * v
        path.append(w)
    return np.array(path)


rng = np.random.default_rng(702)
w0 = rng.standard_normal((4, 3))
G = rng.standard_normal((6, 4, 3))
grad = lambda w, t: G[t].copy()
path, config = run_rule(nesterov_momentum, w0, grad, 6, {"learning_rate": 0.1, "momentum": 0.8})
lookahead_hint = ("plain momentum, w + v: the look-ahead term is missing (next_w = w - momentum * v_prev + "
                  "(1 + momentum) * v); or v_prev is the same array as v, changed in place with it: keep the old "
                  "velocity in its own array")
check_array("w after each of 6 nesterov_momentum updates (learning_rate 0.1, momentum 0.8)", path,
            nesterov_path(w0, grad, 6, 0.1, 0.8),
            mistakes={lookahead_hint: nesterov_path(w0, grad, 6, 0.1, 0.8, variant="plain"),
                      "w + (1 + momentum) * v without the - momentum * v_prev term":
                      nesterov_path(w0, grad, 6, 0.1, 0.8, variant="no v_prev"),
                      "v = momentum * v + learning_rate * dw: the velocity must move against the gradient":
                      nesterov_path(w0, grad, 6, 0.1, 0.8, sign=1.0),
                      "the velocity is not kept between calls: store it in config['velocity']":
                      nesterov_path(w0, grad, 6, 0.1, 0.0),
                      "every update starts from zero velocity: store the new velocity in config['velocity'] and "
                      "start from it at the next call": nesterov_path(w0, grad, 6, 0.1, 0.8, variant="no state")})
if not isinstance(config.get("velocity"), np.ndarray) or config["velocity"].shape != w0.shape:
    raise HintError(f"config['velocity'] should hold the velocity, an array of w's shape {w0.shape}; got "
                    f"{describe(config.get('velocity'))}. The state of the rule lives in config.")

# a gradient that depends on w: the look-ahead makes a difference on a bowl, with the defaults
curvature = rng.uniform(1.0, 20.0, size=(3, 2))
w0 = rng.standard_normal((3, 2))
bowl = lambda w, t: curvature * w
path, _ = run_rule(nesterov_momentum, w0, bowl, 15)
check_array("w after each of 15 nesterov_momentum updates with the default config on a quadratic bowl", path,
            nesterov_path(w0, bowl, 15, 1e-2, 0.9), rtol=1e-6, atol=1e-7,
            mistakes={lookahead_hint: nesterov_path(w0, bowl, 15, 1e-2, 0.9, variant="plain")},
            hint="Defaults: learning_rate 1e-2 and momentum 0.9 when the keys are missing.")
### BEGIN HIDDEN TESTS
# two parameters updated in turn, each with its own config, both starting from config=None
wa0, wb0 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))  # the shape of the visible tests
Ga, Gb = rng.standard_normal((4, 4, 3)), rng.standard_normal((4, 4, 3))
wa, wb, ca, cb = wa0.copy(), wb0.copy(), None, None
for t in range(4):
    wa, ca = nesterov_momentum(wa.copy(), Ga[t].copy(), ca)
    wb, cb = nesterov_momentum(wb.copy(), Gb[t].copy(), cb)
if ca is cb or np.shares_memory(ca["velocity"], cb["velocity"]):
    raise HintError("Two calls of nesterov_momentum with config=None returned configs that share their velocity: "
                    "the state is shared between parameters. A default argument config={} or a module-level dict "
                    "is created once and shared by every call: create a new dict inside the function.")
check_array("w of the first of two parameters updated in turn, each with its own config", wa,
            nesterov_path(wa0, lambda w, t: Ga[t], 4, 1e-2, 0.9)[-1],
            hint="Keep the state in the config you are given and nowhere else (no globals).")
check_array("w of the second of two parameters updated in turn, each with its own config", wb,
            nesterov_path(wb0, lambda w, t: Gb[t], 4, 1e-2, 0.9)[-1],
            hint="Keep the state in the config you are given and nowhere else (no globals).")
# momentum 0 is plain SGD; bad hyperparameters
path, _ = run_rule(nesterov_momentum, w0, bowl, 5, {"learning_rate": 0.05, "momentum": 0.0})
check_array("nesterov_momentum with momentum 0 (plain SGD)", path, nesterov_path(w0, bowl, 5, 0.05, 0.0),
            rtol=1e-6, atol=1e-7, hint="momentum = 0 is allowed (the range is [0, 1)) and gives plain SGD.")
### END HIDDEN TESTS
passed("test_nesterov_momentum")


# %% kind="tests" grade_id="test_nesterov_momentum_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

# bad arguments of nesterov_momentum are refused with a ValueError naming the argument and its value
rng = np.random.default_rng(722)
w0 = rng.standard_normal((4, 3))
check_raises(ValueError, nesterov_momentum, w0.copy(), w0.copy(), {"momentum": 1.5},
             must_mention=["momentum", "1.5"], what="momentum=1.5")
### BEGIN HIDDEN TESTS
for bad in (1.0, -0.5):
    check_raises(ValueError, nesterov_momentum, w0.copy(), w0.copy(), {"momentum": bad}, must_mention="momentum",
                 what=f"momentum={bad}")
check_raises(ValueError, nesterov_momentum, w0.copy(), w0.copy(), {"learning_rate": -1.0},
             must_mention=["learning_rate", "-1"], what="learning_rate=-1.0")
### END HIDDEN TESTS
passed("test_nesterov_momentum_args")

# %% [markdown] kind="readonly" grade_id="md-adagrad"
# ## Exercise 4: `adagrad`
#
# $\text{cache} \leftarrow \text{cache} + dw^2$, $w \leftarrow w - \eta\, dw / (\sqrt{\text{cache}} + \epsilon)$,
# elementwise, with the cache in `config['cache']`. Refuse a negative learning rate and $\epsilon \le 0$.

# %% kind="answer" grade_id="adagrad"
def adagrad(w, dw, config=None):
    """Adagrad: cache += dw**2; next_w = w - learning_rate * dw / (sqrt(cache) + epsilon), elementwise.

    Inputs:
    - w: float array of any shape S; dw: its gradient, shape S.
    - config: dict or None, with
      - learning_rate: float >= 0 (default 1e-2);
      - epsilon: float > 0 (default 1e-8);
      - cache: float array of shape S, the sum of the squared gradients so far (zeros if absent).

    Returns (next_w, config) with config['cache'] the new cache.
    Raises ValueError naming the hyperparameter and its value if one is out of range.
    """
    # Hint: the cache ACCUMULATES: the new cache is the old one plus dw**2.
    ### BEGIN SOLUTION
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    lr = require_number("learning_rate", config["learning_rate"], low=0)
    eps = require_number("epsilon", config["epsilon"], low=0, low_open=True)
    cache = config.get("cache")
    if cache is None:
        cache = np.zeros_like(w, dtype=float)
    cache = cache + dw * dw
    config["cache"] = cache
    next_w = w - lr * dw / (np.sqrt(cache) + eps)
    return next_w, config
    ### END SOLUTION


# %% kind="tests" grade_id="test_adagrad" points=2
import numpy as np
from cs231n_utils.testing import HintError, check_array, no_warnings, passed
from cs231n_utils.validation import describe


def run_rule(rule, w0, grad, steps, config=None):
    """w0 and the w after each of `steps` updates of `rule`, stacked, with dw = grad(w, t); and the last config."""
    w, path = w0.copy(), [w0.copy()]
    for t in range(steps):
        try:
            result = rule(w.copy(), grad(w, t), config)
        except (AttributeError, TypeError) as exc:
            if config is None and "NoneType" in str(exc):
                raise HintError(f"`{rule.__name__}` failed when called with config=None ({exc}). Start with "
                                "`if config is None: config = {}`.") from None
            raise
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
            raise HintError(f"`{rule.__name__}` must return a pair (next_w, config) with config a dict; at update "
                            f"{t + 1} it returned {describe(result)}")
        w, config = result
        check_array(f"next_w returned by `{rule.__name__}` at update {t + 1}", w, shape=w0.shape)
        path.append(w.copy())
    return np.array(path), config


def adagrad_path(w0, grad, steps, lr, accumulate=True, root=True):
    w, cache, path = w0.copy(), np.zeros_like(w0), [w0.copy()]
    for t in range(steps):
        g = grad(w, t)
        cache = cache + g * g if accumulate else g * g
        w = w - lr * g / ((np.sqrt(cache) if root else cache) + 1e-8)
        path.append(w)
    return np.array(path)


rng = np.random.default_rng(703)
signs = lambda shape: rng.choice([-1.0, 1.0], size=shape)
w0 = rng.standard_normal((4, 3))
G = rng.uniform(0.3, 2.0, size=(6, 4, 3)) * signs((6, 4, 3))  # gradients of a sensible size
grad = lambda w, t: G[t].copy()
path, config = run_rule(adagrad, w0, grad, 1)
check_array("adagrad(w, dw) (the first update, learning_rate 1e-2: about 1e-2 * sign(dw))", path[1],
            adagrad_path(w0, grad, 1, 1e-2)[1], rtol=1e-6, atol=1e-7,
            hint="config=None: the defaults are learning_rate 1e-2 and epsilon 1e-8.",
            mistakes={"w + learning_rate * ...: the update must go against the gradient":
                      2 * w0 - adagrad_path(w0, grad, 1, 1e-2)[1],
                      "dividing by the cache instead of its square root": adagrad_path(w0, grad, 1, 1e-2, root=False)[1]})
if not isinstance(config.get("cache"), np.ndarray) or config["cache"].shape != w0.shape:
    raise HintError(f"config['cache'] should hold the cache, an array of w's shape {w0.shape}; got "
                    f"{describe(config.get('cache'))}. The state of the rule lives in config.")

path, config = run_rule(adagrad, w0, grad, 6, {"learning_rate": 0.5})
check_array("w after each of 6 adagrad updates (learning_rate 0.5)", path, adagrad_path(w0, grad, 6, 0.5), rtol=1e-6, atol=1e-7,
            mistakes={"cache = dw**2 at every call: Adagrad accumulates, cache = cache + dw**2 (and keeps the cache "
                      "in config['cache'])": adagrad_path(w0, grad, 6, 0.5, accumulate=False),
                      "dividing by the cache instead of its square root": adagrad_path(w0, grad, 6, 0.5, root=False)})
### BEGIN HIDDEN TESTS
# a zero gradient at the first update: no division by zero, no step
dw = rng.standard_normal((3, 4))
dw[0] = 0.0
with no_warnings("adagrad with some zero gradients at the first update",
                 hint="add epsilon to the denominator: dw / (np.sqrt(cache) + epsilon)."):
    next_w, _ = adagrad(np.ones((3, 4)), dw.copy())
check_array("adagrad(ones, dw) where the first row of dw is 0", next_w[0], np.ones(4), rtol=1e-12,
            hint="A zero gradient gives a zero step.")
# epsilon is used: a huge epsilon makes the step tiny (outside or inside the square root)
next_w, _ = adagrad(np.zeros((2, 2)), np.ones((2, 2)), {"learning_rate": 1.0, "epsilon": 1e4})
if not np.all(np.abs(next_w) < 2e-2):
    raise HintError(f"adagrad(zeros, ones, {{'learning_rate': 1.0, 'epsilon': 1e4}}) moved w by {np.abs(next_w).max():.3g}; "
                    "with epsilon = 1e4 the step should be tiny. Is config['epsilon'] ignored (a fixed 1e-8)?")
# two parameters updated in turn, each with its own config, both starting from config=None
wa0, wb0 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))  # the shape of the visible tests
Ga = rng.uniform(0.3, 2.0, size=(4, 4, 3)) * signs((4, 4, 3))
Gb = rng.uniform(0.3, 2.0, size=(4, 4, 3)) * signs((4, 4, 3))
wa, wb, ca, cb = wa0.copy(), wb0.copy(), None, None
for t in range(4):
    wa, ca = adagrad(wa.copy(), Ga[t].copy(), ca)
    wb, cb = adagrad(wb.copy(), Gb[t].copy(), cb)
if ca is cb or np.shares_memory(ca["cache"], cb["cache"]):
    raise HintError("Two calls of adagrad with config=None returned configs that share their cache: the state is "
                    "shared between parameters. A default argument config={} or a module-level dict is created "
                    "once and shared by every call: create a new dict inside the function.")
check_array("w of the first of two parameters updated in turn, each with its own config", wa,
            adagrad_path(wa0, lambda w, t: Ga[t], 4, 1e-2)[-1], rtol=1e-6, atol=1e-7)
check_array("w of the second of two parameters updated in turn, each with its own config", wb,
            adagrad_path(wb0, lambda w, t: Gb[t], 4, 1e-2)[-1], rtol=1e-6, atol=1e-7)
# a gradient that depends on w, 3-D parameter
curvature = rng.uniform(0.5, 5.0, size=(2, 3, 2))
w0 = rng.uniform(1.0, 3.0, size=(2, 3, 2)) * signs((2, 3, 2))
bowl = lambda w, t: curvature * w
path, _ = run_rule(adagrad, w0, bowl, 6, {"learning_rate": 0.3})
check_array("w after each of 6 adagrad updates on a quadratic bowl (learning_rate 0.3)", path,
            adagrad_path(w0, bowl, 6, 0.3), rtol=1e-6, atol=1e-7)
### END HIDDEN TESTS
passed("test_adagrad")


# %% kind="tests" grade_id="test_adagrad_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

# bad arguments of adagrad are refused with a ValueError naming the argument and its value
rng = np.random.default_rng(723)
w0 = rng.standard_normal((4, 3))
check_raises(ValueError, adagrad, w0.copy(), w0.copy(), {"epsilon": 0.0}, must_mention="epsilon", what="epsilon=0.0")
check_raises(ValueError, adagrad, w0.copy(), w0.copy(), {"learning_rate": -1.0},
             must_mention=["learning_rate", "-1"], what="learning_rate=-1.0")
### BEGIN HIDDEN TESTS
check_raises(ValueError, adagrad, w0.copy(), w0.copy(), {"epsilon": -1.0}, must_mention=["epsilon", "-1"],
             what="epsilon=-1.0")
### END HIDDEN TESTS
passed("test_adagrad_args")

# %% [markdown] kind="readonly" grade_id="md-rmsprop"
# ## Exercise 5: `rmsprop`
#
# $\text{cache} \leftarrow \rho\,\text{cache} + (1 - \rho)\,dw^2$, $w \leftarrow w - \eta\, dw / (\sqrt{\text{cache}} +
# \epsilon)$, with $\rho$ = `decay_rate` and the cache in `config['cache']`. Refuse a negative learning rate,
# a decay rate outside $[0, 1)$ and $\epsilon \le 0$.

# %% kind="answer" grade_id="rmsprop"
def rmsprop(w, dw, config=None):
    """RMSProp: cache = decay_rate * cache + (1 - decay_rate) * dw**2;
    next_w = w - learning_rate * dw / (sqrt(cache) + epsilon), elementwise.

    Inputs:
    - w: float array of any shape S; dw: its gradient, shape S.
    - config: dict or None, with
      - learning_rate: float >= 0 (default 1e-2);
      - decay_rate: float in [0, 1) (default 0.99), the weight of the OLD cache;
      - epsilon: float > 0 (default 1e-8);
      - cache: float array of shape S, the moving average of dw**2 (zeros if absent).

    Returns (next_w, config) with config['cache'] the new cache.
    Raises ValueError naming the hyperparameter and its value if one is out of range.
    """
    # Hint: decay_rate multiplies the old cache, (1 - decay_rate) the new dw**2.
    ### BEGIN SOLUTION
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    lr = require_number("learning_rate", config["learning_rate"], low=0)
    rho = require_number("decay_rate", config["decay_rate"], low=0, high=1, high_open=True)
    eps = require_number("epsilon", config["epsilon"], low=0, low_open=True)
    cache = config.get("cache")
    if cache is None:
        cache = np.zeros_like(w, dtype=float)
    cache = rho * cache + (1 - rho) * dw * dw
    config["cache"] = cache
    next_w = w - lr * dw / (np.sqrt(cache) + eps)
    return next_w, config
    ### END SOLUTION


# %% kind="tests" grade_id="test_rmsprop" points=2
import numpy as np
from cs231n_utils.testing import HintError, check_array, passed
from cs231n_utils.validation import describe


def run_rule(rule, w0, grad, steps, config=None):
    """w0 and the w after each of `steps` updates of `rule`, stacked, with dw = grad(w, t); and the last config."""
    w, path = w0.copy(), [w0.copy()]
    for t in range(steps):
        try:
            result = rule(w.copy(), grad(w, t), config)
        except (AttributeError, TypeError) as exc:
            if config is None and "NoneType" in str(exc):
                raise HintError(f"`{rule.__name__}` failed when called with config=None ({exc}). Start with "
                                "`if config is None: config = {}`.") from None
            raise
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
            raise HintError(f"`{rule.__name__}` must return a pair (next_w, config) with config a dict; at update "
                            f"{t + 1} it returned {describe(result)}")
        w, config = result
        check_array(f"next_w returned by `{rule.__name__}` at update {t + 1}", w, shape=w0.shape)
        path.append(w.copy())
    return np.array(path), config


def rmsprop_path(w0, grad, steps, lr, rho, old_weight=None, new_weight=None):
    """RMSProp with cache = old_weight * cache + new_weight * dw**2 (by default rho and 1 - rho)."""
    old_weight = rho if old_weight is None else old_weight
    new_weight = 1 - rho if new_weight is None else new_weight
    w, cache, path = w0.copy(), np.zeros_like(w0), [w0.copy()]
    for t in range(steps):
        g = grad(w, t)
        cache = old_weight * cache + new_weight * g * g
        w = w - lr * g / (np.sqrt(cache) + 1e-8)
        path.append(w)
    return np.array(path)


rng = np.random.default_rng(704)
signs = lambda shape: rng.choice([-1.0, 1.0], size=shape)
w0 = rng.standard_normal((4, 3))
G = rng.uniform(0.3, 2.0, size=(6, 4, 3)) * signs((6, 4, 3))
grad = lambda w, t: G[t].copy()
path, config = run_rule(rmsprop, w0, grad, 1)
check_array("rmsprop(w, dw) (the first update with the defaults: cache = 0.01 dw**2, a step of about 0.1 sign(dw))",
            path[1], rmsprop_path(w0, grad, 1, 1e-2, 0.99)[1], rtol=1e-6, atol=1e-7,
            hint="config=None: the defaults are learning_rate 1e-2, decay_rate 0.99 and epsilon 1e-8.",
            mistakes={"decay_rate on the wrong term: cache = (1 - decay_rate) * cache + decay_rate * dw**2":
                      rmsprop_path(w0, grad, 1, 1e-2, 0.99, 0.01, 0.99)[1],
                      "cache = cache + dw**2 (that is Adagrad): RMSProp decays the old cache":
                      rmsprop_path(w0, grad, 1, 1e-2, 0.99, 1.0, 1.0)[1]})
if not isinstance(config.get("cache"), np.ndarray) or config["cache"].shape != w0.shape:
    raise HintError(f"config['cache'] should hold the cache, an array of w's shape {w0.shape}; got "
                    f"{describe(config.get('cache'))}. The state of the rule lives in config.")

path, config = run_rule(rmsprop, w0, grad, 6, {"learning_rate": 0.1, "decay_rate": 0.9})
check_array("w after each of 6 rmsprop updates (learning_rate 0.1, decay_rate 0.9)", path,
            rmsprop_path(w0, grad, 6, 0.1, 0.9), rtol=1e-6, atol=1e-7,
            mistakes={"decay_rate on the wrong term: cache = (1 - decay_rate) * cache + decay_rate * dw**2":
                      rmsprop_path(w0, grad, 6, 0.1, 0.9, 0.1, 0.9),
                      "cache = cache + dw**2 (that is Adagrad): RMSProp decays the old cache":
                      rmsprop_path(w0, grad, 6, 0.1, 0.9, 1.0, 1.0),
                      "the cache is not kept between calls: store it in config['cache']":
                      rmsprop_path(w0, grad, 6, 0.1, 0.9, 0.0, 0.1),
                      "ignoring config['decay_rate'] (always 0.99)": rmsprop_path(w0, grad, 6, 0.1, 0.99)})
### BEGIN HIDDEN TESTS
# two parameters updated in turn, each with its own config, both starting from config=None
wa0, wb0 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))  # the shape of the visible tests
Ga = rng.uniform(0.3, 2.0, size=(4, 4, 3)) * signs((4, 4, 3))
Gb = rng.uniform(0.3, 2.0, size=(4, 4, 3)) * signs((4, 4, 3))
wa, wb, ca, cb = wa0.copy(), wb0.copy(), None, None
for t in range(4):
    wa, ca = rmsprop(wa.copy(), Ga[t].copy(), ca)
    wb, cb = rmsprop(wb.copy(), Gb[t].copy(), cb)
if ca is cb or np.shares_memory(ca["cache"], cb["cache"]):
    raise HintError("Two calls of rmsprop with config=None returned configs that share their cache: the state is "
                    "shared between parameters. A default argument config={} or a module-level dict is created "
                    "once and shared by every call: create a new dict inside the function.")
check_array("w of the first of two parameters updated in turn, each with its own config", wa,
            rmsprop_path(wa0, lambda w, t: Ga[t], 4, 1e-2, 0.99)[-1], rtol=1e-6, atol=1e-7)
check_array("w of the second of two parameters updated in turn, each with its own config", wb,
            rmsprop_path(wb0, lambda w, t: Gb[t], 4, 1e-2, 0.99)[-1], rtol=1e-6, atol=1e-7)
# a gradient that depends on w, 3-D parameter; decay_rate 0 is allowed
curvature = rng.uniform(0.5, 5.0, size=(2, 2, 3))
w0 = rng.uniform(1.0, 3.0, size=(2, 2, 3)) * signs((2, 2, 3))
bowl = lambda w, t: curvature * w
path, _ = run_rule(rmsprop, w0, bowl, 6, {"learning_rate": 0.02, "decay_rate": 0.5})
check_array("w after each of 6 rmsprop updates on a quadratic bowl (learning_rate 0.02, decay_rate 0.5)", path,
            rmsprop_path(w0, bowl, 6, 0.02, 0.5), rtol=1e-6, atol=1e-7)
path, _ = run_rule(rmsprop, w0, bowl, 3, {"learning_rate": 0.02, "decay_rate": 0.0})
check_array("w after each of 3 rmsprop updates with decay_rate 0", path, rmsprop_path(w0, bowl, 3, 0.02, 0.0),
            rtol=1e-6, atol=1e-7, hint="decay_rate = 0 is allowed (the range is [0, 1)): the cache is then the last dw**2.")
# epsilon is used
next_w, _ = rmsprop(np.zeros((2, 2)), np.ones((2, 2)), {"learning_rate": 1.0, "epsilon": 1e4})
if not np.all(np.abs(next_w) < 2e-2):
    raise HintError(f"rmsprop(zeros, ones, {{'learning_rate': 1.0, 'epsilon': 1e4}}) moved w by {np.abs(next_w).max():.3g}; "
                    "with epsilon = 1e4 the step should be tiny. Is config['epsilon'] ignored (a fixed 1e-8)?")
### END HIDDEN TESTS
passed("test_rmsprop")


# %% kind="tests" grade_id="test_rmsprop_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

# bad arguments of rmsprop are refused with a ValueError naming the argument and its value
rng = np.random.default_rng(724)
w0 = rng.standard_normal((4, 3))
check_raises(ValueError, rmsprop, w0.copy(), w0.copy(), {"decay_rate": 1.5}, must_mention=["decay_rate", "1.5"],
             what="decay_rate=1.5")
### BEGIN HIDDEN TESTS
for key, bad in (("decay_rate", 1.0), ("decay_rate", -0.1), ("epsilon", 0.0), ("learning_rate", -1.0)):
    check_raises(ValueError, rmsprop, w0.copy(), w0.copy(), {key: bad}, must_mention=key, what=f"{key}={bad}")
### END HIDDEN TESTS
passed("test_rmsprop_args")

# %% [markdown] kind="readonly" grade_id="md-adam"
# ## Exercise 6: `adam`
#
# The update of the lesson, with bias correction: $t \leftarrow t + 1$ first, then the moments, their
# corrections $\hat m = m / (1 - \beta_1^t)$, $\hat v = v / (1 - \beta_2^t)$, and
# $w \leftarrow w - \eta\,\hat m / (\sqrt{\hat v} + \epsilon)$. State: `m`, `v` (zeros of `w`'s shape) and `t`
# (0 before the first update, so after $n$ updates `config['t'] == n`). Refuse a negative learning rate,
# betas outside $[0, 1)$ and $\epsilon \le 0$.

# %% kind="answer" grade_id="adam"
def adam(w, dw, config=None):
    """Adam with bias correction:
        t += 1;  m = beta1 * m + (1 - beta1) * dw;  v = beta2 * v + (1 - beta2) * dw**2;
        m_hat = m / (1 - beta1**t);  v_hat = v / (1 - beta2**t);
        next_w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon).

    Inputs:
    - w: float array of any shape S; dw: its gradient, shape S.
    - config: dict or None, with
      - learning_rate: float >= 0 (default 1e-3);
      - beta1, beta2: floats in [0, 1) (defaults 0.9 and 0.999);
      - epsilon: float > 0 (default 1e-8);
      - m, v: float arrays of shape S, the moving averages of dw and dw**2 (zeros if absent);
      - t: int, the number of updates made so far (0 if absent), incremented BEFORE it is used.

    Returns (next_w, config) with the new m, v and t in config.
    Raises ValueError naming the hyperparameter and its value if one is out of range.
    """
    # Hint: t = config.get("t", 0) + 1 at the top; store m, v and t back in config.
    ### BEGIN SOLUTION
    config = {} if config is None else config
    for key, default in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)):
        config.setdefault(key, default)
    lr = require_number("learning_rate", config["learning_rate"], low=0)
    beta1 = require_number("beta1", config["beta1"], low=0, high=1, high_open=True)
    beta2 = require_number("beta2", config["beta2"], low=0, high=1, high_open=True)
    eps = require_number("epsilon", config["epsilon"], low=0, low_open=True)
    m = config.get("m")
    v = config.get("v")
    if m is None:
        m = np.zeros_like(w, dtype=float)
    if v is None:
        v = np.zeros_like(w, dtype=float)
    t = config.get("t", 0) + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    config["m"], config["v"], config["t"] = m, v, t
    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return next_w, config
    ### END SOLUTION


# %% kind="tests" grade_id="test_adam" points=3
import numpy as np
from cs231n_utils.testing import HintError, check_array, no_warnings, passed
from cs231n_utils.validation import describe


def run_rule(rule, w0, grad, steps, config=None):
    """w0 and the w after each of `steps` updates of `rule`, stacked, with dw = grad(w, t); and the last config."""
    w, path = w0.copy(), [w0.copy()]
    for t in range(steps):
        try:
            result = rule(w.copy(), grad(w, t), config)
        except (AttributeError, TypeError) as exc:
            if config is None and "NoneType" in str(exc):
                raise HintError(f"`{rule.__name__}` failed when called with config=None ({exc}). Start with "
                                "`if config is None: config = {}`.") from None
            raise
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
            raise HintError(f"`{rule.__name__}` must return a pair (next_w, config) with config a dict; at update "
                            f"{t + 1} it returned {describe(result)}")
        w, config = result
        check_array(f"next_w returned by `{rule.__name__}` at update {t + 1}", w, shape=w0.shape)
        path.append(w.copy())
    return np.array(path), config


def adam_path(w0, grad, steps, lr, beta1, beta2, correct=True, t_of=lambda t: t, keep=True):
    """Adam; `correct` False drops the bias correction; t_of maps the true update count to the t used;
    `keep` False starts every update from m = v = 0."""
    w, m, v, path = w0.copy(), np.zeros_like(w0), np.zeros_like(w0), [w0.copy()]
    for t in range(1, steps + 1):
        g = grad(w, t - 1)
        if not keep:
            m, v = np.zeros_like(w0), np.zeros_like(w0)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        tt = t_of(t)
        m_hat, v_hat = (m / (1 - beta1 ** tt), v / (1 - beta2 ** tt)) if correct else (m, v)
        w = w - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        path.append(w)
    return np.array(path)


t_hint = ("t counts the updates and is incremented BEFORE it is used: at the first update t = 1 (with t = 0 the "
          "bias correction divides by 1 - beta**0 = 0).")
rng = np.random.default_rng(705)
signs = lambda shape: rng.choice([-1.0, 1.0], size=shape)
w0 = rng.standard_normal((4, 3))
G = rng.uniform(0.3, 2.0, size=(6, 4, 3)) * signs((6, 4, 3))
grad = lambda w, t: G[t].copy()
with no_warnings("adam (the first update, default config)", hint=t_hint):
    path, config = run_rule(adam, w0, grad, 1)
check_array("adam(w, dw) (the first update with the defaults: a step of learning_rate * sign(dw) = 1e-3 sign(dw))",
            path[1], adam_path(w0, grad, 1, 1e-3, 0.9, 0.999)[1], rtol=1e-6, atol=1e-7,
            hint="config=None: the defaults are learning_rate 1e-3, beta1 0.9, beta2 0.999 and epsilon 1e-8.",
            mistakes={"no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t)":
                      adam_path(w0, grad, 1, 1e-3, 0.9, 0.999, correct=False)[1]})

with no_warnings("adam (6 updates, learning_rate 0.1, beta1 0.8, beta2 0.95)", hint=t_hint):
    path, config = run_rule(adam, w0, grad, 6, {"learning_rate": 0.1, "beta1": 0.8, "beta2": 0.95})
check_array("w after each of 6 adam updates (learning_rate 0.1, beta1 0.8, beta2 0.95)", path,
            adam_path(w0, grad, 6, 0.1, 0.8, 0.95), rtol=1e-6, atol=1e-7,
            hint="config has no 'epsilon' here: the default epsilon is 1e-8.",
            mistakes={"no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t)":
                      adam_path(w0, grad, 6, 0.1, 0.8, 0.95, correct=False),
                      "t is not kept in config['t'] (the bias correction uses t = 1 at every update)":
                      adam_path(w0, grad, 6, 0.1, 0.8, 0.95, t_of=lambda t: 1),
                      "t one too large in the bias correction (incremented twice, or starting at 1)":
                      adam_path(w0, grad, 6, 0.1, 0.8, 0.95, t_of=lambda t: t + 1),
                      "beta1 and beta2 swapped": adam_path(w0, grad, 6, 0.1, 0.95, 0.8),
                      "m and v are not kept between calls: store them in config['m'] and config['v']":
                      adam_path(w0, grad, 6, 0.1, 0.8, 0.95, keep=False)})
for key in ("m", "v"):
    if not isinstance(config.get(key), np.ndarray) or config[key].shape != w0.shape:
        raise HintError(f"config[{key!r}] should hold a moment, an array of w's shape {w0.shape}; got "
                        f"{describe(config.get(key))}. The state of the rule lives in config.")
if config.get("t") != 6:
    raise HintError(f"after 6 updates config['t'] should be 6, got {describe(config.get('t'))}. " + t_hint)
### BEGIN HIDDEN TESTS
# two parameters updated in turn, each with its own config, both starting from config=None
wa0, wb0 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))  # the shape of the visible tests
Ga = rng.uniform(0.3, 2.0, size=(4, 4, 3)) * signs((4, 4, 3))
Gb = rng.uniform(0.3, 2.0, size=(4, 4, 3)) * signs((4, 4, 3))
wa, wb, ca, cb = wa0.copy(), wb0.copy(), None, None
for t in range(4):
    wa, ca = adam(wa.copy(), Ga[t].copy(), ca)
    wb, cb = adam(wb.copy(), Gb[t].copy(), cb)
if ca is cb or np.shares_memory(ca["m"], cb["m"]) or np.shares_memory(ca["v"], cb["v"]):
    raise HintError("Two calls of adam with config=None returned configs that share their state: the state is "
                    "shared between parameters. A default argument config={} or a module-level dict is created "
                    "once and shared by every call: create a new dict inside the function.")
if ca.get("t") != 4 or cb.get("t") != 4:
    raise HintError(f"each of two parameters updated 4 times should have t = 4, got {ca.get('t')} and {cb.get('t')}")
adam_hint = ("Keep the state in the config you are given and nowhere else; config=None: the defaults are "
             "learning_rate 1e-3, beta1 0.9, beta2 0.999 and epsilon 1e-8.")
check_array("w of the first of two parameters updated in turn, each with its own config", wa,
            adam_path(wa0, lambda w, t: Ga[t], 4, 1e-3, 0.9, 0.999)[-1], rtol=1e-6, atol=1e-7, hint=adam_hint)
check_array("w of the second of two parameters updated in turn, each with its own config", wb,
            adam_path(wb0, lambda w, t: Gb[t], 4, 1e-3, 0.9, 0.999)[-1], rtol=1e-6, atol=1e-7, hint=adam_hint)
# a gradient that depends on w, a long run (the bias correction fades), 3-D parameter
curvature = rng.uniform(0.5, 5.0, size=(2, 2, 3))
w0 = rng.uniform(1.0, 3.0, size=(2, 2, 3)) * signs((2, 2, 3))
bowl = lambda w, t: curvature * w
with no_warnings("adam on a quadratic bowl", hint=t_hint):
    path, config = run_rule(adam, w0, bowl, 30, {"learning_rate": 0.05})
check_array("w after each of 30 adam updates on a quadratic bowl (learning_rate 0.05)", path,
            adam_path(w0, bowl, 30, 0.05, 0.9, 0.999), rtol=1e-5, atol=1e-6,
            mistakes={"no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t)":
                      adam_path(w0, bowl, 30, 0.05, 0.9, 0.999, correct=False)})
# epsilon is used
next_w, _ = adam(np.zeros((2, 2)), np.ones((2, 2)), {"learning_rate": 1.0, "epsilon": 1e4})
if not np.all(np.abs(next_w) < 2e-2):
    raise HintError(f"adam(zeros, ones, {{'learning_rate': 1.0, 'epsilon': 1e4}}) moved w by {np.abs(next_w).max():.3g}; "
                    "with epsilon = 1e4 the step should be tiny. Is config['epsilon'] ignored (a fixed 1e-8)?")
### END HIDDEN TESTS
passed("test_adam")


# %% kind="tests" grade_id="test_adam_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

# bad arguments of adam are refused with a ValueError naming the argument and its value
rng = np.random.default_rng(725)
w0 = rng.standard_normal((4, 3))
check_raises(ValueError, adam, w0.copy(), w0.copy(), {"beta1": 1.5}, must_mention=["beta1", "1.5"], what="beta1=1.5")
check_raises(ValueError, adam, w0.copy(), w0.copy(), {"beta2": -0.5}, must_mention=["beta2", "-0.5"],
             what="beta2=-0.5")
### BEGIN HIDDEN TESTS
for key, bad in (("beta1", 1.0), ("beta1", -0.1), ("beta2", 1.0), ("beta2", 1.5), ("epsilon", 0.0),
                 ("epsilon", -1e-8), ("learning_rate", -1.0)):
    check_raises(ValueError, adam, w0.copy(), w0.copy(), {key: bad}, must_mention=key, what=f"{key}={bad}")
### END HIDDEN TESTS
passed("test_adam_args")

# %% [markdown] kind="readonly" grade_id="md-schedules"
# ## Exercise 7: learning-rate schedules
#
# Three functions of the initial rate `lr0` and the time `epoch` (an epoch or an iteration count,
# a number $\ge 0$), returning the learning rate as a float:
# - `step_decay(lr0, epoch, drop=0.5, epochs_drop=10)` $= \text{lr0}\cdot\text{drop}^{\lfloor \text{epoch}/\text{epochs\_drop}\rfloor}$;
# - `exponential_decay(lr0, epoch, k=0.1)` $= \text{lr0}\cdot e^{-k\,\text{epoch}}$;
# - `inverse_time_decay(lr0, epoch, k=0.1)` $= \text{lr0} / (1 + k\,\text{epoch})$.
#
# Refuse, with a `ValueError` naming the argument and its value: `lr0 < 0`, `epoch < 0`, `drop` outside
# $(0, 1]$, `epochs_drop` $\le 0$, `k < 0`. The `Solver` takes one of them as
# `lr_schedule=lambda epoch: step_decay(0.1, epoch)`.

# %% kind="answer" grade_id="schedules"
def step_decay(lr0, epoch, drop=0.5, epochs_drop=10):
    """Step decay: lr0 * drop ** floor(epoch / epochs_drop).

    Inputs: lr0 >= 0 the initial learning rate; epoch >= 0 (int or float) the time;
    drop in (0, 1] the factor applied every epochs_drop (> 0) epochs.
    Returns the learning rate. Raises ValueError naming a bad argument and its value.
    """
    # Hint: np.floor(epoch / epochs_drop), or epoch // epochs_drop.
    ### BEGIN SOLUTION
    lr0 = require_number("lr0", lr0, low=0)
    epoch = require_number("epoch", epoch, low=0)
    drop = require_number("drop", drop, low=0, high=1, low_open=True)
    epochs_drop = require_number("epochs_drop", epochs_drop, low=0, low_open=True)
    return float(lr0 * drop ** np.floor(epoch / epochs_drop))
    ### END SOLUTION


def exponential_decay(lr0, epoch, k=0.1):
    """Exponential decay: lr0 * exp(-k * epoch).

    Inputs: lr0 >= 0; epoch >= 0 (int or float); k >= 0 the decay rate.
    Returns the learning rate. Raises ValueError naming a bad argument and its value.
    """
    ### BEGIN SOLUTION
    lr0 = require_number("lr0", lr0, low=0)
    epoch = require_number("epoch", epoch, low=0)
    k = require_number("k", k, low=0)
    return float(lr0 * np.exp(-k * epoch))
    ### END SOLUTION


def inverse_time_decay(lr0, epoch, k=0.1):
    """1/t decay: lr0 / (1 + k * epoch).

    Inputs: lr0 >= 0; epoch >= 0 (int or float); k >= 0 the decay rate.
    Returns the learning rate. Raises ValueError naming a bad argument and its value.
    """
    ### BEGIN SOLUTION
    lr0 = require_number("lr0", lr0, low=0)
    epoch = require_number("epoch", epoch, low=0)
    k = require_number("k", k, low=0)
    return float(lr0 / (1 + k * epoch))
    ### END SOLUTION


# %% kind="tests" grade_id="test_schedules" points=2
import math

import numpy as np
from cs231n_utils.testing import check_scalar, passed

for epoch in (0, 5, 9, 10, 15, 19, 20, 35):
    check_scalar(f"step_decay(0.1, {epoch}, drop=0.5, epochs_drop=10)", step_decay(0.1, epoch, drop=0.5, epochs_drop=10),
                 0.1 * 0.5 ** (epoch // 10), rtol=1e-9,
                 mistakes={"no floor: drop ** (epoch / epochs_drop) decays smoothly; step decay is a staircase, "
                           "drop ** floor(epoch / epochs_drop)": 0.1 * 0.5 ** (epoch / 10),
                           "drop ** epoch: the rate should drop once every epochs_drop epochs": 0.1 * 0.5 ** epoch,
                           "floor(epoch / epochs_drop) one too large (the first drop comes too early)":
                           0.1 * 0.5 ** (epoch // 10 + 1)})
check_scalar("step_decay(1.0, 10) (defaults drop=0.5, epochs_drop=10)", step_decay(1.0, 10), 0.5, rtol=1e-9)
for epoch in (0, 1, 10, 30):
    check_scalar(f"exponential_decay(0.1, {epoch}, k=0.05)", exponential_decay(0.1, epoch, k=0.05),
                 0.1 * math.exp(-0.05 * epoch), rtol=1e-9,
                 mistakes={"exp(+k * epoch): the rate must decrease, lr0 * exp(-k * epoch)": 0.1 * math.exp(0.05 * epoch),
                           "ignoring k": 0.1 * math.exp(-0.1 * epoch)})
for epoch in (0, 1, 10, 30):
    check_scalar(f"inverse_time_decay(0.1, {epoch}, k=0.5)", inverse_time_decay(0.1, epoch, k=0.5),
                 0.1 / (1 + 0.5 * epoch), rtol=1e-9,
                 mistakes={"ignoring k: lr0 / (1 + k * epoch)": 0.1 / (1 + 0.1 * epoch),
                           "lr0 / (1 + epoch): k is missing": 0.1 / (1 + epoch)})
### BEGIN HIDDEN TESTS
for epoch in (0, 2, 3, 7, 12):
    check_scalar(f"step_decay(2.0, {epoch}, drop=0.1, epochs_drop=3)", step_decay(2.0, epoch, drop=0.1, epochs_drop=3),
                 2.0 * 0.1 ** (epoch // 3), rtol=1e-9,
                 mistakes={"ignoring epochs_drop (always 10)": 2.0 * 0.1 ** (epoch // 10),
                           "ignoring drop (always 0.5)": 2.0 * 0.5 ** (epoch // 3)})
check_scalar("step_decay(0.3, 40, drop=1.0) (drop 1 keeps the rate constant)", step_decay(0.3, 40, drop=1.0), 0.3,
             rtol=1e-12)
check_scalar("step_decay(0.1, 25.5) (a float epoch)", step_decay(0.1, 25.5), 0.025, rtol=1e-9)
check_scalar("exponential_decay(0.2, 7, k=0) (k = 0: constant)", exponential_decay(0.2, 7, k=0.0), 0.2, rtol=1e-12)
check_scalar("inverse_time_decay(0.2, 7, k=0) (k = 0: constant)", inverse_time_decay(0.2, 7, k=0.0), 0.2, rtol=1e-12)
check_scalar("exponential_decay(1.0, 2.5) (default k = 0.1)", exponential_decay(1.0, 2.5), math.exp(-0.25), rtol=1e-9)
check_scalar("inverse_time_decay(1.0, 2.5) (default k = 0.1)", inverse_time_decay(1.0, 2.5), 1 / 1.25, rtol=1e-9)
check_scalar("inverse_time_decay(3.0, 1000, k=1.0)", inverse_time_decay(3.0, 1000, k=1.0), 3.0 / 1001, rtol=1e-9)
### END HIDDEN TESTS
passed("test_schedules")


# %% kind="tests" grade_id="test_schedules_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

# bad arguments of the schedules are refused with a ValueError naming the argument and its value
rng = np.random.default_rng(726)
check_raises(ValueError, step_decay, -1.0, 3, must_mention=["lr0", "-1"], what="lr0=-1.0")
check_raises(ValueError, exponential_decay, 0.1, 3, k=-0.5, must_mention=["k", "-0.5"], what="k=-0.5")
### BEGIN HIDDEN TESTS
check_raises(ValueError, step_decay, 0.1, 3, drop=0.0, must_mention="drop", what="drop=0.0")
check_raises(ValueError, step_decay, 0.1, 3, drop=1.5, must_mention=["drop", "1.5"], what="drop=1.5")
check_raises(ValueError, step_decay, 0.1, 3, epochs_drop=0, must_mention="epochs_drop", what="epochs_drop=0")
check_raises(ValueError, step_decay, 0.1, -1, must_mention=["epoch", "-1"], what="epoch=-1")
check_raises(ValueError, exponential_decay, -1.0, 3, must_mention=["lr0", "-1"], what="lr0=-1.0")
check_raises(ValueError, inverse_time_decay, -1.0, 3, must_mention=["lr0", "-1"], what="lr0=-1.0")
check_raises(ValueError, inverse_time_decay, 0.1, 3, k=-0.5, must_mention=["k", "-0.5"], what="k=-0.5")
check_raises(ValueError, exponential_decay, 0.1, -2, must_mention=["epoch", "-2"], what="epoch=-2")
check_raises(ValueError, inverse_time_decay, 0.1, -3, must_mention=["epoch", "-3"], what="epoch=-3")
check_raises(ValueError, step_decay, 0.1, 3, epochs_drop=-5, must_mention=["epochs_drop", "-5"], what="epochs_drop=-5")
### END HIDDEN TESTS
passed("test_schedules_args")

# %% [markdown] kind="readonly" grade_id="md-clip"
# ## Exercise 8: `clip_grad_norm`
#
# `grads` is a dict name $\to$ gradient array (`{'W1': ..., 'b1': ..., ...}`, as `model.loss` returns).
# Compute the global norm $\|g\| = \sqrt{\sum_{\text{name}} \sum (g_{\text{name}})^2}$ over **all** entries of
# **all** arrays. If it exceeds `max_norm`, multiply every array by $\text{max\_norm}/\|g\|$; otherwise leave
# them as they are. Return `(clipped, total_norm)`: a dict with the same keys, holding the clipped arrays,
# and the global norm *before* clipping. Do not modify the caller's arrays in place. Refuse
# `max_norm <= 0`. (The `Solver` takes it as `grad_clip=functools.partial(clip_grad_norm, max_norm=5.0)`.)

# %% kind="answer" grade_id="clip_grad_norm"
def clip_grad_norm(grads, max_norm):
    """Scale a dict of gradients so that their global norm is at most max_norm.

    Inputs:
    - grads: dict name -> float array (any shapes), the gradients of all the parameters. Not modified.
    - max_norm: float > 0.

    Returns (clipped, total_norm):
    - clipped: a dict with the same keys; if total_norm > max_norm every array is multiplied by
      max_norm / total_norm (so the global norm becomes max_norm, the direction is unchanged),
      otherwise the arrays keep their values.
    - total_norm: sqrt of the sum of the squares of all the entries of all the arrays, before
      clipping.
    Raises ValueError naming max_norm and its value if max_norm <= 0.
    """
    # Hint: total_norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values())); build a new dict.
    ### BEGIN SOLUTION
    max_norm = require_number("max_norm", max_norm, low=0, low_open=True)
    total_norm = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads.values())))
    scale = max_norm / total_norm if total_norm > max_norm else 1.0
    clipped = {name: g * scale for name, g in grads.items()}
    return clipped, total_norm
    ### END SOLUTION


# %% kind="tests" grade_id="test_clip_grad_norm" points=2
import numpy as np
from cs231n_utils.testing import HintError, check_array, check_scalar, no_warnings, passed
from cs231n_utils.validation import describe


def call_clip(grads, max_norm):
    """clip_grad_norm on copies of grads; checks the form of the result and that the copies are untouched."""
    given = {k: g.copy() for k, g in grads.items()}
    result = clip_grad_norm(given, max_norm)
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], dict)):
        raise HintError(f"clip_grad_norm should return a pair (clipped, total_norm) with clipped a dict; got "
                        f"{describe(result)}")
    clipped, total = result
    if set(clipped) != set(grads):
        raise HintError(f"the clipped dict should have the keys of grads, {sorted(grads)}; got {sorted(clipped)}")
    for k in grads:
        check_array(f"grads[{k!r}] after clip_grad_norm(grads, {max_norm})", given[k], grads[k], rtol=0, atol=0,
                    hint="clip_grad_norm changed the caller's gradients in place (e.g. g *= scale): build new arrays "
                         "(g * scale) in a new dict.")
    return clipped, total


rng = np.random.default_rng(706)
grads = {"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal(3), "W2": 3 * rng.standard_normal((3, 2))}
norms = {k: np.sqrt(np.sum(g ** 2)) for k, g in grads.items()}
total = np.sqrt(sum(n ** 2 for n in norms.values()))  # about 8
clipped, total_norm = call_clip(grads, 2.0)
check_scalar("total_norm returned by clip_grad_norm (the global norm before clipping)", total_norm, total, rtol=1e-9,
             mistakes={"the largest norm of one parameter: the global norm is sqrt(sum over ALL entries of ALL arrays)":
                       max(norms.values()),
                       "the sum of the parameters' norms: square them, add, take the square root":
                       sum(norms.values()),
                       "the squared norm: take the square root": total ** 2,
                       "the norm after clipping: return the norm before clipping": 2.0})
for k, g in grads.items():
    check_array(f"clip_grad_norm(grads, max_norm=2.0)[0][{k!r}] (global norm {total:.2f})", clipped[k],
                g * 2.0 / total, rtol=1e-5,
                mistakes={"each parameter clipped separately (by its own norm): scale ALL arrays by the same "
                          "max_norm / global_norm": g * min(1.0, 2.0 / norms[k]),
                          "each entry clipped to [-max_norm, max_norm] (np.clip): rescale by the global norm "
                          "instead": np.clip(g, -2.0, 2.0)})
clipped, total_norm = call_clip(grads, 100.0)
for k, g in grads.items():
    check_array(f"clip_grad_norm(grads, max_norm=100.0)[0][{k!r}] (global norm {total:.2f}, below max_norm)",
                clipped[k], g, rtol=1e-9,
                mistakes={"scaling to max_norm even when the global norm is below max_norm: leave the gradients "
                          "unchanged then": g * 100.0 / total})
### BEGIN HIDDEN TESTS
# all zeros: no division by zero
zeros = {"W": np.zeros((3, 3)), "b": np.zeros(3)}
with no_warnings("clip_grad_norm on gradients that are all 0", hint="do not divide by the norm when it is 0 "
                 "(only scale when the norm exceeds max_norm)."):
    clipped, total_norm = call_clip(zeros, 1.0)
check_scalar("total_norm of all-zero gradients", total_norm, 0.0, atol=0)
check_array("clip_grad_norm(zeros)[0]['W']", clipped["W"], np.zeros((3, 3)), atol=0)
# one 3-D parameter and a larger dict; the clipped global norm is max_norm, direction kept
one = {"w": 10 * rng.standard_normal((2, 3, 4))}
clipped, total_norm = call_clip(one, 0.5)
check_scalar("global norm of clip_grad_norm({'w': 3-D array}, 0.5)[0]", np.sqrt(np.sum(clipped["w"] ** 2)), 0.5,
             rtol=1e-5)
many = {f"p{i}": rng.standard_normal(rng.integers(1, 5, size=2)) * rng.uniform(0.1, 5) for i in range(6)}
total = np.sqrt(sum(np.sum(g ** 2) for g in many.values()))
clipped, total_norm = call_clip(many, 1.5)
check_scalar("total_norm for 6 parameters", total_norm, total, rtol=1e-9)
check_scalar("global norm after clip_grad_norm(6 parameters, 1.5)",
             np.sqrt(sum(np.sum(g ** 2) for g in clipped.values())), 1.5, rtol=1e-5,
             hint="Scale every array by the same factor max_norm / global_norm.")
for k, g in many.items():
    check_array(f"clip_grad_norm(6 parameters, 1.5)[0][{k!r}]", clipped[k], g * 1.5 / total, rtol=1e-5,
                mistakes={"each parameter clipped separately (by its own norm): scale ALL arrays by the same "
                          "max_norm / global_norm": g * min(1.0, 1.5 / np.sqrt(np.sum(g ** 2)))})
### END HIDDEN TESTS
passed("test_clip_grad_norm")


# %% kind="tests" grade_id="test_clip_grad_norm_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

# bad arguments of clip_grad_norm are refused with a ValueError naming the argument and its value
rng = np.random.default_rng(727)
grads = {"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal(3)}
check_raises(ValueError, clip_grad_norm, grads, 0.0, must_mention="max_norm", what="max_norm=0.0")
### BEGIN HIDDEN TESTS
check_raises(ValueError, clip_grad_norm, grads, -1.0, must_mention=["max_norm", "-1"], what="max_norm=-1.0")
### END HIDDEN TESTS
passed("test_clip_grad_norm_args")

# %% [markdown] kind="readonly" grade_id="md-experiments"
# ## Experiments
#
# The rest of the notebook uses your functions. Nothing here is graded; run it, look at each
# picture, and read the sentence under it.
#
# ### 1. Paths on three surfaces
# Each rule starts from the same point (hollow square) on three 2-D functions $f(x, y)$, and takes
# the gradient of $f$ at its current point at every step:
# - an **ill-conditioned bowl** $f = x^2/100 + y^2$: curvatures 0.02 and 2, a condition number of 100;
# - a **saddle** $f = \frac12 x^2 + \frac14 y^4 - \frac12 y^2$: a saddle point at the origin, minima at
#   $(0, \pm 1)$; we start on the ridge, at $y = 10^{-3}$, where the gradient barely points to a minimum;
# - the **Rosenbrock** function $f = (1-x)^2 + 100(y - x^2)^2$: a curved, flat-bottomed valley with its
#   minimum at $(1, 1)$.
#
# The learning rate of each rule was picked by hand for each surface (it is in the legend): a fair
# comparison has each rule at a rate that suits it. The momentum family is on the left, the adaptive
# rules on the right.

# %% kind="readonly" grade_id="exp-paths"
# The plots start here. matplotlib is imported here, not at the top: grading stops before
# the plots, and so does not spend time loading it.
import matplotlib.pyplot as plt

# %matplotlib inline

from cs231n_utils.plots import plot_optimization_paths

RULES = {"SGD": sgd, "momentum": sgd_momentum, "Nesterov": nesterov_momentum,
         "Adagrad": adagrad, "RMSProp": rmsprop, "Adam": adam}


def optimize(rule, grad, start, steps, learning_rate):
    """The points visited by `rule` from `start` (a pair), shape (steps + 1, 2); stops if it blows up."""
    w, config, path = np.array(start, dtype=float), {"learning_rate": learning_rate}, [np.array(start, dtype=float)]
    for _ in range(steps):
        w, config = rule(w, grad(w), config)
        path.append(np.array(w, dtype=float))
        if not np.all(np.abs(w) < 1e6):
            break
    return np.array(path)


SURFACES = {
    "ill-conditioned bowl": dict(
        f=lambda x, y: x ** 2 / 100 + y ** 2, grad=lambda w: np.array([w[0] / 50, 2 * w[1]]),
        start=(-8.0, 1.5), steps=60, minimum=(0, 0), xlim=(-9, 3), ylim=(-2, 2), log_levels=False,
        lr={"SGD": 0.9, "momentum": 0.2, "Nesterov": 0.2, "Adagrad": 1.0, "RMSProp": 0.3, "Adam": 0.5}),
    "saddle": dict(
        f=lambda x, y: 0.5 * x ** 2 + 0.25 * y ** 4 - 0.5 * y ** 2, grad=lambda w: np.array([w[0], w[1] ** 3 - w[1]]),
        start=(-2.0, 1e-3), steps=50, minimum=(0, 1), xlim=(-2.5, 1.5), ylim=(-0.5, 1.5), log_levels=False,
        lr={"SGD": 0.1, "momentum": 0.1, "Nesterov": 0.1, "Adagrad": 0.5, "RMSProp": 0.02, "Adam": 0.1}),
    "Rosenbrock": dict(
        f=lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2,
        grad=lambda w: np.array([-2 * (1 - w[0]) - 400 * w[0] * (w[1] - w[0] ** 2), 200 * (w[1] - w[0] ** 2)]),
        start=(-1.2, 1.0), steps=500, minimum=(1, 1), xlim=(-1.6, 1.6), ylim=(-0.5, 1.6), log_levels=True,
        lr={"SGD": 2e-3, "momentum": 1e-3, "Nesterov": 1e-3, "Adagrad": 0.3, "RMSProp": 0.01, "Adam": 0.1}),
}

fig, axes = plt.subplots(3, 2, figsize=(9, 11), layout="constrained")
for row, (surface, s) in zip(axes, SURFACES.items()):
    steps = min(s["steps"], 100) if GRADING else s["steps"]
    paths = {name: optimize(rule, s["grad"], s["start"], steps, s["lr"][name]) for name, rule in RULES.items()}
    for ax, names in zip(row, (["momentum", "Nesterov", "SGD"], ["Adam", "RMSProp", "Adagrad"])):  # slowest on top
        plot_optimization_paths(s["f"], {f"{n} (lr {s['lr'][n]:g})": paths[n] for n in names}, xlim=s["xlim"],
                                ylim=s["ylim"], minimum=s["minimum"], log_levels=s["log_levels"], ax=ax,
                                title=f"{surface}, {steps} steps", resolution=60 if GRADING else 200)
    print(f"{surface:>22}: distance to the minimum after {steps} steps: " + ", ".join(
        f"{n} {np.linalg.norm(p[-1] - s['minimum']):.2g}" for n, p in paths.items()))
plt.show()

# %% [markdown] kind="readonly" grade_id="md-paths"
# **What to notice:**
# - *Bowl.* SGD at a learning rate close to its limit ($2/\lambda_{\max} = 1$) zig-zags across the
#   steep direction, then crawls along the flat one: after 60 steps it has covered only two thirds of
#   the way. Momentum, at a smaller rate, builds up speed along the valley and reaches the minimum,
#   still swinging from side to side across it; Nesterov's look-ahead damps that swinging within a few
#   steps. Adagrad and Adam first step diagonally (their steps are about `lr` in *every* coordinate,
#   whatever the size of the gradient), which ignores the ill-conditioning altogether; Adam's momentum
#   then overshoots a little. RMSProp's first steps are far too large, because its cache starts at 0
#   and, unlike Adam's, is not bias-corrected; after that it homes in fastest of all.
# - *Saddle.* SGD slides down to the saddle point and sits there: the gradient pointing to a minimum
#   ($\approx y$) is tiny, and so is SGD's step. Momentum and Nesterov overshoot the saddle along $x$,
#   but the small $y$-gradient accumulates in their velocity and they roll off towards the minimum; the
#   adaptive rules divide by the gradient's own size, so the tiny $y$-gradient
#   gets a full-size step and they leave the saddle at once.
# - *Rosenbrock.* Reaching the valley floor is easy; following its flat, curved bottom is the hard
#   part. SGD, whose learning rate is capped by the steep walls, creeps along it (after 500 steps it
#   is only about half-way along the floor, a distance of 1 from the minimum), and Adagrad's steps
#   shrink as its cache grows, so it stalls at the bottom of the valley. Momentum and Nesterov get
#   close to the minimum; Adam gets most of the way, RMSProp about as far as SGD.
#
# ### 2. One network on the digits, trained with each rule
# A two-layer network (64 inputs, 100 tanh units, 10 classes) on the handwritten digits, the same
# initial weights for every rule, each at its **default** hyperparameters, 15 epochs of minibatches
# of 50. The activation and the initializer are provided below (they are another notebook's subject).

# %% kind="readonly" grade_id="exp-provided-net"
from cs231n_utils.data import load_digits
from cs231n_utils.model import FullyConnectedNet
from cs231n_utils.plots import plot_training_curves
from cs231n_utils.solver import Solver


def provided_tanh_forward(x):
    """Provided activation (np.tanh), returning (out, cache)."""
    out = np.tanh(x)
    return out, out


def provided_tanh_backward(dout, cache):
    """Backward pass of provided_tanh_forward: dout * (1 - tanh(x)**2)."""
    return dout * (1.0 - cache ** 2)


def provided_init(fan_in, fan_out, rng):
    """Provided initializer: Gaussian weights of variance 1 / fan_in."""
    return rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)


def train_digits(update_rule, optim_config=None, num_epochs=15, **solver_kwargs):
    """Train the same two-layer tanh network (same initial weights) on the digits; return the Solver."""
    model = FullyConnectedNet([100], 64, 10, activation=(provided_tanh_forward, provided_tanh_backward),
                              init=provided_init, rng=np.random.default_rng(0))
    solver = Solver(model, digits, update_rule=update_rule, optim_config=optim_config or {}, batch_size=50,
                    num_epochs=num_epochs, progress=False, rng=0, **solver_kwargs)
    return solver.train()


digits = None if GRADING else load_digits(seed=0)

# %% kind="readonly" grade_id="exp-digits"
if not GRADING:  # about 3 seconds
    runs = {name: train_digits(rule) for name, rule in RULES.items()}
    fig = plot_training_curves(runs, title="The same network, each rule at its default hyperparameters")
    fig.axes[0].set_yscale("log")
    plt.show()
    for name, s in runs.items():
        print(f"{name:>9}: final training loss {np.mean(s.loss_history[-20:]):.3f}, "
              f"best validation accuracy {s.best_val_acc:.3f}")

# %% [markdown] kind="readonly" grade_id="md-digits"
# **What to notice:** at the common default learning rate of $10^{-2}$, plain SGD is by far the slowest
# (its loss is still above 1 after 15 epochs, under 80% accuracy); momentum and Nesterov, whose
# effective step is ten times larger, overlap almost perfectly (the orange curves are under the green
# ones) and reach about 94%. Adagrad starts faster than they do, but its effective rate keeps shrinking
# and they catch up; RMSProp, whose steps are large in every coordinate, is the fastest by far here;
# Adam, at its cautious default of $10^{-3}$, ends with the momentum rules. "Which rule is best" depends
# on the learning rate each is given, which is the next experiment.
#
# ### 3. Learning rate too low, too high
# The same network trained with momentum at four learning rates, then a sweep of the learning rate
# for momentum and Adam, plotting the validation accuracy after 15 epochs.

# %% kind="readonly" grade_id="exp-learning-rate"
if not GRADING:  # about 6 seconds
    rates = {"1e-4 (too low)": 1e-4, "1e-2": 1e-2, "0.3 (good)": 0.3, "1.0 (too high)": 1.0}
    runs = {f"lr {label}": train_digits(sgd_momentum, {"learning_rate": lr}) for label, lr in rates.items()}
    fig = plot_training_curves(runs, title="Momentum at four learning rates")
    fig.axes[0].set_yscale("log")
    plt.show()

    sweep = np.logspace(-5, 0.5, 12)
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    for name, rule in (("momentum", sgd_momentum), ("Adam", adam)):
        acc = [train_digits(rule, {"learning_rate": lr}).val_acc_history[-1] for lr in sweep]
        ax.semilogx(sweep, acc, "o-", label=name)
    ax.axhline(0.1, color="gray", ls=":", label="chance")
    ax.set(xlabel="learning rate", ylabel="validation accuracy after 15 epochs", title="Learning-rate sweep")
    ax.legend()
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-learning-rate"
# **What to notice:** too low ($10^{-4}$), the loss is a nearly flat line: every step is right but
# tiny. Too high (1.0), the loss jumps up within a few iterations and stays at hundreds, with the
# accuracy at chance: the steps overshoot, the tanh units saturate and the softmax is confidently
# wrong. In between lies a wide range of good rates. The sweep shows it for both rules: a plateau of
# good rates about two orders of magnitude wide on a log axis, with Adam's starting about ten times
# lower than momentum's, and for momentum a cliff just above its best rate. Always search the learning
# rate on a log scale.
#
# ### 4. Clipping tames an exploding gradient
# Rosenbrock again, started at $(-2, 2)$ on the steep wall of the valley, where the gradient has a
# norm of about 1700, with plain SGD at a learning rate of $2\cdot10^{-3}$ on the two parameters
# `x` and `y` (a dict, as for a network). Without clipping, the first step throws the point across
# the valley onto an even steeper wall. With `clip_grad_norm` (max_norm 100) every step is at most
# $0.2$ long. For comparison, a third run clips `x` and `y` **separately** (each to 100).

# %% kind="readonly" grade_id="exp-clipping"
def rosenbrock_grads(p):
    x, y = p["x"], p["y"]
    return {"x": -2 * (1 - x) - 400 * x * (y - x ** 2), "y": 200 * (y - x ** 2)}


def clip_each_separately(grads, max_norm):
    """NOT global clipping, for comparison: every array clipped by its own norm."""
    return {k: g * min(1.0, max_norm / max(np.sqrt(np.sum(g ** 2)), 1e-12)) for k, g in grads.items()}, None


steps = 100 if GRADING else 1000
runs = {}
for name, clip in (("no clipping", None), ("clip_grad_norm, max_norm 100", lambda g: clip_grad_norm(g, 100.0)),
                   ("each parameter clipped separately", lambda g: clip_each_separately(g, 100.0))):
    p = {"x": np.array([-2.0]), "y": np.array([2.0])}
    path, norms = [[-2.0, 2.0]], []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            g = rosenbrock_grads(p)
            norms.append(float(np.sqrt(g["x"][0] ** 2 + g["y"][0] ** 2)))
            if not np.isfinite(norms[-1]) or norms[-1] > 1e12:
                break
            if clip is not None:
                g = clip(g)[0]
            p = {k: sgd(p[k], g[k], {"learning_rate": 2e-3})[0] for k in p}
            path.append([p["x"][0], p["y"][0]])
    runs[name] = (np.array(path), np.array(norms))

fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 8.5), layout="constrained")
plot_optimization_paths(lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2,
                        {name: path for name, (path, _) in runs.items()}, xlim=(-2.5, 2.5), ylim=(-1, 4.5),
                        minimum=(1, 1), log_levels=True, ax=ax1, title=f"SGD, lr 2e-3, {steps} steps",
                        resolution=60 if GRADING else 200)
for name, (path, norms) in runs.items():
    ax2.semilogy(norms, label=name)
ax2.set(xlabel="step", ylabel="gradient norm before clipping", title="The gradient explodes without clipping")
ax2.legend()
plt.show()
for name, (path, norms) in runs.items():
    end = path[-1]
    print(f"{name:>34}: {len(norms)} steps, largest gradient norm {max(norms):.3g}, last point "
          f"({end[0]:.3g}, {end[1]:.3g})")

# %% [markdown] kind="readonly" grade_id="md-clipping"
# **What to notice:** without clipping the gradient norm grows by orders of magnitude at every step
# (below) and the point leaves the picture after a few steps: the run is lost. Clipped by the global
# norm, the steps keep the gradient's direction but are at most 0.2 long: the point zig-zags down the
# wall into the valley (the learning rate is near the limit of the steep walls), and once the gradient
# norm falls under 100 clipping no longer acts and the path follows the valley towards the minimum.
# Clipping `x` and `y` separately also avoids the explosion, but it changes the direction of the steps
# (the clipped coordinate shrinks, the other does not): here the point is trapped bouncing on the
# wall, with a gradient norm of about 300 for all 1000 steps.
#
# The same function plugs into the `Solver`: here the network on the digits with momentum at the
# too-high learning rate 1.0 of experiment 3, with and without `grad_clip`.

# %% kind="readonly" grade_id="exp-clipping-digits"
import functools

if not GRADING:  # about 1 second
    runs = {"momentum lr 1.0": train_digits(sgd_momentum, {"learning_rate": 1.0}),
            "momentum lr 1.0, clip_grad_norm(max_norm=0.5)": train_digits(
                sgd_momentum, {"learning_rate": 1.0}, grad_clip=functools.partial(clip_grad_norm, max_norm=0.5))}
    fig = plot_training_curves(runs, title="Clipping the gradient of a network trained too fast")
    fig.axes[0].set_yscale("log")
    plt.show()
    for name, s in runs.items():
        print(f"{name:>46}: median gradient norm {np.median(s.grad_norm_history):.2f}, "
              f"best validation accuracy {s.best_val_acc:.3f}")

# %% [markdown] kind="readonly" grade_id="md-clipping-digits"
# **What to notice:** with clipping the same too-high learning rate trains to over 90% accuracy,
# instead of blowing up to a loss of hundreds. Clipping caps the length of every step at
# `learning_rate * max_norm` (here 0.5); it is a safety net against rare huge gradients, not a substitute
# for a sensible learning rate: with max_norm 0.5 nearly every step is clipped (the median gradient norm
# is above 0.5), so the run is effectively a fixed-length-step method.
#
# ### 5. Learning-rate schedules
# The three schedules from $\eta_0 = 0.1$ over 60 epochs (left). Why decay at all? On the right, SGD
# on the bowl $f = \frac12(x^2 + y^2)$ with a **noisy** gradient, the exact one plus Gaussian noise of
# standard deviation 1, as a minibatch gradient is noisy. We run 200 copies at once (`w` of shape
# (200, 2): the update rules work on arrays of any shape), counting 10 steps as one epoch, and plot the
# mean squared distance to the minimum.

# %% kind="readonly" grade_id="exp-schedules"
SCHEDULES = {"constant": lambda lr0, e: lr0,
             "step decay (drop 0.5 every 10)": lambda lr0, e: step_decay(lr0, e, drop=0.5, epochs_drop=10),
             "exponential (k = 0.05)": lambda lr0, e: exponential_decay(lr0, e, k=0.05),
             "1/t (k = 0.2)": lambda lr0, e: inverse_time_decay(lr0, e, k=0.2)}
num_epochs = 20 if GRADING else 60
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
for name, schedule in SCHEDULES.items():
    ax1.plot(np.arange(num_epochs + 1), [schedule(0.1, e) for e in range(num_epochs + 1)], label=name)
    noise = np.random.default_rng(0)
    w = np.tile([5.0, 5.0], (200, 1))
    distance = [np.mean(np.sum(w ** 2, axis=1))]
    for step in range(10 * num_epochs):
        dw = w + noise.standard_normal(w.shape)  # the gradient of (x^2 + y^2) / 2, plus noise
        w, _ = sgd(w, dw, {"learning_rate": schedule(0.1, step / 10)})
        if step % 10 == 9:
            distance.append(np.mean(np.sum(w ** 2, axis=1)))
    ax2.semilogy(np.arange(num_epochs + 1), distance, label=name)
    print(f"{name:>31}: learning rate {schedule(0.1, num_epochs):.4f} and mean squared distance "
          f"{distance[-1]:.4f} after {num_epochs} epochs")
ax1.set(xlabel="epoch", ylabel="learning rate", title="Learning-rate schedules from 0.1")
ax2.set(xlabel="epoch (10 steps)", ylabel="mean squared distance to the minimum",
        title="SGD with noisy gradients on a bowl")
ax1.legend(fontsize=9)
ax2.legend(fontsize=9)
plt.show()

# %% [markdown] kind="readonly" grade_id="md-schedules-plot"
# **What to notice:** step decay is a staircase, halving every 10 epochs; exponential decay is a smooth
# curve through about the same points; 1/t decay drops fastest at first and then has a long, slow
# tail. On the right, every run gets close to the minimum within a few epochs, then the constant rate
# stops improving: the noise keeps kicking the point around, at a distance that grows with the
# learning rate (here a mean squared distance of about 0.1). Each decaying schedule keeps shrinking that
# distance, about in proportion to its learning rate (10 to 20 times smaller after 60 epochs). That
# is what a schedule is for: large steps early to get there, small steps late to settle.
#
# ## Written questions (graded by hand)
#
# **Question 1.** On the ill-conditioned bowl (experiment 1), why can't you make SGD faster simply by
# raising its learning rate? How does momentum help, and what does its hyperparameter $\mu$ control?

# %% [markdown] kind="manual" grade_id="q1_momentum" points=2
# ### BEGIN SOLUTION
# The largest usable learning rate is set by the steepest direction: along a direction of curvature
# $\lambda$ each step multiplies the distance to the minimum by $1 - \eta\lambda$, which diverges once
# $\eta > 2/\lambda_{\max}$ (and zig-zags well before). At that rate the progress along the flat direction,
# a factor $1 - \eta\lambda_{\min}$ per step, is still slow: the condition number, not the learning rate,
# limits SGD. Momentum accumulates the gradients in a velocity: along the valley they all agree, so
# the velocity grows to about $\eta g / (1 - \mu)$ (ten times the SGD step for $\mu = 0.9$); across it they
# alternate in sign and cancel. $\mu$ is the friction: the fraction of the velocity kept at each step,
# i.e. how many past gradients are averaged (about $1/(1-\mu)$); too large and the path overshoots and
# oscillates around the minimum, 0 gives plain SGD.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q2"
# **Question 2.** Compute Adam's first update without the bias correction, with the default
# $\beta_1 = 0.9$, $\beta_2 = 0.999$, for a gradient $g$ (one entry). Compare it with the corrected one,
# and explain why the correction matters most at the beginning of training.

# %% [markdown] kind="manual" grade_id="q2_bias_correction" points=2
# ### BEGIN SOLUTION
# After one update $m = 0.1 g$ and $v = 0.001 g^2$, so without the correction the step is
# $\eta \cdot 0.1 g / (\sqrt{0.001}|g| + \epsilon) \approx 3.16\,\eta\,\mathrm{sign}(g)$: more than three times the
# intended step. With the correction $\hat m = m / (1 - 0.9) = g$ and $\hat v = v / (1 - 0.999) = g^2$, and the
# step is $\eta\,\mathrm{sign}(g)$. Because $m$ and $v$ start at 0, they are averages whose weights sum to
# $1 - \beta^t$ instead of 1; the correction divides that out. For large $t$, $\beta^t \to 0$ and the
# correction disappears, so only the first steps (about $1/(1-\beta_2) = 1000$ of them for $v$) are affected;
# since $v$ is underestimated more than $m$ early on, the uncorrected steps are too large exactly when
# the network is most fragile.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q3"
# **Question 3.** Why clip the *global* norm of all the gradients together, rather than each
# parameter's gradient separately (or each entry with `np.clip`)? What do the three do to the
# direction of the update?

# %% [markdown] kind="manual" grade_id="q3_clipping" points=2
# ### BEGIN SOLUTION
# Global-norm clipping multiplies every gradient by the same factor, so the update keeps the direction
# of the true gradient (still a descent direction) and only becomes shorter: it bounds the step length
# without changing what the step does. Clipping each parameter by its own norm scales some parameters
# more than others (only those whose gradient is large), so the combined update points in a different
# direction; clipping each entry with `np.clip` distorts it further, towards the sign of the gradient.
# Both can move the parameters in directions the gradient never asked for, and the amount of
# distortion depends on how the parameters happen to be grouped (one big matrix vs many small ones).
# ### END SOLUTION
