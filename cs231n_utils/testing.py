"""Checks for notebook test cells: a failure says what is wrong in words a student can act on.

Every check raises :class:`HintError` (an AssertionError) with a self-contained plain-text message:
which output or gradient, how far off, at how many entries, for which inputs, a likely cause.
Layers follow ``forward(**inputs) -> (out, cache)``, ``backward(dout, cache) -> dx or (dx, dw, ...)``.
An entry ``a`` matches reference ``b`` when ``|a - b| <= max(rtol * (|a| + |b|), atol)`` (the
symmetric relative error of ``gradient_check.rel_error``, or round-off near 0); reported errors are
``|a - b| / max(|a| + |b|, atol / rtol)``, at most ``rtol`` exactly when a check passes. Where an
array is expected only a real numpy array passes: not a list, nor an object that equals anything.
"""
from __future__ import annotations

import contextlib
import copy
import linecache
import numbers
import traceback
import warnings

import numpy as np

from .gradient_check import eval_numerical_gradient_array
from .validation import describe, require_array, require_float_array, require_number, require_rng

__all__ = ["HintError", "check_array", "check_scalar", "check_gradient", "check_backward",
           "check_raises", "no_warnings", "check_no_warnings", "away_from_kinks", "checked_call",
           "passed"]

_SHOW = 5  # offending entries listed in a message
_KINDS = {"f": "floating-point numbers", "i": "integers", "u": "unsigned integers", "b": "booleans",
          "c": "complex numbers", "O": "Python objects"}
_CAUSES = {"i": "Integers drop fractions: made with dtype=int, from integer literals or by astype(int)?",
           "b": "A comparison such as x > 0 gives booleans: multiply it by the values you meant.",
           "c": "Complex values come from a square root or power of a negative number.",
           "O": "Object arrays come from a list holding None or arrays of different shapes."}
_CAUSES["u"] = _CAUSES["i"]
_GRAD_WORDS = ("analytic", "numerical", "numerical gradient")
_FPE_VERBS = {"overflow": "overflowed", "divide by zero": "divided by zero",
              "invalid value": "produced an invalid value (NaN)", "underflow": "underflowed"}


class HintError(AssertionError):
    """A failed check; the message says what is wrong and, where known, a likely cause.

    In a notebook it is shown as the message and the test line, not as a traceback: the frames of
    the checks are no help to a student, and they would push the message off the screen."""

    def _render_traceback_(self):
        # IPython calls this instead of formatting the traceback when an exception defines it.
        lines = [f"{type(self).__name__}: {self}"]
        where = _test_line(self.__traceback__)
        return lines + (["", where] if where else [])


def _is_cell(filename):
    """Is ``filename`` the code of a notebook cell (ipykernel's or IPython's name for it)?"""
    return "ipykernel_" in filename or filename.startswith("<ipython-input-")


def _test_line(tb):
    """``at line N of this test cell: <code>`` for the outermost notebook-cell frame of ``tb``."""
    cells = [f for f in traceback.extract_tb(tb) if _is_cell(f.filename)]
    if not cells:
        return ""
    frame = cells[0]
    # the whole line, never shortened: the grader hides a hidden test's line from feedback by its text
    code = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    return f"at line {frame.lineno} of this test cell: {code}"


def passed(test):
    """Print the line a test cell ends with when every check in it passed: ``✓ test_relu passed``.
    Returns None, so the cell shows no value (nbgrader would read a float as partial credit)."""
    if not isinstance(test, str) or not test:
        raise TypeError(f"test should be the test cell's name, e.g. 'test_relu', got {test!r}")
    print(f"\u2713 {test} passed")


def _idx(name, ix):
    return f"{name}[{', '.join(str(int(i)) for i in ix)}]" if len(ix) else name


def _finish(problem, hint):
    return problem + (f"\nLikely cause: {hint}" if hint else "")


def _fname(func, default):
    name = getattr(func, "__name__", None)
    return f"`{name}`" if name and name != "<lambda>" else default


def _type_problem(label, value, kinds):
    """Why ``value`` is not a numpy array of a dtype kind in ``kinds``, or None."""
    if value is None:
        return f"{label} is None: is it computed and returned?"
    if not isinstance(value, np.ndarray):
        got = f"a {type(value).__name__} of {len(value)} items" if isinstance(value, (tuple, list)) \
            else f"{type(value).__name__}: {describe(value)}"
        return f"{label} should be a numpy array, got {got}"
    if kinds and value.dtype.kind not in kinds:
        want = " or ".join(_KINDS[k] for k in kinds)
        cause = _CAUSES.get(value.dtype.kind, "") if "f" in kinds else ""
        got = _KINDS.get(value.dtype.kind, "")
        return f"{label} has dtype {value.dtype} ({got}), expected {want}. {cause}".rstrip()
    return None


def _shape_problem(label, actual, shape):
    if shape is None or (len(shape) == len(actual)
                         and all(s is None or s == a for s, a in zip(shape, actual))):
        return None
    want = str(tuple(shape)).replace("None", "*")
    text = f"{label} has shape {actual}, expected {want}"
    if None in shape or np.prod(shape) != np.prod(actual):
        return text
    if len(shape) == 2 and tuple(reversed(shape)) == tuple(actual):
        return text + ": transposed?"
    if [s for s in shape if s != 1] == [a for a in actual if a != 1]:
        return text + ": only a size-1 axis differs (keepdims=True, or a missing reshape?)"
    return text + ": the right number of entries in another arrangement (a missing reshape?)"


def _nonfinite_problem(label, name, a, expected=None):
    bad = ~np.isfinite(a) if expected is None else ~np.isfinite(a) & np.isfinite(expected)
    if not bad.any():
        return None
    nan, inf = int(np.isnan(a[bad]).sum()), int(np.isinf(a[bad]).sum())
    counts = " and ".join(t for t in (nan and f"{nan} NaN", inf and f"{inf} infinite") if t)
    return (f"{label} has {counts} entries (of {a.size}), e.g. at {_idx(name, np.argwhere(bad)[0])}: "
            "an overflow in exp, a division by zero or a log of 0?")


def _patterns(name, a, b, bad, ref, inputs=None, input_name="x"):
    """Sentences saying how and where ``a`` differs from reference ``b`` (``bad``: wrong entries)."""
    notes, nb = [], int(bad.sum())
    if not np.any(a) and np.any(b):
        return [f"`{name}` is all zeros: still a placeholder, or computed but never stored?"]
    bb = float(np.sum(b * b))
    c = float(np.sum(a * b)) / bb if bb > 0 else 0.0
    if c and abs(c - 1) > 1e-3 and np.all(np.abs(a - c * b) <= 1e-3 * np.abs(a) + 1e-9):
        if abs(c + 1) < 1e-3:
            notes.append(f"`{name}` is minus the {ref} everywhere: a sign flipped?")
        else:
            factor = f"{c:.2f}" if 1e-2 <= abs(c) < 1e2 else f"{c:.3g}"
            notes.append(f"`{name}` is {factor}x the {ref} everywhere: a missing or extra factor "
                         "(such as 1/N, 2 or a scale)?")
    if not 0 < nb < bad.size:
        return notes
    if inputs is not None:
        regions = ((f"|{input_name}| <= 1e-4", np.abs(inputs) <= 1e-4, " (a kink, where the numerical "
                    "gradient is unreliable?)"), (f"{input_name} < 0", inputs < 0, ""),
                   (f"{input_name} > 0", inputs > 0, ""))
        for text, mask, cause in regions:
            if mask.any() and not mask.all() and not (bad & ~mask).any():
                k, m = int((bad & mask).sum()), int(mask.sum())
                which = f"exactly where `{text}` (all {m} such entries)" if k == m else \
                    f"only where `{text}` ({k} of the {m} such entries)"
                return notes + [f"wrong {which}{cause}."]
    if nb == 1:
        return notes + [f"only one entry is wrong, {_idx(name, np.argwhere(bad)[0])}."]
    for axis, n in enumerate(a.shape if a.ndim >= 2 else ()):
        hit = np.unique(np.nonzero(bad)[axis])
        if n < 2 or len(hit) == n:
            continue
        word = ("row", "column")[axis] if a.ndim == 2 else f"index along axis {axis}"
        where = (f"{word}{'s' if len(hit) > 1 else ''} {', '.join(map(str, hit))}" if len(hit) <= 6
                 else f"{len(hit)} of the {n} {word}s")
        full = " (every entry there)" if np.take(bad, hit, axis=axis).all() else ""
        notes.append(f"wrong only in {where}{full}.")
    return notes


def _close(a, b, rtol, atol):
    """Per entry: does ``a`` match ``b`` (both float arrays), as in the module docstring?"""
    with np.errstate(invalid="ignore", over="ignore"):
        scale = np.abs(a) + np.abs(b)
        return (a == b) | (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= np.maximum(rtol * scale, atol))


def _show(v):
    return str(bool(v)) if isinstance(v, np.bool_) else f"{v:.6g}"


def _value_problem(subject, name, a, b, rtol, atol, words, inputs=None, input_name="x", raw=None):
    """(reported error, message or None) for array ``a`` against reference ``b`` of one shape."""
    bad = ~_close(a, b, rtol, atol)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - b)
        err = diff / np.maximum(np.abs(a) + np.abs(b), max(1e-8, atol / rtol) if rtol > 0 else 1e-8)
    err = np.where(bad, np.nan_to_num(err, nan=np.inf), np.where(np.isfinite(err), err, 0.0))
    worst = float(err.max()) if err.size else 0.0
    if not bad.any():
        return worst, None
    nb = int(bad.sum())
    lines = [f"{subject} is wrong at {nb} of {a.size} entr{'y' if a.size == 1 else 'ies'} (max relative "
             f"error {worst:.1e}, largest difference {np.max(diff[bad]):.3g}; tolerance {rtol:g})."]
    for ix in map(tuple, np.argwhere(bad)[:_SHOW]):
        at = f"   ({_idx(input_name, ix)} = {inputs[ix]:.6g})" if inputs is not None else ""
        got = _show(raw[0][ix]) if raw is not None else _show(a[ix])
        want = _show(raw[1][ix]) if raw is not None else _show(b[ix])
        lines.append(f"  {_idx(name, ix)}: {words[0]} {got}, {words[1]} {want}{at}")
    if nb > _SHOW:
        lines.append(f"  ... and {nb - _SHOW} more")
    lines += ["Pattern: " + note for note in _patterns(name, a, b, bad, words[2], inputs, input_name)]
    if worst < 1e-3 and words is _GRAD_WORDS:
        lines.append("The errors are small: with a correct formula they come from float32 arithmetic "
                     "or from inputs within h of a kink.")
    return worst, "\n".join(lines)


def _array_problem(subject, name, actual, expected, shape, kinds, rtol, atol, words, inputs, input_name):
    problem = _type_problem(subject, actual, kinds) or _shape_problem(subject, actual.shape, shape)
    if not problem:
        raw = (np.asarray(actual), expected)  # a plain ndarray: subclasses cannot override math
        actual = raw[0].astype(float)
        expected = None if expected is None else expected.astype(float)
        problem = _nonfinite_problem(subject, name, actual, expected)
    if problem or expected is None:
        return (np.inf if problem else 0.0), problem
    if inputs is not None and np.shape(inputs) != expected.shape:
        raise ValueError(f"inputs must have shape {expected.shape}, got {np.shape(inputs)}")
    inputs = None if inputs is None else np.asarray(inputs, dtype=float)
    return _value_problem(subject, name, actual, expected, rtol, atol, words, inputs, input_name, raw)


def _known_mistakes(actual, mistakes, rtol, atol):
    """Lines naming each mistake in ``mistakes`` ({description: the value it gives}) that
    ``actual`` reproduces."""
    if not (mistakes and isinstance(actual, (np.ndarray, numbers.Real))
            and np.asarray(actual).dtype.kind in "fiub"):
        return ""
    a = np.asarray(actual, dtype=float)
    found = [text for text, value in mistakes.items() if np.shape(value) == a.shape
             and _close(a, np.asarray(value, dtype=float), max(rtol, 1e-6), max(atol, 1e-12)).all()]
    return "".join(f"\nIt matches a known mistake: {text}." for text in found)


def check_array(name, actual, expected=None, *, shape=None, dtype_kind="f", rtol=1e-7, atol=1e-12,
                inputs=None, input_name="x", mistakes=None, hint=None):
    """Check ``actual`` is a numpy array of the right dtype kind, shape, and values if given.

    ``expected`` fixes the shape too; ``shape`` is a tuple where None matches any size;
    ``dtype_kind`` holds numpy kind letters ('f' float, 'iu' integer); ``inputs`` (named
    ``input_name``, shape of expected) lets the message say for which inputs the output is wrong;
    ``mistakes`` maps a description of a classic mistake to the value it would give; ``hint`` is a
    likely cause. Both are printed on failure. Returns None; raises HintError."""
    __tracebackhide__ = True
    rtol, atol = require_number("rtol", rtol, low=0), require_number("atol", atol, low=0)
    if expected is not None:
        expected = np.asarray(expected)
        require_array("expected", expected, dtype_kind="fiub")
        shape = expected.shape if shape is None else shape
    problem = _array_problem(f"`{name}`", name, actual, expected, shape, dtype_kind, rtol, atol,
                             ("got", "expected", "expected values"), inputs, input_name)[1]
    if problem:
        problem += _known_mistakes(actual, mistakes, rtol, atol)
        raise HintError(_finish(problem, hint)) from None


def check_scalar(name, actual, expected, *, rtol=1e-7, atol=1e-12, mistakes=None, hint=None):
    """Check ``actual`` is one real number (int, float, or numpy array of size 1) close to
    ``expected``. Booleans, None, complex numbers and larger arrays are refused. ``mistakes`` and
    ``hint`` as in :func:`check_array`. Raises HintError."""
    __tracebackhide__ = True
    expected, label, problem = float(require_number("expected", expected)), f"`{name}`", None
    if isinstance(actual, np.ndarray) and actual.size != 1:
        problem = (f"{label} should be one number, got an array of shape {actual.shape}: "
                   "reduce it (np.sum, np.mean?) or pick the entry you mean")
    elif isinstance(actual, np.ndarray):
        problem = _type_problem(label, actual, "fiu")
    elif isinstance(actual, (bool, np.bool_)):
        problem = f"{label} should be a number, got the boolean {actual}"
    elif not isinstance(actual, numbers.Real):
        problem = _type_problem(label, actual, "fiu").replace("a numpy array", "a real number")
    if problem is None:
        value = float(np.asarray(actual).reshape(()))
        diff = abs(value - expected)
        if not np.isfinite(value):
            problem = f"{label} is {value}: an overflow in exp, a division by zero or a log of 0?"
        elif diff > max(rtol * (abs(value) + abs(expected)), atol):
            err = diff / max(1e-8, abs(value) + abs(expected))
            problem = f"{label} is {value:.8g}, expected {expected:.8g} (relative error {err:.1e})"
            if value and expected:
                ratio = value / expected
                problem += ": sign flipped?" if abs(ratio + 1) < 1e-6 else f": {ratio:.4g}x expected"
            problem += _known_mistakes(value, mistakes, rtol, atol)
    if problem:
        raise HintError(_finish(problem, hint)) from None


def check_gradient(name, analytic, numerical, *, inputs=None, input_name=None, tol=1e-6, atol=1e-7,
                   hint=None):
    """Compare an analytic gradient (e.g. ``dx``) with a numerical one of the same shape.

    ``inputs`` (the array it is the gradient for, e.g. x) lets the message say whether the wrong
    entries are where it is negative, positive or near 0; it also notes wrong rows or columns, a
    constant factor, a flipped sign, an all-zero gradient. Returns None; raises HintError."""
    __tracebackhide__ = True
    numerical = require_float_array("numerical", numerical)
    tol = require_number("tol", tol, low=0, low_open=True)
    input_name = input_name or (name[1:] if name.startswith("d") and len(name) > 1 else "x")
    _, problem = _array_problem(f"gradient `{name}`", name, analytic, numerical, numerical.shape, "f",
                                  tol, atol, _GRAD_WORDS, inputs, input_name)
    if problem:
        raise HintError(_finish(problem, hint)) from None


def check_backward(forward, backward, inputs, dout=None, *, grad_names=None, h=1e-5, tol=1e-6,
                   atol=1e-7, seed=0, kinks=None, hints=None):
    """Check ``backward`` against the numerical gradient of the student's own ``forward``.

    - inputs: dict of keyword arguments of ``forward``; never modified (copies are used).
    - grad_names: the inputs ``backward`` returns gradients for, in its order (default: the float
      arrays in ``inputs``). One name: backward returns ``dx``; several: a tuple.
    - dout: upstream gradient; default standard normal from ``np.random.default_rng(seed)``.
    - kinks: e.g. ``{'x': (0.0,)}``: those inputs are first moved away from the kink points.
    - hints: likely cause printed on failure: one string, or a dict keyed by gradient (``'dx'``).
    Numerical gradients of ``sum(out * dout)`` are centered differences with step h. A stub's
    NotImplementedError propagates. Returns None; raises HintError.
    """
    __tracebackhide__ = True
    inputs, grad_names = _backward_inputs(inputs, grad_names, kinks, h)
    fname, bname = _fname(forward, "the forward function"), _fname(backward, "the backward function")
    labels = ["d" + k for k in grad_names]
    hints = dict.fromkeys(labels, hints) if isinstance(hints, str) else (hints or {})
    run = _forward_runner(forward, inputs, fname)
    out, cache = _first_forward_pass(run, inputs, fname)
    dout = (require_rng("seed", seed).standard_normal(out.shape) if dout is None
            else require_float_array("dout", dout, shape=out.shape))
    # a copy: a backward that scales dout in place must not change the dout we differentiate with
    grads = _returned_gradients(backward(dout.copy(), cache), labels, bname)
    grads = [_scalar_gradient_as_0d(g, inputs[key]) for g, key in zip(grads, grad_names)]
    problems = {label: _gradient_problem(run, key, label, grad, inputs[key], dout, h, tol, atol)[1]
                for key, label, grad in zip(grad_names, labels, grads)}
    failed = [label for label in labels if problems[label]]
    if not failed:
        return None
    # a fresh cache: backward may have written into the first one
    notes = _dout_notes(lambda: run()[1][1], backward, dout, grads, labels, failed)
    parts = [_finish(problems[lb] + notes.get(lb, ""), hints.get(lb)) for lb in failed]
    raise HintError(f"{bname} disagrees with the numerical gradient of {fname} (centered differences, "
                    f"h={h:g}, upstream gradient `dout` of shape {dout.shape}):\n\n"
                    + "\n\n".join(parts))


def _backward_inputs(inputs, grad_names, kinks, h):
    """A private copy of ``inputs`` and the names of those to check, each now a float array."""
    __tracebackhide__ = True  # pytest and IPython skip this frame: the message is what matters
    if not isinstance(inputs, dict):
        raise TypeError(f"inputs must be a dict of keyword arguments, got {describe(inputs)}")
    inputs = copy.deepcopy(inputs)
    # a centered difference across a kink averages two slopes: keep entries well over h away
    for key, points in (kinks or {}).items():
        inputs[key] = away_from_kinks(inputs[key], points, margin=max(1e-3, 100 * h))
    if grad_names is None:
        grad_names = [k for k, v in inputs.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    for key in grad_names:
        # a 0-d array, so that a scalar parameter such as alpha=0.25 can be nudged in place
        if isinstance(inputs.get(key), numbers.Real) and not isinstance(inputs[key], bool):
            inputs[key] = np.array(float(inputs[key]))
        require_float_array(f"inputs[{key!r}]", inputs.get(key))
    if not grad_names:
        raise ValueError("no gradient to check: pass grad_names, or float arrays in inputs")
    return inputs, grad_names


def _forward_runner(forward, inputs, fname):
    """``run(**changed) -> (args, (out, cache))``: ``forward`` on a fresh copy of ``inputs``, with
    ``changed`` replacing some. Each pass gets its own copy because a forward may write into its
    arguments (a running mean in bn_param), and the next pass must start from the same state."""

    def run(**changed):
        args = copy.deepcopy(inputs)
        args.update(changed)
        result = forward(**args)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise HintError(f"{fname} should return a tuple (out, cache), got {describe(result)}.")
        problem = _type_problem(f"the output `out` of {fname}", result[0], "f")
        if problem:
            raise HintError(problem)
        return args, result

    return run


def _first_forward_pass(run, inputs, fname):
    """``(out, cache)`` of a first pass, once it is clear that the numerical gradient, which reruns
    the forward pass, can trust it: the pass must leave its inputs alone and be repeatable."""
    __tracebackhide__ = True
    args, (out, cache) = run()
    for key, value in inputs.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, args[key], equal_nan=True):
            raise HintError(f"{fname} changed its input `{key}` in place. Compute into a new array "
                            f"(e.g. np.maximum(x, 0) or x.copy()) and leave the caller's `{key}` alone.")
    if not np.array_equal(out, run()[1][0], equal_nan=True):
        raise HintError(f"{fname} gave different outputs for the same inputs: draw random numbers only "
                        "from the seed or rng it is given, so that a pass can be repeated.")
    return out, cache


def _returned_gradients(grads, labels, bname):
    """What ``backward`` returned as a list of one gradient per label; refuses a wrong count early
    because zipping would silently drop or misalign gradients."""
    __tracebackhide__ = True
    several = isinstance(grads, (tuple, list))
    if len(labels) == 1 and several:
        raise HintError(f"{bname} should return the gradient `{labels[0]}` itself, got a "
                        f"{type(grads).__name__} of {len(grads)} items.")
    if len(labels) > 1 and not (several and len(grads) == len(labels)):
        got = f"{len(grads)} items" if several else describe(grads)
        raise HintError(f"{bname} should return a tuple of {len(labels)} gradients "
                        f"({', '.join(labels)}) in this order, got {got}.")
    return [grads] if len(labels) == 1 else list(grads)


def _scalar_gradient_as_0d(grad, value):
    """A scalar parameter (``value`` 0-d) may fairly get a float or size-1 gradient: made 0-d, it
    passes the shape check."""
    if value.ndim == 0 and isinstance(grad, (numbers.Real, np.ndarray)) and np.size(grad) == 1 \
            and not isinstance(grad, bool):
        return np.asarray(grad).reshape(())
    return grad


def _gradient_problem(run, key, label, grad, value, dout, h, tol, atol):
    """(error, message or None) for gradient ``grad`` of input ``key`` (now ``value``) against the
    numerical gradient, which is not computed for a gradient of the wrong type or shape."""
    __tracebackhide__ = True
    subject = f"gradient `{label}`"
    problem = _type_problem(subject, grad, "f") or _shape_problem(subject, grad.shape, value.shape)
    if problem:
        # name the input: with several gradients, a wrong shape often means a wrong order
        return np.inf, problem.replace(", expected (", f", expected `{key}`'s (")
    # v.copy(): a forward that writes into its argument must not disturb the array being nudged
    numerical = eval_numerical_gradient_array(lambda v: run(**{key: v.copy()})[1][0], value.copy(),
                                              dout, h=h)
    return _array_problem(subject, label, grad, numerical, numerical.shape, "f", tol, atol,
                          _GRAD_WORDS, value, key)


def _dout_notes(new_cache, backward, dout, grads, labels, failed):
    """Causes found by calling backward again with 2 * dout: dout ignored, or dx equal to dout."""
    try:
        again = backward(2 * dout, new_cache())
        again = [again] if len(labels) == 1 else list(again)
    except Exception:  # a diagnosis only: never hide the real failure
        return {}
    notes = {}
    for label, g, g2 in zip(labels, grads, again):
        if label not in failed or not (isinstance(g, np.ndarray) and np.isfinite(g).all()):
            continue
        if isinstance(g2, np.ndarray) and g2.shape == g.shape and np.any(g) and np.allclose(g2, g):
            notes[label] = f"\n`{label}` stays the same when `dout` doubles: multiply by `dout`."
        elif g.shape == dout.shape and np.allclose(g, dout):
            notes[label] = f"\n`{label}` equals `dout`: the local derivative of the layer is missing."
    return notes


def check_raises(exc_types, func, *args, must_mention=None, what=None, **kwargs):
    """Check ``func(*args, **kwargs)`` raises one of ``exc_types`` with a message containing each
    string in ``must_mention`` (one string or a list). ``what`` names the bad input for the message
    (e.g. ``'p=1.5'``). A NotImplementedError propagates unless asked for. Returns None."""
    __tracebackhide__ = True
    types = exc_types if isinstance(exc_types, tuple) else (exc_types,)
    want = " or ".join(f"a {t.__name__}" for t in types)
    fname = _fname(func, "the function")
    shown = [f"array of shape {a.shape}" if isinstance(a, np.ndarray) else describe(a) for a in args]
    shown += [f"{k}={describe(v)}" for k, v in kwargs.items()]
    call = f"`{fname[1:-1]}({', '.join(shown)})`" if fname[0] == "`" else f"{fname} called with ({', '.join(shown)})"
    head = f"{fname} should refuse {what}" if what else f"{call} should fail"
    advice = f"Check the argument at the start of {fname} and raise {want} whose message names it."
    try:
        result = func(*args, **kwargs)
    except Exception as exc:
        if isinstance(exc, NotImplementedError) and NotImplementedError not in types:
            raise
        if not isinstance(exc, types):
            raise HintError(f"{head} with {want}; it raised {type(exc).__name__} ({exc}) instead. "
                            f"{advice}") from None
        mention = [must_mention] if isinstance(must_mention, str) else list(must_mention or [])
        missing = [repr(m) for m in mention if m not in str(exc)]
        if missing:
            raise HintError(f"{fname} raised {type(exc).__name__} as it should, but its message "
                            f"{str(exc)!r} does not mention {', '.join(missing)}: say what is "
                            "wrong.") from None
        return None
    raise HintError(f"{head} with {want}; it returned normally, with {describe(result)}. {advice}")


@contextlib.contextmanager
def no_warnings(what="the code", hint=None, where=""):
    """Context manager turning numpy overflow, division by zero and invalid values (underflow to 0
    is fine), and any warning but a deprecation, into a HintError: ``what`` (the subject), the
    problem, ``where`` (e.g. ``' for inputs of magnitude 1000'``), then ``hint`` or general advice.
    A test cell then fails with a message instead of writing to stderr."""
    __tracebackhide__ = True
    advice = hint or "find the step that produces it and rewrite it in a numerically stable form."
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                yield
        except FloatingPointError as exc:
            kind, _, op = str(exc).partition(" encountered in ")
            problem = _FPE_VERBS.get(kind, kind) + (f" in {op}" if op else "")
            raise HintError(f"{what} {problem}{where}. It must run without warnings: {advice}") from None
    caught = [w for w in caught if not issubclass(w.category, DeprecationWarning)]
    if caught:
        raise HintError(f"{what} issued a {caught[0].category.__name__} ({caught[0].message}){where}. "
                        f"It must run without warnings: {advice}")


def check_no_warnings(func, *args, what=None, hint=None, **kwargs):
    """Call ``func(*args, **kwargs)`` under :func:`no_warnings` and return its result. The message
    names the function and the largest input magnitude, or says ``what`` if given. A name may
    come first instead: ``check_no_warnings("sigmoid(1000)", sigmoid_forward, x)``."""
    __tracebackhide__ = True
    if isinstance(func, str) and args and callable(args[0]):
        what, func, args = f"`{func}`", args[0], args[1:]
    where = ""
    if what is None:
        sizes = [np.max(np.abs(np.asarray(v, dtype=float))) for v in args + tuple(kwargs.values())
                 if (isinstance(v, np.ndarray) and v.size and v.dtype.kind in "fiu")
                 or (isinstance(v, numbers.Real) and not isinstance(v, bool))]
        what = _fname(func, "the function")
        where = f" for inputs of magnitude up to {max(sizes):.3g}" if sizes else ""
    with no_warnings(what, hint, where):
        return func(*args, **kwargs)


def away_from_kinks(x, kinks=(0.0,), margin=1e-3):
    """A copy of float array ``x`` whose entries closer than ``margin`` to a kink point are moved to
    distance ``margin`` on their own side, so centered differences never straddle a kink."""
    x = require_float_array("x", x).copy()
    margin = require_number("margin", margin, low=0, low_open=True)
    points = sorted(require_number("kinks", k) for k in kinks)
    if any(b - a < 2 * margin for a, b in zip(points, points[1:])):
        raise ValueError(f"kinks must be at least 2 * margin = {2 * margin:g} apart, got {points}")
    for k in points:
        near = np.abs(x - k) < margin
        x[near] = k + np.where(x[near] >= k, margin, -margin)
    return x


def _same(a, b):
    """Are a and b (arrays, numbers, or tuples, lists and dicts of them) equal, entry by entry?"""
    if isinstance(a, (tuple, list, dict)) or isinstance(b, (tuple, list, dict)):
        if type(a) is not type(b) or len(a) != len(b):
            return False
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
        return all(_same(u, v) for u, v in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and bool(np.all((a == b) | ((a != a) & (b != b)))))
    return a is b or a == b


def checked_call(func, **kwargs):
    """``func(**kwargs)``; then every argument must be as it was before the call: a HintError
    names the argument changed in place (``cache`` is called "its cache")."""
    __tracebackhide__ = True
    before = copy.deepcopy(kwargs)
    result = func(**kwargs)
    for name, value in kwargs.items():
        if not _same(value, before[name]):
            what = "its cache" if name == "cache" else f"the caller's `{name}`"
            raise HintError(f"{_fname(func, 'the function')} changed {what} in place. The caller "
                            "still needs it (and a cache may be used twice): compute into a new array (np.where, "
                            f"x * mask, .copy()) and leave `{name}` as it was.")
    return result
