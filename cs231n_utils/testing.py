"""Checks for notebook test cells: a failure says what is wrong in words a student can act on.

Every check raises :class:`HintError` (an AssertionError) with a self-contained, plain-text message:
which output or gradient, how far off, at how many entries, for which inputs, and a likely cause.

Conventions:
- layers are ``forward(**inputs) -> (out, cache)`` and ``backward(dout, cache) -> dx``, or a tuple
  ``(dx, dw, ...)`` in the order of the inputs;
- errors are symmetric relative errors ``|a - b| / max(1e-8, |a| + |b|)``, the per-entry form of
  :func:`cs231n_utils.gradient_check.rel_error`; an entry passes when its relative error is at most
  ``rtol`` (``tol`` for gradients) *or* its absolute difference is at most ``atol``;
- only real numpy arrays are accepted where an array is expected: lists, objects that compare equal
  to anything, object, complex, integer or boolean arrays are refused with a message saying so.
"""
from __future__ import annotations

import contextlib
import copy
import numbers
import warnings

import numpy as np

from .gradient_check import eval_numerical_gradient_array
from .validation import describe, require_float_array, require_number, require_rng

__all__ = ["HintError", "check_array", "check_scalar", "check_gradient", "check_backward",
           "check_raises", "no_warnings", "check_no_warnings", "away_from_kinks"]

_SHOW = 5  # offending entries listed in a message

_KIND_WORDS = {"f": "floating-point numbers", "i": "integers", "u": "unsigned integers",
               "b": "booleans", "c": "complex numbers", "O": "Python objects", "U": "strings"}
_KIND_CAUSES = {
    "i": "Integer arrays drop fractions: was it made with np.zeros(..., dtype=int), from integer "
         "literals, or with astype(int)?",
    "b": "A comparison such as x > 0 gives booleans: multiply it by the values you meant, or use "
         ".astype(float).",
    "c": "Complex values come from a square root or power of a negative number.",
    "O": "An object array is built from a list holding None or arrays of different shapes.",
}
_KIND_CAUSES["u"] = _KIND_CAUSES["i"]


class HintError(AssertionError):
    """A failed check; the message says what is wrong and, where known, a likely cause."""


def _rel(a, b):
    """Per-entry symmetric relative error, as in rel_error."""
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


def _num(v):
    return f"{float(v):.6g}"


def _idx(name, ix):
    return f"{name}[{', '.join(str(int(i)) for i in ix)}]" if len(ix) else name


def _join(items):
    items = [str(int(i)) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _finish(problem, hint):
    return problem + (f"\nLikely cause: {hint}" if hint else "")


def _fname(func, default):
    name = getattr(func, "__name__", default)
    return default if name == "<lambda>" else name


def _type_problem(label, value, dtype_kind):
    """Why ``value`` is not a numpy array whose dtype kind is in ``dtype_kind``, or None."""
    if not isinstance(value, np.ndarray):
        if value is None:
            return f"{label} is None: is it computed and returned?"
        if isinstance(value, tuple):
            return (f"{label} should be a numpy array, got a tuple of {len(value)} items: were "
                    "several values returned where one array was expected?")
        if isinstance(value, list):
            return f"{label} should be a numpy array, got a list: build it with numpy operations or np.array(...)."
        return f"{label} should be a numpy array, got {type(value).__name__}: {describe(value)}"
    if dtype_kind and value.dtype.kind not in dtype_kind:
        want = " or ".join(_KIND_WORDS.get(k, k) for k in dtype_kind)
        got = _KIND_WORDS.get(value.dtype.kind, "")
        cause = _KIND_CAUSES.get(value.dtype.kind, "") if "f" in dtype_kind else ""
        return f"{label} has dtype {value.dtype} ({got}), expected {want}. {cause}".rstrip()
    return None


def _shape_problem(label, actual, shape):
    if shape is None:
        return None
    if len(shape) == len(actual) and all(s is None or s == a for s, a in zip(shape, actual)):
        return None
    want = str(tuple(shape)) if None not in shape else "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
    text = f"{label} has shape {actual}, expected {want}"
    if None not in shape:
        if len(shape) == 2 and tuple(reversed(shape)) == tuple(actual):
            text += ": transposed?"
        elif np.prod(shape) == np.prod(actual) and tuple(s for s in shape if s != 1) == tuple(a for a in actual if a != 1):
            text += ": only a size-1 axis differs (keepdims=True, or a missing reshape?)"
        elif np.prod(shape) == np.prod(actual):
            text += ": the right number of entries in another arrangement (a missing reshape?)"
    return text


def _nonfinite_problem(label, name, a, expected=None):
    bad = ~np.isfinite(a)
    if expected is not None:
        bad &= np.isfinite(expected)
    if not bad.any():
        return None
    nan, inf = int(np.isnan(a[bad]).sum()), int(np.isinf(a[bad]).sum())
    counts = " and ".join(t for t in (f"{nan} NaN" if nan else "", f"{inf} infinite" if inf else "") if t)
    first = tuple(np.argwhere(bad)[0])
    return (f"{label} has {counts} entries (of {a.size}), e.g. at {_idx(name, first)}: an overflow "
            "in exp, a division by zero or a log of 0?")


def _patterns(name, a, b, bad, ref_word, inputs=None, input_name="x"):
    """Sentences describing where and how ``a`` differs from ``b`` (bad marks wrong entries)."""
    notes, nb = [], int(bad.sum())
    if not np.any(a) and np.any(b):
        return [f"`{name}` is all zeros: is it still a placeholder, or computed but never stored?"]
    bb = float(np.sum(b * b))
    if bb > 0:
        c = float(np.sum(a * b)) / bb
        if c and abs(c - 1) > 1e-3 and np.all(np.abs(a - c * b) <= 1e-3 * np.abs(a) + 1e-9):
            if abs(c + 1) < 1e-3:
                notes.append(f"`{name}` has the opposite sign of the {ref_word} everywhere: a sign flipped?")
            else:
                factor = f"{c:.2f}" if 1e-2 <= abs(c) < 1e2 else f"{c:.3g}"
                notes.append(f"`{name}` is {factor}x the {ref_word} everywhere: a missing or extra factor "
                             "(such as 1/N, 2 or a scale)?")
    if not 0 < nb < bad.size:
        return notes
    if inputs is not None:
        near = np.abs(inputs) <= 1e-4
        for text, mask in ((f"is near 0 (|{input_name}| <= 1e-4, a kink?)", near),
                           ("< 0", inputs < 0), ("> 0", inputs > 0)):
            if mask.any() and not mask.all() and not (bad & ~mask).any():
                k, m = int((bad & mask).sum()), int(mask.sum())
                if k == m:
                    notes.append(f"wrong exactly where `{input_name}` {text}: all {m} such entries, none elsewhere")
                else:
                    notes.append(f"wrong only where `{input_name}` {text}: {k} of the {m} such entries")
                break
    if nb == 1:
        notes.append(f"only one entry is wrong, {_idx(name, tuple(np.argwhere(bad)[0]))}")
    elif a.ndim >= 2:
        for axis, n in enumerate(a.shape):
            hit = np.unique(np.nonzero(bad)[axis])
            if n < 2 or len(hit) == n:
                continue
            word = ("row", "column")[axis] if a.ndim == 2 else f"index along axis {axis}"
            where = (f"{word}{'s' if len(hit) > 1 else ''} {_join(hit)}" if len(hit) <= 6
                     else f"{len(hit)} of the {n} {word}s")
            full = " (every entry there)" if np.take(bad, hit, axis=axis).all() else ""
            notes.append(f"wrong only in {where}{full}")
    return notes


def _value_problem(subject, name, a, b, rtol, atol, words=("got", "expected"), inputs=None,
                   input_name="x"):
    """(max relative error over failing entries, message or None) comparing a with reference b."""
    with np.errstate(invalid="ignore", over="ignore"):
        diff, err = np.abs(a - b), _rel(a, b)
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        bad = ~same & ~((err <= rtol) | (diff <= atol))
    beyond = ~same & ~(diff <= atol)
    worst = float(np.max(err[beyond])) if beyond.any() else 0.0
    if not bad.any():
        return worst, None
    nb = int(bad.sum())
    lines = [f"{subject} is wrong at {nb} of {a.size} entr{'y' if a.size == 1 else 'ies'} "
             f"(max relative error {worst:.1e}, largest difference {float(np.max(diff[bad])):.3g}; "
             f"tolerance {rtol:g})."]
    for ix in map(tuple, np.argwhere(bad)[:_SHOW]):
        line = f"  {_idx(name, ix)}: {words[0]} {_num(a[ix])}, {words[1]} {_num(b[ix])}"
        lines.append(line + (f"   ({_idx(input_name, ix)} = {_num(inputs[ix])})" if inputs is not None else ""))
    if nb > _SHOW:
        lines.append(f"  ... and {nb - _SHOW} more")
    lines += [f"Pattern: {note}." for note in _patterns(name, a, b, bad, words[1], inputs, input_name)]
    return worst, "\n".join(lines)


def _array_problem(subject, name, actual, expected, shape, dtype_kind, rtol, atol, words,
                   inputs=None, input_name="x"):
    problem = _type_problem(subject, actual, dtype_kind) or _shape_problem(subject, actual.shape, shape)
    if problem:
        return np.inf, problem
    a = np.asarray(actual).astype(float)  # a plain ndarray: subclasses cannot override arithmetic
    problem = _nonfinite_problem(subject, name, a, expected)
    if problem or expected is None:
        return (np.inf if problem else 0.0), problem
    return _value_problem(subject, name, a, expected, rtol, atol, words, inputs, input_name)


def check_array(name, actual, expected=None, *, shape=None, dtype_kind="f", rtol=1e-7, atol=1e-12,
                inputs=None, input_name="x", hint=None):
    """Check ``actual`` is a numpy array of the right dtype kind, shape and (if given) values.

    ``expected``: reference values (its shape is then required); ``shape``: a tuple where None
    matches any size; ``dtype_kind``: allowed numpy kind letters (``'f'`` float, ``'iu'`` ints);
    ``inputs`` (same shape as actual, e.g. x) lets the message say for which inputs it is wrong;
    ``hint``: a likely cause, printed on failure. Returns None, raises HintError.
    """
    __tracebackhide__ = True
    if expected is not None:
        expected = np.asarray(expected, dtype=float)
        shape = expected.shape if shape is None else shape
    inputs = None if inputs is None else np.asarray(inputs, dtype=float)
    if inputs is not None and expected is not None and inputs.shape != expected.shape:
        raise ValueError(f"inputs must have the shape of expected {expected.shape}, got {inputs.shape}")
    _, problem = _array_problem(f"`{name}`", name, actual, expected, shape, dtype_kind, rtol, atol,
                                ("got", "expected"), inputs, input_name)
    if problem:
        raise HintError(_finish(problem, hint)) from None


def check_scalar(name, actual, expected, *, rtol=1e-7, atol=1e-12, hint=None):
    """Check ``actual`` is one real number (a float, an int, or a numpy array of size 1) close to
    ``expected``. Booleans, None, complex numbers and larger arrays are refused. Raises HintError."""
    __tracebackhide__ = True
    expected = float(require_number("expected", expected))
    label, problem, value = f"`{name}`", None, None
    if isinstance(actual, np.ndarray):
        if actual.size != 1:
            problem = (f"{label} should be one number, got an array of shape {actual.shape}: "
                       "reduce it (np.sum, np.mean) or pick the entry you mean")
        else:
            problem = _type_problem(label, actual, "fiu")
            value = None if problem else float(actual.reshape(()))
    elif actual is None:
        problem = f"{label} is None: is it computed and returned?"
    elif isinstance(actual, (bool, np.bool_)):
        problem = f"{label} should be a number, got the boolean {actual}"
    elif isinstance(actual, numbers.Real):
        value = float(actual)
    else:
        problem = f"{label} should be a real number, got {type(actual).__name__}: {describe(actual)}"
    if problem is None and not np.isfinite(value):
        problem = f"{label} is {value}: an overflow in exp, a division by zero or a log of 0?"
    if problem is None:
        diff = abs(value - expected)
        err = diff / max(1e-8, abs(value) + abs(expected))
        if err > rtol and diff > atol:
            problem = f"{label} is {value:.8g}, expected {expected:.8g} (relative error {err:.1e})"
            if value and expected:
                ratio = value / expected
                problem += (": the sign is flipped" if abs(ratio + 1) < 1e-6
                            else f": {ratio:.4g}x the expected value")
    if problem:
        raise HintError(_finish(problem, hint)) from None


def _gradient_problem(name, analytic, numerical, inputs, input_name, tol, atol):
    subject = f"gradient `{name}`"
    if inputs is not None and np.shape(inputs) == numerical.shape:
        inputs = np.asarray(inputs, dtype=float)
    elif inputs is not None:
        raise ValueError(f"inputs must have the shape of the gradient {numerical.shape}, got {np.shape(inputs)}")
    err, problem = _array_problem(subject, name, analytic, numerical, numerical.shape, "f", tol, atol,
                                  ("analytic", "numerical"), inputs, input_name)
    if problem and 0 < err < 1e-3:
        problem += ("\nThe errors are small: with a correct formula this comes from float32 arithmetic "
                    "or from inputs within h of a kink.")
    return err, problem


def check_gradient(name, analytic, numerical, *, inputs=None, input_name=None, tol=1e-6, atol=1e-7,
                   hint=None):
    """Compare an analytic gradient (e.g. ``dx``) with a numerical one of the same shape.

    ``inputs`` (e.g. the x the layer saw, same shape) lets the message say whether the wrong
    entries are those where the input is negative, positive or near 0. The message also notes
    wrong rows or columns, a constant factor, a flipped sign and an all-zero gradient.
    Returns the largest relative error over entries off by more than ``atol``; raises HintError.
    """
    __tracebackhide__ = True
    numerical = require_float_array("numerical", numerical)
    input_name = input_name or (name[1:] if name.startswith("d") and len(name) > 1 else "x")
    err, problem = _gradient_problem(name, analytic, numerical, inputs, input_name, tol, atol)
    if problem:
        raise HintError(_finish(problem, hint)) from None
    return err


def _forward_problem(fname, result):
    if not (isinstance(result, tuple) and len(result) == 2):
        return f"`{fname}` should return a tuple (out, cache), got {describe(result)}"
    return _type_problem(f"the output `out` of `{fname}`", result[0], "f")


def check_backward(forward, backward, inputs, dout=None, *, grad_names=None, h=1e-5, tol=1e-6,
                   atol=1e-7, seed=0, kinks=None, hints=None):
    """Check ``backward`` against numerical gradients of the student's own ``forward``.

    - inputs: dict of keyword arguments for ``forward``; never modified (copies are used).
    - grad_names: inputs that ``backward`` returns gradients for, in its return order; default: the
      float arrays among ``inputs``. One name: backward returns ``dx``; several: a tuple.
    - dout: upstream gradient; default standard normal from ``np.random.default_rng(seed)``.
    - kinks: e.g. ``{'x': (0.0,)}``: those inputs are first moved away from the kink points.
    - hints: a likely cause printed on failure, one string or a dict keyed by gradient (``'dx'``).

    The numerical gradient of ``sum(out * dout)`` is taken by centered differences with step h.
    A NotImplementedError from an unfinished stub propagates unchanged.
    Returns ``{'dx': relative error, ...}``; raises HintError naming each wrong gradient.
    """
    __tracebackhide__ = True
    if not isinstance(inputs, dict):
        raise TypeError(f"inputs must be a dict of keyword arguments, got {describe(inputs)}")
    fname, bname = _fname(forward, "forward"), _fname(backward, "backward")
    inputs = copy.deepcopy(inputs)
    for key, points in (kinks or {}).items():
        inputs[key] = away_from_kinks(inputs[key], points, margin=max(1e-3, 100 * h))
    if grad_names is None:
        grad_names = [k for k, v in inputs.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    for key in grad_names:
        if isinstance(inputs.get(key), numbers.Real) and not isinstance(inputs[key], bool):
            inputs[key] = np.array(float(inputs[key]))
        require_float_array(f"inputs[{key!r}]", inputs.get(key))
    if not grad_names:
        raise ValueError("no gradient to check: pass grad_names or float-array inputs")
    labels = ["d" + k for k in grad_names]
    hints = {label: hints for label in labels} if isinstance(hints, str) else (hints or {})

    def run(**changed):
        args = copy.deepcopy(inputs)
        args.update(changed)
        return args, forward(**args)

    args, result = run()
    problem = _forward_problem(fname, result)
    for key, value in inputs.items():
        if not problem and isinstance(value, np.ndarray) and not np.array_equal(value, args[key], equal_nan=True):
            problem = (f"`{fname}` changed its input `{key}` in place. Compute into a new array "
                       f"(e.g. np.maximum(x, 0) or x.copy()) so the caller's `{key}` is left untouched.")
    if not problem:
        again = run()[1]
        if _forward_problem(fname, again) or not np.array_equal(result[0], again[0], equal_nan=True):
            problem = (f"`{fname}` gave different outputs for the same inputs: draw random numbers only "
                       "from the seed or rng it is given, so the pass can be repeated.")
    if problem:
        raise HintError(problem) from None
    out, cache = result
    rng = require_rng("seed", seed)
    dout = rng.standard_normal(out.shape) if dout is None else require_float_array("dout", dout, shape=out.shape)
    grads = backward(dout.copy(), cache)
    names = "(" + ", ".join(labels) + ")"
    if len(labels) == 1 and isinstance(grads, (tuple, list)):
        raise HintError(f"`{bname}` should return the gradient `{labels[0]}` itself, got a "
                        f"{type(grads).__name__} of {len(grads)} items.") from None
    if len(labels) > 1 and not (isinstance(grads, (tuple, list)) and len(grads) == len(labels)):
        got = f"{len(grads)} items" if isinstance(grads, (tuple, list)) else describe(grads)
        raise HintError(f"`{bname}` should return a tuple of {len(labels)} gradients {names} in this "
                        f"order, got {got}.") from None
    grads = [grads] if len(labels) == 1 else list(grads)
    errors, problems = {}, {}
    for i, (key, label) in enumerate(zip(grad_names, labels)):
        if inputs[key].ndim == 0 and isinstance(grads[i], numbers.Real) and not isinstance(grads[i], bool):
            grads[i] = np.array(float(grads[i]))
        elif inputs[key].ndim == 0 and isinstance(grads[i], np.ndarray) and grads[i].size == 1:
            grads[i] = grads[i].reshape(())
        problem = _type_problem(f"gradient `{label}`", grads[i], "f")
        if not problem:
            problem = _shape_problem(f"gradient `{label}`", grads[i].shape, inputs[key].shape)
            problem = problem and f"{problem}, the shape of `{key}`"
        if problem:
            errors[label], problems[label] = np.inf, problem
            continue
        numerical = eval_numerical_gradient_array(lambda v, key=key: run(**{key: v.copy()})[1][0],
                                                  inputs[key].copy(), dout, h=h)
        errors[label], problems[label] = _gradient_problem(label, grads[i], numerical, inputs[key], key, tol, atol)
    failed = [label for label in labels if problems[label]]
    if not failed:
        return errors
    notes = _dout_notes(run, backward, dout, grads, labels, failed)
    parts = [_finish(problems[lb] + ("\n" + notes[lb] if lb in notes else ""), hints.get(lb)) for lb in failed]
    raise HintError(f"`{bname}` disagrees with the numerical gradient of `{fname}` (centered differences, "
                    f"h={h:g}, random upstream gradient `dout` of shape {dout.shape}):\n\n"
                    + "\n\n".join(parts)) from None


def _dout_notes(run, backward, dout, grads, labels, failed):
    """Likely causes found by calling backward again: dout ignored, or dx equal to dout."""
    notes = {}
    try:
        again = backward(2 * dout, run()[1][1])
        again = [again] if len(labels) == 1 else list(again)
    except Exception:  # a diagnosis only: never replace the real failure
        return notes
    for label, g, g2 in zip(labels, grads, again):
        if label not in failed or not isinstance(g, np.ndarray) or not np.isfinite(g).all():
            continue
        if isinstance(g2, np.ndarray) and g2.shape == g.shape and np.any(g) and np.allclose(g2, g):
            notes[label] = (f"`{label}` stays the same when `dout` is doubled: multiply by the upstream "
                            "gradient `dout` (chain rule).")
        elif g.shape == dout.shape and np.allclose(g, dout):
            notes[label] = f"`{label}` equals `dout`: the local derivative of the layer is missing."
    return notes


def _describe_call(fname, args, kwargs):
    short = [f"array of shape {a.shape}" if isinstance(a, np.ndarray) else describe(a) for a in args]
    short += [f"{k}={describe(v)}" for k, v in kwargs.items()]
    return f"`{fname}({', '.join(short)})`"


def check_raises(exc_types, func, *args, must_mention=None, what=None, **kwargs):
    """Check ``func(*args, **kwargs)`` raises one of ``exc_types`` whose message contains every
    string in ``must_mention``. ``what`` names the bad input for the message (e.g. ``'p=1.5'``).
    A NotImplementedError propagates unchanged unless asked for. Returns the exception."""
    __tracebackhide__ = True
    types = exc_types if isinstance(exc_types, tuple) else (exc_types,)
    want = " or ".join(f"a {t.__name__}" for t in types)
    fname = _fname(func, "the function")
    head = (f"`{fname}` should refuse {what}" if what else f"{_describe_call(fname, args, kwargs)} should fail")
    advice = (f"Check the argument at the start of `{fname}` and raise {want} whose message names it.")
    try:
        result = func(*args, **kwargs)
    except Exception as exc:
        if isinstance(exc, NotImplementedError) and NotImplementedError not in types:
            raise
        if not isinstance(exc, types):
            raise HintError(f"{head} with {want}; it raised {type(exc).__name__} instead "
                            f"({exc}). {advice}") from None
        mention = [must_mention] if isinstance(must_mention, str) else list(must_mention or [])
        missing = [m for m in mention if m not in str(exc)]
        if missing:
            raise HintError(f"`{fname}` raised {type(exc).__name__} as it should, but its message "
                            f"{str(exc)!r} does not mention {', '.join(repr(m) for m in missing)}: "
                            "say what is wrong so the caller knows what to fix.") from None
        return exc
    raise HintError(f"{head} with {want}; it returned normally, with {describe(result)}. {advice}")


_FPE_VERBS = {"overflow": "overflowed", "divide by zero": "divided by zero",
              "invalid value": "produced an invalid value (NaN)", "underflow": "underflowed"}


@contextlib.contextmanager
def no_warnings(what="the code", hint=None, where=""):
    """Context manager: numpy overflow, division by zero, invalid values (underflow to 0 is fine)
    and any warning other than a deprecation raise a HintError: ``what`` (the subject), the
    problem, ``where`` (e.g. " for inputs of magnitude 1000"), then ``hint`` or general advice.
    In a test cell this replaces output on stderr by a message naming the problem."""
    __tracebackhide__ = True
    advice = hint or "find the step that produces it and rewrite it in a numerically stable form."
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                yield
        except FloatingPointError as exc:
            kind, _, where = str(exc).partition(" encountered in ")
            text = f"{_FPE_VERBS.get(kind, kind)}" + (f" in {where}" if where else "")
            raise HintError(f"{what} {text}{where}. It must run without warnings: {advice}") from None
    caught = [w for w in caught if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))]
    if caught:
        raise HintError(f"{what} issued a {caught[0].category.__name__} ({caught[0].message}){where}. "
                        f"It must run without warnings: {advice}")


def check_no_warnings(func, *args, what=None, hint=None, **kwargs):
    """Call ``func(*args, **kwargs)`` inside :func:`no_warnings` and return its result; the message
    names the function and the largest input magnitude (``what`` overrides the description)."""
    __tracebackhide__ = True
    where = ""
    if what is None:
        values = [np.abs(np.asarray(v, dtype=float)).max() for v in list(args) + list(kwargs.values())
                  if (isinstance(v, np.ndarray) and v.size and v.dtype.kind in "fiu")
                  or (isinstance(v, numbers.Real) and not isinstance(v, bool))]
        what = f"`{_fname(func, 'the function')}`"
        where = f" for inputs of magnitude up to {max(values):.3g}" if values else ""
    with no_warnings(what, hint, where):
        return func(*args, **kwargs)


def away_from_kinks(x, kinks=(0.0,), margin=1e-3):
    """A copy of float array ``x`` with every entry closer than ``margin`` to a kink point moved to
    distance ``margin`` on its own side, so centered differences never straddle a kink."""
    x = require_float_array("x", x).copy()
    margin = require_number("margin", margin, low=0, low_open=True)
    points = sorted(require_number("kinks", k) for k in kinks)
    if any(b - a < 2 * margin for a, b in zip(points, points[1:])):
        raise ValueError(f"kinks must be at least 2 * margin = {2 * margin:g} apart, got {points}")
    for k in points:
        d = x - k
        near = np.abs(d) < margin
        x[near] = k + np.where(d[near] >= 0, margin, -margin)
    return x
