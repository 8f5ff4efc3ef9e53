# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] kind="readonly" grade_id="intro"
# # 09 · Hyperparameter search
#
# Gradient descent learns the weights, but not the numbers that steer it: the learning rate, the
# regularization strength, the number of hidden units, the dropout probability. These
# **hyperparameters** are chosen by training many models and comparing them on data the training
# never saw. Done carelessly, that search wastes most of its budget (a grid that tries three
# learning rates nine times over), misses the good region (a range one decade too low), or fools
# you (the best of fifty validation scores is an optimistic estimate). In this notebook you build
# the tools of a careful search and use them on the digits.
#
# **What you implement** (graded, each followed by a test cell):
# 1. `sample_log_uniform(low, high, size, rng)`: values spread evenly over the decades of a range;
# 2. `should_abort(losses, factor=3.0)`: stop a training run whose loss blew up;
# 3. `random_search(train_fn, space, n_trials, rng)`: sample a search space, train, rank the trials;
# 4. `refine_range(trials, name, top=5)`: coarse to fine, the range of the best trials;
# 5. `on_border(trials, name, space, fraction=0.1)`: is the best value at the edge of its range?
#
# Then experiments (not graded) and three written questions (graded by hand).
#
# ## Three splits, three jobs
# - the **training** set fits the weights of each model;
# - the **validation** set compares models and chooses the hyperparameters;
# - the **test** set estimates, **once**, at the very end, how well the chosen model does on new data.
#
# Choosing among many models by their validation score tunes the hyperparameters to the validation
# set: the best score of fifty is partly luck. The test set stays untouched until the choice is made,
# so that its score is an honest estimate; look at it twice, pick by it, and it is one more
# validation set.
#
# ## Search on a log scale
# The learning rate and the regularization strength act multiplicatively: going from 0.001 to 0.002
# doubles the step exactly as going from 0.1 to 0.2 does. What matters is their order of magnitude,
# so we search them on a **log scale**: draw an exponent uniformly and raise 10 to it,
#
# $$ u \sim \mathcal{U}\big(\log_{10}\text{low},\ \log_{10}\text{high}\big), \qquad x = 10^{u},
#    \qquad p(x) = \frac{1}{x\,\ln(\text{high}/\text{low})}\quad\text{on } [\text{low}, \text{high}]. $$
#
# Every decade of the range, $[10^{-4}, 10^{-3}]$, $[10^{-3}, 10^{-2}]$, ..., receives the same share of
# the draws (the natural logarithm and $e^u$ give exactly the same distribution). A plain uniform
# draw on $[10^{-4}, 10^{-1}]$ would put 90% of the values in the top decade and one in a thousand in the
# bottom one. The classic slip is to exponentiate the wrong thing: `10 ** rng.uniform(low, high)`
# draws exponents between $10^{-4}$ and $10^{-1}$, so every value lies between 1.0002 and 1.26.
# Parameters that act additively (a dropout probability, a momentum between 0.5 and 0.99 if you
# think of it that way) are searched on a linear scale; discrete ones (the number of hidden units,
# the activation) are a **choice** among a few options.
#
# ## Random search beats grid search
# A grid of $k$ values per hyperparameter costs $k^d$ trials for $d$ hyperparameters and tries only
# $k$ distinct values of each. Bergstra and Bengio (2012) observed that in practice only a few
# hyperparameters matter much, and we rarely know which in advance. With 9 trials on a $3\times3$ grid
# the important parameter gets 3 values; with 9 **random** trials it gets 9 different values, and
# the unimportant parameter costs nothing. Random search also stops and resumes at any number of
# trials, and adds dimensions without multiplying the budget. Experiment 1 draws their picture.
#
# ## Coarse to fine
# Start wide, several decades for the learning rate and the regularization, with short runs (a
# few hundred iterations say much about whether a setting can work). Then narrow the ranges to
# where the **best few** trials lie, not around the single best one: validation scores are noisy and
# one lucky trial is a poor guide. Train longer in the finer range. Two warnings on the way:
# - if the best value sits at the **edge** of its range (in the outer 10%, say), the optimum may lie
#   outside it: move the range out past that edge before narrowing it;
# - a run whose loss has grown well above its first value (more than 3 times, by a common rule of
#   thumb) or become NaN has **diverged**: abort it at once, give it the worst score, and spend the
#   time on other trials. In a coarse search over several decades of learning rates, the largest ones
#   diverge, and a diverging run shows itself within a few steps.
#
# ## Conventions in this notebook
# Everything a search handles is plain data (dicts, lists, tuples of numbers and strings):
# - a **search space** is a dict from a hyperparameter's name to its dimension,
#   `{"learning_rate": ("log-uniform", 1e-4, 1e-1), "dropout": ("uniform", 0.0, 0.5),
#   "hidden": ("choice", [32, 64, 128])}`;
# - `train_fn(params)` trains one model with `params` (a dict `{name: value}`) and returns a dict with
#   at least `'val_score'`, the validation score, **higher is better** (an accuracy; use minus the
#   loss for a loss); `nan` for a run that diverged or was aborted;
# - a **trial** is a dict: `'params'`, the dict `train_fn` was given, and every entry of what it
#   returned, e.g. `{"params": {"learning_rate": 0.012, "dropout": 0.31, "hidden": 64},
#   "val_score": 0.94, "losses": [...]}`.
#
# Randomness comes from an `rng` (`np.random.Generator`) argument; the tests accept any correct way to
# draw, whatever its random stream.

# %% kind="readonly" grade_id="imports"
import os

import numpy as np

# Under nbgrader (validate or autograde) the long experiments shrink or are skipped.
GRADING = bool(os.environ.get("NBGRADER_EXECUTION"))

# %% [markdown] kind="readonly" grade_id="md-sample-log-uniform"
# ## Exercise 1: `sample_log_uniform`
#
# Return an array of shape `size` whose entries are independent draws, from `rng` only, between `low`
# and `high` with a logarithm uniformly distributed: draw `u` uniformly between $\log_{10}$ `low` and
# $\log_{10}$ `high` and return `10 ** u` (or the same with `np.log` and `np.exp`). Raise a `ValueError`
# whose message names the bad value if `low` is not positive or `high` is not greater than `low`.
#
# The tests draw 30 000 values and compare the share of each decade with 1/3, within 6 binomial
# standard deviations (about $\pm 0.016$), and the largest gap between the distribution of the
# positions $(\log x - \log \text{low}) / (\log \text{high} - \log \text{low})$ and a uniform
# distribution with $2.5/\sqrt{n}$ (Kolmogorov-Smirnov: a correct answer fails this about once in
# 100 000 runs). They also check the range, that the same seed repeats the values and that
# different seeds do not.

# %% kind="answer" grade_id="sample_log_uniform"
def sample_log_uniform(low, high, size, rng):
    """Draw values whose logarithm is uniformly distributed between log(low) and log(high).

    Inputs:
    - low, high: the range of the values themselves (not of their exponents), 0 < low < high,
      e.g. 1e-4 and 1e-1.
    - size: an int or a tuple of ints, the shape of the result (as numpy's size argument).
    - rng: a np.random.Generator, the only source of randomness.

    Returns a float array of shape size of independent draws x = 10 ** u with u uniform in
    [log10(low), log10(high)] (np.exp of a uniform in [ln(low), ln(high)] is the same distribution).
    Every value lies in [low, high], and every decade of the range gets the same share of the values.

    Raises ValueError, naming the bad value, if low <= 0 or high <= low.
    """
    # Hint: check low and high first. Then draw the exponents with rng.uniform(np.log10(low),
    # np.log10(high), size) and raise 10 to them. The logs of low and high are the bounds, not low and high.
    ### BEGIN SOLUTION
    if not low > 0:
        raise ValueError(f"low must be positive for a log scale, got low={low!r}")
    if not high > low:
        raise ValueError(f"high must be greater than low, got low={low!r}, high={high!r}")
    u = rng.uniform(np.log10(low), np.log10(high), size)
    return np.asarray(10.0 ** u, dtype=float)
    ### END SOLUTION


# %% kind="tests" grade_id="test_sample_log_uniform" points=4
import numpy as np  # noqa: F811 (test cells also run on their own)
from cs231n_utils.testing import HintError, check_array, check_scalar, passed


def range_problem(x, low, high):
    """A likely cause when values of x fall outside [low, high] (x a float array)."""
    if np.all(x <= 0):
        return "the values are the exponents u themselves: return 10 ** u (or np.exp(u))."
    if np.all((x >= 10.0 ** low * (1 - 1e-9)) & (x <= 10.0 ** high * (1 + 1e-9))):
        return ("10 ** rng.uniform(low, high): low and high are the values, not their exponents. Draw u between "
                "np.log10(low) and np.log10(high).")
    if np.all((x >= np.exp(np.log10(low)) * (1 - 1e-9)) & (x <= np.exp(np.log10(high)) * (1 + 1e-9))):
        return "mixed bases: np.exp of exponents drawn between np.log10(low) and np.log10(high). Use 10 ** u."
    if np.all((x >= 10.0 ** np.log(low) * (1 - 1e-9)) & (x <= 10.0 ** np.log(high) * (1 + 1e-9))):
        return "mixed bases: 10 ** of exponents drawn between np.log(low) and np.log(high). Use np.exp(u)."
    return "draw u uniformly between np.log10(low) and np.log10(high) and return 10 ** u."


def check_log_uniform_sample(call, x, low, high, n):
    """Range, no repeated values, and the share of each third of the log range."""
    check_array(call, x, shape=(n,), hint="return an array of shape size: pass size to rng.uniform.")
    inside = float(np.mean((x >= low) & (x <= high)))
    check_scalar(f"the fraction of the values of {call} within [{low:g}, {high:g}]", inside, 1.0, rtol=0, atol=0,
                 hint="Likely cause: " + range_problem(x, low, high))
    check_scalar(f"the number of distinct values among the {n} of {call}", len(np.unique(x)), n, rtol=0, atol=0,
                 hint="a continuous draw never repeats a value: draw every value from the whole range, not from a "
                      "grid of a few values (np.logspace, rng.choice among them).")
    # the share of each third of the range in log space: 1/3 each, within 6 binomial standard deviations
    edges = np.linspace(np.log10(low), np.log10(high), 4)
    shares = np.histogram(np.log10(x), bins=edges)[0] / n
    uniform_shares = np.diff(10.0 ** edges) / (high - low)  # what a plain uniform draw on [low, high] gives
    check_array(f"the share of the values of {call} in each third of the range in log space", shares,
                np.full(3, 1 / 3), rtol=0, atol=6 * np.sqrt(2 / 9 / n),
                mistakes={"uniform between low and high instead of uniform in log space (rng.uniform(low, high)): "
                          "most values land in the top decade": uniform_shares},
                hint="every decade must get the same share: draw the exponent uniformly, u = rng.uniform(np.log10(low), "
                     "np.log10(high), size), and return 10 ** u.")
    # Kolmogorov-Smirnov: the positions in log space are uniform on [0, 1]
    pos = np.sort((np.log10(x) - np.log10(low)) / (np.log10(high) - np.log10(low)))
    gap = float(np.max(np.maximum(np.arange(1, n + 1) / n - pos, pos - np.arange(n) / n)))
    check_scalar(f"the largest gap between the distribution of log10 of {call} and a uniform one (Kolmogorov-Smirnov)",
                 gap, 0.0, rtol=0, atol=2.5 / np.sqrt(n),
                 hint="log10 of the values must be uniform between log10(low) and log10(high).")


n = 30000
x = sample_log_uniform(1e-4, 1e-1, n, np.random.default_rng(0))
check_log_uniform_sample("sample_log_uniform(1e-4, 1e-1, 30000, rng)", x, 1e-4, 1e-1, n)

rng_hint = ("draw from the rng argument (rng.uniform(...)), not from np.random.uniform or a Generator made inside "
            "the function.")
first = sample_log_uniform(1e-3, 10.0, 50, np.random.default_rng(123))
again = sample_log_uniform(1e-3, 10.0, 50, np.random.default_rng(123))
check_array("sample_log_uniform(1e-3, 10.0, 50, rng) for a second rng made with the same seed (123)", again, first,
            rtol=0, atol=0, hint="the same rng state must give the same values: " + rng_hint)
other = sample_log_uniform(1e-3, 10.0, 50, np.random.default_rng(456))
if np.shape(other) == np.shape(first) and bool(np.all(np.asarray(other) == np.asarray(first))):
    raise HintError("sample_log_uniform(1e-3, 10.0, 50, rng) returned the same values for rngs made with the seeds "
                    "123 and 456: the values must be random and come from the rng you are given (a grid such as "
                    "np.logspace is not a random sample).\nLikely cause: " + rng_hint)
### BEGIN HIDDEN TESTS
# a range that is not a whole number of decades; the mean and spread of the log10 values
low, high, n = 3e-3, 0.7, 20000
x = sample_log_uniform(low, high, n, np.random.default_rng(1))
check_log_uniform_sample("sample_log_uniform(3e-3, 0.7, 20000, rng)", x, low, high, n)
a, b = np.log10(low), np.log10(high)
logs = np.log10(np.asarray(x, dtype=float))
check_scalar("the mean of log10(sample_log_uniform(3e-3, 0.7, 20000, rng))", float(np.mean(logs)), (a + b) / 2,
             rtol=0, atol=6 * (b - a) / np.sqrt(12 * n),
             mistakes={"uniform between low and high instead of uniform in log space":
                       float(((high * np.log10(high) - low * np.log10(low)) - (high - low) / np.log(10)) / (high - low))})
check_scalar("the standard deviation of log10(sample_log_uniform(3e-3, 0.7, 20000, rng))", float(np.std(logs)),
             (b - a) / np.sqrt(12), rtol=0.03, atol=0)
# size as a tuple, and a single value
out = sample_log_uniform(1e-2, 1.0, (40, 50), np.random.default_rng(2))
check_array("sample_log_uniform(1e-2, 1.0, (40, 50), rng)", out, shape=(40, 50),
            hint="size may be a tuple: the result has that shape (pass size on to rng.uniform).")
if not (np.all(out >= 1e-2) and np.all(out <= 1.0)):
    raise HintError("sample_log_uniform(1e-2, 1.0, (40, 50), rng) has values outside [0.01, 1].")
check_array("sample_log_uniform(1e-2, 1.0, 1, rng)", sample_log_uniform(1e-2, 1.0, 1, np.random.default_rng(3)),
            shape=(1,))
# integer bounds
out = sample_log_uniform(1, 1000, 3000, np.random.default_rng(4))
check_array("sample_log_uniform(1, 1000, 3000, rng) (integer bounds)", out, shape=(3000,))
if not (np.all(out >= 1) and np.all(out <= 1000) and 0.25 < np.mean(out < 10) < 0.42):
    raise HintError("sample_log_uniform(1, 1000, 3000, rng) should put about a third of its values in [1, 10], "
                    "all within [1, 1000]: with integer bounds too.")
# two calls with the same rng: the generator advances, the values differ
rng = np.random.default_rng(5)
first = sample_log_uniform(1e-3, 10.0, 50, rng)
second = sample_log_uniform(1e-3, 10.0, 50, rng)
if np.shape(first) == np.shape(second) and bool(np.all(np.asarray(first) == np.asarray(second))):
    raise HintError("two calls sample_log_uniform(1e-3, 10.0, 50, rng) with the same rng returned the same values: "
                    + rng_hint)
### END HIDDEN TESTS
passed("test_sample_log_uniform")

# %% [markdown] kind="readonly" grade_id="md-sample-args"
# The next cell checks only the argument checks of `sample_log_uniform`, so that a missing check costs
# its own point, not those of the cell above.

# %% kind="tests" grade_id="test_sample_log_uniform_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

rng = np.random.default_rng(0)
with np.errstate(all="ignore"):
    check_raises(ValueError, sample_log_uniform, 0.0, 1.0, 5, rng, must_mention="0.0",
                 what="low=0.0 (the logarithm of 0 is minus infinity)")
    check_raises(ValueError, sample_log_uniform, 1e-2, 1e-3, 5, rng, must_mention="0.001",
                 what="high=0.001 below low=0.01")
### BEGIN HIDDEN TESTS
with np.errstate(all="ignore"):
    check_raises(ValueError, sample_log_uniform, -1e-3, 1.0, 5, rng, must_mention="-0.001", what="low=-0.001")
    check_raises(ValueError, sample_log_uniform, 0.5, 0.5, 5, rng, what="high equal to low (an empty range)")
### END HIDDEN TESTS
passed("test_sample_log_uniform_args")

# %% [markdown] kind="readonly" grade_id="md-should-abort"
# ## Exercise 2: `should_abort`
#
# A training loop calls `should_abort(losses)` after every step with the losses recorded so far;
# `losses[0]` is the first one, the loss of the freshly initialized net (about $\ln 10 \approx 2.3$ on
# ten classes). Return `True` when the **latest** loss, `losses[-1]`, is greater than `factor` times the
# **first** one, or is not finite (NaN or infinity: the run has diverged), and `False` otherwise. Compare
# with the first loss, not with the previous one (a loss that grows by 20% at every step triples in six
# steps without ever jumping by a factor 3) nor with the smallest so far (a loss that fell to 0.1 and
# is back at 0.4 is noisy, not diverging). Note that `nan > 3 * losses[0]` is `False`: test for NaN
# explicitly (`np.isfinite`).
#
# Raise a `ValueError` if `losses` is empty, or if `factor` is not greater than 1 (naming its value).
# Do not change `losses`.

# %% kind="answer" grade_id="should_abort"
def should_abort(losses, factor=3.0):
    """Should a training run stop because its loss blew up?

    Inputs:
    - losses: the losses recorded so far, a non-empty list or 1-D array; losses[0] is the first.
      Not modified.
    - factor: a number > 1 (default 3.0).

    Returns True when the latest loss, losses[-1], is greater than factor * losses[0] (strictly), or
    is not finite (NaN or infinity), and False otherwise: a bool (Python's or numpy's).

    Raises ValueError if losses is empty, or if factor is not greater than 1 (naming its value).
    """
    # Hint: the first and the latest loss are all you need. Check for NaN and infinity with np.isfinite.
    ### BEGIN SOLUTION
    if len(losses) == 0:
        raise ValueError("losses is empty: record at least the first loss")
    if not factor > 1:
        raise ValueError(f"factor must be greater than 1, got factor={factor!r}")
    first, latest = float(losses[0]), float(losses[-1])
    return bool(not np.isfinite(latest) or latest > factor * first)
    ### END SOLUTION


# %% kind="tests" grade_id="test_should_abort" points=3
import numpy as np
from cs231n_utils.testing import HintError, passed


def expect_abort(losses, expected, why, factor=None):
    """should_abort(losses[, factor=factor]) must return the bool `expected`; `why` explains it."""
    args = f"{losses!r}" + ("" if factor is None else f", factor={factor}")
    result = should_abort(losses) if factor is None else should_abort(losses, factor=factor)
    if not isinstance(result, (bool, np.bool_)):
        raise HintError(f"should_abort({args}) returned {result!r} ({type(result).__name__}); it should return "
                        f"True or False (a bool), here {expected}: compare, do not return the ratio itself.")
    if bool(result) != expected:
        raise HintError(f"should_abort({args}) returned {bool(result)}, expected {expected}: {why}")


expect_abort([2.3], False, "a single loss has not grown at all.")
expect_abort([2.3, 2.1, 1.8], False, "the loss is falling.")
expect_abort([2.0, 1.9, 6.5], True, "the latest loss 6.5 is more than 3 times the first, 2.0.")
expect_abort([2.0, 4.0, 6.5], True,
             "6.5 is more than 3 times the FIRST loss 2.0 (though only 1.6 times the previous one): compare the "
             "latest loss with losses[0], not with losses[-2].")
expect_abort([2.0, 1.0, 3.5], False,
             "3.5 is less than 3 times the FIRST loss 2.0: compare the latest loss with losses[0], not with the "
             "previous or the smallest loss.")
expect_abort([1.0, 2.5], False, "2.5 is less than 3 times 1.0 (the default factor is 3.0).")
expect_abort([2.0, 6.0], False, "6.0 is exactly 3 times 2.0, not greater: use >, not >=.")
expect_abort([2.0, 1.5, float("nan")], True,
             "a NaN loss means the run diverged, and nan > 3 * 2.0 is False: test np.isfinite(losses[-1]).")
expect_abort([2.0, float("inf")], True, "an infinite loss means the run diverged: test np.isfinite(losses[-1]).")
expect_abort([1.0, 2.5], True, "2.5 is more than factor=2.0 times 1.0: use the factor argument.", factor=2.0)
losses = np.array([1.0, 0.8, 3.5])
expect_abort(losses, True, "3.5 is more than 3 times the first loss 1.0 (losses given as a numpy array).")
if not np.array_equal(losses, [1.0, 0.8, 3.5]):
    raise HintError(f"should_abort changed the caller's losses in place: they are now {losses}. Compute into new "
                    "numbers (losses[-1] / losses[0]), do not divide the array itself.")
### BEGIN HIDDEN TESTS
expect_abort([1.0, 5.0, 1.5], False, "only the latest loss counts (the run recovered): look at losses[-1].")
expect_abort([1.0, 9.0], False, "9.0 is less than factor=10 times 1.0.", factor=10)
expect_abort([1.0, 11.0], True, "11.0 is more than factor=10 times 1.0: use the factor argument.", factor=10)
expect_abort((2.0, 1.0, 6.1), True, "6.1 is more than 3 times 2.0 (losses given as a tuple).")
expect_abort(np.array([2.0, 1.0, float("nan")]), True, "a NaN loss means the run diverged.")
expect_abort([0.5] * 30 + [1.4], False, "1.4 is less than 3 times the first loss 0.5.")
expect_abort([0.5] * 30 + [1.6], True, "1.6 is more than 3 times the first loss 0.5.")
losses = np.array([2.0, 4.0, 7.0])
expect_abort(losses, True, "7.0 is more than 3 times 2.0.", factor=3.0)
if not np.array_equal(losses, [2.0, 4.0, 7.0]):
    raise HintError(f"should_abort changed the caller's losses in place: they are now {losses}.")
### END HIDDEN TESTS
passed("test_should_abort")

# %% kind="tests" grade_id="test_should_abort_args" points=1
from cs231n_utils.testing import check_raises, passed

check_raises(ValueError, should_abort, [], what="an empty losses (there is no first loss to compare with)")
check_raises(ValueError, should_abort, [2.0, 2.5], factor=1.0, must_mention="1.0",
             what="factor=1.0 (every small rise would abort)")
### BEGIN HIDDEN TESTS
check_raises(ValueError, should_abort, [2.0, 2.5], factor=0.5, must_mention="0.5", what="factor=0.5")
### END HIDDEN TESTS
passed("test_should_abort_args")

# %% [markdown] kind="readonly" grade_id="md-random-search"
# ## Exercise 3: `random_search`
#
# For each of `n_trials` trials:
# 1. draw a value for **every** dimension of `space`, afresh and independently of the other dimensions
#    and trials, from `rng`:
#    - `("log-uniform", low, high)`: a float whose logarithm is uniform, as `sample_log_uniform` draws it
#      (`10 ** rng.uniform(np.log10(low), np.log10(high))`, or `sample_log_uniform(low, high, 1, rng)[0]`
#      once your `sample_log_uniform` passes its tests);
#    - `("uniform", low, high)`: uniform in `[low, high]` (`rng.uniform(low, high)`);
#    - `("choice", options)`: one of the items of the list `options`, each equally likely
#      (`options[rng.integers(len(options))]`);
# 2. call `train_fn(params)` with a **new** dict `params = {name: value}`;
# 3. record the trial: a dict with `'params'` and every entry of the dict `train_fn` returned.
#
# Return the list of all `n_trials` trials sorted by `'val_score'`, highest first, with the trials
# whose score is NaN (diverged, aborted) last. Careful: Python compares nothing with NaN, so
# `sorted(trials, key=lambda t: t["val_score"])` puts NaNs anywhere; use a key that maps NaN below every
# number (e.g. `-np.inf`), or put the NaN trials aside first.
#
# Raise a `ValueError` if `n_trials` is not a positive integer or a dimension has a kind other than the
# three (naming it).
#
# In the test cells `train_fn` is a cheap function that scores `params` with a formula: it runs in
# microseconds, and the tests can draw hundreds of trials to check the distribution of each dimension.

# %% kind="answer" grade_id="random_search"
def random_search(train_fn, space, n_trials, rng):
    """Random search over a space of hyperparameters.

    Inputs:
    - train_fn: a function train_fn(params) -> dict holding at least 'val_score' (higher is better,
      NaN for a diverged or aborted run); params is a dict {name: value}, one value per dimension.
    - space: a dict {name: dimension}, each dimension one of
        ('log-uniform', low, high)   a float whose log is uniform in [log(low), log(high)]
        ('uniform', low, high)       a float drawn uniformly from [low, high]
        ('choice', options)          one of the items of the list options, each equally likely
    - n_trials: a positive int, the number of trials (calls of train_fn).
    - rng: a np.random.Generator, the only source of randomness.

    Every trial draws every dimension afresh, independently of the other dimensions and trials
    (no grid, no value reused), and calls train_fn once with a new params dict.

    Returns a list of n_trials trials, each a dict: 'params' (the dict train_fn was called with) and
    every entry of the dict train_fn returned for it. Sorted by 'val_score', highest first; the trials
    whose val_score is NaN come last.

    Raises ValueError if n_trials is not a positive int or a dimension's kind is not one of the three
    (naming it).
    """
    # Hint: check the arguments, then loop over the trials; in the loop, build params with one draw per
    # dimension. Sort at the end with a key that sends NaN scores to the end.
    ### BEGIN SOLUTION
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ValueError(f"n_trials must be a positive integer, got n_trials={n_trials!r}")
    for name, dimension in space.items():
        if dimension[0] not in ("log-uniform", "uniform", "choice"):
            raise ValueError(f"dimension {name!r} has an unknown kind {dimension[0]!r}: "
                             "use 'log-uniform', 'uniform' or 'choice'")
    trials = []
    for _ in range(n_trials):
        params = {}
        for name, dimension in space.items():
            if dimension[0] == "log-uniform":
                params[name] = float(10.0 ** rng.uniform(np.log10(dimension[1]), np.log10(dimension[2])))
            elif dimension[0] == "uniform":
                params[name] = float(rng.uniform(dimension[1], dimension[2]))
            else:
                options = dimension[1]
                params[name] = options[int(rng.integers(len(options)))]
        result = train_fn(params)
        trials.append({"params": params, **result})

    def key(trial):
        score = trial["val_score"]
        return -np.inf if np.isnan(score) else score

    return sorted(trials, key=key, reverse=True)
    ### END SOLUTION


# %% [markdown] kind="readonly" grade_id="md-test-random-search"
# The first test cell checks the sampling (the values `train_fn` receives), the second one what
# `random_search` returns, the third the errors.

# %% kind="tests" grade_id="test_random_search_sampling" points=4
import numpy as np
from cs231n_utils.testing import HintError, check_array, check_scalar, passed

space = {"learning_rate": ("log-uniform", 1e-4, 1e-1), "dropout": ("uniform", 0.1, 0.6),
         "hidden": ("choice", [16, 32, 64])}


def search_calls(n_trials, seed):
    """The params of every call of train_fn in random_search(train_fn, space, n_trials, rng)."""
    calls = []

    def train_fn(params):
        calls.append(dict(params))
        return {"val_score": 0.5}

    random_search(train_fn, space, n_trials, np.random.default_rng(seed))
    return calls


n = 600
calls = search_calls(n, 0)
check_scalar("the number of calls of train_fn in random_search(train_fn, space, 600, rng)", len(calls), n, rtol=0,
             atol=0, hint="call train_fn once per trial: n_trials times.")
for params in calls:
    if sorted(params) != sorted(space):
        raise HintError(f"train_fn was called with params {params}: it should have one value for every name of "
                        f"space, {sorted(space)}, and nothing else.")
columns = {name: np.array([params[name] for params in calls], dtype=float) for name in space}

# the uniform dimension: in range, never repeated, mean and median in the middle
drop = columns["dropout"]
if not (np.all(drop >= 0.1) and np.all(drop <= 0.6)):
    raise HintError(f"params['dropout'] (space: ('uniform', 0.1, 0.6)) took values outside [0.1, 0.6], from "
                    f"{drop.min():.4g} to {drop.max():.4g}: draw rng.uniform(low, high).")
check_scalar("the number of distinct values of params['dropout'] in 600 trials", len(np.unique(drop)), n, rtol=0,
             atol=0, hint="random search draws every value afresh: no grid (np.linspace), no value drawn once and "
                          "reused for every trial.")
check_scalar("the mean of params['dropout'] over 600 trials (space: ('uniform', 0.1, 0.6))", float(np.mean(drop)),
             0.35, rtol=0, atol=6 * 0.5 / np.sqrt(12 * n),
             mistakes={"a log-uniform draw for a 'uniform' dimension": 0.5 / np.log(6)},
             hint="a 'uniform' dimension is drawn with rng.uniform(low, high), on a linear scale.")

# the choice dimension: only the options, each about a third of the time
hidden = columns["hidden"]
if not np.all(np.isin(hidden, [16, 32, 64])):
    raise HintError(f"params['hidden'] (space: ('choice', [16, 32, 64])) took values {sorted(set(hidden))}: it must "
                    "be one of the options, options[rng.integers(len(options))].")
shares = np.array([np.mean(hidden == v) for v in (16, 32, 64)])
check_array("the share of 16, 32 and 64 among the values of params['hidden'] in 600 trials", shares,
            np.full(3, 1 / 3), rtol=0, atol=6 * np.sqrt(2 / 9 / n),
            mistakes={"the last option is never drawn (rng.integers(len(options) - 1))": [0.5, 0.5, 0.0],
                      "always the first option": [1.0, 0.0, 0.0]},
            hint="each option is equally likely: options[rng.integers(len(options))].")

# the dimensions are drawn independently: the rank correlation of the learning rate and the dropout
lr = columns["learning_rate"]
ranks_lr, ranks_drop = np.argsort(np.argsort(lr, kind="stable")), np.argsort(np.argsort(drop, kind="stable"))
check_scalar("the rank correlation between params['learning_rate'] and params['dropout'] over 600 trials",
             float(np.corrcoef(ranks_lr, ranks_drop)[0, 1]), 0.0, rtol=0, atol=6 / np.sqrt(n),
             hint="draw every dimension independently, each with its own random numbers: do not reuse one uniform "
                  "number for all of them.")

# the log-uniform dimension: in range, never repeated, the same share in each decade
if not (np.all(lr >= 1e-4) and np.all(lr <= 1e-1)):
    raise HintError(f"params['learning_rate'] (space: ('log-uniform', 1e-4, 1e-1)) took values outside [1e-4, 0.1], "
                    f"from {lr.min():.4g} to {lr.max():.4g}: draw u = rng.uniform(np.log10(low), np.log10(high)) and "
                    "use 10 ** u.")
check_scalar("the number of distinct values of params['learning_rate'] in 600 trials", len(np.unique(lr)), n,
             rtol=0, atol=0, hint="random search draws every value afresh: no grid, no value reused.")
decade_shares = np.histogram(np.log10(lr), bins=[-4, -3, -2, -1])[0] / n
check_array("the share of each decade among the values of params['learning_rate'] in 600 trials "
            "(space: ('log-uniform', 1e-4, 1e-1))", decade_shares, np.full(3, 1 / 3), rtol=0,
            atol=6 * np.sqrt(2 / 9 / n),
            mistakes={"a 'log-uniform' dimension drawn uniformly between low and high":
                      np.diff([1e-4, 1e-3, 1e-2, 1e-1]) / (1e-1 - 1e-4)},
            hint="a 'log-uniform' dimension is drawn on a log scale: 10 ** rng.uniform(np.log10(low), np.log10(high)).")

# randomness from rng only
def drawn(calls):
    return [[float(params[name]) for name in space] for params in calls]


first = drawn(search_calls(20, 7))
if drawn(search_calls(20, 7)) != first:
    raise HintError("random_search(train_fn, space, 20, rng) gave train_fn other params for a second rng made with "
                    "the same seed (7): draw every random number from the rng argument (rng.uniform, rng.integers), "
                    "not from np.random.")
if drawn(search_calls(20, 8)) == first:
    raise HintError("random_search(train_fn, space, 20, rng) gave train_fn the same params for rngs made with the "
                    "seeds 7 and 8: the values must be drawn from the rng you are given.")
### BEGIN HIDDEN TESTS
# a space of one dimension of each kind alone, choice among floats, a uniform range that is not [0, 1]
calls = []


def record(params):
    calls.append(dict(params))
    return {"val_score": float(len(calls))}


random_search(record, {"momentum": ("uniform", 0.5, 0.99)}, 300, np.random.default_rng(3))
m = np.array([c["momentum"] for c in calls], dtype=float)
if not (len(m) == 300 and np.all(m >= 0.5) and np.all(m <= 0.99) and abs(np.mean(m) - 0.745) < 0.05
        and len(np.unique(m)) == 300):
    raise HintError("random_search with space {'momentum': ('uniform', 0.5, 0.99)} and 300 trials: the values must "
                    "be 300 distinct draws, uniform in [0.5, 0.99].")
calls.clear()
random_search(record, {"scale": ("choice", [0.5, 1.0, 2.0, 4.0])}, 400, np.random.default_rng(4))
s = np.array([c["scale"] for c in calls], dtype=float)
shares = np.array([np.mean(s == v) for v in (0.5, 1.0, 2.0, 4.0)])
check_array("the share of each option of ('choice', [0.5, 1.0, 2.0, 4.0]) in 400 trials", shares, np.full(4, 0.25),
            rtol=0, atol=6 * np.sqrt(0.1875 / 400),
            mistakes={"the last option is never drawn (rng.integers(len(options) - 1))": [1 / 3, 1 / 3, 1 / 3, 0.0]})
# the same rng used twice: the second search draws other values
rng = np.random.default_rng(9)
calls.clear()
random_search(record, space, 10, rng)
random_search(record, space, 10, rng)
if [c["dropout"] for c in calls[:10]] == [c["dropout"] for c in calls[10:]]:
    raise HintError("two random searches with the same rng drew the same values: draw from the rng you are given "
                    "(its state must advance).")
### END HIDDEN TESTS
passed("test_random_search_sampling")

# %% kind="tests" grade_id="test_random_search_results" points=3
import numpy as np
from cs231n_utils.testing import HintError, check_scalar, passed

space = {"learning_rate": ("log-uniform", 1e-4, 1e-1), "dropout": ("uniform", 0.1, 0.6),
         "hidden": ("choice", [16, 32, 64])}


def score_of(params):
    """The validation score train_fn gives: best at dropout 0.3; NaN above dropout 0.45 (as if diverged)."""
    if params["dropout"] > 0.45:
        return float("nan")
    log_lr = np.log10(max(params["learning_rate"], 1e-300))
    return float(1.0 - abs(params["dropout"] - 0.3) - 0.01 * abs(log_lr + 2.5) + params["hidden"] / 1e4)


def train_fn(params):
    score = score_of(params)
    return {"val_score": score, "train_score": score + 0.05, "note": f"hidden={params['hidden']}"}


def check_trials(trials, n_trials, call):
    """What random_search returns: n_trials complete trials, each with its own params, best first, NaN last."""
    if not isinstance(trials, list):
        raise HintError(f"{call} returned {type(trials).__name__}, not a list of trials.")
    check_scalar(f"len({call})", len(trials), n_trials, rtol=0, atol=0,
                 hint="return every trial, one per call of train_fn: n_trials of them.")
    for i, trial in enumerate(trials):
        if not isinstance(trial, dict) or not {"params", "val_score", "train_score", "note"} <= set(trial):
            keys = sorted(trial) if isinstance(trial, dict) else type(trial).__name__
            raise HintError(f"{call}[{i}] is {keys}: a trial is a dict holding 'params' and every entry of the dict "
                            "train_fn returned ('val_score', 'train_score', 'note' here): {'params': params, **result}.")
        params = trial["params"]
        if not isinstance(params, dict) or sorted(params) != sorted(space):
            raise HintError(f"{call}[{i}]['params'] is {params!r}: the dict train_fn was called with.")
        expected = score_of(params)
        same = (np.isnan(expected) and np.isnan(trial["val_score"])) or expected == trial["val_score"]
        if not same:
            raise HintError(f"{call}[{i}] has val_score {trial['val_score']!r}, but train_fn gives {expected!r} for "
                            f"its params {params}: every trial must keep the params its score was computed with. "
                            "Likely cause: one params dict reused and changed for every trial; make a new dict in "
                            "every trial.")
    scores = np.array([t["val_score"] for t in trials], dtype=float)
    finite = scores[~np.isnan(scores)]
    if np.any(np.isnan(scores[:len(finite)])):
        raise HintError(f"{call}: the trials with a NaN val_score must come last; the scores are, in order, "
                        f"{np.round(scores, 3).tolist()}. Python's sort cannot compare NaN: sort with a key that maps "
                        "NaN to -np.inf.")
    if np.any(np.diff(finite) > 0):
        ascending = np.all(np.diff(finite) >= 0)
        raise HintError(f"{call}: the trials must be sorted by val_score, highest first; the scores are, in order, "
                        f"{np.round(scores, 3).tolist()}."
                        + (" They are in increasing order: sort with reverse=True." if ascending else ""))


trials = random_search(train_fn, space, 40, np.random.default_rng(10))
check_trials(trials, 40, "random_search(train_fn, space, 40, rng)")
### BEGIN HIDDEN TESTS
for seed, n_trials in ((11, 1), (12, 7), (13, 60)):
    trials = random_search(train_fn, space, n_trials, np.random.default_rng(seed))
    check_trials(trials, n_trials, f"random_search(train_fn, space, {n_trials}, rng)")
# a search where every score is NaN
trials = random_search(lambda params: {"val_score": float("nan"), "train_score": 0.0, "note": ""},
                       space, 5, np.random.default_rng(14))
if not (isinstance(trials, list) and len(trials) == 5):
    raise HintError("random_search must return every trial also when every val_score is NaN.")
### END HIDDEN TESTS
passed("test_random_search_results")

# %% kind="tests" grade_id="test_random_search_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed


def train_fn(params):
    return {"val_score": 0.0}


rng = np.random.default_rng(0)
check_raises(ValueError, random_search, train_fn, {"lr": ("log-uniform", 1e-3, 1.0)}, 0, rng, must_mention="0",
             what="n_trials=0")
check_raises(ValueError, random_search, train_fn, {"lr": ("normal", 0.0, 1.0)}, 5, rng, must_mention="normal",
             what="a dimension of the unknown kind 'normal'")
### BEGIN HIDDEN TESTS
check_raises(ValueError, random_search, train_fn, {"lr": ("log-uniform", 1e-3, 1.0)}, -3, rng, must_mention="-3",
             what="n_trials=-3")
check_raises(ValueError, random_search, train_fn, {"lr": ("loguniform", 1e-3, 1.0)}, 5, rng,
             must_mention="loguniform", what="a dimension of the unknown kind 'loguniform' (the kind is 'log-uniform')")
### END HIDDEN TESTS
passed("test_random_search_args")

# %% [markdown] kind="readonly" grade_id="md-refine-range"
# ## Exercise 4: `refine_range`
#
# After a coarse search, narrow the range of one hyperparameter to where the **best few** trials lie:
# return `(low, high)`, the smallest and the largest value of `params[name]` among the `top` trials with
# the highest `val_score`. The trials may come in any order (do not assume they are sorted); leave out
# those whose score is NaN; if fewer than `top` trials have a finite score, use all of those. Do not
# change `trials`, not even their order (`trials.sort()` would reorder the caller's list: use `sorted`).
#
# Raise a `ValueError` if `top` is not a positive integer (naming it) or if no trial has a finite score.

# %% kind="answer" grade_id="refine_range"
def refine_range(trials, name, top=5):
    """Coarse to fine: the range of one hyperparameter among the best trials.

    Inputs:
    - trials: a list of trials ({'params': {...}, 'val_score': ...}, as random_search returns them), in
      any order. Not modified, not even reordered.
    - name: the hyperparameter, a key of every trial's 'params'.
    - top: how many of the best trials to use, a positive int (default 5).

    Returns (low, high): the smallest and the largest value of params[name] among the top trials with
    the highest val_score. Trials whose val_score is NaN are left out; if fewer than top trials have a
    finite score, all of those are used.

    Raises ValueError if top is not a positive int (naming it) or no trial has a finite val_score.
    """
    # Hint: keep the trials with a finite score, sort them (sorted, not list.sort) by val_score, highest
    # first, and take the values of params[name] of the first top.
    ### BEGIN SOLUTION
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be a positive integer, got top={top!r}")
    finite = [t for t in trials if np.isfinite(t["val_score"])]
    if not finite:
        raise ValueError("no trial has a finite val_score: nothing to refine around")
    best = sorted(finite, key=lambda t: t["val_score"], reverse=True)[:top]
    values = [t["params"][name] for t in best]
    return min(values), max(values)
    ### END SOLUTION


# %% kind="tests" grade_id="test_refine_range" points=3
import copy

import numpy as np
from cs231n_utils.testing import HintError, check_array, passed


def make_trials(values, scores, order):
    """Trials of one learning rate each, in the given order (a permutation of range(len(values)))."""
    return [{"params": {"learning_rate": values[i], "reg": 1e-3}, "val_score": scores[i]} for i in order]


def same_trials(a, b):
    """Equal lists of trials, NaN scores equal to each other."""
    return len(a) == len(b) and all(
        x["params"] == y["params"] and (x["val_score"] == y["val_score"]
                                        or (np.isnan(x["val_score"]) and np.isnan(y["val_score"])))
        for x, y in zip(a, b))


def expect_range(trials, expected, call, mistakes, **kwargs):
    before = copy.deepcopy(trials)
    result = refine_range(trials, "learning_rate", **kwargs)
    if not same_trials(trials, before):
        raise HintError(f"{call} changed or reordered the caller's trials: leave the list as it was (sorted(trials, "
                        "...) makes a new list, trials.sort() reorders the caller's).")
    if not (isinstance(result, tuple) and len(result) == 2):
        raise HintError(f"{call} returned {result!r}: it should return a tuple (low, high).")
    check_array(call, np.array(result, dtype=float), np.array(expected, dtype=float), rtol=1e-12, atol=0,
                mistakes=mistakes,
                hint="(low, high) are the smallest and the largest learning rate among the top trials with the "
                     "highest val_score, NaN scores left out, whatever the order of the list.")


#          0     1     2     3     4     5     6     7     8     9     10
values = [1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1, 2e-1, 3e-1]
scores = [0.20, 0.35, 0.60, 0.80, 0.90, 0.92, 0.88, 0.70, 0.50, 0.10, float("nan")]
# shuffled: the best five (1e-2, 5e-3, 2e-2, 2e-3, 5e-2) are neither first nor last in the list
order = [9, 0, 10, 5, 2, 7, 1, 3, 8, 4, 6]
trials = make_trials(values, scores, order)
expect_range(trials, (2e-3, 5e-2), "refine_range(trials, 'learning_rate', top=5)",
             {"the first 5 trials of the list, as if it were sorted: refine_range gets the trials in any order":
              (1e-4, 2e-1),
              "the last 5 trials of the list instead of the 5 best": (3e-4, 1e-1),
              "the 5 worst trials instead of the 5 best (sorted lowest first)": (1e-4, 2e-1),
              "top + 1 trials (an off-by-one)": (1e-3, 5e-2), "top - 1 trials (an off-by-one)": (2e-3, 2e-2),
              "a NaN score counted as the best (np.argsort puts NaN last, so [::-1] puts it first)": (2e-3, 3e-1),
              "the range of every trial, not of the best ones": (1e-4, 3e-1),
              "the single best trial only": (1e-2, 1e-2)},
             top=5)
expect_range(trials, (5e-3, 2e-2), "refine_range(trials, 'learning_rate', top=3)",
             {"top - 1 trials (an off-by-one)": (5e-3, 1e-2), "top + 1 trials (an off-by-one)": (2e-3, 2e-2)},
             top=3)
expect_range(trials, (2e-3, 5e-2), "refine_range(trials, 'learning_rate') (the default top is 5)",
             {"a default top of 3 instead of 5": (5e-3, 2e-2)})
expect_range(trials, (1e-4, 2e-1), "refine_range(trials, 'learning_rate', top=20) (only 10 finite scores)",
             {"the trial with a NaN score included": (1e-4, 3e-1)}, top=20)
### BEGIN HIDDEN TESTS
# sorted lowest first, and highest first
up = make_trials(values, scores, [10, 9, 0, 1, 8, 2, 7, 3, 6, 4, 5])
expect_range(up, (2e-3, 5e-2), "refine_range(trials sorted by increasing score, 'learning_rate', top=5)", {}, top=5)
down = make_trials(values, scores, [5, 4, 6, 3, 7, 2, 8, 1, 0, 9, 10])
expect_range(down, (2e-3, 5e-2), "refine_range(trials sorted by decreasing score, 'learning_rate', top=5)", {},
             top=5)
# another hyperparameter, a single trial, top=1
other = [{"params": {"learning_rate": 1e-3, "reg": r}, "val_score": s}
         for r, s in ((1e-5, 0.3), (1e-2, 0.7), (1e-4, 0.9), (1e-1, 0.1), (1e-3, 0.8))]
result = refine_range(other, "reg", top=2)
if not (isinstance(result, tuple) and np.allclose(np.array(result, dtype=float), [1e-4, 1e-3], rtol=1e-12, atol=0)):
    raise HintError(f"refine_range(trials, 'reg', top=2) returned {result!r}, expected (0.0001, 0.001): use params[name].")
result = refine_range(other[:1], "reg", top=5)
if not (isinstance(result, tuple) and np.allclose(np.array(result, dtype=float), [1e-5, 1e-5], rtol=1e-12, atol=0)):
    raise HintError(f"refine_range on a single trial returned {result!r}, expected (1e-05, 1e-05).")
expect_range(trials, (1e-2, 1e-2), "refine_range(trials, 'learning_rate', top=1)", {}, top=1)
### END HIDDEN TESTS
passed("test_refine_range")

# %% kind="tests" grade_id="test_refine_range_args" points=1
import numpy as np
from cs231n_utils.testing import check_raises, passed

trials = [{"params": {"lr": 1e-3}, "val_score": 0.5}, {"params": {"lr": 1e-2}, "val_score": 0.7}]
check_raises(ValueError, refine_range, trials, "lr", top=0, must_mention="0", what="top=0")
nan_trials = [{"params": {"lr": 1e-3}, "val_score": float("nan")}, {"params": {"lr": 1e-2}, "val_score": float("nan")}]
check_raises(ValueError, refine_range, nan_trials, "lr", what="trials whose val_scores are all NaN")
### BEGIN HIDDEN TESTS
check_raises(ValueError, refine_range, trials, "lr", top=-2, must_mention="-2", what="top=-2")
check_raises(ValueError, refine_range, nan_trials[:1], "lr", top=3, what="a single trial with a NaN score")
### END HIDDEN TESTS
passed("test_refine_range_args")

# %% [markdown] kind="readonly" grade_id="md-on-border"
# ## Exercise 5: `on_border`
#
# Find the trial with the highest finite `val_score` (the trials come in any order; NaN scores are
# left out) and the **position** of its value of `name` in the range of that dimension in `space`, from 0
# at `low` to 1 at `high`:
# - for a `'log-uniform'` dimension, in log space: $(\log v - \log\text{low}) / (\log\text{high} - \log\text{low})$
#   (on $[10^{-5}, 10^{-1}]$, $v = 10^{-3}$ is in the middle, at 0.5);
# - for a `'uniform'` dimension, linearly: $(v - \text{low}) / (\text{high} - \text{low})$.
#
# Return `True` when the position is below `fraction` or above `1 - fraction`: the best value sits in
# the outer `fraction` of the range, at **either** end, and the range should move. The range is that
# of the search space, not of the values tried. Raise a `ValueError` naming the problem if `name` is
# not in `space`, if its dimension is a `'choice'` (it has no border), if `fraction` is not in
# $(0, 0.5)$, or if no trial has a finite score. Do not change `trials` or `space`.

# %% kind="answer" grade_id="on_border"
def on_border(trials, name, space, fraction=0.1):
    """Is the best value of one hyperparameter at the edge of its search range?

    Inputs:
    - trials: a list of trials ({'params': {...}, 'val_score': ...}), in any order. Not modified.
    - name: a key of space whose dimension is ('log-uniform', low, high) or ('uniform', low, high).
    - space: the search space, as for random_search. Not modified.
    - fraction: a number in (0, 0.5) (default 0.1).

    Returns True when the value v of name in the trial with the highest finite val_score has a position
    below fraction or above 1 - fraction in its range, False otherwise. The position is
    (log v - log low) / (log high - log low) for a 'log-uniform' dimension and
    (v - low) / (high - low) for a 'uniform' one; low and high come from space.

    Raises ValueError if name is not in space (naming it), its dimension is a 'choice', fraction is
    not in (0, 0.5) (naming it), or no trial has a finite val_score.
    """
    # Hint: check the arguments; find the best trial with max(..., key=...) over the finite ones; compute
    # the position (np.log for 'log-uniform') and compare it with fraction and 1 - fraction.
    ### BEGIN SOLUTION
    if name not in space:
        raise ValueError(f"{name!r} is not a dimension of space ({', '.join(map(repr, space))})")
    kind = space[name][0]
    if kind not in ("log-uniform", "uniform"):
        raise ValueError(f"dimension {name!r} is a {kind!r}: only 'log-uniform' and 'uniform' ranges have a border")
    if not 0 < fraction < 0.5:
        raise ValueError(f"fraction must be in (0, 0.5), got fraction={fraction!r}")
    finite = [t for t in trials if np.isfinite(t["val_score"])]
    if not finite:
        raise ValueError("no trial has a finite val_score")
    value = max(finite, key=lambda t: t["val_score"])["params"][name]
    low, high = space[name][1], space[name][2]
    if kind == "log-uniform":
        value, low, high = np.log(value), np.log(low), np.log(high)
    position = (value - low) / (high - low)
    return bool(position < fraction or position > 1 - fraction)
    ### END SOLUTION


# %% kind="tests" grade_id="test_on_border" points=3
import copy  # noqa: F811 (test cells also run on their own)

import numpy as np
from cs231n_utils.testing import HintError, passed

space = {"learning_rate": ("log-uniform", 1e-5, 1e-1), "dropout": ("uniform", 0.0, 0.5),
         "hidden": ("choice", [16, 32, 64])}


def trials_with_best(name, best, others, nan_value=None):
    """Trials whose best (score 0.9) has params[name] = best, in the middle of the list; the others score less;
    an optional trial with a NaN score has params[name] = nan_value."""
    base = {"learning_rate": 1e-3, "dropout": 0.25, "hidden": 32}
    trials = [{"params": dict(base, **{name: v}), "val_score": 0.5 - 0.01 * i} for i, v in enumerate(others)]
    trials.insert(len(trials) // 2, {"params": dict(base, **{name: best}), "val_score": 0.9})
    if nan_value is not None:
        trials.insert(1, {"params": dict(base, **{name: nan_value}), "val_score": float("nan")})
    return trials


def expect_border(trials, name, expected, why, **kwargs):
    space_before, trials_before = copy.deepcopy(space), copy.deepcopy(trials)
    args = "".join(f", {k}={v}" for k, v in kwargs.items())
    best = max((t for t in trials if not np.isnan(t["val_score"])), key=lambda t: t["val_score"])["params"][name]
    call = f"on_border(trials, {name!r}, space{args}) with the best {name} = {best:g} (space[{name!r}] = {space[name]})"
    result = on_border(trials, name, space, **kwargs)
    if not isinstance(result, (bool, np.bool_)):
        raise HintError(f"{call} returned {result!r} ({type(result).__name__}): it should return True or False.")
    if bool(result) != expected:
        raise HintError(f"{call} returned {bool(result)}, expected {expected}: {why}")
    if space != space_before:
        raise HintError("on_border changed the caller's space: leave it as it was.")
    if len(trials) != len(trials_before) or any(a["params"] != b["params"] for a, b in zip(trials, trials_before)):
        raise HintError("on_border changed or reordered the caller's trials: use max(...) or sorted(...), not "
                        "trials.sort().")


lr_others = [3e-5, 1e-4, 2e-4, 5e-3, 2e-2]
expect_border(trials_with_best("dropout", 0.3, [0.02, 0.1, 0.2, 0.35]), "dropout", False,
              "0.3 sits at position 0.6 of [0, 0.5]: inside the range. Use the best trial, the one with the "
              "highest val_score, wherever it is in the list.")
expect_border(trials_with_best("learning_rate", 1e-3, lr_others), "learning_rate", False,
              "1e-3 sits in the middle of [1e-5, 1e-1] in log space (position 0.5). On a log-uniform dimension "
              "measure the position with logarithms: linearly, 1e-3 would be at 0.01.")
expect_border(trials_with_best("learning_rate", 5e-2, lr_others), "learning_rate", True,
              "5e-2 sits at position 0.92 of [1e-5, 1e-1] in log space, in the top 10%.")
expect_border(trials_with_best("learning_rate", 2e-5, lr_others), "learning_rate", True,
              "2e-5 sits at position 0.075 of [1e-5, 1e-1] in log space: the bottom edge counts as well.")
expect_border(trials_with_best("dropout", 0.48, [0.1, 0.2, 0.3, 0.35]), "dropout", True,
              "0.48 sits at position 0.96 of [0, 0.5] (a 'uniform' dimension: linear position).")
expect_border(trials_with_best("dropout", 0.02, [0.1, 0.2, 0.3, 0.35]), "dropout", True,
              "0.02 sits at position 0.04 of [0, 0.5]: the bottom edge counts as well as the top one.")
expect_border(trials_with_best("learning_rate", 1e-3, lr_others, nan_value=9e-2), "learning_rate", False,
              "the best finite score is that of 1e-3, in the middle of the range; the trial at 9e-2 has a NaN "
              "score and must be left out (np.argmax takes NaN as the maximum).")
expect_border(trials_with_best("learning_rate", 4e-5, [2e-5, 3e-5, 1e-4]), "learning_rate", False,
              "4e-5 sits at position 0.15 of [1e-5, 1e-1] in log space: not in the outer 10% (the default "
              "fraction is 0.1).")
expect_border(trials_with_best("learning_rate", 4e-5, [2e-5, 3e-5, 1e-4]), "learning_rate", True,
              "4e-5 sits at position 0.15 of [1e-5, 1e-1] in log space, within the outer fraction=0.2: use the "
              "fraction argument.", fraction=0.2)
### BEGIN HIDDEN TESTS
# the best value is the largest value tried, but in the middle of the space's range
expect_border(trials_with_best("learning_rate", 1e-3, [1e-5 * 1.5, 2e-5, 1e-4, 3e-4]), "learning_rate", False,
              "1e-3 is the largest learning rate tried, but it sits in the middle of the SPACE's range [1e-5, 1e-1]: "
              "the border is that of space[name], not of the values tried.")
# best first and best last in the list
trials = trials_with_best("dropout", 0.49, [0.1, 0.2, 0.3])
expect_border([trials[2]] + trials[:2] + trials[3:], "dropout", True, "0.49 is at position 0.98 of [0, 0.5].")
expect_border(trials[:2] + trials[3:] + [trials[2]], "dropout", True, "0.49 is at position 0.98 of [0, 0.5].")
# a uniform range that does not start at 0
space["momentum"] = ("uniform", 0.5, 1.0)
base_trials = [{"params": {"momentum": m}, "val_score": s} for m, s in ((0.6, 0.3), (0.97, 0.8), (0.7, 0.5))]
expect_border(base_trials, "momentum", True, "0.97 is at position 0.94 of [0.5, 1.0].")
base_trials[1]["params"]["momentum"] = 0.9
expect_border(base_trials, "momentum", False, "0.9 is at position 0.8 of [0.5, 1.0]: inside the range.")
expect_border(base_trials, "momentum", True, "0.9 is at position 0.8 of [0.5, 1.0], within the outer fraction=0.25.",
              fraction=0.25)
del space["momentum"]
### END HIDDEN TESTS
passed("test_on_border")

# %% kind="tests" grade_id="test_on_border_args" points=1
from cs231n_utils.testing import check_raises, passed

space = {"learning_rate": ("log-uniform", 1e-5, 1e-1), "hidden": ("choice", [16, 32, 64])}
trials = [{"params": {"learning_rate": 1e-3, "hidden": 32}, "val_score": 0.5}]
check_raises(ValueError, on_border, trials, "hidden", space, must_mention="hidden",
             what="a 'choice' dimension (it has no range, so no border)")
check_raises(ValueError, on_border, trials, "learning_rate", space, fraction=0.6, must_mention="0.6",
             what="fraction=0.6 (the outer 60% at both ends would cover the whole range)")
### BEGIN HIDDEN TESTS
check_raises(ValueError, on_border, trials, "momentum", space, must_mention="momentum",
             what="a name that is not in space")
check_raises(ValueError, on_border, trials, "learning_rate", space, fraction=0.0, what="fraction=0.0")
check_raises(ValueError, on_border, [{"params": {"learning_rate": 1e-3, "hidden": 32}, "val_score": float("nan")}],
             "learning_rate", space, what="trials whose val_scores are all NaN")
### END HIDDEN TESTS
passed("test_on_border_args")

# %% [markdown] kind="readonly" grade_id="md-experiments"
# ## Experiments
#
# The rest of the notebook uses your five functions. Nothing here is graded; run it, look at each
# picture, and read the sentence under it.
#
# ### 1. Grid versus random search, with one important and one unimportant parameter
# A made-up validation score of two hyperparameters $a$ and $b$ in $[0, 1]$, so that we know the truth:
# $\text{score}(a, b) = 0.9\, g(a) + 0.1\, h(b)$, where $g$ is a narrow bump around $a = 0.62$ (the
# **important** parameter, like the learning rate) and $h$ changes little over the whole range (the
# **unimportant** one). Nine trials each: a $3\times3$ grid at the centres of the cells, and
# `random_search` with both dimensions `('uniform', 0, 1)`. The curves above and beside each square are
# the **marginals**, the score as a function of one parameter, with the values each search tried.

# %% kind="readonly" grade_id="exp-grid-vs-random"
# The plots start here. matplotlib is imported here, not at the top: grading stops before
# the plots, and so does not spend time loading it.
import matplotlib.pyplot as plt

# %matplotlib inline

from threadpoolctl import threadpool_limits

# The matrices below are small: one BLAS thread multiplies them faster than several threads that
# must share the cores with other programs. This affects only the speed.
threadpool_limits(limits=1, user_api="blas")


def important(a):
    return np.exp(-0.5 * ((a - 0.62) / 0.05) ** 2)


def unimportant(b):
    return 1.0 - 0.5 * (b - 0.3) ** 2


def toy_score(a, b):
    return 0.9 * important(a) + 0.1 * unimportant(b)


toy_space = {"a": ("uniform", 0.0, 1.0), "b": ("uniform", 0.0, 1.0)}


def toy_train(params):
    return {"val_score": float(toy_score(params["a"], params["b"]))}


def grid_trials(k):
    """A k x k grid at the centres of the cells, scored and sorted like random_search's trials."""
    centres = (np.arange(k) + 0.5) / k
    trials = [{"params": {"a": a, "b": b}, **toy_train({"a": a, "b": b})} for a in centres for b in centres]
    return sorted(trials, key=lambda t: t["val_score"], reverse=True)


searches = {"grid": grid_trials(3), "random": random_search(toy_train, toy_space, 9, np.random.default_rng(5))}

if not GRADING:
    fig = plt.figure(figsize=(9, 4.6), layout="constrained")
    t = np.linspace(0, 1, 300)
    A, B = np.meshgrid(t, t)
    for subfig, (label, trials) in zip(fig.subfigures(1, 2), searches.items()):
        axes = subfig.subplots(2, 2, height_ratios=[1, 3], width_ratios=[3, 1], sharex="col", sharey="row")
        top, corner, main, side = axes[0, 0], axes[0, 1], axes[1, 0], axes[1, 1]
        corner.axis("off")
        main.imshow(toy_score(A, B), origin="lower", extent=(0, 1, 0, 1), cmap="viridis", aspect="auto")
        a_tried = [tr["params"]["a"] for tr in trials]
        b_tried = [tr["params"]["b"] for tr in trials]
        main.plot(a_tried, b_tried, "o", color="white", mec="black", ms=7)
        main.set(xlabel="a (important)", ylabel="b (unimportant)")
        top.plot(t, 0.9 * important(t), color="C1")
        top.plot(a_tried, 0.9 * important(np.array(a_tried)), "o", color="C1", mec="black")
        top.set(ylim=(-0.05, 1), yticks=[0, 0.9])
        side.plot(0.1 * unimportant(t), t, color="C2")
        side.plot(0.1 * unimportant(np.array(b_tried)), b_tried, "o", color="C2", mec="black")
        side.set(xlim=(0.07, 0.105), xticks=[0.08, 0.1])
        subfig.suptitle(f"{label}: {len(set(np.round(a_tried, 9)))} distinct values of a, "
                        f"best score {trials[0]['val_score']:.2f}", fontsize=11)
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-grid-vs-random-notice"
# **What to notice:** the grid spends its nine trials on three values of the important parameter
# (three columns of three points that the score cannot tell apart), and none of the three lands on the
# bump: its best score is 0.15. The nine random trials try nine different values of $a$, and here one
# of them lands near the peak (best score 0.83). Along $b$ both searches are equally good, because $b$
# hardly matters. Was the random search lucky? The next cell repeats it many times for several
# budgets and compares the best score found with that of a $k\times k$ grid of the same budget.

# %% kind="readonly" grade_id="exp-budget"
budgets = [4, 9, 16, 25, 36, 49]
repeats = 5 if GRADING else 100
rng = np.random.default_rng(0)
grid_best = [grid_trials(int(np.sqrt(n)))[0]["val_score"] for n in budgets]
random_best = np.array([[random_search(toy_train, toy_space, n, rng)[0]["val_score"] for _ in range(repeats)]
                        for n in budgets])
for n, g, r in zip(budgets, grid_best, random_best):
    print(f"{n:2d} trials: grid {g:.3f}; random: median {np.median(r):.3f}, "
          f"worst 10% below {np.quantile(r, 0.1):.3f}, better than the grid in {np.mean(r > g):.0%} of the searches")

if not GRADING:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    axes[0].plot(budgets, grid_best, "s-", label="grid (k x k)")
    axes[0].plot(budgets, np.median(random_best, axis=1), "o-", label="random: median")
    axes[0].fill_between(budgets, np.quantile(random_best, 0.1, axis=1), np.quantile(random_best, 0.9, axis=1),
                         color="C1", alpha=0.25, label="random: 10% to 90%")
    axes[0].set(xlabel="number of trials", ylabel="best score found", ylim=(0, 1),
                title="Best of n trials")
    axes[0].legend(loc="lower right")
    axes[1].hist(random_best[budgets.index(9)], bins=np.linspace(0, 1, 21), color="C1", alpha=0.8,
                 label=f"random ({repeats} searches)")
    axes[1].axvline(grid_best[budgets.index(9)], color="C0", lw=2, label="3 x 3 grid")
    axes[1].set(xlabel="best score of 9 trials", ylabel="searches", title="9 trials")
    axes[1].legend(loc="upper left")
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-budget-notice"
# **What to notice:** the grid's best score jumps up and down with the budget: it depends on whether
# one of its $k$ columns happens to fall on the bump. The $4\times4$ grid has a column at $a = 0.625$, right
# on the peak, and scores almost 1; the $3\times3$ and $5\times5$ grids have none near it and score 0.15 and
# 0.35. Adding trials to a grid adds only $\sqrt{n}$ values of the important parameter. Random search
# improves steadily with $n$: its median beats the grid at every budget but the lucky $4\times4$, nine
# random trials beat the $3\times3$ grid in most searches (right), and from 25 trials on even the unlucky
# random searches (the lower edge of the band) do about as well as the grid. With $d$ hyperparameters
# of which one matters, a grid of $n$ trials tries $n^{1/d}$ values of it, random search $n$.
#
# ### 2. Coarse to fine on the digits
# Now a real search: a network with one hidden layer of 64 ReLU units on the digits (1197 training
# images, 300 validation images; pixels standardized), trained with plain minibatch SGD (batches of
# 100) and an L2 penalty $\frac{\text{reg}}{2}\sum W^2$. Two hyperparameters, both searched on a log scale:
# the learning rate and the regularization strength `reg`. The training function below is provided;
# after every step it asks your `should_abort` whether to stop, and an aborted run scores NaN.

# %% kind="readonly" grade_id="provided"
from cs231n_utils.data import load_digits

digits = load_digits(seed=0)
pixel_mean = digits["X_train"].mean(axis=0)
pixel_std = digits["X_train"].std(axis=0) + 0.1  # + 0.1: a few border pixels are almost always 0
data = {split: ((digits[f"X_{split}"] - pixel_mean) / pixel_std, digits[f"y_{split}"])
        for split in ("train", "val", "test")}


def accuracy(weights, split):
    W1, b1, W2, b2 = weights
    X, y = data[split]
    return float(np.mean((np.maximum(X @ W1 + b1, 0.0) @ W2 + b2).argmax(axis=1) == y))


def train_net(params, iterations, hidden=64, batch_size=100, seed=0):
    """Train a 64-hidden-64-10 ReLU net with SGD and L2 regularization; abort when should_abort says so.

    Returns {'val_score': validation accuracy (NaN if aborted), 'train_score', 'losses' (one per step),
    'aborted', 'iterations' (steps run), 'weights' (W1, b1, W2, b2)}."""
    lr, reg = params["learning_rate"], params["reg"]
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((64, hidden)) * np.sqrt(2.0 / 64)
    W2 = rng.standard_normal((hidden, 10)) * np.sqrt(2.0 / hidden)
    b1, b2 = np.zeros(hidden), np.zeros(10)
    X, y = data["train"]
    rows = np.arange(batch_size)
    losses, aborted = [], False
    with np.errstate(all="ignore"):  # a diverging run overflows: should_abort stops it
        for _ in range(iterations):
            batch = rng.integers(len(X), size=batch_size)
            xb, yb = X[batch], y[batch]
            h = np.maximum(xb @ W1 + b1, 0.0)
            scores = h @ W2 + b2
            scores -= scores.max(axis=1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(probs[rows, yb] + 1e-300)) + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
            losses.append(float(loss))
            if should_abort(losses):
                aborted = True
                break
            dscores = probs
            dscores[rows, yb] -= 1.0
            dscores /= batch_size
            dh = dscores @ W2.T
            dh[h <= 0] = 0.0
            W2 -= lr * (h.T @ dscores + reg * W2)
            b2 -= lr * dscores.sum(axis=0)
            W1 -= lr * (xb.T @ dh + reg * W1)
            b1 -= lr * dh.sum(axis=0)
    weights = (W1, b1, W2, b2)
    return {"val_score": float("nan") if aborted else accuracy(weights, "val"),
            "train_score": float("nan") if aborted else accuracy(weights, "train"),
            "losses": losses, "aborted": aborted, "iterations": len(losses), "weights": weights}


def show_search(trials, space, label):
    """Print the best trials of a search and whether each dimension's best value is on its border."""
    n_aborted = sum(t["aborted"] for t in trials)
    print(f"{label}: {len(trials)} trials, {n_aborted} aborted; the best five:")
    for t in trials[:5]:
        print(f"  learning_rate {t['params']['learning_rate']:9.3g}  reg {t['params']['reg']:9.3g}  "
              f"val {t['val_score']:.3f}  train {t['train_score']:.3f}")
    for name in space:
        low, high = space[name][1:]
        print(f"  best {name} on the border of [{low:.3g}, {high:.3g}]? {on_border(trials, name, space)}")

# %% [markdown] kind="readonly" grade_id="md-coarse"
# **Round 1, coarse.** A range of four decades for the learning rate, $[10^{-6}, 10^{-2}]$ (a range you
# might copy from a tutorial that used Adam), six for `reg`, $[10^{-5}, 10]$; short runs of 200 steps.

# %% kind="readonly" grade_id="exp-coarse"
N_COARSE, ITER_COARSE = (3, 10) if GRADING else (30, 200)
N_FINE, ITER_FINE = (3, 10) if GRADING else (25, 300)
rng = np.random.default_rng(9)

space1 = {"learning_rate": ("log-uniform", 1e-6, 1e-2), "reg": ("log-uniform", 1e-5, 1e1)}
round1 = random_search(lambda params: train_net(params, ITER_COARSE), space1, N_COARSE, rng)
show_search(round1, space1, "round 1")

# %% [markdown] kind="readonly" grade_id="md-moved"
# **What to notice:** the best learning rates are all near the top of the range, and `on_border` says
# so: the optimum is probably above $10^{-2}$. Before narrowing anything, **move** the range past that
# edge. Round 2 searches $[10^{-3}, 10]$ (four decades again, from one decade inside the old range),
# where the largest rates will surely diverge: that is where `should_abort` earns its keep.

# %% kind="readonly" grade_id="exp-moved"
space2 = {"learning_rate": ("log-uniform", 1e-3, 1e1), "reg": ("log-uniform", 1e-5, 1e1)}
round2 = random_search(lambda params: train_net(params, ITER_COARSE), space2, N_COARSE, rng)
show_search(round2, space2, "round 2")
steps_run = sum(t["iterations"] for t in round2)
print(f"steps run in round 2: {steps_run} of {len(round2) * ITER_COARSE} "
      f"({1 - steps_run / (len(round2) * ITER_COARSE):.0%} saved by aborting diverged runs)")

# %% [markdown] kind="readonly" grade_id="md-fine"
# **What to notice:** the best learning rates now lie well inside the range, around 0.3 to 1, and the two
# largest ones (above 3) diverged: `should_abort` stopped them after a few steps. `on_border` now
# flags `reg`: its best value sits at the bottom of its range. Is the optimum below $10^{-5}$? The
# scatter below shows why not: below about $10^{-2}$ the regularization barely changes anything here,
# so among many nearly equal scores the best one lands anywhere, the border included. A border
# warning is a prompt to look at the trials, not an order to move.
#
# **Round 3, fine.** `refine_range` narrows both ranges to the span of the five best trials of rounds 1
# and 2 together, and the runs are longer (300 steps).

# %% kind="readonly" grade_id="exp-fine"
coarse_trials = round1 + round2
space3 = {name: ("log-uniform", *refine_range(coarse_trials, name, top=5)) for name in space2}
for name, dimension in space3.items():
    if dimension[1] == dimension[2]:  # a single finite trial (only under grading): widen it a little
        space3[name] = ("log-uniform", dimension[1] / 2, dimension[2] * 2)
print("refined ranges:", {name: tuple(f"{v:.3g}" for v in dim[1:]) for name, dim in space3.items()})
round3 = random_search(lambda params: train_net(params, ITER_FINE), space3, N_FINE, rng)
show_search(round3, space3, "round 3")

if not GRADING:
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
    rounds = [(round1, space1, "o", "round 1"), (round2, space2, "s", "round 2"), (round3, space3, "^", "round 3")]
    for ax, shown in zip(axes, (rounds, rounds[2:])):
        any_aborted = False
        for trials, space, marker, label in shown:
            lr = np.array([t["params"]["learning_rate"] for t in trials])
            reg = np.array([t["params"]["reg"] for t in trials])
            acc = np.array([t["val_score"] for t in trials])
            ok = ~np.isnan(acc)
            points = ax.scatter(lr[ok], reg[ok], c=acc[ok], cmap="viridis", vmin=0.5, vmax=1.0, marker=marker,
                                edgecolors="black", linewidths=0.4, s=40)
            ax.scatter([], [], marker=marker, color="lightgray", edgecolors="black", linewidths=0.4, s=40, label=label)
            ax.scatter(lr[~ok], reg[~ok], marker="x", color="red", s=30)
            any_aborted = any_aborted or bool(np.any(~ok))
        if any_aborted:
            ax.scatter([], [], marker="x", color="red", s=30, label="aborted")
        ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="reg")
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
        ax.yaxis.set_minor_formatter(plt.NullFormatter())
    (l1, h1), (l3, h3) = space3["learning_rate"][1:], space3["reg"][1:]
    axes[0].add_patch(plt.Rectangle((l1, l3), h1 - l1, h3 - l3, fill=False, ls="--", color="black"))
    axes[0].set_title("Coarse (rounds 1, 2), and the refined box")
    axes[0].legend(loc="lower left", fontsize=9)
    axes[1].set(xlim=space3["learning_rate"][1:], ylim=space3["reg"][1:])
    axes[1].xaxis.set_minor_locator(plt.matplotlib.ticker.LogLocator(subs=(2.0, 5.0)))
    axes[1].xaxis.set_minor_formatter(plt.FormatStrFormatter("%g"))
    axes[1].legend(loc="lower left", fontsize=9)
    axes[1].set_title("Fine (round 3), inside the box")
    fig.colorbar(points, ax=axes, label="validation accuracy (below 0.5 shown as 0.5)", shrink=0.9)
    plt.show()

# %% [markdown] kind="readonly" grade_id="md-scatter-notice"
# **What to notice:** in the coarse scatter the colour changes along the learning-rate axis, and along
# `reg` only where `reg` exceeds about $10^{-1}$ (dark points at the top): the learning rate is the
# important parameter here, and small regularization strengths are all alike. The learning rates of
# round 1 reach good accuracies only at its right edge; round 2 continues the trend up to a plateau
# between about 0.1 and 1, and the two largest rates diverged (red crosses). The refined box is narrow
# in the learning rate and tall in `reg`, which the search found unimportant. Inside it (right), the fine
# round scores nearly the same everywhere: a point or two of accuracy separates its trials, about
# the noise of a 300-image validation set (one image is 0.33%).
#
# ### 3. What the early abort did
# The loss curves of the round-2 trials: each curve stops at the step where your `should_abort` saw the
# loss exceed three times its first value. Beside them, the validation accuracy against the learning
# rate for every trial of the three rounds: the marginal of the important parameter.

# %% kind="readonly" grade_id="exp-abort"
if not GRADING:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained")
    cmap, norm = plt.cm.plasma, plt.matplotlib.colors.LogNorm(1e-3, 1e1)
    for t in sorted(round2, key=lambda t: t["params"]["learning_rate"]):
        relative = np.array(t["losses"]) / t["losses"][0]
        axes[0].plot(np.arange(1, len(relative) + 1), relative, color=cmap(norm(t["params"]["learning_rate"])),
                     lw=1.5 if t["aborted"] else 0.8, marker="x" if t["aborted"] else None, markevery=[-1])
    axes[0].axhline(3, color="black", ls=":", label="3 x the first loss")
    axes[0].set(xscale="log", yscale="log", xlabel="step", ylabel="loss / first loss",
                title="Round 2: loss curves (x: aborted)")
    axes[0].legend(loc="upper right")
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes[0], label="learning rate")
    for trials, marker, label in ((round1, "o", "round 1"), (round2, "s", "round 2"), (round3, "^", "round 3")):
        lr = [t["params"]["learning_rate"] for t in trials if not t["aborted"]]
        acc = [t["val_score"] for t in trials if not t["aborted"]]
        axes[1].plot(lr, acc, marker, ms=5, alpha=0.8, label=label)
    axes[1].set(xscale="log", xlabel="learning rate", ylabel="validation accuracy",
                title="Accuracy against the learning rate")
    axes[1].legend(loc="upper left")
    plt.show()

print(f"aborted trials: round 1 {sum(t['aborted'] for t in round1)}, round 2 {sum(t['aborted'] for t in round2)},"
      f" round 3 {sum(t['aborted'] for t in round3)}; steps of an aborted run: "
      f"{[t['iterations'] for t in coarse_trials + round3 if t['aborted']]}")

# %% [markdown] kind="readonly" grade_id="md-abort-notice"
# **What to notice:** the two diverging runs (the yellow curves, the largest learning rates) cross the
# dotted line within a few steps, and the early abort skips the rest of their 200 steps. The curves
# that fall to a hundredth of their first loss and then stay flat are runs with a large `reg`: their
# first loss is mostly the penalty, which training removes by shrinking the weights to almost nothing,
# and their accuracy is at chance (the points near 0.1 on the right). The 3x rule does not catch that
# failure; the validation score does. On the right, the accuracy climbs with the learning rate over
# four decades to a plateau from about 0.1 to 1, and the fine round (triangles) sits on it: the
# marginal of the important parameter, read off the trials of the search.
#
# ### 4. The test set, once
# The search is over: the best trial of the fine round is our model. Its validation accuracy was
# the highest of many, so it is biased upwards. Only now, once, we measure it on the 300 test images.

# %% kind="readonly" grade_id="exp-test"
best = round3[0]
if np.isnan(best["val_score"]):  # (only under grading, where every short run may be aborted)
    print("no finite trial in round 3")
else:
    print(f"chosen: learning_rate {best['params']['learning_rate']:.3g}, reg {best['params']['reg']:.3g}")
    print(f"validation accuracy {best['val_score']:.3f} (the best of {len(round3)} trials: optimistic)")
    print(f"test accuracy       {accuracy(best['weights'], 'test'):.3f} (reported once)")

# %% [markdown] kind="readonly" grade_id="md-test-notice"
# **What to notice:** the test accuracy is close to the validation accuracy (within a point or so:
# one image of 300 is 0.33%). It may come out above or below it in one run, but on average the
# validation score of the winner of a search is too high, because it includes the luck that made it
# win; the test score, measured once after every choice was made, has no such bias.
#
# ## Written questions (graded by hand)
#
# **Question 1.** In experiment 1, why does the $3\times3$ grid find a worse setting than nine random
# trials, although both spend nine training runs? Describe a search space where this matters more,
# and say why a learning rate should be sampled with `sample_log_uniform` and not uniformly on
# $[10^{-6}, 10^{-1}]$ (how many of 100 uniform draws would fall below $10^{-3}$?).

# %% [markdown] kind="manual" grade_id="q1_random_vs_grid" points=2
# ### BEGIN SOLUTION
# The score depends almost only on $a$. A $3\times3$ grid tries only three distinct values of $a$ (each
# three times, with values of $b$ that make no difference), and none of the three hit the narrow good
# region; nine random trials try nine distinct values of $a$, so they cover the important axis three
# times more finely, for the same cost. In general a grid with $n$ trials over $d$ dimensions tries
# only $n^{1/d}$ values of each parameter, while random search tries $n$ values of every parameter,
# whichever turns out to matter. It matters more with more hyperparameters of which few are
# important (e.g. learning rate, regularization, dropout, momentum, batch size, hidden size: with
# $3^6 = 729$ grid points only 3 learning rates are tried) and when the good region is narrow. For
# the learning rate what matters is the order of magnitude; a uniform draw on $[10^{-6}, 10^{-1}]$ falls
# below $10^{-3}$ with probability $10^{-3}/10^{-1} \approx 1\%$, so about one of 100 draws explores the
# three lowest decades and 90 land in $[10^{-2}, 10^{-1}]$. Log-uniform sampling gives each decade the same
# share, 20 draws per decade.
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q2"
# **Question 2.** The best model's test accuracy is reported once, at the very end. Why only once?
# What would go wrong if you looked at the test accuracy of every trial and kept the best one, or if
# you reported the best validation accuracy of the search as the expected accuracy on new data?

# %% [markdown] kind="manual" grade_id="q2_test_once" points=2
# ### BEGIN SOLUTION
# The test set is there to give an unbiased estimate of the accuracy of the final model on new
# data. Any decision based on it (picking a trial, a range, stopping the search, going back to change
# something) tunes the model to those particular test images, and its score becomes as optimistic as a
# validation score: the maximum of many noisy estimates is biased upwards (with 300 images one image
# is 0.33%, and among 100 trials some are lucky by a point or two). Picking the trial with the best
# test accuracy turns the test set into a second validation set and leaves no honest estimate at all.
# For the same reason the best validation accuracy of the search overestimates what the model will
# do on new data: it is the winner of a selection among many; the test accuracy, measured once after
# every choice is made, is what to report (experiment 2: usually a little lower).
# ### END SOLUTION

# %% [markdown] kind="readonly" grade_id="md-q3"
# **Question 3.** In experiment 2, round 1 reported the best learning rate on the border of its range.
# What does that tell you, and why should the range move before it is narrowed? Why does
# `refine_range` use the best few trials rather than the single best one, and why is it safe to abort
# a run as soon as its loss exceeds three times its first value?

# %% [markdown] kind="manual" grade_id="q3_coarse_to_fine" points=2
# ### BEGIN SOLUTION
# The best value at the edge means the score was still improving in that direction when the range
# ended: the optimum is probably outside the range (here, learning rates above $10^{-2}$). Narrowing
# around it would search only inside the old range and could never reach the better values; so the
# range is extended or shifted past that edge first (round 2), and narrowed only once the best values
# lie inside. Validation scores are noisy (one image of 300 is 0.33%, and the initialization and the
# minibatches add their own noise), so the single best trial may owe its rank to luck; the best five
# together show where good settings lie and give a range rather than a point, so the fine search
# explores around them. A loss three times its initial value (or NaN) means the updates are making the
# model worse than random guessing: with plain SGD this is divergence, the weights grow at every step
# and the run practically never recovers. Aborting it costs nothing (a diverging run announces itself
# within a few steps, experiment 3) and frees the time for other trials; the trial gets the worst
# score (NaN, sorted last), which is what it deserves. Near the divergence limit the rule could stop a
# run that would have recovered, which is why the threshold is a generous factor of 3 and not 1.
# ### END SOLUTION
