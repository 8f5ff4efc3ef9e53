"""The student side of the trusted tests: serves the student's functions to the trusted runner.

Runs inside the student's kernel (in its sandbox), started by an IPython startup file before any
student code: a thread listens on a unix socket (``$COURSE_FUNCTION_SOCKET``) and, for each
connection from the grader, answers calls by name against the kernel's namespace. Everything here
is as untrusted as the student's own code (which runs in this process and may change it); the
grader trusts only what it decodes from the socket (:mod:`autograder.wire`), so a student who
breaks this server only loses the points of the tests that needed it.
"""
from __future__ import annotations

import contextlib
import io
import os
import socket
import sys
import threading
import warnings

import numpy as np

from .wire import Channel, Decoder, Encoder, Peer, WireError, frame, unframe


class UnsendableAnswer(Exception):
    """What the student's function returned cannot cross to the grader (too big, or not data).

    Not a ValueError, as WireError is: a test that expects the function to raise ValueError (on bad
    input) must not take "returned a 600 MB array" for it. The grader sees the nearest builtin of
    its MRO, Exception."""

MAX_PRINTED = 20_000          # characters of what a function printed, sent back with its answer
MAX_HANDLES = 200_000


class StudentPeer(Peer):
    """What cannot cross stays here as a handle; the grader's functions arrive as callbacks."""

    def __init__(self, conversation: Conversation):
        self.conversation = conversation
        self.handles: dict[int, object] = {}
        self.kept: dict[int, object] = {}        # lists, dicts, arrays sent to the grader, by id
        self.keys: dict[int, int] = {}           # id(object) -> its key in ``kept``

    def handle_of(self, value) -> dict:
        if len(self.handles) >= MAX_HANDLES:
            raise WireError("too many objects kept for the grader")
        key = len(self.handles) + 1
        self.handles[key] = value
        return {"h": key}

    def identity_of(self, value) -> int:
        if id(value) not in self.keys:
            if len(self.kept) >= MAX_HANDLES:
                raise WireError("too many objects kept for the grader")
            self.keys[id(value)] = key = len(self.kept) + 1
            self.kept[key] = value
        return self.keys[id(value)]

    def by_identity(self, key, new):
        if key not in self.kept:
            raise WireError("an object the grader never got from here")
        apply_state(self.kept[key], new)
        return self.kept[key]

    def from_token(self, kind: str, data):
        if kind == "h" and data in self.handles:
            return self.handles[data]
        if kind == "cb" and isinstance(data, int):
            return self.conversation.callback_stub(data)
        raise WireError(f"unknown {kind!r} token")


class Conversation:
    """One connection: calls from the grader, callbacks to it, nested as deep as they come."""

    def __init__(self, channel: Channel, namespace: dict):
        self.channel, self.namespace = channel, namespace
        self.peer = StudentPeer(self)
        self.frames: list[list] = []          # the argument objects of each call in progress

    def send(self, header: dict, values: dict, call_objects: list | None = None) -> None:
        enc = Encoder(self.peer, call_objects)
        tree = {k: enc.encode(v) for k, v in values.items()}
        header = {**header, **tree}
        if call_objects is not None:
            header["state"] = state_of(enc, call_objects)
        self.channel.send(frame(header, enc.blobs))


    def receive(self) -> tuple[dict, list[bytes]]:
        return unframe(self.channel.receive())

    def serve(self) -> None:
        while True:
            header, blobs = self.receive()
            self.answer(header, blobs)

    def answer(self, header: dict, blobs: list[bytes]) -> None:
        """One request from the grader: ``call`` a function (or a kept object or its method), or
        ``getattr`` of a kept object. The answer carries the arguments' state after the call."""
        dec, op = Decoder(self.peer, blobs), header.get("op")
        printed, caught, objects = "", [], []
        try:
            if op == "getattr":
                value = getattr(self.peer.from_token("h", header.get("h")), str(header.get("name")))
            elif op == "call":
                target = self._target(header.get("target"))
                args, kwargs = dec.decode(header.get("args")), dec.decode(header.get("kwargs"))
                if not isinstance(args, list) or not isinstance(kwargs, dict):
                    raise WireError("a call without a list of arguments and a dict of keywords")
                objects = dec.objects
                self.frames.append(objects)
                try:
                    value, printed, caught = _call(target, args, kwargs, header.get("errstate") or {})
                finally:
                    self.frames.pop()
            else:
                raise WireError(f"unknown request {str(op)[:20]!r}")
        except _Failed as failed:
            self._send_error(failed.error, failed.printed, failed.caught, objects)
            return
        except Exception as exc:  # noqa: BLE001 - every failure goes back as an error
            self._send_error(exc, "", [], objects)
            return
        try:
            self.send({"op": "result", "printed": printed, "warnings": caught}, {"value": value}, objects)
        except (WireError, MemoryError) as exc:  # the answer cannot cross: say so, keep the connection
            self._send_error(UnsendableAnswer(f"your function returned something that cannot be sent to the "
                                              f"grader: {exc}"), printed, caught, [])

    def _send_error(self, exc: BaseException, printed: str, caught: list, objects: list) -> None:
        mro = [c.__name__ for c in type(exc).__mro__]
        self.send({"op": "error", "mro": mro, "message": str(exc)[:MAX_PRINTED], "printed": printed,
                   "warnings": caught}, {}, objects)

    def _target(self, target):
        if isinstance(target, dict) and "name" in target:
            name = str(target["name"])
            if name not in self.namespace:
                raise NameError(f"name '{name}' is not defined")
            return self.namespace[name]
        if isinstance(target, dict) and "h" in target:
            obj = self.peer.from_token("h", target["h"])
            return getattr(obj, str(target["attr"])) if "attr" in target else obj
        raise WireError("a call to nothing")

    def callback_stub(self, key: int):
        def call_grader(*args, **kwargs):
            objects = self.frames[-1] if self.frames else []
            self.send({"op": "callback", "id": key}, {"args": list(args), "kwargs": kwargs}, objects)
            while True:
                header, blobs = self.receive()
                if header.get("op") in ("result", "error"):
                    return self._callback_answer(header, blobs, objects)
                self.answer(header, blobs)            # the grader calls us again first
        return call_grader

    def _callback_answer(self, header: dict, blobs: list[bytes], objects: list):
        dec = Decoder(self.peer, blobs, objects)
        value = dec.decode(header.get("value")) if header["op"] == "result" else None
        apply_states(dec, header, objects)
        if header["op"] == "error":
            raise RuntimeError(f"the grader's function raised {header.get('message', '')}")
        return value


def state_of(enc: Encoder, objects: list) -> list:
    """[k, contents] of each argument object a call may have changed: both sides send it."""
    return [[k, enc.encode(o, by_value=True)] for k, o in enumerate(objects) if mutable(o)]


def mutable(value) -> bool:
    """What a call may change in place, so its state goes back with the answer."""
    return isinstance(value, (list, dict, np.ndarray, np.random.Generator))


class _Failed(Exception):
    """A student function raised: its error, with what it printed and warned before."""

    def __init__(self, error: BaseException, printed: str, caught: list):
        super().__init__(str(error))
        self.error, self.printed, self.caught = error, printed, caught


def _call(target, args, kwargs, errstate: dict):
    """(value, printed text, warnings) of ``target(*args, **kwargs)``, under the grader's errstate."""
    printed = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, np.errstate(**_errstate(errstate)):
        warnings.simplefilter("always")
        try:
            with contextlib.redirect_stdout(printed):
                value = target(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - KeyboardInterrupt, SystemExit: also the student's
            raise _Failed(exc, printed.getvalue()[:MAX_PRINTED], _warnings(caught)) from None
    return value, printed.getvalue()[:MAX_PRINTED], _warnings(caught)


def _errstate(state: dict) -> dict:
    allowed = {"ignore", "warn", "raise", "call", "print", "log"}
    return {k: v for k, v in state.items() if k in ("over", "under", "divide", "invalid") and v in allowed}


def _warnings(caught) -> list:
    return [{"mro": [c.__name__ for c in w.category.__mro__], "message": str(w.message)[:2000]}
            for w in caught[:20]]


def apply_states(dec: Decoder, header: dict, objects: list) -> None:
    """Decode a message's ``state`` (after its values: the order they were encoded in) and apply it
    to the call's argument ``objects``."""
    state = header.get("state", [])
    if not isinstance(state, list) or not all(isinstance(p, list) and len(p) == 2 for p in state):
        raise WireError("a state that is not a list of pairs")
    decoded = []
    for k, tree in state:
        if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < len(objects):
            raise WireError("a state for an argument that does not exist")
        decoded.append((objects[k], dec.decode(tree)))
    for original, new in decoded:
        apply_state(original, new)


def apply_state(original, new) -> None:
    """Make ``original`` (an argument object of a call) hold what the other side left in it."""
    if isinstance(original, np.random.Generator) and isinstance(new, np.random.Generator):
        if original is not new and type(original.bit_generator) is type(new.bit_generator):
            original.bit_generator.state = new.bit_generator.state
    elif isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
        if original.shape == new.shape and original.flags.writeable:
            original[...] = new
    elif isinstance(original, dict) and isinstance(new, dict):
        if original is not new:
            original.clear()
            original.update(new)
    elif isinstance(original, list) and isinstance(new, list):
        if original is not new:
            original[:] = new


# --------------------------------------------------------------------------------------------------
# in the kernel

def _serve_connection(conn: socket.socket, shell) -> None:
    try:
        Conversation(Channel(conn.fileno(), conn.fileno()), shell.user_ns).serve()
    except (EOFError, OSError, WireError):
        pass
    finally:
        conn.close()


def _listen(path: str, shell) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(path):
        os.unlink(path)
    server.bind(path)
    server.listen(4)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=_serve_connection, args=(conn, shell), daemon=True,
                         name="course-function-server-call").start()


def serve_in_background(path: str, shell) -> threading.Thread:
    """Listen on ``path`` for the grader (one thread per connection), serving ``shell.user_ns``."""
    thread = threading.Thread(target=_listen, args=(path, shell), daemon=True, name="course-function-server")
    thread.start()
    return thread


if __name__ == "__main__":  # pragma: no cover - for a manual try: python -m autograder.function_server PATH
    serve_in_background(sys.argv[1], type("Shell", (), {"user_ns": {}})()).join()
