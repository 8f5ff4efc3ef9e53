# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] kind="readonly" grade_id="intro"
# # 10 · Regularization and ensembles
#
# A network with enough weights can fit its training set perfectly, including the noise in it, and
# then it predicts new data worse than a network that fits less. This notebook collects four cheap
# tools against that, all used in practice, and measures each on the handwritten digits:
#
# - **L2 regularization** (weight decay): a penalty that keeps the weights small;
# - **early stopping**: stop training when the validation loss stops improving, and keep the best
#   parameters seen;
# - **ensembles**: average the predictions of several networks;
# - **parameter averaging**: average the *weights* of several checkpoints of one training run.
#
# **What you implement** (graded, each followed by test cells):
# 1. `l2_regularization(params, reg)`: the penalty and its gradient, for the weights only;
# 2. `EarlyStopping(patience, min_delta)`: a class that says when to stop and keeps a copy of the best
#    parameters;
# 3. `ensemble_predict(probabilities)`: the average of several models' class probabilities, and its
#    predicted classes;
# 4. `average_parameters(checkpoints)`: the average of several checkpoints, with checked shapes.
#
# Then four experiments (not graded) and three written questions (graded by hand).
#
# ## L2 regularization
# Add to the data loss $L_\text{data}$ (the mean cross-entropy) a penalty on the size of the weights:
#
# $$ L = L_\text{data} + \frac{\lambda}{2} \sum_{\text{weights } W} \sum_{i,j} W_{ij}^2,
#    \qquad \frac{\partial}{\partial W}\Big(\frac{\lambda}{2}\sum_{i,j} W_{ij}^2\Big) = \lambda W . $$
#
# The $\tfrac12$ is a convention that makes the gradient exactly $\lambda W$ (`reg` in the code is
# $\lambda$). Why does it help? Among the many weight matrices that fit the training data about
# equally well, the penalty prefers those with small, spread-out weights: a function that changes
# slowly with its input, which cannot bend around every single training example. (In Bayesian terms,
# it is a Gaussian prior on the weights.) A gradient step on the penalty alone multiplies every weight
# by $1 - \eta\lambda$: the weights **decay** towards 0, hence the name weight decay.
#
# **Only the weights.** The biases are not penalized: there are few of them, each one only shifts a
# unit, and a bias pulled towards 0 does not make the function any smoother. The same holds for the
# scale and shift of a normalization layer (`gamma`, `beta`). In this course's models the weights are
# the parameters whose name starts with `W` (`W1`, `W2`, ...); `b1`, `gamma1`, `beta1`, ... are not
# weights.
#
# ## Weight decay is L2 for SGD, but not for Adam
# With plain SGD, a step on the regularized loss is
#
# $$ w \leftarrow w - \eta(\nabla L_\text{data} + \lambda w) = (1 - \eta\lambda)\,w - \eta\,\nabla L_\text{data}: $$
#
# the L2 penalty and "shrink every weight by a factor $1 - \eta\lambda$, then take the data step"
# (**decoupled weight decay**) are the same update. Adam is different: it divides each parameter's
# step by the running root mean square of *its gradient*, $\sqrt{\hat v}$. With L2 the penalty's
# gradient $\lambda w$ goes through that division too, so a weight whose data gradient is large (large
# $\hat v$) is hardly decayed, and a weight whose data gradient is tiny is pulled to 0 at full speed.
# **AdamW** (Loshchilov and Hutter, 2019) decouples the decay again:
#
# $$ \text{Adam + L2:}\quad g = \nabla L_\text{data} + \lambda w,\quad w \leftarrow w - \eta\,\frac{\hat m}{\sqrt{\hat v} + \epsilon}
#    \qquad\qquad \text{AdamW:}\quad g = \nabla L_\text{data},\quad w \leftarrow w - \eta\Big(\frac{\hat m}{\sqrt{\hat v} + \epsilon} + \lambda w\Big), $$
#
# so that every weight decays by the same factor $1 - \eta\lambda$ per step, whatever its gradient.
# Experiment 4 shows the difference on the digits.
#
# ## Early stopping
# Training reduces the training loss at every epoch, but the validation loss typically falls, reaches
# a minimum, and rises again as the network starts to fit the noise of the training set. Early stopping
# watches the validation loss after each epoch:
# - an epoch **improves** when its validation loss is below the best so far by more than `min_delta`
#   (a small margin, so that tiny random improvements do not count): `val_loss < best_loss - min_delta`;
# - after `patience` epochs in a row without improvement, stop;
# - keep a **copy of the parameters** of the best epoch, and use those in the end, not the last ones.
#
# The copy must be a real, deep copy. In Python `best = params` does not copy anything: it is a second
# name for the same dict, which the training loop keeps changing, so after training `best` holds the
# *last* parameters. `dict(params)` or `params.copy()` make a new dict holding the **same arrays**, and
# an update rule that works in place (`w -= lr * dw`, as many do to save memory) changes them under
# your feet. Copy every array: `{k: v.copy() for k, v in params.items()}` or `copy.deepcopy(params)`.
#
# ## Ensembles
# Train $M$ networks independently (different random initializations, different minibatch orders)
# and average their predicted class **probabilities**:
#
# $$ \bar p(c \mid x) = \frac1M \sum_{m=1}^M p_m(c \mid x), \qquad \hat y(x) = \arg\max_c \bar p(c \mid x). $$
#
# Their mistakes are partly independent, so the average is more often right than a typical member
# (and usually better than the best one), at $M$ times the cost of a prediction. Average the
# probabilities, not the predicted labels: a vote throws away how sure each model was (two models
# hesitating 55:45 outvote one that is 99% sure), and the "average label" of classes 1 and 3 is class
# 2, which nobody predicted. A cheaper ensemble averages **checkpoints of one run**: the parameters
# saved at several epochs near the end of training.
#
# ## Parameter averaging
# Averaging the *parameters* of several checkpoints of **one** run (Polyak averaging, or a running
# average of the weights) gives a single network, as cheap to use as any other. Late in training,
# SGD bounces around the bottom of a valley; the checkpoints lie on different sides of it, and their
# average sits closer to the middle. It works only for checkpoints of one run, which share the same
# valley: two independently trained networks compute similar functions with their hidden units in
# a different order (any permutation of the hidden units gives the same function), so the average of
# their weights is a network that mixes unrelated units. Experiment 3 shows both.
#
# ## Pitfalls
# - **Penalizing the biases**, or `gamma` and `beta`: only the weights.
# - **The factor 2**: the gradient of $\frac{\lambda}{2}\sum W^2$ is $\lambda W$, not $2\lambda W$.
# - **Keeping a reference** to the live parameters instead of a deep copy (above).
# - **Patience off by one**: with `patience = 2`, the losses 1.0, 1.1, 1.2 mean stop after the third
#   epoch: two epochs in a row without improvement.
# - **Comparing with the previous epoch** instead of the best one: a loss that goes 0.9, 1.2, 1.1, 1.15
#   never "improves" after 0.9, although 1.1 is lower than the 1.2 before it.
# - **Averaging labels instead of probabilities** in an ensemble.
# - **Averaging parameters of different shapes**: numpy broadcasting happily averages a (4, 3) array
#   with a (1, 3) one. Check the shapes, and name the parameter that does not fit.

# %% kind="readonly" grade_id="imports"
import os

import numpy as np

# Under nbgrader (validate or autograde) the long experiments shrink or are skipped.
GRADING = bool(os.environ.get("NBGRADER_EXECUTION"))

# %% [markdown] kind="readonly" grade_id="md-l2"
# ## Exercise 1: `l2_regularization`
#
# Return the L2 penalty $\frac{\lambda}{2}\sum W^2$ over the weights of `params` (the keys that start
# with `'W'`) and its gradient for **every** parameter: `reg * W` for a weight, an array of zeros of
# the right shape for any other parameter (a bias, `gamma`, `beta`). With one gradient per key the
# caller can add it to the data gradients key by key. Do not change `params`. Raise a `ValueError`
# naming `reg` and its value when `reg` is negative.
#
# The tests compare your gradient with a **numerical gradient of your own loss** (centered
# differences, as in notebook 01), and your loss with the formula.

# %% kind="answer" grade_id="l2_regularization"
def l2_regularization(params, reg):
    """L2 penalty of the weights and its gradient.

    Inputs:
    - params: dict name -> float array (any shapes). The weights are the keys that start with 'W'
      ('W1', 'W2', ...); every other parameter ('b1', 'gamma1', 'beta1', ...) is not penalized.
      Not modified.
    - reg: the regularization strength lambda, a float >= 0.

    Returns (loss, grads):
    - loss: 0.5 * reg * (the sum of the squares of all the entries of all the weights), a float;
    - grads: a dict with the keys of params, each gradient of the shape of its parameter:
      reg * W for a weight, zeros for every other parameter.

    Raises ValueError naming reg and its value if reg < 0.
    """
    # Hint: loop over params.items(); key.startswith('W') tells a weight.
    ### BEGIN SOLUTION
    if reg < 0:
        raise ValueError(f"reg must be >= 0 (a regularization strength), got {reg!r}")
    loss = 0.0
    grads = {}
    for name, value in params.items():
        if name.startswith("W"):
            loss += 0.5 * reg * float(np.sum(value * value))
            grads[name] = reg * value
        else:
            grads[name] = np.zeros_like(value, dtype=float)
    return loss, grads
    ### END SOLUTION


# %% kind="tests" grade_id="test_l2_regularization" points=4
import numpy as np
from cs231n_utils.gradient_check import eval_numerical_gradient
from cs231n_utils.testing import HintError, check_array, check_scalar, checked_call, passed
from cs231n_utils.validation import describe


def l2_of(params, reg):
    """l2_regularization(params, reg), after checking that params is unchanged and the form of the answer."""
    result = checked_call(l2_regularization, params=params, reg=reg)
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
        raise HintError(f"l2_regularization should return a pair (loss, grads) with grads a dict; got {describe(result)}")
    loss, grads = result
    if set(grads) != set(params):
        raise HintError(f"grads should have the keys of params, {sorted(params)}; got {sorted(grads)}.\nLikely "
                        "cause: every parameter gets a gradient, reg * W for a weight and zeros for any other "
                        "parameter, so that it can be added to the data gradients key by key.")
    return loss, grads


def numerical_grads(params, reg):
    """Centered numerical gradient of your own loss, l2_regularization(params, reg)[0], for every key."""
    numerical = {}
    for key in params:
        def loss_at(value, key=key):
            trial = {name: array.copy() for name, array in params.items()}
            trial[key] = value.copy()
            return float(l2_regularization(trial, reg)[0])
        numerical[key] = eval_numerical_gradient(loss_at, params[key].copy(), h=1e-5)
    return numerical


def check_l2(params, reg, call):
    loss, grads = l2_of(params, reg)
    weights = [k for k in params if k.startswith("W")]
    others = [k for k in params if not k.startswith("W")]
    sum_w = sum(float(np.sum(params[k] ** 2)) for k in weights)
    sum_other = sum(float(np.sum(params[k] ** 2)) for k in others)
    bias_sum = sum(float(np.sum(params[k] ** 2)) for k in others if k.startswith("b"))
    check_scalar(f"the loss of {call}", loss, 0.5 * reg * sum_w, rtol=1e-9, atol=1e-12,
                 mistakes={"the 0.5 is missing: the penalty is 0.5 * reg * sum(W ** 2)": reg * sum_w,
                           "the biases are penalized too: only the weights (keys starting with 'W') are":
                               0.5 * reg * (sum_w + bias_sum),
                           "every parameter but the biases is penalized (gamma and beta too): only the keys "
                           "starting with 'W' are weights": 0.5 * reg * (sum_w + sum_other - bias_sum),
                           "the mean of the squares instead of their sum":
                               0.5 * reg * sum(float(np.mean(params[k] ** 2)) for k in weights),
                           "the norms are not squared: sum(W ** 2), not np.linalg.norm(W)":
                               0.5 * reg * sum(float(np.linalg.norm(params[k])) for k in weights)},
                 hint="loss = 0.5 * reg * (sum over the weights W of np.sum(W ** 2)), a single float.")
    # the loss is right: the numerical gradient of your loss is the exact gradient
    numerical = numerical_grads(params, reg)
    for k in weights:
        check_array(f"grads[{k!r}] of {call}", grads[k], numerical[k], rtol=1e-6, atol=1e-9,
                    mistakes={"2 * reg * W: the 0.5 of the penalty cancels the 2 of the derivative": 2 * reg * params[k],
                              "W without reg": params[k], "0.5 * reg * W: the derivative of 0.5 * reg * W**2 is reg * W":
                              0.5 * reg * params[k]},
                    hint="the gradient of 0.5 * reg * sum(W ** 2) with respect to W is reg * W (your grads[k] "
                         "is compared with a numerical gradient of your own loss).")
    for k in others:
        check_array(f"grads[{k!r}] of {call} ({k} is not a weight)", grads[k], numerical[k], rtol=1e-6, atol=1e-9,
                    mistakes={f"{k} is penalized: only the weights (keys starting with 'W') are": reg * params[k]},
                    hint=f"{k} is not a weight and not penalized: its gradient is np.zeros_like({k}).")


rng = np.random.default_rng(1000)
params = {"W1": rng.standard_normal((5, 4)), "b1": rng.standard_normal(4),
          "W2": rng.standard_normal((4, 3)), "b2": rng.standard_normal(3)}
check_l2(params, 0.3, "l2_regularization({W1, b1, W2, b2}, reg=0.3)")
### BEGIN HIDDEN TESTS
# gamma and beta are not weights either; a 4-D weight; an int reg; reg = 0
params = {"W1": rng.standard_normal((3, 2, 2, 2)), "b1": rng.standard_normal(3), "gamma1": 1 + rng.random(6),
          "beta1": rng.standard_normal(6), "W2": rng.standard_normal((6, 2)), "b2": rng.standard_normal(2)}
check_l2(params, 0.05, "l2_regularization({W1 (3, 2, 2, 2), b1, gamma1, beta1, W2, b2}, reg=0.05)")
check_l2(params, 2, "l2_regularization(params, reg=2)")
loss, grads = l2_of(params, 0.0)
check_scalar("the loss of l2_regularization(params, reg=0.0)", loss, 0.0, atol=0)
for k in params:
    check_array(f"grads[{k!r}] of l2_regularization(params, reg=0.0)", grads[k], np.zeros(params[k].shape), atol=0)
### END HIDDEN TESTS
passed("test_l2_regularization")

# %% kind="tests" grade_id="test_l2_regularization_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

params = {"W1": np.ones((2, 2)), "b1": np.zeros(2)}
check_raises(ValueError, l2_regularization, params, -0.1, must_mention=["reg", "-0.1"], what="reg=-0.1")
### BEGIN HIDDEN TESTS
check_raises(ValueError, l2_regularization, params, -5, must_mention=["reg", "-5"], what="reg=-5")
### END HIDDEN TESTS
passed("test_l2_regularization_args")

# %% [markdown] kind="readonly" grade_id="md-early-stopping"
# ## Exercise 2: `EarlyStopping`
#
# A small class that a training loop calls once per epoch:
#
# ```python
# stopper = EarlyStopping(patience=10)
# for epoch in range(num_epochs):
#     ...                                   # one epoch of training: model.params changes
#     if stopper.step(val_loss, model.params):
#         break
# model.params = stopper.best_params        # the parameters of the best epoch
# ```
#
# `step(val_loss, params)` counts the epochs (the first call is epoch 0). An epoch improves when
# `val_loss < best_loss - min_delta`; the first call always improves. An improving epoch sets
# `best_loss`, `best_epoch` and `best_params` (a deep copy of `params`) and resets the count of
# epochs without improvement; any other epoch adds one to the count and changes none of the three.
# `step` returns `True` when the count has reached `patience`, else `False`.
#
# The constructor raises a `ValueError` naming the argument and its value when `patience` is not a
# positive integer or `min_delta` is negative.

# %% kind="answer" grade_id="early_stopping"
import copy


class EarlyStopping:
    """Early stopping on a validation loss (lower is better), keeping the best parameters.

    EarlyStopping(patience, min_delta=0.0):
    - patience: a positive int, the number of epochs in a row without improvement after which
      step returns True.
    - min_delta: a float >= 0; an epoch improves only if val_loss < best_loss - min_delta.
    Raises ValueError, naming the argument and its value, if patience is not a positive integer or
    min_delta < 0.

    Attributes (set by step):
    - best_loss: the validation loss of the best epoch;
    - best_epoch: the index of the best epoch (the first call of step is epoch 0);
    - best_params: a deep copy of params at the best epoch: a new dict of new arrays, which later
      changes to params (arrays changed in place, or replaced) do not affect.
    """

    def __init__(self, patience, min_delta=0.0):
        # Hint: check the arguments first; then keep them, a count of epochs, and best_loss = np.inf.
        ### BEGIN SOLUTION
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 1:
            raise ValueError(f"patience must be a positive integer, got {patience!r}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
        self.patience, self.min_delta = int(patience), min_delta
        self.best_loss, self.best_epoch, self.best_params = np.inf, None, None
        self.epoch, self.bad_epochs = -1, 0
        ### END SOLUTION

    def step(self, val_loss, params):
        """Record one epoch: its validation loss and the current parameters (dict name -> array).

        The first call always improves. An improving epoch (val_loss < best_loss - min_delta) sets
        best_loss, best_epoch and best_params (a deep copy of params) and resets the count of epochs
        without improvement; any other epoch adds one to the count and leaves the three alone.
        Returns True (stop) when the count has reached patience, else False: with patience=2 the
        losses 1.0, 1.1, 1.2 give False, False, True.
        """
        # Hint: copy.deepcopy(params) (or {k: v.copy() for k, v in params.items()}) at an improving epoch.
        ### BEGIN SOLUTION
        self.epoch += 1
        if self.best_params is None or val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_params = copy.deepcopy(params)
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience
        ### END SOLUTION


# %% kind="tests" grade_id="test_early_stopping" points=4
import numpy as np
from cs231n_utils.testing import HintError, check_array, check_scalar, passed


def run_stopper(losses, patience, min_delta=None):
    """A fresh EarlyStopping fed `losses` with fresh params whose entries are the epoch's index; returns the
    stopper and what step returned at each epoch."""
    stopper = EarlyStopping(patience) if min_delta is None else EarlyStopping(patience, min_delta)
    answers = []
    for epoch, loss in enumerate(losses):
        answer = stopper.step(loss, {"W1": np.full((2, 3), float(epoch)), "b1": np.full(3, -float(epoch))})
        if not isinstance(answer, (bool, np.bool_)):
            raise HintError(f"step should return True or False; it returned {answer!r} at epoch {epoch}.")
        answers.append(bool(answer))
    return stopper, answers


def check_run(losses, patience, min_delta, stop_at, best, hint, mistakes=None):
    """step must return False until epoch stop_at (True there); the best epoch must be `best`."""
    made = f"EarlyStopping({patience}" + (f", min_delta={min_delta})" if min_delta is not None else ")")
    stopper, answers = run_stopper(losses[:stop_at + 1], patience, min_delta)
    expected = [False] * stop_at + [True]
    if answers != expected:
        where = next(i for i, (a, e) in enumerate(zip(answers, expected)) if a != e)
        found = "".join(f"\nIt matches a known mistake: {text}." for text, value in (mistakes or {}).items()
                        if value == answers)
        raise HintError(f"{made}.step with the losses {losses[:stop_at + 1]} returned {answers}; expected "
                        f"{expected} (first difference at epoch {where}).{found}\nLikely cause: {hint}")
    check_scalar(f"best_epoch after {made} saw the losses {losses[:stop_at + 1]}", stopper.best_epoch, best,
                 atol=0, hint="best_epoch is the index of the best epoch, counting the first call of step as "
                              "epoch 0; only an improving epoch changes it.")
    check_scalar(f"best_loss after {made} saw the losses {losses[:stop_at + 1]}", stopper.best_loss, losses[best],
                 rtol=1e-12, hint="best_loss is the validation loss of the best epoch.")
    best_params = stopper.best_params
    if not (isinstance(best_params, dict) and set(best_params) == {"W1", "b1"}):
        raise HintError(f"best_params should be a dict with the keys of params, 'W1' and 'b1'; got {best_params!r}")
    check_array(f"best_params['W1'] after {made} saw the losses {losses[:stop_at + 1]} (params['W1'] is "
                "filled with the epoch's index)", best_params["W1"], np.full((2, 3), float(best)), rtol=0, atol=0,
                hint="copy params into best_params only at an improving epoch.")
    return stopper


patience_hint = ("count the epochs in a row without improvement; reset the count at every improvement and stop "
                 "when it reaches patience (patience=2: 1.0, 1.1, 1.2 gives False, False, True).")
# patience 2: the best epoch is epoch 1, then two epochs without improvement
check_run([1.0, 0.8, 0.85, 0.9], 2, None, stop_at=3, best=1, hint=patience_hint,
          mistakes={"patience off by one: stop when the count reaches patience, not when it exceeds it":
                    [False, False, False, False]})
# an improvement resets the count
check_run([1.0, 1.1, 1.2, 0.9, 1.0, 1.05, 1.02], 3, None, stop_at=6, best=3, hint=patience_hint,
          mistakes={"the count is not reset by an improvement": [False, False, False, False, True, True, True],
                    "compared with the previous epoch's loss instead of the best one (1.02 < 1.05 is no improvement "
                    "on 0.9)": [False] * 7})
# compare with the best loss, not with the previous epoch
check_run([0.9, 1.2, 1.1, 1.15], 3, None, stop_at=3, best=0,
          hint="compare val_loss with the best loss so far, not with the previous epoch's loss: 1.1 is lower than "
               "the 1.2 before it but not an improvement on 0.9.")
# a tie is not an improvement
check_run([1.0, 1.0, 1.0], 2, None, stop_at=2, best=0,
          hint="an epoch improves only if val_loss < best_loss - min_delta (strictly): an equal loss does not.")
# min_delta: an improvement smaller than min_delta does not count
check_run([1.0, 0.95, 0.92], 2, 0.1, stop_at=2, best=0,
          hint="with min_delta=0.1, an epoch improves only if val_loss < best_loss - 0.1: 0.95 and 0.92 do not.")
### BEGIN HIDDEN TESTS
check_run([5.0, 4.0, 3.0, 2.0, 2.5], 1, None, stop_at=4, best=3, hint=patience_hint)
check_run([2.0, 1.85, 1.7, 1.69, 1.72, 1.695], 3, 0.05, stop_at=5, best=2,
          hint="with min_delta=0.05, 1.69 and 1.695 do not improve on 1.7 (they are not below 1.65).")
check_run([3.0, 2.0, 2.0, 2.0, 2.0, 2.0], 4, 0.0, stop_at=5, best=1, hint=patience_hint)
check_run([1e6, 2e6], 1, None, stop_at=1, best=0, hint="the first call always improves.")
### END HIDDEN TESTS
passed("test_early_stopping")

# %% [markdown] kind="readonly" grade_id="md-early-stopping-copy"
# The next cell checks only that `best_params` is a deep copy. It plays a training loop: one dict of
# parameters, whose arrays the update rule changes in place (`w -= lr * dw`) or replaces
# (`params[k] = w - lr * dw`) between the calls of `step`. That dict is borrowed from another
# `EarlyStopping` (its `best_params`), so that it lives where your class runs: when the grader runs
# these tests from its own process, the arrays then change in place as they would in your own
# training loop. (The grader's copy of a changed array reaches your kernel with the next call that
# receives it; the last `lender.step` is that call.)

# %% kind="tests" grade_id="test_early_stopping_copy" points=2
import numpy as np
from cs231n_utils.testing import HintError, check_array, passed

lender = EarlyStopping(patience=5)
lender.step(0.0, {"W1": np.zeros((3, 4)), "b1": np.zeros(4)})
params = lender.best_params  # a dict of arrays in your kernel, used here as a model's live parameters
if not (isinstance(params, dict) and set(params) == {"W1", "b1"} and np.shape(params["W1"]) == (3, 4)
        and np.shape(params["b1"]) == (4,)):
    raise HintError(f"After step(0.0, {{'W1': zeros (3, 4), 'b1': zeros (4,)}}), best_params should be a dict with "
                    f"the keys 'W1' and 'b1' and their arrays; got {params!r}")
params["W1"][...] = 1.0
params["b1"][...] = 1.0
stopper = EarlyStopping(patience=3)
stopper.step(2.0, params)                   # epoch 0: W1 and b1 all 1.0
params["W1"] -= 0.25                        # the update rule changes W1 in place...
params["b1"] = params["b1"] - 0.25          # ...and replaces b1 by a new array
stopper.step(1.0, params)                   # epoch 1, the best: W1 and b1 all 0.75
params["W1"] -= 0.25                        # training goes on: W1 and b1 now 0.5
params["b1"] = params["b1"] - 0.25
lender.step(1.0, params)                    # (hands the changed arrays over to your kernel; stopper is not called)
copy_hint = ("best_params must be a deep copy, new arrays in a new dict: {k: v.copy() for k, v in params.items()} or "
             "copy.deepcopy(params). best_params = params keeps a second name for the live dict, and dict(params) "
             "or params.copy() a new dict of the same arrays, which the update rule keeps changing in place.")
best = stopper.best_params
if not (isinstance(best, dict) and set(best) == {"W1", "b1"}):
    raise HintError(f"best_params should be a dict with the keys 'W1' and 'b1'; got {best!r}")
check_array("best_params['W1'] (the best epoch had W1 = 0.75; W1 was then changed in place to 0.5)", best["W1"],
            np.full((3, 4), 0.75), rtol=0, atol=0,
            mistakes={"best_params shares its arrays with the live params (best_params = params, dict(params) or "
                      "params.copy()): copy every array": np.full((3, 4), 0.5)}, hint=copy_hint)
check_array("best_params['b1'] (the best epoch had b1 = 0.75; b1 was then replaced by a new array)", best["b1"],
            np.full(4, 0.75), rtol=0, atol=0,
            mistakes={"best_params is the live dict itself (best_params = params): copy it, and every array in it":
                      np.full(4, 0.5)}, hint=copy_hint)
passed("test_early_stopping_copy")

# %% kind="tests" grade_id="test_early_stopping_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

check_raises(ValueError, EarlyStopping, 0, must_mention=["patience", "0"], what="patience=0")
check_raises(ValueError, EarlyStopping, 3, -0.5, must_mention=["min_delta", "-0.5"], what="min_delta=-0.5")
### BEGIN HIDDEN TESTS
check_raises(ValueError, EarlyStopping, -2, must_mention=["patience", "-2"], what="patience=-2")
check_raises((ValueError, TypeError), EarlyStopping, 2.5, must_mention="patience", what="patience=2.5 (not an integer)")
check_raises(ValueError, EarlyStopping, 1, min_delta=-1e-3, must_mention="min_delta", what="min_delta=-0.001")
### END HIDDEN TESTS
passed("test_early_stopping_args")

# %% [markdown] kind="readonly" grade_id="md-ensemble"
# ## Exercise 3: `ensemble_predict`
#
# `probabilities[m, i, c]` is model $m$'s probability of class $c$ for example $i$: an array of shape
# `(M, N, C)` (M models, N examples, C classes). Return the ensemble's probabilities, the mean over
# the models, of shape `(N, C)`, and its predicted class for each example, the argmax of the mean,
# an integer array of shape `(N,)`. One model (M = 1) is a valid ensemble. Do not change
# `probabilities`; raise a `ValueError` naming `probabilities` and its shape when it is not 3-D.

# %% kind="answer" grade_id="ensemble_predict"
def ensemble_predict(probabilities):
    """Average the class probabilities of an ensemble, and predict.

    Inputs:
    - probabilities: float array of shape (M, N, C), probabilities[m, i, c] the probability model m
      gives class c for example i (each row sums to 1). Not modified.

    Returns (mean_probs, predictions):
    - mean_probs: shape (N, C), the mean of the M models' probabilities;
    - predictions: integer array of shape (N,), the argmax of mean_probs for each example.

    Raises ValueError naming probabilities and its shape if it is not 3-D.
    """
    # Hint: np.mean over the models' axis, then np.argmax over the classes' axis.
    ### BEGIN SOLUTION
    if np.ndim(probabilities) != 3:
        raise ValueError(f"probabilities must have shape (M, N, C), got shape {np.shape(probabilities)}")
    mean_probs = np.mean(probabilities, axis=0)
    return mean_probs, np.argmax(mean_probs, axis=1)
    ### END SOLUTION


# %% kind="tests" grade_id="test_ensemble_predict" points=3
import numpy as np
from cs231n_utils.testing import HintError, check_array, checked_call, passed
from cs231n_utils.validation import describe


def ensemble_of(probabilities):
    """ensemble_predict(probabilities), after checking that probabilities is unchanged and the form of the answer."""
    result = checked_call(ensemble_predict, probabilities=probabilities)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise HintError(f"ensemble_predict should return a pair (mean_probs, predictions); got {describe(result)}")
    return result


def check_ensemble(probabilities, call):
    M, N, C = probabilities.shape
    mean_probs, predictions = ensemble_of(probabilities)
    votes = np.argmax(probabilities, axis=2)  # (M, N): each model's predicted class
    one_hot = np.mean(np.eye(C)[votes], axis=0)
    check_array(f"mean_probs of {call}", mean_probs, probabilities.mean(axis=0), rtol=1e-9,
                mistakes={"the fraction of the models voting for each class: average the probabilities": one_hot,
                          "the sum over the models: divide by M": probabilities.sum(axis=0),
                          "the largest probability over the models: average them": probabilities.max(axis=0)},
                hint="mean_probs = the mean of probabilities over the models (axis 0), shape (N, C).")
    expected = np.argmax(probabilities.mean(axis=0), axis=1)
    majority = np.array([np.bincount(votes[:, i], minlength=C).argmax() for i in range(N)])
    check_array(f"predictions of {call}", predictions, expected, dtype_kind="iu", rtol=0, atol=0,
                mistakes={"a majority vote of the models' labels: take the argmax of the averaged probabilities":
                          majority,
                          "the average of the models' labels: average the probabilities, then take the argmax":
                          np.rint(votes.mean(axis=0))},
                hint="predictions = np.argmax(mean_probs, axis=1), an integer array of shape (N,).")


# three models, four examples, three classes; example 0: two models hesitate 60:40 for class 1, one is sure of
# class 0, and the average says class 0; example 3: three different votes
probs = np.array([[[0.40, 0.60, 0.00], [0.1, 0.2, 0.7], [0.30, 0.45, 0.25], [0.6, 0.3, 0.1]],
                  [[0.45, 0.55, 0.00], [0.2, 0.1, 0.7], [0.10, 0.30, 0.60], [0.1, 0.5, 0.4]],
                  [[0.90, 0.05, 0.05], [0.3, 0.3, 0.4], [0.35, 0.40, 0.25], [0.2, 0.3, 0.5]]])
check_ensemble(probs, "ensemble_predict(probabilities of shape (3, 4, 3))")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(1010)
probs = rng.dirichlet(np.full(10, 0.3), size=(5, 60))
check_ensemble(probs, "ensemble_predict(probabilities of shape (5, 60, 10))")
try:
    check_ensemble(probs[:1], "ensemble_predict(probabilities of shape (1, 60, 10)), one model")
except ValueError as exc:
    raise HintError(f"ensemble_predict refused probabilities of shape (1, 60, 10) with ValueError ({exc}): one model "
                    "(M = 1) is a valid ensemble, whose mean is that model's probabilities (do not np.squeeze).") from None
probs = rng.dirichlet(np.ones(4), size=(7, 2))
check_ensemble(probs, "ensemble_predict(probabilities of shape (7, 2, 4))")
### END HIDDEN TESTS
passed("test_ensemble_predict")

# %% kind="tests" grade_id="test_ensemble_predict_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

check_raises(ValueError, ensemble_predict, np.full((4, 3), 1 / 3), must_mention=["probabilities", "(4, 3)"],
             what="probabilities of shape (4, 3) (one model's (N, C) array, not (M, N, C))")
### BEGIN HIDDEN TESTS
check_raises(ValueError, ensemble_predict, np.full((2, 4, 3, 1), 1 / 3), must_mention=["probabilities", "(2, 4, 3, 1)"],
             what="probabilities of shape (2, 4, 3, 1)")
### END HIDDEN TESTS
passed("test_ensemble_predict_args")

# %% [markdown] kind="readonly" grade_id="md-average"
# ## Exercise 4: `average_parameters`
#
# `checkpoints` is a list of parameter dicts (name -> array), for example the `params` of one network
# saved at several epochs. Return a **new** dict with the same keys whose value for each key is the
# elementwise mean of that key's arrays over the checkpoints, in new arrays (changing the result later
# must not change any checkpoint). Do not change the checkpoints.
#
# Raise a `ValueError`
# - when `checkpoints` is empty (naming `checkpoints`);
# - when the checkpoints do not all have the same keys (naming a key that is missing from one of them);
# - when the arrays of a key do not all have the same shape (naming the key and the shapes). Numpy would
#   broadcast a `(4, 3)` and a `(1, 3)` array into a `(4, 3)` mean without a word: check the shapes yourself.

# %% kind="answer" grade_id="average_parameters"
def average_parameters(checkpoints):
    """Elementwise average of several checkpoints of the same model.

    Inputs:
    - checkpoints: a non-empty list of dicts name -> float array, all with the same keys, and for
      each key arrays of the same shape. Not modified.

    Returns a new dict with the same keys: for each key, a new array, the mean of its arrays over the
    checkpoints.

    Raises ValueError if checkpoints is empty (naming checkpoints), if the checkpoints do not all have
    the same keys (naming a missing key), or if the arrays of a key differ in shape (naming the key and
    the shapes).
    """
    # Hint: check everything first; then, for each key, np.mean([c[key] for c in checkpoints], axis=0).
    ### BEGIN SOLUTION
    if len(checkpoints) == 0:
        raise ValueError("checkpoints is empty: give at least one checkpoint")
    keys = set(checkpoints[0])
    for i, checkpoint in enumerate(checkpoints):
        if set(checkpoint) != keys:
            missing = sorted(keys ^ set(checkpoint))
            raise ValueError(f"checkpoints[{i}] has the keys {sorted(checkpoint)}, checkpoints[0] {sorted(keys)}: "
                             f"{', '.join(missing)} missing from one of them")
    averaged = {}
    for key in checkpoints[0]:
        shapes = [np.shape(checkpoint[key]) for checkpoint in checkpoints]
        if len(set(shapes)) > 1:
            raise ValueError(f"the arrays of {key!r} have different shapes in the checkpoints: {shapes}")
        averaged[key] = np.mean([checkpoint[key] for checkpoint in checkpoints], axis=0)
    return averaged
    ### END SOLUTION


# %% kind="tests" grade_id="test_average_parameters" points=3
import numpy as np
from cs231n_utils.testing import HintError, check_array, checked_call, passed
from cs231n_utils.validation import describe


def average_of(checkpoints, call):
    """average_parameters(checkpoints), after checking that the checkpoints are unchanged and the form of the
    answer; then changes the answer in place to check that no checkpoint shares its arrays."""
    saved = [{k: v.copy() for k, v in c.items()} for c in checkpoints]
    result = checked_call(average_parameters, checkpoints=checkpoints)
    if not (isinstance(result, dict) and set(result) == set(checkpoints[0])):
        raise HintError(f"{call} should return a dict with the keys {sorted(checkpoints[0])}; got {describe(result)}")
    expected = {k: np.mean([c[k] for c in saved], axis=0) for k in saved[0]}
    for k, value in result.items():
        check_array(f"{call}[{k!r}]", value, expected[k], rtol=1e-9, atol=1e-12,
                    mistakes={"the sum of the checkpoints: divide by their number": len(saved) * expected[k],
                              "the last checkpoint only": saved[-1][k],
                              "the first and last checkpoints only": (saved[0][k] + saved[-1][k]) / 2,
                              "all but the last checkpoint": np.mean([c[k] for c in saved[:-1]], axis=0)
                              if len(saved) > 1 else saved[0][k] + 1},
                    hint="average each key elementwise over all the checkpoints: np.mean([c[k] for c in checkpoints], axis=0).")
        value += 1000.0  # the answer is the caller's to change
    for i, (c, s) in enumerate(zip(checkpoints, saved)):
        for k in s:
            check_array(f"checkpoints[{i}][{k!r}] after the answer of {call} was changed in place", c[k], s[k],
                        rtol=0, atol=0,
                        hint="the answer shares its arrays with a checkpoint (e.g. returning checkpoints[0] when there "
                             "is one checkpoint): return new arrays (np.mean makes new ones).")
    return result


rng = np.random.default_rng(1020)
checkpoints = [{"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal(3), "W2": rng.standard_normal((3, 2))}
               for _ in range(3)]
average_of(checkpoints, "average_parameters(3 checkpoints {W1, b1, W2})")
average_of(checkpoints[1:2], "average_parameters([one checkpoint])")
### BEGIN HIDDEN TESTS
checkpoints = [{"W": rng.standard_normal((2, 3, 4)), "gamma": rng.random(5)} for _ in range(6)]
average_of(checkpoints, "average_parameters(6 checkpoints {W (2, 3, 4), gamma (5,)})")
average_of(checkpoints[:2], "average_parameters(2 checkpoints)")
### END HIDDEN TESTS
passed("test_average_parameters")

# %% kind="tests" grade_id="test_average_parameters_checks" points=2
import numpy as np
from cs231n_utils.testing import check_raises, passed

a = {"W1": np.ones((4, 3)), "W2": np.ones((4, 3))}
b = {"W1": np.ones((4, 3)), "W2": np.ones((1, 3))}
check_raises(ValueError, average_parameters, [a, b], must_mention=["W2", "(1, 3)"],
             what="checkpoints whose 'W2' has the shapes (4, 3) and (1, 3), which numpy would broadcast")
check_raises(ValueError, average_parameters, [{"W1": np.ones(3)}, {"W1": np.ones(3), "b1": np.ones(3)}],
             must_mention="b1", what="checkpoints with the keys {'W1'} and {'W1', 'b1'}")
check_raises(ValueError, average_parameters, [], must_mention="checkpoints", what="an empty list of checkpoints")
### BEGIN HIDDEN TESTS
check_raises(ValueError, average_parameters, [{"W1": np.ones(3), "b1": np.ones(3)}, {"W1": np.ones(3)}],
             must_mention="b1", what="checkpoints with the keys {'W1', 'b1'} and {'W1'}")
check_raises(ValueError, average_parameters, [{"W": np.ones((2, 3))}, {"W": np.ones((2, 3))}, {"W": np.ones((3, 2))}],
             must_mention="W", what="a third checkpoint whose 'W' has the shape (3, 2) instead of (2, 3)")
check_raises(ValueError, average_parameters, [{"b": np.ones(3)}, {"b": np.ones(4)}], must_mention=["b", "(4,)"],
             what="checkpoints whose 'b' has the shapes (3,) and (4,)")
### END HIDDEN TESTS
passed("test_average_parameters_checks")

# %% [markdown] kind="readonly" grade_id="md-experiments"
# ## Experiments
#
# The rest of the notebook uses your four functions to train small networks on the digits. Nothing
# here is graded; run it, look at each picture, and read the sentence under it.
#
# The data: as in notebook 06, only **300** training digits, with **20% of their labels replaced by a
# wrong class** (a network can memorize them, and memorizing wrong labels can only hurt), and the
# usual 300 validation and 300 test digits with their right labels. The cell below provides the other
# pieces: a ReLU layer, He initialization, a softmax, and `train`, a minibatch training loop with
# plain SGD or Adam (notebook 07 builds the real update rules), L2 regularization through your
# `l2_regularization`, and decoupled weight decay.

# %% kind="readonly" grade_id="provided"
# The plots start here. matplotlib is imported here, not at the top: grading stops before
# the plots, and so does not spend time loading it.
import matplotlib.pyplot as plt

# %matplotlib inline

from cs231n_utils.data import load_digits
from cs231n_utils.model import FullyConnectedNet
from threadpoolctl import threadpool_limits

# The matrices below are small: one BLAS thread multiplies them faster than several threads that
# must share the cores with other programs. This affects only the speed.
threadpool_limits(limits=1, user_api="blas")


class ProvidedReLU:
    """A ReLU layer (forward/backward as in the course convention)."""

    @staticmethod
    def forward(x):
        return np.maximum(x, 0.0), x

    @staticmethod
    def backward(dout, cache):
        return np.where(cache > 0, dout, 0.0)


def he_init(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


def make_net(hidden_dims, seed):
    """A ReLU network 64 - hidden_dims - 10 with He weights drawn from the given seed."""
    return FullyConnectedNet(hidden_dims, 64, 10, activation=ProvidedReLU, init=he_init,
                             rng=np.random.default_rng(seed))


def softmax(scores):
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(probs, y):
    return float(-np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-300))))


def probabilities_of(model, X):
    """The model's class probabilities for X, shape (N, 10), in test mode."""
    return softmax(model.loss(X))


def train(model, X, y, *, epochs, learning_rate, batch_size=50, reg=0.0, weight_decay=0.0, rule="sgd", seed=0,
          on_epoch_end=None):
    """Train model.params in place for `epochs` epochs of minibatches (order drawn from `seed`).

    - reg: L2 strength; the gradient of l2_regularization(params, reg) is added to the data gradient.
    - weight_decay: decoupled weight decay: every weight W also moves by -learning_rate * weight_decay * W.
    - rule: 'sgd' or 'adam' (beta1 0.9, beta2 0.999, eps 1e-8, with bias correction).
    - on_epoch_end(epoch, model): called after every epoch (0-based); a true return value stops.
    The arrays of model.params are updated in place (w -= step), as many real update rules do.
    """
    rng = np.random.default_rng(seed)
    state = {}
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X) - batch_size + 1, batch_size):
            batch = order[start:start + batch_size]
            _, grads = model.loss(X[batch], y[batch])
            if reg:
                _, reg_grads = l2_regularization(model.params, reg)
                grads = {k: grads[k] + reg_grads[k] for k in grads}
            for k, w in model.params.items():
                g = grads[k]
                if rule == "adam":
                    m, v, t = state.get(k, (0.0, 0.0, 0))
                    t += 1
                    m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
                    state[k] = (m, v, t)
                    step = learning_rate * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
                else:
                    step = learning_rate * g
                if weight_decay and k.startswith("W"):
                    step = step + learning_rate * weight_decay * w
                w -= step
        if on_epoch_end is not None and on_epoch_end(epoch, model):
            break
    return model


digits = load_digits(seed=0)
N_TRAIN, NOISE = 300, 0.2
label_rng = np.random.default_rng(0)
X_train, y_clean = digits["X_train"][:N_TRAIN], digits["y_train"][:N_TRAIN]
wrong = label_rng.random(N_TRAIN) < NOISE
y_train = y_clean.copy()
y_train[wrong] = (y_clean[wrong] + label_rng.integers(1, 10, size=int(wrong.sum()))) % 10
X_val, y_val, X_test, y_test = digits["X_val"], digits["y_val"], digits["X_test"], digits["y_test"]
print(f"{wrong.sum()} of the {N_TRAIN} training labels replaced by a wrong class")

# %% [markdown] kind="readonly" grade_id="md-exp-early-stopping"
# ### 1. Training and validation curves, and where early stopping stops
# One network with a hidden layer of 256 ReLUs, plain SGD (learning rate 0.1, batches of 50), 150
# epochs. After every epoch we record the loss and accuracy on the training set (with the labels it
# was given) and on the validation set, and feed the validation loss to your `EarlyStopping` with
# patience 10. We keep training to the end to see what would have happened, but mark the epoch where
# early stopping would have stopped and the best epoch it kept.

# %% kind="readonly" grade_id="exp-early-stopping"
EPOCHS = 3 if GRADING else 150
PATIENCE = 2 if GRADING else 10
model = make_net([256], seed=0)
stopper = EarlyStopping(patience=PATIENCE)
curves = {"train loss": [], "val loss": [], "train acc": [], "val acc": []}
stopped_at = None


def record(epoch, model):
    global stopped_at
    p_train, p_val = probabilities_of(model, X_train), probabilities_of(model, X_val)
    curves["train loss"].append(cross_entropy(p_train, y_train))
    curves["val loss"].append(cross_entropy(p_val, y_val))
    curves["train acc"].append(np.mean(p_train.argmax(axis=1) == y_train))
    curves["val acc"].append(np.mean(p_val.argmax(axis=1) == y_val))
    if stopped_at is None and stopper.step(curves["val loss"][-1], model.params):
        stopped_at = epoch  # early stopping would stop here; we keep training only to draw the rest
    return False


train(model, X_train, y_train, epochs=EPOCHS, learning_rate=0.1, on_epoch_end=record)
best = stopper.best_epoch
lowest = int(np.argmin(curves["val loss"]))
test_acc_last = np.mean(model.predict(X_test) == y_test)
model.params = {k: v.copy() for k, v in stopper.best_params.items()}
test_acc_best = np.mean(model.predict(X_test) == y_test)

if not GRADING:  # the figures take a few seconds to draw; the numbers are printed below
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    epochs = np.arange(len(curves["val loss"]))
    for ax, kind in zip(axes, ("loss", "acc")):
        ax.plot(epochs, curves[f"train {kind}"], label="train (given labels)")
        ax.plot(epochs, curves[f"val {kind}"], label="validation")
        ax.axvline(best, color="C2", ls="--", label=f"best epoch kept ({best})")
        if stopped_at is not None:
            ax.axvline(stopped_at, color="C3", ls=":", label=f"early stop ({stopped_at})")
        ax.axvline(lowest, color="gray", lw=0.8, label=f"lowest val loss ({lowest})")
        ax.set(xlabel="epoch", ylabel="cross-entropy" if kind == "loss" else "accuracy")
        ax.legend(fontsize=9)
    axes[0].plot(best, curves["val loss"][best], "o", color="C2")
    axes[0].set_title("Loss")
    axes[1].set_title("Accuracy")
    plt.show()
print(f"early stopping stops after epoch {stopped_at} and keeps epoch {best} (validation loss {stopper.best_loss:.3f}); "
      f"the lowest validation loss of all {len(curves['val loss'])} epochs is {min(curves['val loss']):.3f}, at epoch {lowest}")
print(f"test accuracy with the parameters early stopping kept {test_acc_best:.3f}, after all {len(curves['val loss'])} epochs "
      f"{test_acc_last:.3f}")

# %% [markdown] kind="readonly" grade_id="md-exp-early-stopping-notice"
# **What to notice:** the training loss keeps falling for all 150 epochs. The validation loss falls
# fast for about 30 epochs, then wanders on a noisy plateau (about 0.69 to 0.72) and from epoch 80 or
# so rises: the network learns the wrong labels by heart (training accuracy climbs towards 90%, above
# the 80% of labels that are right) and validation accuracy drops. Early stopping with patience 10
# stops on the plateau, about ten epochs after its best epoch, and hands back that epoch's
# parameters: they predict the test set several points better than the parameters after 150 epochs,
# at a third of the training time. The lowest validation loss of the whole run comes later, but only
# by a hair: on a noisy plateau any patience is a gamble between stopping at a bump and wasting
# epochs, and the gain from waiting is small.
#
# ### 2. L2 strength against training and validation accuracy
# The same network and training (100 epochs), with the L2 penalty of your `l2_regularization` at
# strengths from 0 to 0.3.

# %% kind="readonly" grade_id="exp-l2"
REGS = [0.0, 1e-2] if GRADING else [0.0, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3]
train_acc, val_acc, weight_norm = [], [], []
for reg in REGS:
    model = train(make_net([256], seed=0), X_train, y_train, epochs=3 if GRADING else 100, learning_rate=0.1, reg=reg)
    train_acc.append(np.mean(model.predict(X_train) == y_train))
    val_acc.append(np.mean(model.predict(X_val) == y_val))
    weight_norm.append(np.sqrt(sum(np.sum(model.params[k] ** 2) for k in model.params if k.startswith("W"))))

if not GRADING:  # the figures take a few seconds to draw; the numbers are printed below
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    x = np.arange(len(REGS))
    axes[0].plot(x, train_acc, "o-", label="train (given labels)")
    axes[0].plot(x, val_acc, "s--", label="validation")
    axes[0].axhline(1 - NOISE, color="gray", lw=0.8, ls=":", label="fraction of right training labels")
    axes[0].set(xlabel="reg", ylabel="accuracy", title="Accuracy after training")
    axes[1].semilogy(x, weight_norm, "o-")
    axes[1].set(xlabel="reg", ylabel="norm of all the weights", title="Size of the weights")
    for ax in axes:
        ax.set_xticks(x, [f"{r:g}" for r in REGS])
    axes[0].legend(fontsize=9)
    plt.show()
for reg, tr, va in zip(REGS, train_acc, val_acc):
    print(f"reg {reg:<6g} train {tr:.3f}  validation {va:.3f}")

# %% [markdown] kind="readonly" grade_id="md-exp-l2-notice"
# **What to notice:** as `reg` grows the weights shrink, training accuracy (on the noisy labels) falls
# and validation accuracy first rises, by several points, then collapses: with `reg = 0.3` the
# penalty dominates the data loss and the network barely learns at all. The best strength sits where
# training accuracy has come down to about the fraction of right labels: the network fits the
# pattern, not the noise. `reg` is a hyperparameter like the learning rate: search it on a log scale,
# on the validation set.
#
# ### 3. Ensembles and parameter averaging
# Five networks with 64 hidden units, each from its own random initialization and minibatch order,
# trained on the 300 digits (100 epochs, learning rate 0.2). For the first one we also save the
# parameters after every third epoch of the last 30 (ten checkpoints). Then we compare on the test
# set:
# - each network alone, and the single best one on the **validation** set;
# - the ensemble of the five (your `ensemble_predict` on their probabilities);
# - the ensemble of the ten checkpoints of one run, and one network with their average parameters
#   (your `average_parameters`);
# - one network with the average parameters of the five *independent* networks.

# %% kind="readonly" grade_id="exp-ensembles"
NUM_NETS = 2 if GRADING else 5
ENS_EPOCHS = 3 if GRADING else 100
checkpoints, nets = [], []


def save_checkpoint(epoch, model):
    if epoch >= ENS_EPOCHS - 30 and epoch % 3 == 2:
        checkpoints.append({k: v.copy() for k, v in model.params.items()})  # copies: train changes params in place
    return False


for seed in range(NUM_NETS):
    nets.append(train(make_net([64], seed=10 + seed), X_train, y_train, epochs=ENS_EPOCHS, learning_rate=0.2, seed=seed,
                      on_epoch_end=save_checkpoint if seed == 0 else None))

val_single = [np.mean(net.predict(X_val) == y_val) for net in nets]
test_probs = np.array([probabilities_of(net, X_test) for net in nets])  # (M, N, C)
test_single = [np.mean(p.argmax(axis=1) == y_test) for p in test_probs]
_, ensemble_labels = ensemble_predict(test_probs)
probe = make_net([64], seed=0)  # a network to load parameters into


def test_accuracy(params):
    probe.params = {k: v.copy() for k, v in params.items()}
    return np.mean(probe.predict(X_test) == y_test)


checkpoint_probs = []
for params in checkpoints:
    probe.params = {k: v.copy() for k, v in params.items()}
    checkpoint_probs.append(probabilities_of(probe, X_test))
results = {f"net {i + 1}": acc for i, acc in enumerate(test_single)}
results["best on val"] = test_single[int(np.argmax(val_single))]
results[f"ensemble of {NUM_NETS}"] = np.mean(ensemble_labels == y_test)
results["last checkpoint"] = test_accuracy(checkpoints[-1]) if checkpoints else np.nan
results[f"ensemble of {len(checkpoints)} checkpoints"] = (np.mean(ensemble_predict(np.array(checkpoint_probs))[1] == y_test)
                                                          if checkpoints else np.nan)
results[f"average of {len(checkpoints)} checkpoints"] = (test_accuracy(average_parameters(checkpoints))
                                                         if checkpoints else np.nan)
results[f"average of {NUM_NETS} nets' params"] = test_accuracy(average_parameters([net.params for net in nets]))

if not GRADING:  # the figures take a few seconds to draw; the numbers are printed below
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    names = list(results)
    colors = ["C0"] * NUM_NETS + ["C1", "C2", "C0", "C2", "C4", "C3"]
    ax.bar(range(len(names)), [results[n] for n in names], color=colors[:len(names)])
    ax.set_xticks(range(len(names)), names, rotation=35, ha="right")
    finite = [v for v in results.values() if np.isfinite(v)]
    ax.set(ylabel="test accuracy", ylim=(max(0.0, min(finite) - 0.05), 1.0),
           title="Single networks, ensembles and averaged parameters (300 test digits)")
    for i, n in enumerate(names):
        ax.text(i, results[n] + 0.003, f"{results[n]:.3f}", ha="center", va="bottom", fontsize=9)
    plt.show()
for name, acc in results.items():
    print(f"{name:28s} {acc:.3f}")

# %% [markdown] kind="readonly" grade_id="md-exp-ensembles-notice"
# **What to notice:** the five networks differ by up to five points from each other although they
# differ only in their random start and minibatch order. The ensemble of the five is a point or two
# better than the typical member, close to the best one, and needs no guess of which one that is.
# (On 300 test digits one digit is 0.33 points, so differences of a point are within the noise; on
# clean labels or with larger networks the ensemble's lead is usually clearer.) The ensemble of the
# checkpoints of one run beats that run's last checkpoint by about two points: late in training SGD
# with a large learning rate bounces around, and the checkpoints disagree on the hard digits.
# Averaging their *parameters* gives the same gain at the cost of a single network. The last bar is
# the warning: the average of the parameters of five *independent* networks is some twenty points
# worse than any of them, because their hidden units are not in the same order; averaging
# parameters only makes sense within one run.
#
# ### 4. Weight decay against L2, for SGD and for Adam
# Same network (128 hidden units), 80 epochs, trained four ways: SGD with L2 (`reg = 0.01`) and SGD
# with decoupled weight decay (0.01); Adam (learning rate 0.003) with L2 (`reg = 0.01`) and AdamW,
# Adam with decoupled weight decay (0.1), plus plain Adam without either. For SGD we compare the two
# trained networks entry by entry. For Adam, we compare how much each row of the first layer's
# weights (the weights of one input pixel) has shrunk, relative to plain Adam, against how much that
# pixel varies in the training set: the corner pixels of the digits are (almost) always blank, so
# their weights get (almost) no gradient from the data.

# %% kind="readonly" grade_id="exp-weight-decay"
WD_EPOCHS = 3 if GRADING else 80
sgd_l2 = train(make_net([128], seed=3), X_train, y_train, epochs=WD_EPOCHS, learning_rate=0.1, reg=0.01)
sgd_wd = train(make_net([128], seed=3), X_train, y_train, epochs=WD_EPOCHS, learning_rate=0.1, weight_decay=0.01)
difference = max(float(np.max(np.abs(sgd_l2.params[k] - sgd_wd.params[k]))) for k in sgd_l2.params)
adams = {"Adam": {}, "Adam + L2 (reg 0.01)": {"reg": 0.01}, "AdamW (decay 0.1)": {"weight_decay": 0.1}}
adams = {name: train(make_net([128], seed=3), X_train, y_train, epochs=WD_EPOCHS, learning_rate=3e-3, rule="adam", **kw)
         for name, kw in adams.items()}
pixel_std = X_train.std(axis=0)
row_norm = {name: np.linalg.norm(net.params["W1"], axis=1) for name, net in adams.items()}

if not GRADING:  # the figures take a few seconds to draw; the numbers are printed below
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    axes[0].scatter(sgd_l2.params["W1"].ravel(), sgd_wd.params["W1"].ravel(), s=2)
    axes[0].set(xlabel="W1 after SGD + L2", ylabel="W1 after SGD + weight decay",
                title=f"SGD: the same network\n(largest difference {difference:.1e})")
    for name, style in (("Adam + L2 (reg 0.01)", "o"), ("AdamW (decay 0.1)", "s")):
        axes[1].scatter(pixel_std, row_norm[name] / row_norm["Adam"], s=12, marker=style, label=name, alpha=0.7)
    axes[1].set(xlabel="standard deviation of the pixel (training set)", ylabel="row norm / plain Adam's",
                title="Adam: how much each pixel's weights shrink")
    axes[1].legend(fontsize=9)
    plt.show()
print(f"SGD: largest difference between the parameters trained with L2 and with weight decay: {difference:.1e}")
for name, net in adams.items():
    print(f"{name:22s} validation accuracy {np.mean(net.predict(X_val) == y_val):.3f}, "
          f"norm of W1 {np.linalg.norm(net.params['W1']):.1f}")

# %% [markdown] kind="readonly" grade_id="md-exp-weight-decay-notice"
# **What to notice:** for SGD the two networks are the same up to round-off (the points lie on the
# diagonal; the largest difference is about $10^{-16}$): L2 and weight decay are one update
# rule. For Adam they are not. With AdamW every pixel's weights shrink by about the same factor,
# whatever the pixel. With Adam + L2, the weights of (almost) blank pixels, which get no gradient from
# the data, are driven to 0 (a ratio near 0 on the left of the plot), because the penalty's gradient
# $\lambda w$ is divided by its own tiny root mean square and becomes a step of full size; the
# weights of the busy pixels, whose large data gradients inflate $\sqrt{\hat v}$, are decayed much
# less per unit of penalty. Which one generalizes better depends on the problem (here Adam + L2
# shrinks the weights far more overall); the point is that with Adam, "L2" and "weight decay" are two
# different regularizers, and AdamW is the one whose strength means the same for every weight.
#
# ## Written questions (graded by hand)
#
# **Question 1.** A classmate writes early stopping as `if val_loss < best: best, best_params = val_loss,
# model.params`, and their update rule is `w -= lr * dw`. What do they get back at the end of training,
# and why? Would `best_params = dict(model.params)` fix it? What would, and what does it cost?

# %% [markdown] kind="manual" grade_id="q1_copy" points=2
# ### BEGIN SOLUTION
# `best_params = model.params` makes a second name for the same dict, not a copy. The update rule keeps
# changing the arrays of that dict (in place), so at the end `best_params` holds the *last* parameters,
# not those of the best epoch: early stopping silently does nothing (experiment 1: a few points lost on
# the test set). `dict(model.params)` makes a new dict, but its values are the same array objects, and
# `w -= lr * dw` changes those arrays in place, so the "copy" follows training too (it would only
# survive an update rule that replaces the arrays, `params[k] = w - lr * dw`). A deep copy fixes it:
# `{k: v.copy() for k, v in params.items()}` or `copy.deepcopy(params)`, at each improving epoch. It
# costs one copy of the parameters in memory (the size of the model) and the time of copying, only at
# improving epochs: cheap compared with an epoch of training.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q2"
# **Question 2.** Why does averaging the *probabilities* of five networks usually beat the best of
# them, and why is averaging their *parameters* (experiment 3, last bar) useless, while averaging the
# parameters of checkpoints of one run works?

# %% [markdown] kind="manual" grade_id="q2_averaging" points=2
# ### BEGIN SOLUTION
# Independently trained networks make partly different mistakes (different random initializations and
# minibatch orders land in different solutions that each fit the noise of the training set in their own
# way). Averaging their probabilities cancels much of that variance, while the signal they share
# remains; a confident right model can outweigh hesitating wrong ones. So the ensemble beats the typical
# member and usually the best one (which we could only pick with a noisy validation estimate anyway).
# Parameters are another matter: a network's function does not change when its hidden units are
# permuted (with their incoming and outgoing weights), and two independent runs end up with their
# units in unrelated orders. Averaging W1 of two such networks mixes unrelated units into meaningless
# ones, so the averaged network is near chance. Checkpoints of one run share the same units in the same
# order and lie close together in one valley of the loss; SGD noise scatters them around its bottom, and
# their average is closer to it: a model as good as (or better than) the checkpoints, at the cost of one.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q3"
# **Question 3.** Show that one SGD step on the loss with the L2 penalty $\frac{\lambda}{2}\|w\|^2$ is the
# same as shrinking $w$ by a factor and taking a step on the data loss alone. Then explain, with the
# update of Adam, why the same is not true for Adam, and which weights Adam + L2 decays most
# (experiment 4).

# %% [markdown] kind="manual" grade_id="q3_weight_decay" points=2
# ### BEGIN SOLUTION
# SGD: $w \leftarrow w - \eta\,(\nabla L_\text{data} + \lambda w) = (1 - \eta\lambda)\,w - \eta\,\nabla L_\text{data}$:
# shrink by $1 - \eta\lambda$, then the data step; weight decay with rate $\lambda$ is the same update
# (experiment 4: identical networks up to round-off). Adam divides its step by $\sqrt{\hat v}$, the running
# root mean square of the gradient it is given. With L2 the gradient is $\nabla L_\text{data} + \lambda w$,
# so the penalty's contribution to the step is roughly $\eta\lambda w/\sqrt{\hat v}$: it depends on the weight's
# gradient history. A weight with large data gradients (a busy pixel) has a large $\sqrt{\hat v}$ and is
# hardly decayed; a weight whose data gradient is (nearly) zero (a blank corner pixel) has
# $\sqrt{\hat v} \approx \lambda |w|$, so its step is about $\eta$ in size towards 0, a full-size step: it is
# driven to zero quickly. AdamW applies $-\eta\lambda w$ outside the adaptive division, so every weight
# decays by the same factor $1 - \eta\lambda$, as with SGD.
# ### END SOLUTION
