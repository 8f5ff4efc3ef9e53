"""Trusted tests: a test cell's points decided where no student code ever ran.

The grading worker runs every test cell's source (the instructor's, hidden tests included) here,
in its own process, after nbgrader ran the notebook in the student's sandboxed kernel. The names a
test cell calls (the exercise's functions) are :class:`Proxy` objects: each call crosses a unix
socket to the kernel (:mod:`autograder.function_server`) as plain data (:mod:`autograder.wire`:
numbers, strings, tuples/lists/dicts, numeric arrays; no pickle, no eval). What a student function
returns that is not plain data stays in the kernel as a :class:`Handle`; a function a test passes
(the ``f`` of ``numerical_gradient(f, x)``) is called back across the socket; arrays, dicts and
lists a student function changes in place are copied back after the call and before every
callback, so in-place behaviour keeps its meaning. Every call has a deadline (the cell's).

Student code can rewrite anything in its own kernel (the tests that ran there, numpy, the test
helpers, IPython's input transformers); it cannot reach this process, so here the real tests run
with the real numpy and the real ``cs231n_utils.testing`` against whatever the student's functions
really return.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import io
import socket
import time
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

from .function_server import apply_state, apply_states, state_of
from .wire import Channel, Decoder, Encoder, Peer, WireError, frame, unframe

MAX_DEPTH = 50                 # calls nested through callbacks
_BUILTIN_ERRORS = {name: obj for name, obj in vars(builtins).items()
                   if isinstance(obj, type) and issubclass(obj, Exception) and not issubclass(obj, Warning)}
_BUILTIN_WARNINGS = {name: obj for name, obj in vars(builtins).items()
                     if isinstance(obj, type) and issubclass(obj, Warning)}


class Unreachable(RuntimeError):
    """The student's functions cannot be reached (the kernel died, or broke its side of the pipe)."""


@dataclass
class CellOutcome:
    """What the trusted run of one test cell gave."""
    grade_id: str
    passed: bool
    ename: str = ""
    evalue: str = ""
    printed: str = ""
    traceback: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        parts = [f"{self.ename}: {self.evalue}" if self.ename else "", self.printed.rstrip()]
        return "\n".join(p for p in parts if p)


class TrustedPeer(Peer):
    def __init__(self, session: Session):
        self.session = session
        self.callbacks: dict[int, object] = {}
        self.kept: dict[int, object] = {}        # key on the student side -> our object
        self.keys: dict[int, int] = {}           # id(our object) -> key on the student side

    def identity_of(self, value) -> int | None:
        return self.keys.get(id(value))

    def by_identity(self, key, new):
        """The student side keeps this list/dict/array by identity: the same object here each time."""
        if not isinstance(key, int) or isinstance(key, bool) or key <= 0:
            raise WireError("an object key that is not a positive int")
        if key in self.kept:
            if type(self.kept[key]) is not type(new):
                raise WireError("an object that changed its type")
            apply_state(self.kept[key], new)
            return self.kept[key]
        if len(self.kept) >= 200_000:
            raise WireError("too many objects kept")
        self.kept[key], self.keys[id(new)] = new, key
        return new

    def handle_of(self, value) -> dict:
        if isinstance(value, Handle):
            if value._peer is not self:
                raise Unreachable("an object from your functions that was lost when the grader had to "
                                  "reconnect (after an earlier call ran out of time)")
            return {"h": value._key}
        if callable(value):
            key = len(self.callbacks) + 1
            self.callbacks[key] = value
            return {"cb": key}
        raise WireError(f"a {type(value).__name__} cannot be sent to the student's functions")

    def from_token(self, kind: str, data):
        if kind == "h" and isinstance(data, int) and not isinstance(data, bool):
            return Handle(self, data)
        raise WireError(f"unexpected {kind!r} from the student's side")


class Session:
    """The connection to one student's kernel, with the deadline of the test cell running now."""

    def __init__(self, path: str, connect_timeout: float = 10.0):
        self.path, self.deadline, self.depth = path, None, 0
        self.callback_error: Exception | None = None   # raised by a test's function called back
        self.sock = None
        self._connect(connect_timeout)

    def _connect(self, timeout: float) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(self.path)
        except OSError as exc:
            sock.close()
            raise Unreachable(f"the grader could not reach your functions ({exc})") from None
        sock.setblocking(False)  # every read and write waits at most until the cell's deadline
        self.sock, self.channel = sock, Channel(sock.fileno(), sock.fileno())
        self.peer = TrustedPeer(self)  # a new connection is a new conversation: handles and keys start afresh

    def reconnect(self) -> None:
        """A fresh connection (the old one may be stuck in a call that ran out of time)."""
        self.close()
        self._connect(10.0)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    # -- a conversation: one request, then callbacks and nested calls until its answer -------------

    def request(self, header: dict, values: dict):
        if self.sock is None:
            raise Unreachable("the connection to your functions was closed after an earlier problem")
        if self.depth >= MAX_DEPTH:
            raise RecursionError("calls nested too deep between the tests and your functions")
        enc = Encoder(self.peer)
        tree = {k: enc.encode(v) for k, v in values.items()}
        if self.depth == 0:
            self.callback_error = None
        self.depth += 1
        try:
            self.channel.send(frame({**header, **tree}, enc.blobs), self._deadline())
            return self._await_answer(enc.objects)
        except (OSError, EOFError, TimeoutError, WireError) as exc:
            self.close()  # its state is unknown now; the next cell reconnects
            if isinstance(exc, TimeoutError):
                raise TimeoutError("your function did not answer before the test cell's time limit") from None
            raise Unreachable(f"the connection to your functions broke ({type(exc).__name__}: {exc})") from None
        finally:
            self.depth -= 1

    def _await_answer(self, objects: list):
        while True:
            header, blobs = unframe(self.channel.receive(self._deadline()))
            op = header.get("op")
            if op == "callback":
                self._run_callback(header, blobs, objects)
                continue
            if op not in ("result", "error"):
                raise WireError(f"an answer of unknown kind {str(op)[:20]!r}")
            dec = Decoder(self.peer, blobs, objects)
            value = dec.decode(header.get("value")) if op == "result" else None
            apply_states(dec, header, objects)
            _replay(header)
            if op == "error":
                raised, self.callback_error = self.callback_error, None
                raise raised or student_error(header)  # the test's own error in a callback comes first
            return value

    def _run_callback(self, header: dict, blobs: list[bytes], objects: list) -> None:
        dec = Decoder(self.peer, blobs, objects)
        args, kwargs = dec.decode(header.get("args")), dec.decode(header.get("kwargs"))
        apply_states(dec, header, objects)
        func = self.peer.callbacks.get(header.get("id"))
        if func is None or not isinstance(args, list) or not isinstance(kwargs, dict):
            raise WireError("a callback to nothing")
        enc = Encoder(self.peer, objects)
        try:
            reply = {"op": "result", "value": enc.encode(func(*args, **kwargs))}
        except Exception as exc:  # noqa: BLE001 - the test's own function failed: tell the student side
            self.callback_error = self.callback_error or exc
            reply = {"op": "error", "message": f"{type(exc).__name__}: {exc}"[:2000]}
        reply["state"] = state_of(enc, objects)
        self.channel.send(frame(reply, enc.blobs), self._deadline())

    def _deadline(self) -> float:
        """The test cell's deadline; outside a cell, a minute (a non-blocking socket never waits forever)."""
        return self.deadline if self.deadline is not None else time.monotonic() + 60

    def call(self, target: dict, args: tuple, kwargs: dict):
        errstate = {k: v for k, v in np.geterr().items()}
        return self.request({"op": "call", "target": target, "errstate": errstate},
                            {"args": list(args), "kwargs": dict(kwargs)})


def _replay(header: dict) -> None:
    """What the student's function printed and warned, shown here as if it ran here."""
    printed = header.get("printed")
    if isinstance(printed, str) and printed:
        print(printed[:20_000], end="")
    for w in header.get("warnings") or []:
        if isinstance(w, dict) and isinstance(w.get("message"), str):
            category = next((_BUILTIN_WARNINGS[n] for n in w.get("mro") or [] if n in _BUILTIN_WARNINGS), UserWarning)
            warnings.warn(w["message"][:2000], category, stacklevel=4)


def student_error(header: dict) -> Exception:
    """The exception a student function raised, as a class here: the same builtin, or a subclass of
    the nearest builtin in its MRO with the student's class name (never code from their side)."""
    mro = [n for n in header.get("mro") or [] if isinstance(n, str)]
    base = next((_BUILTIN_ERRORS[n] for n in mro if n in _BUILTIN_ERRORS), Exception)
    name = mro[0] if mro and mro[0].isidentifier() and len(mro[0]) <= 80 else base.__name__
    message = str(header.get("message", ""))[:20_000]
    cls = base if name == base.__name__ else type(name, (base,), {"__module__": "student"})
    try:
        return cls(message)
    except Exception:  # noqa: BLE001 - a builtin that wants other arguments (UnicodeError, ...)
        return Exception(f"{name}: {message}")


class Proxy:
    """A student function, by name, as test code sees it."""

    def __init__(self, session: Session, name: str):
        self._session, self.__name__, self.__qualname__ = session, name, name

    def __call__(self, *args, **kwargs):
        return self._session.call({"name": self.__name__}, args, kwargs)

    def __repr__(self) -> str:
        return f"<student function {self.__name__}>"


class Handle:
    """An object that stayed in the student's kernel (a cache, an instance): passed back as is.
    It belongs to one connection (``_peer``); after a reconnect it can no longer be used."""

    def __init__(self, peer: TrustedPeer, key: int):
        self._peer, self._key = peer, key

    def _live_session(self) -> Session:
        session = self._peer.session
        if session.peer is not self._peer:
            raise Unreachable("an object from your functions that was lost when the grader had to reconnect "
                              "(after an earlier call ran out of time)")
        return session

    def __call__(self, *args, **kwargs):
        return self._live_session().call({"h": self._key}, args, kwargs)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._live_session().request({"op": "getattr", "h": self._key, "name": name}, {})

    def __repr__(self) -> str:
        return f"<student object #{self._key}>"


# --------------------------------------------------------------------------------------------------
# running test cells

def exercise_names(answer_sources: list[str]) -> list[str]:
    """Functions and classes the answer cells define (what test cells may call)."""
    names = []
    for src in answer_sources:
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        names += [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    return sorted(set(names))


def _where(exc: BaseException, filename: str, source: str) -> list[str]:
    """The test line that failed (hidden-test lines are scrubbed from feedback later)."""
    lines = source.splitlines()
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return [f"line {f.lineno}: {lines[f.lineno - 1].strip()}" for f in frames[-1:] if 0 < f.lineno <= len(lines)]


def run_cell(session: Session, grade_id: str, source: str, names: list[str], seconds: float) -> CellOutcome:
    """Run one test cell's source here against the student's functions; its outcome."""
    filename = f"<test cell {grade_id}>"
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    namespace.update({name: Proxy(session, name) for name in names})
    printed = io.StringIO()
    session.deadline = time.monotonic() + seconds
    if session.sock is None:
        with contextlib.suppress(Unreachable):
            session.reconnect()
    random_state = np.random.get_state()
    try:
        code = compile(source, filename, "exec")
        with warnings.catch_warnings(), np.errstate(all="warn", under="ignore"), \
                contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            exec(code, namespace)  # noqa: S102 - the instructor's test source, from the gradebook's notebook
    except Exception as exc:  # noqa: BLE001 - a failing test is an outcome, not an error here
        return CellOutcome(grade_id, False, type(exc).__name__, str(exc)[:20_000], printed.getvalue()[:20_000],
                           _where(exc, filename, source))
    finally:
        np.random.set_state(random_state)
        session.deadline = None
    return CellOutcome(grade_id, True, printed=printed.getvalue()[:20_000])


class TrustedRun:
    """The trusted run of one submission's test cells, cell by cell, each just before the kernel
    runs the same cell: the student's functions are then in the very state the kernel's own run of
    the cell finds them in (a mutable default argument, say, not yet touched by this cell)."""

    def __init__(self, socket_path: str, tests: dict[str, str], names: list[str], seconds: float):
        self.socket_path, self.tests, self.names, self.seconds = socket_path, tests, names, seconds
        self.session: Session | None = None
        self.outcomes: dict[str, CellOutcome] = {}

    def run(self, grade_id: str) -> None:
        if grade_id not in self.tests or grade_id in self.outcomes:
            return
        if self.session is None:
            try:
                self.session = Session(self.socket_path)
            except Unreachable as exc:
                self.outcomes[grade_id] = CellOutcome(grade_id, False, "Unreachable", str(exc))
                return
        self.outcomes[grade_id] = run_cell(self.session, grade_id, self.tests[grade_id], self.names, self.seconds)

    def finish(self) -> dict[str, CellOutcome]:
        """Every outcome; a test cell the kernel never reached is run now."""
        for grade_id in self.tests:
            self.run(grade_id)
        self.close()
        return self.outcomes

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
