# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] kind="readonly" grade_id="intro"
# # 08 · Babysitting the learning process
#
# A network that trains badly rarely says why. The loss goes down a little, or not at all, or turns
# into `nan`, and the bug may be in the gradient, the data, the initialization, the learning rate or
# the regularization. **Babysitting** (the word of the CS231n notes) is the habit of checking a few
# cheap, telling numbers *before* and *during* training, so that most problems show themselves in the
# first minute instead of after a night of training.
#
# In this notebook you write the tools and the sanity checks, then use them to read training runs on
# the handwritten digits.
#
# **What you implement** (graded, each followed by a test cell):
# 1. `expected_initial_loss(num_classes)`: the loss of a classifier at chance;
# 2. `initial_losses(X, y, num_classes, regs, ...)`: sanity checks 1 and 2, the loss of an untrained
#    network and how it grows with the regularization strength;
# 3. `overfit_small_subset(X, y, num_classes, ...)`: sanity check 3, a network must be able to
#    memorize 20 examples;
# 4. `update_to_weight_ratio(w, update)`: how big a step is, relative to the weights;
# 5. `is_exploding(loss, initial_loss, factor=3.0)`: when to stop a run that blew up;
# 6. `dead_unit_fraction(activations)`: the share of ReLU units that never fire.
#
# Then experiments (not graded) and three recorded runs with something wrong in each, for you to
# diagnose in writing (graded by hand).
#
# ## Before training: three sanity checks
# **1. The loss at chance.** With small random weights the scores of a softmax classifier are all
# close to 0, so every one of the $C$ classes gets probability close to $1/C$. The cross-entropy of
# an example is minus the log-probability of its correct class, so at initialization
#
# $$ L_0 \approx -\log \frac{1}{C} = \log C \qquad (\log C = \ln 10 \approx 2.303 \text{ for the 10 digits}). $$
#
# The log is the natural log, as in the loss itself. (A multiclass SVM with margin 1 starts at
# $C-1$ instead: every wrong class violates the margin by about 1.) Check it with the
# regularization **off**: the penalty is added to the loss. If the first loss is far from $\log C$,
# something is wrong before training has even started: weights that are too large (confident random
# predictions, often wrong, cost far more than $\log C$), a loss that is summed instead of averaged,
# or a bug in the loss itself.
#
# **2. The loss grows with the regularization.** The loss the optimizer sees is
# $L = L_\text{data} + \tfrac12 \lambda \sum_l \lVert W_l \rVert^2$. With the same weights, raising
# $\lambda$ must raise $L$, and in proportion to $\lambda$. To see that, the weights have to be the
# same for every $\lambda$: a new random network per value would mix the effect of $\lambda$ with the
# luck of the draw.
#
# **3. Overfit a tiny subset.** Take about 20 training examples, switch the regularization off, and
# train on them alone. A network with thousands of weights can memorize 20 examples: the loss must
# fall close to 0 and the training accuracy reach 100%. If it cannot, no amount of data will help:
# the gradient, the update or the wiring of the model is broken, or the learning rate is far off.
# This check costs a second; it is the first thing to run after writing a model.
#
# ## During training: what to watch
# - **The loss curve** (per iteration; a log scale shows the early drop and the later slow progress
#   together). A learning rate that is too low gives a slow, almost linear decrease; one that is too
#   high makes the loss jump around, plateau at a high value, or explode; a good one drops quickly
#   and then keeps decreasing slowly. Minibatches make the curve noisy; a very noisy curve can mean
#   a batch that is too small.
# - **Train and validation accuracy.** A large gap (training far above validation) means
#   **overfitting**: more data, more regularization, a smaller model or early stopping. No gap but
#   both low means **underfitting**: a bigger model, less regularization, longer training.
# - **The update/weight ratio** of each weight matrix,
#
#   $$ r = \frac{\lVert \Delta W \rVert}{\lVert W \rVert}, \qquad \lVert A \rVert = \sqrt{\textstyle\sum_{ij} A_{ij}^2}, $$
#
#   where $\Delta W$ is the step the update rule takes ($-\eta\,\nabla_W L$ for SGD) and $W$ the weights
#   before it. A common rule of thumb is $r \approx 10^{-3}$: much smaller ($10^{-5}$) and the weights
#   hardly move, the learning rate is too low; near $10^{-1}$ or more, every step rewrites a good part
#   of the weights, and the learning rate is too high. The rule is rough (here, good SGD runs sit at
#   a few times $10^{-3}$); it is the order of magnitude that tells, so plot $\log_{10} r$.
# - **When to give up.** If the loss exceeds about **3 times its initial value**, or becomes `nan`
#   or `inf`, the run has exploded: stop it and lower the learning rate. Careful: every comparison
#   with `nan` is `False`, so `loss > 3 * initial_loss` alone never catches a `nan`.
# - **Dead units.** A ReLU unit whose input is negative for *every* example outputs 0 for every
#   example, so its gradient is 0 too and it never recovers. A healthy ReLU layer has about half of its
#   entries at 0; what matters is the share of **units** (columns) that are 0 on the whole batch. A
#   too-large step (which can push a bias far below 0) or a bad initialization kills units.
# - **Activation and gradient histograms** per layer (notebook 04 did this at initialization):
#   layers whose activations collapse to 0 or saturate, or whose gradients vanish, stop learning.
# - **The first-layer weights as images.** On images, trained first-layer weights look like smooth
#   strokes and blobs; noisy, random-looking weights say the network has not converged (too low a
#   learning rate, too few epochs) or is hardly regularized.

# %% kind="readonly" grade_id="imports"
import os

import numpy as np

# Under nbgrader (validate or autograde) the experiments are skipped so that grading stays fast.
GRADING = bool(os.environ.get("NBGRADER_EXECUTION"))
np.set_printoptions(precision=4, suppress=True)  # shorter printed arrays

# %% [markdown] kind="readonly" grade_id="md-provided"
# The sanity checks train the course's `FullyConnectedNet` with its `Solver` (both in `cs231n_utils`).
# The cell below provides the pieces they need that other notebooks grade: a ReLU layer (notebook 02),
# Gaussian and He initializations (notebook 04) and a plain gradient step (notebook 07).

# %% kind="readonly" grade_id="provided"
from cs231n_utils.model import FullyConnectedNet
from cs231n_utils.solver import Solver
from threadpoolctl import threadpool_limits

# The matrices here are small: one BLAS thread multiplies them faster than several threads that
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


def gaussian_init(weight_scale):
    """An initializer for FullyConnectedNet: weights from N(0, weight_scale**2) (std weight_scale)."""
    def init(fan_in, fan_out, rng):
        return weight_scale * rng.standard_normal((fan_in, fan_out))
    return init


def he_init(fan_in, fan_out, rng):
    """He initialization: weights from N(0, 2 / fan_in)."""
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


def plain_step(w, dw, config=None):
    """Plain SGD, w - learning_rate * dw (notebook 07 builds the real update rules)."""
    config = {} if config is None else config
    return w - config.get("learning_rate", 1e-2) * dw, config

# %% [markdown] kind="readonly" grade_id="md-expected-initial-loss"
# ## Exercise 1: `expected_initial_loss`
#
# Return the softmax cross-entropy loss of a classifier that gives each of the `num_classes` classes
# the same probability: $-\log(1/C) = \log C$, with the natural log. Refuse a `num_classes` that is not
# an integer of at least 2 with a `ValueError` whose message names `num_classes` and the value you got
# (with one class there is nothing to classify). Numpy integers such as `np.int64(10)` are integers too.

# %% kind="answer" grade_id="expected_initial_loss"
def expected_initial_loss(num_classes):
    """The softmax cross-entropy loss at chance.

    Inputs:
    - num_classes: the number of classes C, an integer >= 2 (a Python or numpy integer).

    Returns a float: -log(1/C) = log(C), the natural log (2.302585... for C = 10).

    Raises ValueError, with a message naming num_classes and its value, if num_classes is not an
    integer or is less than 2.
    """
    # Hint: numbers.Integral covers Python and numpy integers (bool is one too: refuse it).
    ### BEGIN SOLUTION
    import numbers

    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
    return float(np.log(num_classes))
    ### END SOLUTION


# %% kind="tests" grade_id="test_expected_initial_loss" points=2
import numpy as np
from cs231n_utils.testing import check_scalar, passed


def chance_mistakes(c):
    return {"log base 10: the cross-entropy uses the natural log (np.log)": np.log10(c),
            "log base 2: the cross-entropy uses the natural log (np.log)": np.log2(c),
            "the probability 1/C of each class, not the loss -log(1/C)": 1.0 / c,
            "log(1/C): the loss is MINUS the log-probability": -np.log(c),
            "C - 1: that is the multiclass SVM loss at chance, not the softmax loss": c - 1.0}


check_scalar("expected_initial_loss(10)", expected_initial_loss(10), np.log(10), rtol=1e-12, atol=0,
             mistakes=chance_mistakes(10),
             hint="At chance every class has probability 1/C, so the loss is -log(1/C) = log(C), natural log.")
check_scalar("expected_initial_loss(2)", expected_initial_loss(2), np.log(2), rtol=1e-12, atol=0,
             mistakes=chance_mistakes(2),
             hint="num_classes = 2 is allowed: log(2) = 0.693.")
### BEGIN HIDDEN TESTS
for c in (3, 1000, np.int64(7)):
    check_scalar(f"expected_initial_loss({c!r})", expected_initial_loss(c), np.log(int(c)), rtol=1e-12, atol=0,
                 mistakes=chance_mistakes(int(c)),
                 hint="log(C) for any integer C >= 2, numpy integers included.")
### END HIDDEN TESTS
passed("test_expected_initial_loss")

# %% kind="tests" grade_id="test_expected_initial_loss_args" points=1
from cs231n_utils.testing import check_raises, passed

check_raises(ValueError, expected_initial_loss, 1, must_mention=["num_classes", "1"],
             what="num_classes=1 (one class: nothing to classify)")
check_raises(ValueError, expected_initial_loss, 0, must_mention=["num_classes", "0"], what="num_classes=0")
### BEGIN HIDDEN TESTS
check_raises(ValueError, expected_initial_loss, -3, must_mention="-3", what="num_classes=-3")
check_raises(ValueError, expected_initial_loss, 2.5, must_mention="2.5",
             what="num_classes=2.5 (a number of classes is an integer)")
### END HIDDEN TESTS
passed("test_expected_initial_loss_args")

# %% [markdown] kind="readonly" grade_id="md-initial-losses"
# ## Exercise 2: `initial_losses` (sanity checks 1 and 2)
#
# Build **one** untrained `FullyConnectedNet(hidden_dims, D, num_classes, activation=ProvidedReLU,
# init=gaussian_init(weight_scale), rng=rng)` (zero biases are its default) and, without any training
# step, return its loss `model.loss(X, y)[0]` on all of `X` for each regularization strength in `regs`,
# in the order of `regs`. The model reads its strength from `model.reg` at every call, so you can set
# it before each one; building a net per value from the same seed gives the same weights too.
# Refuse a negative strength with a `ValueError` that names it (`FullyConnectedNet(reg=...)` does).
#
# The tests check what the lesson says: with small weights and `reg = 0` the loss is close to
# $\log C$; it grows with `reg`, exactly in proportion to `reg` (the same weights throughout), with a
# slope $\tfrac12\sum W^2$ close to $\tfrac12\,\text{weight\_scale}^2 \times$ (the number of weights);
# and the same seed gives the same losses.

# %% kind="answer" grade_id="initial_losses"
def initial_losses(X, y, num_classes, regs, hidden_dims=(50,), weight_scale=1e-2, rng=None):
    """Sanity checks 1 and 2: the loss of one untrained network at every regularization strength.

    The network: FullyConnectedNet(hidden_dims, D, num_classes) with ReLU hidden layers
    (ProvidedReLU), weights drawn from N(0, weight_scale**2) (gaussian_init(weight_scale)) with `rng`,
    zero biases. No training step is taken.

    Inputs:
    - X: float array (N, D); y: int array (N,) of labels in [0, num_classes). Neither is modified.
    - num_classes: the number of classes C.
    - regs: a sequence of L2 strengths, each >= 0.
    - hidden_dims: the sizes of the hidden layers.
    - weight_scale: the standard deviation of the initial weights.
    - rng: np.random.Generator, int seed or None, the only source of randomness: the same seed gives
      the same losses.

    Returns a list of floats, one per entry of regs, in the order of regs: the loss of the SAME
    weights on all of X, data loss plus 0.5 * reg * (sum of the squared weights), for that reg.

    Raises ValueError, naming the value, if a reg is negative.
    """
    # Hint: model = FullyConnectedNet(..., init=gaussian_init(weight_scale), rng=rng), then for each reg:
    # model.reg = reg and model.loss(X, y)[0]. Check the sign of reg first.
    ### BEGIN SOLUTION
    model = FullyConnectedNet(hidden_dims, X.shape[1], num_classes, activation=ProvidedReLU,
                              init=gaussian_init(weight_scale), rng=rng)
    losses = []
    for reg in regs:
        if reg < 0:
            raise ValueError(f"every reg in regs must be >= 0, got reg = {reg!r}")
        model.reg = float(reg)
        losses.append(float(model.loss(X, y)[0]))
    return losses
    ### END SOLUTION


# %% kind="tests" grade_id="test_initial_losses" points=3
import numpy as np
from cs231n_utils.testing import HintError, check_array, check_scalar, passed


def as_losses(call, losses, n):
    """The returned losses as a float array of n entries, or a HintError saying what came back."""
    if not isinstance(losses, (list, tuple, np.ndarray)) or np.ndim(losses) != 1 or len(losses) != n:
        raise HintError(f"{call} should return a list of {n} float(s), one per entry of regs, got {losses!r}")
    return np.asarray(losses, dtype=float)


data_rng = np.random.default_rng(802)
X, y = data_rng.random((200, 64)), data_rng.integers(0, 10, size=200)  # 200 examples like the digits: 64 values in [0, 1]
X_before, y_before = X.copy(), y.copy()
call = "initial_losses(X, y, 10, [0.0], hidden_dims=[50], weight_scale=1e-2, rng=np.random.default_rng(0))"
losses = as_losses(call, initial_losses(X, y, 10, [0.0], hidden_dims=[50], weight_scale=1e-2,
                                        rng=np.random.default_rng(0)), 1)
check_scalar(call + "[0]", losses[0], np.log(10), rtol=0, atol=2e-3,
             hint="With reg = 0 and weights of std 0.01 the scores are all close to 0 and the loss is close to "
                  "log(10) = 2.303. Draw the weights with gaussian_init(weight_scale) (not he_init), and take no "
                  "training step before measuring.")
check_array("X after initial_losses", X, X_before, rtol=0, atol=0, hint="initial_losses must not change X.")
check_array("y after initial_losses", y, y_before, dtype_kind="iu", rtol=0, atol=0,
            hint="initial_losses must not change y.")

regs = [10.0, 0.0, 1.0, 100.0]
call = "initial_losses(X, y, 10, [10.0, 0.0, 1.0, 100.0], hidden_dims=[50], weight_scale=1e-2, rng=...)"
losses = as_losses(call, initial_losses(X, y, 10, regs, hidden_dims=[50], weight_scale=1e-2,
                                        rng=np.random.default_rng(1)), 4)
check_scalar(f"{call}[1] (the loss for reg = 0.0)", losses[1], np.log(10), rtol=0, atol=2e-3,
             hint="One loss per entry of regs, in the order of regs (do not sort them).")
if not losses[1] < losses[2] < losses[0] < losses[3]:
    raise HintError(f"{call} gave {losses.tolist()}: the loss must grow with reg (0 < 1 < 10 < 100). "
                    "Likely cause: reg never reaches the model (set model.reg, or pass reg= to FullyConnectedNet).")
slopes = (losses[[0, 2, 3]] - losses[1]) / np.array([10.0, 1.0, 100.0])
check_array("(loss(reg) - loss(0)) / reg for reg = 10, 1, 100", slopes, np.full(3, np.mean(slopes)),
            rtol=1e-8, atol=1e-12,
            hint="The penalty 0.5 * reg * sum(W**2) is proportional to reg only if every reg sees the SAME "
                 "weights: build one network and change model.reg, or build each from the same seed.")
n_weights = 64 * 50 + 50 * 10
check_scalar("(loss(reg) - loss(0)) / reg, that is 0.5 * sum(W**2), for weight_scale=1e-2", np.mean(slopes),
             0.5 * 1e-4 * n_weights, rtol=0.07, atol=0,
             mistakes={"weight_scale used as the variance instead of the standard deviation":
                       0.5 * 1e-2 * n_weights,
                       "He initialization instead of gaussian_init(weight_scale)": 0.5 * (64 * 50 * 2 / 64 + 50 * 10 * 2 / 50)},
             hint="Each weight has std weight_scale, so sum(W**2) is close to weight_scale**2 times the number "
                  "of weights (3700 here): use init=gaussian_init(weight_scale).")

again = as_losses(call, initial_losses(X, y, 10, regs, hidden_dims=[50], weight_scale=1e-2,
                                       rng=np.random.default_rng(1)), 4)
check_array("a second call with the same seed", again, losses, rtol=0, atol=0,
            hint="Draw the weights from rng only (pass rng=rng to FullyConnectedNet), so that the same seed gives "
                 "the same network and the same losses.")
### BEGIN HIDDEN TESTS
# another architecture and scale, an int seed, four classes
y4 = y % 4
losses = as_losses("initial_losses(X, y % 4, 4, [0.0, 2.0], hidden_dims=[30, 20], weight_scale=0.05, rng=3)",
                   initial_losses(X, y4, 4, [0.0, 2.0], hidden_dims=[30, 20], weight_scale=0.05, rng=3), 2)
n_weights = 64 * 30 + 30 * 20 + 20 * 4
check_scalar("(loss(2) - loss(0)) / 2 for hidden_dims=[30, 20], weight_scale=0.05", (losses[1] - losses[0]) / 2,
             0.5 * 0.05 ** 2 * n_weights, rtol=0.07, atol=0,
             hint="Use hidden_dims and weight_scale as given: weights of std weight_scale in every layer.")
check_scalar("the loss for reg = 0 with 4 classes (weight_scale=0.05)", losses[0], np.log(4), rtol=0, atol=5e-3,
             hint="The network has num_classes outputs; at chance its loss is log(num_classes).")
# weights that are too large: the loss at chance is far exceeded
losses = as_losses("initial_losses(X, y, 10, [0.0], weight_scale=1.0, rng=4)",
                   initial_losses(X, y, 10, [0.0], weight_scale=1.0, rng=4), 1)
if not losses[0] > np.log(10) + 1:
    raise HintError(f"initial_losses(X, y, 10, [0.0], weight_scale=1.0) gave {losses[0]:.4g}: with weights of std 1 "
                    "the scores are large and the loss far above log(10). Use weight_scale as the std of the weights.")
# regs given as a tuple, and an array
losses = as_losses("initial_losses(X, y, 10, (0.0, 1.0), rng=5)", initial_losses(X, y, 10, (0.0, 1.0), rng=5), 2)
losses = as_losses("initial_losses(X, y, 10, np.array([0.0, 1.0]), rng=5)",
                   initial_losses(X, y, 10, np.array([0.0, 1.0]), rng=5), 2)
check_array("X after initial_losses", X, X_before, rtol=0, atol=0, hint="initial_losses must not change X.")
### END HIDDEN TESTS
passed("test_initial_losses")

# %% kind="tests" grade_id="test_initial_losses_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

data_rng = np.random.default_rng(803)
X, y = data_rng.random((50, 64)), data_rng.integers(0, 10, size=50)
check_raises(ValueError, initial_losses, X, y, 10, [0.0, -1.0], rng=0, must_mention="-1",
             what="reg = -1.0 (a regularization strength is >= 0)")
### BEGIN HIDDEN TESTS
check_raises(ValueError, initial_losses, X, y, 10, [-0.5], rng=0, must_mention="-0.5", what="reg = -0.5")
### END HIDDEN TESTS
passed("test_initial_losses_args")

# %% [markdown] kind="readonly" grade_id="md-overfit"
# ## Exercise 3: `overfit_small_subset` (sanity check 3)
#
# Train an untrained `FullyConnectedNet(hidden_dims, D, num_classes, activation=ProvidedReLU,
# init=he_init, rng=rng)` **without regularization** on the first `num_examples` examples of `X, y`,
# with the `Solver`: `update_rule=plain_step`, `optim_config={'learning_rate': learning_rate}`,
# `batch_size=num_examples` (one full-batch step per epoch), `num_epochs`, the same examples as
# validation data (this check looks at training only), `rng=rng` and `progress=False`. Return the
# solver's histories as plain lists in a dict (a test cell can then read them):
# `{'loss_history': [...], 'train_acc_history': [...]}`.
#
# With the defaults, 20 digits are memorized: the loss falls below 0.05 and the training accuracy
# reaches 1.0. The tests check that, that the step count and the learning rate are yours, that only
# the first `num_examples` examples are used (the rest of their `X` has random labels, which no
# network can learn in 100 steps), and that the same seed gives the same run.

# %% kind="answer" grade_id="overfit_small_subset"
def overfit_small_subset(X, y, num_classes, num_examples=20, hidden_dims=(100,), learning_rate=0.5,
                         num_epochs=100, rng=None):
    """Sanity check 3: train a network on a tiny subset, with no regularization, until it memorizes it.

    The network: FullyConnectedNet(hidden_dims, D, num_classes), ReLU hidden layers (ProvidedReLU),
    he_init, reg = 0. Training: Solver with plain_step at learning_rate, batch_size = num_examples (one
    full-batch iteration per epoch), num_epochs epochs, on X[:num_examples], y[:num_examples] only (also
    given as the validation data), progress=False.

    Inputs:
    - X: float array (N, D), N >= num_examples; y: int array (N,). Neither is modified.
    - num_classes, num_examples, hidden_dims, learning_rate, num_epochs: as above.
    - rng: np.random.Generator, int seed or None, for the initial weights and the Solver's shuffling,
      the only source of randomness: the same seed gives the same histories.

    Returns a dict of two lists:
    - 'loss_history': num_epochs floats, the training loss at every iteration;
    - 'train_acc_history': num_epochs floats, the accuracy on the subset after every epoch.
    With the defaults, on 20 digits, the last loss is below 0.05 and the last accuracy 1.0.
    """
    # Hint: data = {'X_train': X_small, 'y_train': y_small, 'X_val': X_small, 'y_val': y_small}; after
    # solver.train(), solver.loss_history and solver.train_acc_history hold the histories.
    ### BEGIN SOLUTION
    rng = np.random.default_rng(rng)
    X_small, y_small = X[:num_examples], y[:num_examples]
    model = FullyConnectedNet(hidden_dims, X.shape[1], num_classes, activation=ProvidedReLU, init=he_init,
                              reg=0.0, rng=rng)
    data = {"X_train": X_small, "y_train": y_small, "X_val": X_small, "y_val": y_small}
    solver = Solver(model, data, update_rule=plain_step, optim_config={"learning_rate": learning_rate},
                    batch_size=num_examples, num_epochs=num_epochs, progress=False, rng=rng)
    solver.train()
    return {"loss_history": [float(v) for v in solver.loss_history],
            "train_acc_history": [float(v) for v in solver.train_acc_history]}
    ### END SOLUTION


# %% kind="tests" grade_id="test_overfit_small_subset" points=3
import numpy as np
from cs231n_utils.testing import HintError, check_array, check_scalar, passed


def histories(call, history, num_epochs):
    """(loss_history, train_acc_history) as float arrays of num_epochs entries, or a HintError."""
    if not isinstance(history, dict) or not {"loss_history", "train_acc_history"} <= set(history):
        raise HintError(f"{call} should return a dict with the keys 'loss_history' and 'train_acc_history', "
                        f"got {history!r:.200}")
    out = []
    for key in ("loss_history", "train_acc_history"):
        values = history[key]
        if not isinstance(values, (list, tuple, np.ndarray)) or np.ndim(values) != 1:
            raise HintError(f"{call}[{key!r}] should be a list of floats, got {values!r:.200}")
        if len(values) != num_epochs:
            raise HintError(f"{call}[{key!r}] has {len(values)} entries, expected {num_epochs}: one full-batch "
                            "iteration per epoch (batch_size = num_examples, and only the first num_examples "
                            "examples of X as training data) for num_epochs epochs.")
        out.append(np.asarray(values, dtype=float))
    return out


# 20 examples in 10 classes: noisy copies of 10 random 64-pixel prototypes
data_rng = np.random.default_rng(804)
prototypes = data_rng.random((10, 64))


def examples(n):
    labels = data_rng.integers(0, 10, size=n)
    return np.clip(prototypes[labels] + 0.3 * data_rng.standard_normal((n, 64)), 0, 1), labels


X, y = examples(20)
X_before, y_before = X.copy(), y.copy()
call = "overfit_small_subset(X, y, 10, rng=np.random.default_rng(0)) (X: 20 examples)"
loss, acc = histories(call, overfit_small_subset(X, y, 10, rng=np.random.default_rng(0)), 100)
if not loss[-1] < 0.05:
    raise HintError(f"{call}['loss_history'][-1] is {loss[-1]:.4g}, expected below 0.05 (it starts near "
                    f"{loss[0]:.3g}). Likely cause: regularization left on (reg must be 0: the penalty alone keeps "
                    "the loss above 0), or the learning rate or the number of epochs not used.")
check_scalar(f"{call}['train_acc_history'][-1]", acc[-1], 1.0, rtol=0, atol=0,
             hint="20 examples must be memorized: train without regularization, with learning_rate, for num_epochs.")
check_array("X after overfit_small_subset", X, X_before, rtol=0, atol=0,
            hint="overfit_small_subset must not change X.")
check_array("y after overfit_small_subset", y, y_before, dtype_kind="iu", rtol=0, atol=0,
            hint="overfit_small_subset must not change y.")

# only the first num_examples examples: the other 300 have random labels
X_rest, _ = examples(300)
X_big = np.concatenate([X, X_rest])
y_big = np.concatenate([y, data_rng.integers(0, 10, size=300)])
call = "overfit_small_subset(X_big, y_big, 10, num_examples=20, rng=np.random.default_rng(2)) (X_big: 320 rows)"
loss, acc = histories(call, overfit_small_subset(X_big, y_big, 10, num_examples=20, rng=np.random.default_rng(2)),
                      100)
check_scalar(f"{call}['train_acc_history'][-1]", acc[-1], 1.0, rtol=0, atol=0,
             hint="Train on X[:num_examples], y[:num_examples] only (the rest of X_big has random labels).")

# the learning rate is used: a tiny one hardly moves the loss in 10 steps
call = "overfit_small_subset(X, y, 10, learning_rate=1e-3, num_epochs=10, rng=np.random.default_rng(3))"
loss, acc = histories(call, overfit_small_subset(X, y, 10, learning_rate=1e-3, num_epochs=10,
                                                 rng=np.random.default_rng(3)), 10)
if not loss[-1] > 0.9 * loss[0]:
    raise HintError(f"{call}: the loss went from {loss[0]:.4g} to {loss[-1]:.4g} in 10 steps of learning rate 1e-3, "
                    "which can only move it by a few percent. Likely cause: learning_rate is not passed to the Solver "
                    "(optim_config={'learning_rate': learning_rate}).")
### BEGIN HIDDEN TESTS
# the same seed gives the same run, another seed another run
first, _ = histories("overfit_small_subset(X, y, 10, num_epochs=5, rng=7)",
                     overfit_small_subset(X, y, 10, num_epochs=5, rng=7), 5)
second, _ = histories("overfit_small_subset(X, y, 10, num_epochs=5, rng=7)",
                      overfit_small_subset(X, y, 10, num_epochs=5, rng=7), 5)
check_array("loss_history of a second call with the same seed", second, first, rtol=0, atol=0,
            hint="Draw from rng only (pass it to FullyConnectedNet and to the Solver): the same seed, the same run.")
other, _ = histories("overfit_small_subset(X, y, 10, num_epochs=5, rng=8)",
                     overfit_small_subset(X, y, 10, num_epochs=5, rng=8), 5)
if other.shape == first.shape and not np.any(other != first):
    raise HintError("overfit_small_subset gave the same loss_history for the seeds 7 and 8: use the rng you are "
                    "given for the initial weights, not a fixed seed.")
# other sizes
call = "overfit_small_subset(X, y, 10, num_examples=10, hidden_dims=[50, 50], num_epochs=60, rng=9)"
loss, acc = histories(call, overfit_small_subset(X, y, 10, num_examples=10, hidden_dims=[50, 50], num_epochs=60,
                                                 rng=9), 60)
check_scalar(f"{call}['train_acc_history'][-1]", acc[-1], 1.0, rtol=0, atol=0)
### END HIDDEN TESTS
passed("test_overfit_small_subset")

# %% [markdown] kind="readonly" grade_id="md-ratio"
# ## Exercise 4: `update_to_weight_ratio`
#
# Return $\lVert \text{update} \rVert / \lVert w \rVert$ with the Euclidean (Frobenius) norm over all
# entries (`np.linalg.norm` of the flattened arrays), for arrays of any shape. `w` is the parameter
# *before* the update and `update` the step (`next_w - w`). A bias starts at zero: if `w` is all zeros,
# return `inf` for a non-zero update and `0.0` if the update is zero too, without a numpy warning
# (no division by zero). Refuse arrays of different shapes with a `ValueError` that names both shapes
# (the norms alone would not notice).

# %% kind="answer" grade_id="update_to_weight_ratio"
def update_to_weight_ratio(w, update):
    """The size of an update relative to the weights: ||update|| / ||w||.

    Inputs:
    - w: float array of any shape S, the parameter BEFORE the update. Not modified.
    - update: float array of shape S, the step taken (next_w - w, e.g. -learning_rate * dw). Not modified.

    Returns a float >= 0: the Euclidean norm of all entries of update divided by that of w (about
    1e-3 in a healthy run). If w is all zeros: inf if update is not, 0.0 if both are, without warnings.

    Raises ValueError, naming both shapes, if w and update do not have the same shape.
    """
    # Hint: np.linalg.norm(a.ravel()) is the Euclidean norm of all entries. Test for a zero norm of w
    # before dividing.
    ### BEGIN SOLUTION
    w, update = np.asarray(w), np.asarray(update)
    if w.shape != update.shape:
        raise ValueError(f"w and update must have the same shape, got {w.shape} and {update.shape}")
    w_norm, update_norm = np.linalg.norm(w.ravel()), np.linalg.norm(update.ravel())
    if w_norm == 0:
        return float("inf") if update_norm > 0 else 0.0
    return float(update_norm / w_norm)
    ### END SOLUTION


# %% kind="tests" grade_id="test_update_to_weight_ratio" points=3
import numpy as np
from cs231n_utils.testing import HintError, check_array, check_no_warnings, check_scalar, passed

rng = np.random.default_rng(800)
w = rng.standard_normal((4, 5))
update = 1e-3 * rng.standard_normal((4, 5))
w_before, update_before = w.copy(), update.copy()
expected = np.sqrt(np.sum(update ** 2)) / np.sqrt(np.sum(w ** 2))
ratio = update_to_weight_ratio(w, update)
check_scalar("update_to_weight_ratio(w, update) for w of shape (4, 5)", ratio, expected, rtol=1e-10, atol=0,
             mistakes={"the ratio inverted: ||w|| / ||update||": 1 / expected,
                       "squared norms: ||update||**2 / ||w||**2 (take the square roots)": expected ** 2,
                       "the mean of the entry-wise ratios |update / w|": np.mean(np.abs(update_before / w_before)),
                       "the ratio of the sums of absolute values (L1 norms)":
                           np.sum(np.abs(update_before)) / np.sum(np.abs(w_before)),
                       "the ratio of the largest absolute entries":
                           np.max(np.abs(update_before)) / np.max(np.abs(w_before)),
                       "dividing by the norm of the weights AFTER the update (w + update)":
                           np.linalg.norm(update_before) / np.linalg.norm(w_before + update_before)},
             hint="ratio = sqrt(sum(update**2)) / sqrt(sum(w**2)) over all entries of the arrays.")
check_array("w after update_to_weight_ratio", w, w_before, rtol=0, atol=0,
            hint="update_to_weight_ratio must not change w.")
check_array("update after update_to_weight_ratio", update, update_before, rtol=0, atol=0,
            hint="update_to_weight_ratio must not change update.")
check_scalar("update_to_weight_ratio(w, 1e-3 * w)", update_to_weight_ratio(w, 1e-3 * w), 1e-3, rtol=1e-12, atol=0,
             mistakes={"the ratio inverted: ||w|| / ||update||": 1e3, "squared norms": 1e-6})
# a bias at initialization: w = 0
ratio = check_no_warnings("update_to_weight_ratio(np.zeros(5), update)", update_to_weight_ratio, np.zeros(5),
                          np.full(5, 0.01), hint="test whether the norm of w is 0 before dividing by it.")
if not (isinstance(ratio, (float, np.floating)) and np.isposinf(ratio)):
    raise HintError(f"update_to_weight_ratio(np.zeros(5), np.full(5, 0.01)) returned {ratio!r}, expected inf: a non-zero "
                    "step from zero weights is infinitely large relative to them.")
ratio = check_no_warnings("update_to_weight_ratio(np.zeros(5), np.zeros(5))", update_to_weight_ratio, np.zeros(5),
                          np.zeros(5), hint="test whether the norm of w is 0 before dividing by it.")
check_scalar("update_to_weight_ratio(np.zeros(5), np.zeros(5))", ratio, 0.0, rtol=0, atol=0,
             hint="No step at all from zero weights: the ratio is 0.0.")
### BEGIN HIDDEN TESTS
w = rng.standard_normal((3, 4, 5)) * 0.1
update = -0.02 * rng.standard_normal((3, 4, 5))
expected = np.linalg.norm(update.ravel()) / np.linalg.norm(w.ravel())
check_scalar("update_to_weight_ratio(w, update) for w of shape (3, 4, 5)", update_to_weight_ratio(w, update),
             expected, rtol=1e-10, atol=0,
             mistakes={"the ratio inverted: ||w|| / ||update||": 1 / expected, "squared norms": expected ** 2},
             hint="The norm over ALL entries, whatever the shape (np.linalg.norm of a 3-D array needs .ravel()).")
check_scalar("update_to_weight_ratio(w, -update)", update_to_weight_ratio(w, -update), expected, rtol=1e-10, atol=0,
             hint="The sign of the step does not matter: norms.")
check_scalar("update_to_weight_ratio(10 * w, 10 * update)", update_to_weight_ratio(10 * w, 10 * update), expected,
             rtol=1e-10, atol=0)
b = np.array([0.5, -1.0, 2.0])
check_scalar("update_to_weight_ratio(b, 0.1 * b) for a 1-D b", update_to_weight_ratio(b, 0.1 * b), 0.1, rtol=1e-12,
             atol=0)
### END HIDDEN TESTS
passed("test_update_to_weight_ratio")

# %% kind="tests" grade_id="test_update_to_weight_ratio_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

check_raises(ValueError, update_to_weight_ratio, np.ones((3, 4)), np.ones((4, 3)), must_mention=["(3, 4)", "(4, 3)"],
             what="w of shape (3, 4) with an update of shape (4, 3)")
### BEGIN HIDDEN TESTS
check_raises(ValueError, update_to_weight_ratio, np.ones((3, 4)), np.ones(4), must_mention=["(3, 4)", "(4,)"],
             what="w of shape (3, 4) with an update of shape (4,) (broadcasting is no excuse)")
### END HIDDEN TESTS
passed("test_update_to_weight_ratio_args")

# %% [markdown] kind="readonly" grade_id="md-exploding"
# ## Exercise 5: `is_exploding`
#
# Return `True` when the loss has blown up: it is **more than** `factor` times the initial loss, or it is
# `nan` or infinite (`inf` or `-inf`); `False` otherwise (a loss of exactly `factor * initial_loss` is
# not yet an explosion). Return a bool (`np.isnan` gives a numpy bool, which is fine). Refuse an
# `initial_loss` that is not a positive finite number, and a `factor` that is not positive, with a
# `ValueError` naming the value.

# %% kind="answer" grade_id="is_exploding"
def is_exploding(loss, initial_loss, factor=3.0):
    """Has the training loss exploded?

    Inputs:
    - loss: the current loss, a float (possibly nan or +-inf).
    - initial_loss: the loss at the start of training, a positive finite float.
    - factor: a positive float, 3.0 by default.

    Returns a bool: True if loss > factor * initial_loss, or loss is nan, inf or -inf; else False.

    Raises ValueError, naming the value, if initial_loss is not a positive finite number or factor
    is not positive.
    """
    # Hint: np.isfinite(loss) is False for nan, inf and -inf; nan > anything is False.
    ### BEGIN SOLUTION
    if not (np.isfinite(initial_loss) and initial_loss > 0):
        raise ValueError(f"initial_loss must be a positive finite number, got {initial_loss!r}")
    if not factor > 0:
        raise ValueError(f"factor must be positive, got {factor!r}")
    return bool(not np.isfinite(loss) or loss > factor * initial_loss)
    ### END SOLUTION


# %% kind="tests" grade_id="test_is_exploding" points=3
import numpy as np
from cs231n_utils.testing import HintError, passed


def check_verdict(call, got, want, hint):
    if not isinstance(got, (bool, np.bool_)):
        raise HintError(f"{call} should return a bool (True or False), got {got!r}.")
    if bool(got) != want:
        raise HintError(f"{call} returned {bool(got)}, expected {want}.\nLikely cause: {hint}")


check_verdict("is_exploding(2.0, 2.3)", is_exploding(2.0, 2.3), False, "a loss below its start is fine.")
check_verdict("is_exploding(6.0, 2.3)", is_exploding(6.0, 2.3), False, "6.0 is less than 3 * 2.3 = 6.9 (the default factor is 3.0).")
check_verdict("is_exploding(7.0, 2.3)", is_exploding(7.0, 2.3), True, "7.0 is more than 3 * 2.3 = 6.9.")
check_verdict("is_exploding(float('nan'), 2.3)", is_exploding(float("nan"), 2.3), True,
              "every comparison with nan is False, so loss > factor * initial_loss misses it: test np.isnan "
              "(or np.isfinite) as well.")
check_verdict("is_exploding(float('inf'), 2.3)", is_exploding(float("inf"), 2.3), True, "an infinite loss exploded.")
check_verdict("is_exploding(6.0, 2.0)", is_exploding(6.0, 2.0), False,
              "exactly 3 times the initial loss is not MORE than 3 times: use >, not >=.")
check_verdict("is_exploding(5.0, 2.0, factor=2.0)", is_exploding(5.0, 2.0, factor=2.0), True,
              "use the factor you are given, not a fixed 3.")
check_verdict("is_exploding(5.0, 2.0)", is_exploding(5.0, 2.0), False, "the default factor is 3.0.")
### BEGIN HIDDEN TESTS
check_verdict("is_exploding(float('-inf'), 2.3)", is_exploding(float("-inf"), 2.3), True,
              "-inf is not finite either: a loss of -inf means the computation broke.")
check_verdict("is_exploding(np.float64('nan'), 2.3)", is_exploding(np.float64("nan"), 2.3), True,
              "every comparison with nan is False: test np.isnan (or np.isfinite) as well.")
check_verdict("is_exploding(3.1, 2.0, factor=1.5)", is_exploding(3.1, 2.0, factor=1.5), True,
              "use the factor you are given.")
check_verdict("is_exploding(2.9, 2.0, factor=1.5)", is_exploding(2.9, 2.0, factor=1.5), False,
              "use the factor you are given.")
check_verdict("is_exploding(2.3, 2.3)", is_exploding(2.3, 2.3), False, "the initial loss itself is fine.")
check_verdict("is_exploding(1e300, 2.3)", is_exploding(1e300, 2.3), True, "1e300 is more than 6.9.")
check_verdict("is_exploding(0.01, 2.3, factor=0.5)", is_exploding(0.01, 2.3, factor=0.5), False,
              "0.01 is less than 0.5 * 2.3.")
### END HIDDEN TESTS
passed("test_is_exploding")

# %% kind="tests" grade_id="test_is_exploding_args" points=1
from cs231n_utils.testing import check_raises, passed

check_raises(ValueError, is_exploding, 5.0, -1.5, must_mention="-1.5",
             what="initial_loss=-1.5 (a cross-entropy loss is positive)")
check_raises(ValueError, is_exploding, 5.0, float("nan"), must_mention="nan",
             what="initial_loss=nan (then nothing can be compared with it)")
check_raises(ValueError, is_exploding, 5.0, 2.0, factor=-2.0, must_mention="-2", what="factor=-2.0")
### BEGIN HIDDEN TESTS
check_raises(ValueError, is_exploding, 5.0, float("inf"), must_mention="inf", what="initial_loss=inf")
check_raises(ValueError, is_exploding, 5.0, 0.0, must_mention="initial_loss", what="initial_loss=0.0")
check_raises(ValueError, is_exploding, 5.0, 2.0, factor=0.0, must_mention="factor", what="factor=0.0")
### END HIDDEN TESTS
passed("test_is_exploding_args")

# %% [markdown] kind="readonly" grade_id="md-dead"
# ## Exercise 6: `dead_unit_fraction`
#
# `activations` holds one hidden layer's outputs for a batch: one row per example, one column per
# unit. A unit is **dead on the batch** when it is not active (its value is $\le 0$) for **every**
# example; one positive value anywhere in its column makes it alive. Return the fraction of dead
# units: (number of dead columns) / (number of columns). The values may be ReLU outputs (then dead
# means all zero) or pre-activations (then dead means never positive). Refuse an array that is not
# 2-D, or has no examples, with a `ValueError` naming its shape.

# %% kind="answer" grade_id="dead_unit_fraction"
def dead_unit_fraction(activations):
    """The fraction of units that are dead on a batch: <= 0 for every example.

    Inputs:
    - activations: float array (N, H), a hidden layer's values for N examples (rows) and H units
      (columns): ReLU outputs or pre-activations. Not modified.

    Returns a float in [0, 1]: the number of columns j with activations[:, j] <= 0 for all N rows,
    divided by H.

    Raises ValueError, naming the shape, if activations is not 2-D or N = 0.
    """
    # Hint: np.all(..., axis=0) gives one value per column (unit).
    ### BEGIN SOLUTION
    activations = np.asarray(activations)
    if activations.ndim != 2 or activations.shape[0] == 0:
        raise ValueError(f"activations must have shape (N, H) with N >= 1 examples, got shape {activations.shape}")
    dead = np.all(activations <= 0, axis=0)
    return float(np.mean(dead))
    ### END SOLUTION


# %% kind="tests" grade_id="test_dead_unit_fraction" points=3
import numpy as np
from cs231n_utils.testing import check_array, check_scalar, passed

a = np.array([[0.0, 1.2, 0.0, 0.0, -0.3],
              [0.0, 0.0, 0.5, 0.0, -1.0],
              [0.0, 0.0, 0.0, 0.0, -0.2]])  # 3 examples, 5 units: units 0, 3 (all zero) and 4 (negative) are dead
a_before = a.copy()
check_scalar("dead_unit_fraction(a) for the 3 x 5 array a in this cell", dead_unit_fraction(a), 0.6, rtol=1e-12,
             atol=0,
             mistakes={"dead entries counted per example: the fraction of ALL entries that are <= 0; a unit is dead "
                       "only if it is <= 0 for every example of the batch": 13 / 15,
                       "the fraction of entries equal to 0, per example instead of across the batch": 10 / 15,
                       "the fraction of examples (rows) with no active unit: axis 1 instead of 0": 1 / 3,
                       "units inactive on SOME example counted as dead (np.any instead of np.all)": 1.0,
                       "only exact zeros count as inactive: a unit that is never positive is dead too (<= 0)": 0.4,
                       "the number of dead units instead of their fraction": 3.0},
             hint="dead = np.all(activations <= 0, axis=0), one entry per unit (column); return its mean.")
check_array("a after dead_unit_fraction", a, a_before, rtol=0, atol=0, hint="dead_unit_fraction must not change a.")
# a ReLU layer: about half of the entries are 0, but only the 10 silenced units are dead
rng = np.random.default_rng(801)
h = np.maximum(rng.standard_normal((200, 50)), 0.0)
h[:, rng.choice(50, size=10, replace=False)] = 0.0
check_scalar("dead_unit_fraction(h) for ReLU outputs h of shape (200, 50) with 10 silent units",
             dead_unit_fraction(h), 0.2, rtol=1e-12, atol=0,
             mistakes={"dead entries counted per example instead of dead units across the batch": np.mean(h <= 0)},
             hint="Half of a ReLU layer's entries are 0 in any healthy batch: count the columns that are 0 on EVERY row.")
### BEGIN HIDDEN TESTS
check_scalar("dead_unit_fraction(np.array([[0.0, 2.0, -1.0, 0.0]])) (one example)",
             dead_unit_fraction(np.array([[0.0, 2.0, -1.0, 0.0]])), 0.75, rtol=1e-12, atol=0)
check_scalar("dead_unit_fraction(np.ones((4, 3)))", dead_unit_fraction(np.ones((4, 3))), 0.0, rtol=0, atol=0)
check_scalar("dead_unit_fraction(-np.ones((4, 3)))", dead_unit_fraction(-np.ones((4, 3))), 1.0, rtol=0, atol=0,
             hint="Negative values are not active either: <= 0, not == 0.")
z = rng.standard_normal((7, 30)).astype(np.float32)
z[:, :12] = -np.abs(z[:, :12])
check_scalar("dead_unit_fraction(z) for float32 pre-activations z of shape (7, 30), 12 never positive",
             dead_unit_fraction(z), 0.4, rtol=1e-6, atol=0,
             mistakes={"only exact zeros count as inactive": 0.0})
### END HIDDEN TESTS
passed("test_dead_unit_fraction")

# %% kind="tests" grade_id="test_dead_unit_fraction_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

check_raises(ValueError, dead_unit_fraction, np.zeros(5), must_mention="(5,)",
             what="a 1-D array (which of its entries are units, which examples?)")
check_raises(ValueError, dead_unit_fraction, np.zeros((0, 4)), must_mention="(0, 4)",
             what="a batch of 0 examples (nothing to judge the units by)")
### BEGIN HIDDEN TESTS
check_raises(ValueError, dead_unit_fraction, np.zeros((2, 3, 4)), must_mention="(2, 3, 4)", what="a 3-D array")
### END HIDDEN TESTS
passed("test_dead_unit_fraction_args")

# %% [markdown] kind="readonly" grade_id="md-experiments"
# ## Experiments
#
# Nothing below is graded. Every experiment trains `FullyConnectedNet` on the 1197 training digits with
# plain SGD and minibatches of 100, and uses your functions to read the runs. `train_monitored` from
# `cs231n_utils.monitoring` wraps the `Solver`: it records the loss at every iteration, the accuracies
# after every epoch, your `update_to_weight_ratio` for every weight matrix at every iteration, and a
# snapshot of each hidden layer's activations and gradients on 200 validation digits at the start and at
# the end of training.
#
# ### 1. Loss curves by learning rate
# The same network (two hidden layers of 100 ReLUs, He initialization) trained for 20 epochs with a
# learning rate that is too low (0.001), about right (0.3) and too high (3.0). Your `is_exploding`
# marks the first iteration at which each run would have been stopped, and your `expected_initial_loss`
# draws the loss at chance.

# %% kind="readonly" grade_id="exp-learning-rates"
# The plots start here. matplotlib is imported here, not at the top: grading stops before
# the plots, and so does not spend time loading it.
import matplotlib.pyplot as plt

# %matplotlib inline

from cs231n_utils.data import load_digits
from cs231n_utils.monitoring import mystery_runs, train_monitored
from matplotlib.ticker import NullFormatter

# Under nbgrader the experiments are skipped: they take half a minute and nothing in them is graded.
RUN = not GRADING


def make_net(hidden_dims=(100, 100), init=he_init, reg=0.0, seed=0):
    return FullyConnectedNet(list(hidden_dims), 64, 10, activation=ProvidedReLU, init=init, reg=reg,
                             rng=np.random.default_rng(seed))


def train(model, data, learning_rate=0.1, num_epochs=20, batch_size=100, seed=1):
    return train_monitored(model, data, update_rule=plain_step, learning_rate=learning_rate, batch_size=batch_size,
                           num_epochs=num_epochs, update_ratio=update_to_weight_ratio, probe=PROBE, rng=seed)


def first_explosion(losses):
    """The first iteration at which is_exploding says stop, or None."""
    return next((i for i, v in enumerate(losses) if is_exploding(v, losses[0])), None)


if RUN:
    CHANCE = expected_initial_loss(10)
    digits = load_digits(seed=0)
    PROBE = (digits["X_val"][:200], digits["y_val"][:200])
    RATES = {"too low (0.001)": 1e-3, "about right (0.3)": 0.3, "too high (3.0)": 3.0}
    lr_runs = {name: train(make_net(), digits, learning_rate=lr) for name, lr in RATES.items()}

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8.8, 3.6), layout="constrained")
    for (name, run), color in zip(lr_runs.items(), ("C0", "C2", "C3")):
        ax_loss.semilogy(run["loss_history"], color=color, lw=1, label=name)
        stop = first_explosion(run["loss_history"])
        if stop is not None:
            ax_loss.plot(stop, run["loss_history"][stop], "x", color=color, ms=10, mew=2,
                         label=f"is_exploding at iteration {stop}")
        epochs = np.arange(1, len(run["val_acc_history"]) + 1)
        ax_acc.plot(epochs, run["val_acc_history"], "o-", color=color, ms=3, label=name)
    ax_loss.axhline(CHANCE, color="k", ls=":", lw=1, label="log 10 (chance)")
    ax_loss.set(xlabel="iteration", ylabel="training loss (log scale)", title="Loss per iteration")
    ax_loss.yaxis.set_minor_formatter(NullFormatter())
    ax_acc.set(xlabel="epoch", ylabel="validation accuracy", ylim=(0, 1), title="Validation accuracy")
    ax_loss.legend(fontsize=9)
    ax_acc.legend(fontsize=9)
    plt.show()
    for name, run in lr_runs.items():
        print(f"{name:18s} first loss {run['loss_history'][0]:.3f}  last loss {run['loss_history'][-1]:8.3f}  "
              f"validation accuracy {run['val_acc_history'][-1]:.3f}")
else:
    print("Experiments skipped under nbgrader.")

# %% [markdown] kind="readonly" grade_id="md-learning-rates-notice"
# **What to notice:** every run starts at the loss at chance, $\log 10 \approx 2.3$ (He weights are
# not tiny, so a little above). With 0.001 the loss creeps down almost linearly and the network is
# still at about a quarter of the digits after 20 epochs. With 0.3 the loss drops by an order of
# magnitude within a few epochs and keeps decreasing slowly: the log scale shows both phases. With 3.0
# the loss shoots up by three orders of magnitude within ten iterations, which `is_exploding` flags at
# once, and then falls back to exactly $\log 10$ and stays there, with 10% accuracy: the network is
# not learning anything any more. Experiment 4 and run B below show why.
#
# ### 2. The train/validation gap: underfitting and overfitting
# Three runs, training and validation accuracy after every epoch:
# - **underfitting**: the same network with strong regularization ($\lambda = 0.1$);
# - **about right**: the learning rate 0.3 run of experiment 1 (no regularization, 1197 digits);
# - **overfitting**: the same network on only 100 training digits (batches of 25), for 60 epochs.

# %% kind="readonly" grade_id="exp-gap"
if RUN:
    small = dict(digits, X_train=digits["X_train"][:100], y_train=digits["y_train"][:100])
    gap_runs = {"underfitting: reg = 0.1": train(make_net(reg=0.1), digits, learning_rate=0.1),
                "about right": lr_runs["about right (0.3)"],
                "overfitting: 100 digits": train(make_net(), small, batch_size=25, num_epochs=60)}
    fig, axes = plt.subplots(1, 3, figsize=(8.8, 3.2), layout="constrained", sharey=True)
    for ax, (name, run) in zip(axes, gap_runs.items()):
        epochs = np.arange(1, len(run["train_acc_history"]) + 1)
        ax.plot(epochs, run["train_acc_history"], "-", label="train")
        ax.plot(epochs, run["val_acc_history"], "--", label="validation")
        ax.fill_between(epochs, run["val_acc_history"], run["train_acc_history"], alpha=0.2, label="gap")
        ax.set(xlabel="epoch", title=name, ylim=(0, 1.02))
    axes[0].set_ylabel("accuracy")
    axes[0].legend(fontsize=9, loc="lower right")
    plt.show()
    for name, run in gap_runs.items():
        train_acc, val_acc = run["train_acc_history"][-1], run["val_acc_history"][-1]
        print(f"{name:24s} train {train_acc:.3f}  validation {val_acc:.3f}  gap {train_acc - val_acc:+.3f}")

# %% [markdown] kind="readonly" grade_id="md-gap-notice"
# **What to notice:** with strong regularization the two curves stay together, but low: the penalty
# keeps the weights too small to fit even the training set (underfitting; lower $\lambda$ or use a
# bigger model). The good run has a small gap, a couple of points. On 100 digits the network reaches
# 100% on its training set while validation accuracy stops around 75%: a gap of 25 points is
# overfitting (more data, regularization, early stopping).
#
# ### 3. The update/weight ratio per layer
# Your `update_to_weight_ratio` for each weight matrix at every iteration, for the three runs of
# experiment 1, on a log scale, with the rule of thumb $10^{-3}$ as a dotted line (the lines are
# moving averages over 10 iterations; a ratio of exactly 0, no step at all, is drawn at the bottom, -6).

# %% kind="readonly" grade_id="exp-ratios"
def smooth(values, window=10):
    values = np.asarray(values, dtype=float)
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def plot_log_ratios(ax, run):
    """log10 of each weight matrix's update/weight ratio, smoothed; a ratio of 0 (no step at all) is drawn at -6."""
    for layer, ratios in run["update_ratio_history"].items():
        ax.plot(smooth(np.log10(np.maximum(ratios, 1e-6))), lw=1.2, label=layer)
    ax.axhline(-3, color="k", ls=":", lw=1)
    ax.set(xlabel="iteration", ylim=(-6.2, 1))


if RUN:
    fig, axes = plt.subplots(1, 3, figsize=(8.8, 3.2), layout="constrained", sharey=True)
    for ax, (name, run) in zip(axes, lr_runs.items()):
        plot_log_ratios(ax, run)
        ax.set_title(f"learning rate {name}")
    axes[0].set_ylabel("log10(||update|| / ||W||)")
    axes[0].legend(fontsize=9)
    plt.show()
    for name, run in lr_runs.items():
        medians = {layer: np.median(r) for layer, r in run["update_ratio_history"].items()}
        print(f"{name:18s} median ratio per layer: " + ", ".join(f"{k} {v:.1e}" for k, v in medians.items()))

# %% [markdown] kind="readonly" grade_id="md-ratios-notice"
# **What to notice:** the three learning rates are three bands, one per order of magnitude of the
# learning rate: around $10^{-4}$ for 0.001 (the weights hardly move: learning rate too low), around
# $10^{-2}$ for 0.3, and near $10^{0}$ at first for 3.0, where each step is as large as the weights
# themselves, before the lines fall to the bottom: after a few iterations the steps are exactly 0, a
# sign of dead units.
# The ratio is a quick way to choose a learning rate before the loss curve says anything: aim for
# $10^{-3}$ to $10^{-2}$ with SGD. The last layer (W3) has larger ratios than the others: each layer can
# be judged on its own.
#
# ### 4. Activation and gradient histograms per layer, at the start and at the end
# For the good run (learning rate 0.3) and for the run with 3.0: the activations of each hidden layer
# on 200 validation digits, and the gradient of the loss with respect to each layer's pre-activation
# (what reaches the layer's weights; 0 wherever its ReLU is off), before the first step and after the
# last epoch. Your `dead_unit_fraction` is in the title of each activation panel; the
# histograms leave out the exact zeros, whose share is in the corner.

# %% kind="readonly" grade_id="exp-histograms"
def histogram_figure(run, title):
    fig, axes = plt.subplots(2, 4, figsize=(8.8, 4.4), layout="constrained")
    for row, when in enumerate(("start", "end")):
        snap = run["snapshots"][when]
        for layer in range(2):
            for col, kind in ((layer, "activations"), (2 + layer, "gradients")):
                ax = axes[row, col]
                values = snap[kind][layer].ravel()
                nonzero = values[values != 0]
                if nonzero.size:
                    ax.hist(nonzero, bins=40, color="C0" if kind == "activations" else "C1")
                ax.text(0.97, 0.95, f"zeros {np.mean(values == 0):.0%}\nstd {values.std():.2g}",
                        transform=ax.transAxes, ha="right", va="top", fontsize=9)
                ax.set_yticks([])
                ax.tick_params(labelsize=9)
                if kind == "activations":
                    dead = dead_unit_fraction(snap[kind][layer])
                    ax.set_title(f"{when}: layer {layer + 1}, dead {dead:.0%}", fontsize=9)
                else:
                    ax.set_title(f"{when}: gradient, layer {layer + 1}", fontsize=9)
    fig.suptitle(title)
    return fig


if RUN:
    histogram_figure(lr_runs["about right (0.3)"], "Learning rate 0.3: activations (blue), their gradients (orange)")
    plt.show()
    histogram_figure(lr_runs["too high (3.0)"], "Learning rate 3.0: activations (blue), their gradients (orange)")
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-histograms-notice"
# **What to notice:** in the good run about half of the activations are 0 in both layers, as they
# should be with ReLUs, yet fewer than one unit in ten is dead; the activations spread out during
# training, and the gradients, spread out at the start when the loss is 2.3, concentrate near 0 at the
# end, when most digits are classified with confidence. With learning rate 3.0 nearly every unit of
# both layers is dead at the end: (almost) every activation is exactly 0, so every gradient that
# reaches the hidden layers' weights is 0, and no step can bring the units back. The explosion of experiment 1 pushed the
# pre-activations below 0 for every digit (large negative biases and weights), which is how a learning
# rate that is too high can end in a loss stuck at exactly $\log 10$: with nothing active, the scores
# are the last layer's biases, the same for every digit.
#
# ### 5. The first-layer weights as images
# Each column of `W1` is a weight per pixel, so it can be shown as an 8x8 image (each scaled to its own
# range: black is its smallest weight, white its largest). Left: the good run of experiment 1 (He
# initialization, no regularization, 20 epochs). Right: a smaller network (50 units) from small weights
# (std 0.01), with L2 regularization $\lambda = 0.01$, trained for 40 epochs.

# %% kind="readonly" grade_id="exp-weights"
def weight_mosaic(W, rows=4, cols=6):
    """The first rows * cols columns of W as 8x8 images in a grid, each scaled to [0, 1], white borders."""
    images = W.T[:rows * cols].reshape(-1, 8, 8)
    low = images.min(axis=(1, 2), keepdims=True)
    span = np.maximum(images.max(axis=(1, 2), keepdims=True) - low, 1e-12)
    mosaic = np.ones((rows * 9 + 1, cols * 9 + 1))
    for k, image in enumerate((images - low) / span):
        r, c = divmod(k, cols)
        mosaic[1 + 9 * r:9 * r + 9, 1 + 9 * c:9 * c + 9] = image
    return mosaic


if RUN:
    smooth_run = train(make_net(hidden_dims=(50,), init=gaussian_init(1e-2), reg=0.01), digits, learning_rate=0.3,
                       num_epochs=40)
    panels = {"noisy: He init, no regularization": lr_runs["about right (0.3)"],
              "smooth: small init, L2 (0.01), 40 epochs": smooth_run}
    fig, axes = plt.subplots(1, 2, figsize=(8.8, 3.4), layout="constrained")
    for ax, (name, run) in zip(axes, panels.items()):
        ax.imshow(weight_mosaic(run["snapshots"]["end"]["W1"]), cmap="gray", interpolation="nearest")
        ax.set_title(name)
        ax.axis("off")
    plt.show()
    for name, run in panels.items():
        print(f"{name:42s} validation accuracy {run['val_acc_history'][-1]:.3f}")

# %% [markdown] kind="readonly" grade_id="md-weights-notice"
# **What to notice:** on the left, the weights still look like the random noise they started as,
# although the network classifies 97% of the validation digits: twenty epochs moved each weight by a
# few percent of its initial size, and nothing ever changes the weights of the border pixels, which are
# 0 in almost every digit (no gradient reaches them). On the right, small initial weights plus weight
# decay leave only what the data asks for: smooth strokes and blobs, dark where a digit's ink argues
# against the unit's class, and grey borders, which the penalty drove to 0. Both networks classify
# well; noisy first-layer weights are a symptom to look at (too little regularization, or training not
# converged), not a proof of failure.
#
# ## What is wrong with this training run?
# Below are three recorded runs of `FullyConnectedNet` on the digits, each with one thing wrong. The
# code that made them is in `cs231n_utils/monitoring.py`; try to answer before you read it. For each
# run: the loss per iteration (log scale) with the loss at chance and the line at 3 times the first
# loss, the accuracies, the update/weight ratios, and a table with your functions' verdicts.

# %% kind="readonly" grade_id="exp-mystery"
def dead_per_layer(model):
    _, stats = model.forward_with_stats(PROBE[0])
    return [dead_unit_fraction(layer["activation"]) for layer in stats]


def show_run(name, run):
    loss = np.asarray(run["loss_history"])
    fig, (ax_loss, ax_acc, ax_ratio) = plt.subplots(1, 3, figsize=(8.8, 2.9), layout="constrained")
    ax_loss.semilogy(loss, lw=1)
    ax_loss.axhline(CHANCE, color="k", ls=":", lw=1, label="log 10")
    ax_loss.axhline(3 * loss[0], color="C3", ls="--", lw=1, label="3 x first loss")
    ax_loss.set(xlabel="iteration", title=f"{name}: training loss")
    ax_loss.yaxis.set_minor_formatter(NullFormatter())
    ax_loss.legend(fontsize=9)
    epochs = np.arange(1, len(run["train_acc_history"]) + 1)
    ax_acc.plot(epochs, run["train_acc_history"], "-", label="train")
    ax_acc.plot(epochs, run["val_acc_history"], "--", label="validation")
    ax_acc.set(xlabel="epoch", title="accuracy", ylim=(0, 1.02))
    ax_acc.legend(fontsize=9)
    plot_log_ratios(ax_ratio, run)
    ax_ratio.set_title("log10 update/weight ratio")
    ax_ratio.legend(fontsize=9)
    plt.show()
    dead_start, dead_end = run["epoch_values"][0], run["epoch_values"][-1]
    print(f"{name}: {run['num_train']} training digits, hidden layers {run['hidden_dims']}")
    print(f"  first loss {loss[0]:.3f} (chance: {CHANCE:.3f}), last loss {loss[-1]:.3f}; "
          f"is_exploding first at iteration {first_explosion(loss)}")
    print(f"  dead units per layer: start {[f'{d:.0%}' for d in dead_start]}, end {[f'{d:.0%}' for d in dead_end]}")
    print(f"  accuracy at the end: train {run['train_acc_history'][-1]:.3f}, "
          f"validation {run['val_acc_history'][-1]:.3f}")


if RUN:
    mystery = mystery_runs(digits, activation=ProvidedReLU, init=he_init, update_rule=plain_step,
                           update_ratio=update_to_weight_ratio, on_epoch=dead_per_layer, rng=0)
    for name, run in mystery.items():
        show_run(name, run)

# %% [markdown] kind="readonly" grade_id="md-q1"
# ## Written questions (graded by hand)
#
# **Question 1 (run A).** What is wrong with run A? Name the evidence in its plots and table that
# points to the cause, explain the mechanism (why does that cause give this first loss?), and say
# what you would change. Does the run end up well anyway, and what does it cost?

# %% [markdown] kind="manual" grade_id="q1_run_a" points=2
# ### BEGIN SOLUTION
# Run A's first loss is about 250, a hundred times the loss at chance $\log 10 \approx 2.3$: the
# sanity check of exercise 1 fails before any training. The network is fine and the learning rate is
# reasonable (update ratios near $10^{-3}$, no dead units, the loss falls), so the problem is the
# initialization: the weights are far too large (here 6 times He, a standard deviation near 1).
# Scores then have magnitudes in the hundreds, the softmax is saturated, and every confidently wrong
# random prediction costs the score gap, not $\log C$. The run recovers (train about 99%), but
# validation accuracy stays clearly below that of a well-initialized net (about 86% against 97%
# in experiment 1; a 13-point train/validation gap): the early huge gradients and the large weights it keeps overfit and generalize
# worse. Fix: He initialization (std $\sqrt{2/\text{fan\_in}}$) or small weights, and check that the
# first loss is close to $\log C$.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q2"
# **Question 2 (run B).** What is wrong with run B? Use the loss curve, the `is_exploding` verdict,
# the dead units and the update ratios. Why does the loss end at exactly $\log 10$ and the accuracy at
# about 10%, and why will more epochs not fix it?

# %% [markdown] kind="manual" grade_id="q2_run_b" points=2
# ### BEGIN SOLUTION
# The learning rate is far too high. The loss jumps above 3 times its start within a few iterations
# (is_exploding fires there; a babysitter would stop the run and lower the learning rate by 10x),
# the update/weight ratios start near $10^{-0.5}$ (each step a third of the size of the weights), and then
# the run collapses: at the end nearly 100% of the units of both hidden layers are dead. The huge steps
# pushed the weights and biases so that every pre-activation is negative for every digit; ReLU outputs
# 0, so the scores are just the output biases, identical for every input. The best the network can do is
# predict the class frequencies: loss $\log 10$ (the classes are balanced) and 10% accuracy. A dead
# ReLU has zero gradient, and with every hidden output at 0 no weight matrix gets a gradient any more
# (the update ratios of W1, W2 and W3 drop to 0, the bottom of the plot): more epochs cannot revive them. Fix: restart from a new
# initialization with a learning rate about 10 times lower (ratio near $10^{-3}$ to $10^{-2}$).
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q3"
# **Question 3 (run C).** What is wrong with run C? The loss curve looks perfect. Which plot shows the
# problem, what is it called, and name three things you could change (one of them about the data).

# %% [markdown] kind="manual" grade_id="q3_run_c" points=2
# ### BEGIN SOLUTION
# Run C overfits. It trains on only 100 digits: the loss goes to almost 0 and the training accuracy to
# 100%, while validation accuracy stalls at about 75%, a gap of 25 points that appears in the accuracy
# plot (the initial loss, the ratios, about $10^{-3}$, and the dead units are all healthy, so the
# optimization is fine). The network (about 17 000 weights) memorizes the 100 examples, including
# their quirks, instead of learning what generalizes. Fixes: more training data (use all 1197 digits,
# or augment them with small shifts), L2 regularization or dropout, a smaller network, and early
# stopping at the epoch of best validation accuracy.
# ### END SOLUTION
