"""The trusted tests' pipe on its own: a function server in a thread (as in a student's kernel),
the trusted side calling through proxies. Plain data only, in-place changes kept, callbacks, kept
objects, errors and warnings as the student's code raised them, and hostile answers refused."""
import io
import pickle
import struct
import warnings

import numpy as np
import pytest

from autograder import function_server, trusted, wire


class _Shell:
    def __init__(self, namespace):
        self.user_ns = namespace


@pytest.fixture
def serve(tmp_path):
    """serve(namespace) -> a Session to a function server answering from ``namespace``."""
    sessions = []

    def start(namespace):
        path = str(tmp_path / f"f{len(sessions)}.sock")
        function_server.serve_in_background(path, _Shell(namespace))
        for _ in range(100):
            try:
                session = trusted.Session(path)
                break
            except trusted.Unreachable:
                import time
                time.sleep(0.02)
        session.deadline = None
        sessions.append(session)
        return session

    yield start
    for s in sessions:
        s.close()


def _numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
        it.iternext()
    return grad


def test_arrays_numbers_and_containers_cross_as_they_are(serve):
    session = serve({"echo": lambda *a, **k: (a, k)})
    echo = trusted.Proxy(session, "echo")
    value = (np.arange(6.0).reshape(2, 3), 3, 2.5, float("nan"), "text", None, True, [1, {"k": np.int64(7)}],
             complex(1, 2), np.float32(1.5))
    args, kwargs = echo(*value, key=np.array([True, False]))
    assert isinstance(args, tuple) and len(args) == len(value)
    np.testing.assert_array_equal(args[0], value[0])
    assert args[1:3] == (3, 2.5) and np.isnan(args[3]) and args[4:7] == ("text", None, True)
    assert args[7] == [1, {"k": 7}] and isinstance(args[7][1]["k"], np.int64)
    assert args[8] == complex(1, 2) and isinstance(args[9], np.float32)
    np.testing.assert_array_equal(kwargs["key"], [True, False])
    (text,), _ = echo(np.random.default_rng(0).choice(["relu", "tanh"]))  # np.str_
    assert type(text) is str and text in ("relu", "tanh")


def test_in_place_changes_come_back_before_callbacks_and_after_the_call(serve):
    """The student's numerical gradient perturbs x in place; f reads the caller's x by closure."""
    session = serve({"numerical_gradient": _numerical_gradient})
    x = np.array([1.0, -2.0, 3.0])
    seen = []

    def f(_):  # ignores its argument, as a test's closure may
        seen.append(x.copy())
        return float(np.sum(x ** 2))

    grad = trusted.Proxy(session, "numerical_gradient")(f, x)
    np.testing.assert_allclose(grad, 2 * np.array([1.0, -2.0, 3.0]), rtol=1e-6)
    assert any(s[0] != 1.0 for s in seen), "f saw the perturbed x"
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])  # restored, and the same object


def test_the_argument_f_receives_is_the_callers_array(serve):
    session = serve({"apply": lambda f, x: f(x)})
    x = np.ones(3)
    got = []
    trusted.Proxy(session, "apply")(lambda arr: got.append(arr is x) or 0.0, x)
    assert got == [True]


def test_dicts_changed_in_place_are_changed_here(serve):
    def forward(x, param):
        param["running_mean"] = 0.9 * param.get("running_mean", 0.0) + 0.1 * x.mean(axis=0)
        param.setdefault("steps", 0)
        param["steps"] += 1
        return x * 2
    session = serve({"forward": forward})
    param = {"mode": "train"}
    out = trusted.Proxy(session, "forward")(np.ones((2, 2)), param)
    np.testing.assert_array_equal(out, 2 * np.ones((2, 2)))
    assert param["steps"] == 1 and param["mode"] == "train"
    np.testing.assert_allclose(param["running_mean"], [0.1, 0.1])


def test_returning_an_argument_returns_the_callers_object(serve):
    session = serve({"same": lambda x: x})
    x = np.zeros(2)
    assert trusted.Proxy(session, "same")(x) is x


def test_objects_that_are_not_data_stay_there_as_handles(serve):
    class Cache:
        def __init__(self, x):
            self.x = x

        def doubled(self):
            return self.x * 2

    session = serve({"forward": lambda x: (x + 1, Cache(x)), "backward": lambda dout, cache: dout * cache.x})
    out, cache = trusted.Proxy(session, "forward")(np.arange(3.0))
    assert isinstance(cache, trusted.Handle)
    np.testing.assert_array_equal(trusted.Proxy(session, "backward")(np.ones(3), cache), [0, 1, 2])
    np.testing.assert_array_equal(cache.x, [0, 1, 2])
    np.testing.assert_array_equal(cache.doubled(), [0, 2, 4])


def test_errors_arrive_as_the_same_builtin_with_the_students_message(serve):
    class ShapeError(ValueError):
        pass

    def stub(*_):
        raise NotImplementedError("Your code here")

    def picky(x):
        raise ShapeError(f"x must be 2-D, got {np.ndim(x)}-D")

    session = serve({"stub": stub, "picky": picky})
    with pytest.raises(NotImplementedError, match="Your code here"):
        trusted.Proxy(session, "stub")(1)
    with pytest.raises(ValueError, match="must be 2-D, got 1-D") as info:
        trusted.Proxy(session, "picky")(np.ones(3))
    assert type(info.value).__name__ == "ShapeError"
    with pytest.raises(NameError, match="missing"):
        trusted.Proxy(session, "missing")()


def test_warnings_and_the_callers_errstate_cross_too(serve):
    session = serve({"overflow": lambda x: np.exp(x)})
    with pytest.warns(RuntimeWarning, match="overflow"):
        trusted.Proxy(session, "overflow")(np.array([1000.0]))
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="overflow"):
        trusted.Proxy(session, "overflow")(np.array([1000.0]))


def test_an_always_equal_object_cannot_pass_for_an_answer(serve):
    class AlwaysEqual:
        def __eq__(self, other):
            return True
    session = serve({"answer": lambda: AlwaysEqual()})
    got = trusted.Proxy(session, "answer")()
    assert isinstance(got, trusted.Handle) and not isinstance(got, np.ndarray)
    assert not (np.asarray([1.0]) == got).all() if isinstance(np.asarray([1.0]) == got, np.ndarray) else True


def test_nested_callbacks_are_bounded(serve):
    def recurse(f, n):
        return f(n)
    session = serve({"recurse": recurse})
    proxy = trusted.Proxy(session, "recurse")

    def again(n):
        return proxy(again, n + 1)
    with pytest.raises(RecursionError, match="nested too deep"):
        proxy(again, 0)


def test_a_slow_function_runs_into_the_deadline_and_the_next_cell_reconnects(serve):
    import time
    session = serve({"slow": lambda: time.sleep(3), "fast": lambda: 1})
    session.deadline = time.monotonic() + 0.3
    with pytest.raises(TimeoutError, match="time limit"):
        trusted.Proxy(session, "slow")()
    outcome = trusted.run_cell(session, "t", "assert fast() == 1", ["fast"], 5)
    assert outcome.passed, outcome.message


# -- the decoder refuses what is not plain data ----------------------------------------------------

def _decode(header, blobs=()):
    body = wire.frame(header, list(blobs))[8:]
    head, got = wire.unframe(body)
    return wire.Decoder(wire.Peer(), got).decode(head["value"])


def test_object_arrays_and_pickles_are_refused():
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError, match="cannot read|dtype"):
        _decode({"value": {"a": 0}}, [buf.getvalue()])
    with pytest.raises(wire.WireError):
        _decode({"value": {"a": 0}}, [pickle.dumps(np.ones(3))])


@pytest.mark.parametrize("tree", [{"x": 1}, {"a": 5}, {"r": 0}, {"ar": 0}, {"h": 1}, {"f": "1e999"},
                                  {"d": [[1, 2]]}, {"t": "abc"}, [1, 2], {"l": [1], "t": [2]}])
def test_values_of_unknown_form_are_refused(tree):
    with pytest.raises(wire.WireError):
        _decode({"value": tree})


def test_sizes_and_depth_are_bounded():
    deep = 1
    for _ in range(wire.MAX_DEPTH + 5):
        deep = {"l": [deep]}
    with pytest.raises(wire.WireError, match="nested"):
        _decode({"value": deep})
    with pytest.raises(wire.WireError, match="too many"):
        _decode({"value": {"l": list(range(wire.MAX_ITEMS + 1))}})
    with pytest.raises(wire.WireError):
        wire.unframe(struct.pack("!I", 10 ** 9) + b"{}")


def test_a_broken_student_side_costs_only_the_call(serve):
    session = serve({"f": lambda: 1})
    session.channel.send(b"\x00" * 8)  # nonsense on the wire: the server gives up on this connection
    with pytest.raises(trusted.Unreachable):
        trusted.Proxy(session, "f")()
    outcome = trusted.run_cell(session, "t", "assert f() == 1", ["f"], 5)
    assert outcome.passed, outcome.message


def test_run_cell_reports_a_failing_test_with_its_line():
    outcome = trusted.run_cell(_NoSession(), "t", "x = 1\nassert x == 2, 'x is not 2'\n", [], 5)
    assert not outcome.passed and outcome.ename == "AssertionError" and outcome.evalue == "x is not 2"
    assert outcome.traceback == ["line 2: assert x == 2, 'x is not 2'"]


class _NoSession:
    deadline = None
    sock = object()


def test_exercise_names_are_the_answer_cells_functions_and_classes():
    assert trusted.exercise_names(["def a():\n    pass\nclass B:\n    pass\nx = 1\n", "def c(): pass",
                                   "this is not python"]) == ["B", "a", "c"]


def test_warnings_are_relayed_with_their_category():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trusted._replay({"warnings": [{"mro": ["RuntimeWarning", "Warning"], "message": "overflow in exp"}]})
    assert caught[0].category is RuntimeWarning


def test_one_object_twice_in_an_answer_arrives_as_one_object_twice(serve):
    """A cache holding the output (sigmoid's ``return out, out``) next to changed arguments."""
    def forward(x, param):
        out = 1 / (1 + np.exp(-x))
        param["seen"] = [out.shape[0]]
        return out, out
    session = serve({"forward": forward})
    param = {"mode": "train", "list": [1, 2]}
    out, cache = trusted.Proxy(session, "forward")(np.zeros(3), param)
    assert out is cache and isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, [0.5, 0.5, 0.5])
    assert param == {"mode": "train", "list": [1, 2], "seen": [3]}


def test_an_object_returned_and_passed_back_is_the_students_same_object(serve):
    """A mutable default argument shared by every call stays one object on both sides."""
    def momentum(w, config={}):  # noqa: B006 - the classic mistake, on purpose
        config["calls"] = config.get("calls", 0) + 1
        return w - 1, config
    session = serve({"momentum": momentum})
    proxy = trusted.Proxy(session, "momentum")
    _, first = proxy(np.zeros(2))
    _, second = proxy(np.zeros(2))
    assert first is second and first == {"calls": 2}
    first["learning_rate"] = 0.5           # changed here, passed back: changed there too
    _, third = proxy(np.zeros(2), first)
    assert third is first and third == {"calls": 3, "learning_rate": 0.5}


def test_a_random_generator_crosses_by_state_and_comes_back_advanced(serve):
    session = serve({"draw": lambda shape, rng: rng.standard_normal(shape)})
    draw = trusted.Proxy(session, "draw")
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    first, second = draw((2, 2), rng), draw((2, 2), rng)
    np.testing.assert_array_equal(first, twin.standard_normal((2, 2)))
    np.testing.assert_array_equal(second, twin.standard_normal((2, 2)))  # rng advanced here too
    assert rng.standard_normal() == twin.standard_normal()


def test_a_student_side_that_stops_reading_cannot_hang_the_grader(tmp_path):
    """A kernel that accepts the connection and never reads: sending a big argument times out."""
    import socket
    import threading
    import time
    path = str(tmp_path / "mute.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    session = trusted.Session(path)
    session.deadline = time.monotonic() + 1.0
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        trusted.Proxy(session, "f")(np.zeros(8_000_000))   # 64 MB: far more than the socket buffers
    assert time.monotonic() - start < 5
    server.close()


def test_after_a_reconnect_old_objects_are_refused_and_new_ones_work(serve):
    """Keys start afresh on a new connection: an old handle must not reach a new object."""
    import time

    class Box:
        def __init__(self, v):
            self.v = v
    session = serve({"box": lambda v: Box(v), "slow": lambda: time.sleep(2), "unbox": lambda b: b.v})
    old = trusted.Proxy(session, "box")(np.ones(2))
    session.deadline = time.monotonic() + 0.3
    with pytest.raises(TimeoutError):
        trusted.Proxy(session, "slow")()
    session.deadline = None
    session.reconnect()
    new = trusted.Proxy(session, "box")([1, 2, 3])
    assert trusted.Proxy(session, "unbox")(new) == [1, 2, 3]
    with pytest.raises(trusted.Unreachable, match="lost when the grader had to reconnect"):
        trusted.Proxy(session, "unbox")(old)


def test_an_answer_too_big_to_send_is_an_error_and_the_connection_stays(serve):
    session = serve({"huge": lambda: np.zeros(wire.MAX_ARRAY // 8 + 1), "small": lambda: 2})
    with pytest.raises(Exception, match="cannot be sent to the grader") as err:
        trusted.Proxy(session, "huge")()
    assert type(err.value).__name__ == "UnsendableAnswer"
    assert not isinstance(err.value, (ValueError, TypeError, ArithmeticError, LookupError)), type(err.value).__mro__
    assert trusted.Proxy(session, "small")() == 2


def test_an_answer_too_big_to_send_is_not_the_error_a_test_expects(serve):
    """A function that should raise ValueError on bad input and returns a huge array instead fails
    check_raises: the grader's "cannot be sent" must not pass for the function's own ValueError."""
    from cs231n_utils.testing import HintError, check_raises
    session = serve({"huge": lambda x: np.zeros(wire.MAX_ARRAY // 8 + 1)})
    with pytest.raises(HintError, match="UnsendableAnswer"):
        check_raises(ValueError, trusted.Proxy(session, "huge"), -1, what="a negative size")
