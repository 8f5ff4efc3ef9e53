"""How values cross between the trusted test runner and the student's functions: plain data only.

Both sides of :mod:`autograder.trusted` use this module; the decoder is the part that reads what
student code wrote, so it accepts a small, closed set of forms and nothing else. No pickle, no eval.

A message is one frame: ``!Q`` total length, ``!I`` header length, a JSON header, then the blobs,
each ``!Q`` length + bytes of ``np.save`` with ``allow_pickle=False``. A value in the header is

    null, true/false, an int, a finite float, a string        as JSON
    {"f": "nan" | "inf" | "-inf"}                              a non-finite float
    {"c": [re, im]}                                            a complex number
    {"t": [...]}, {"l": [...]}, {"d": [[key, value], ...]}     tuple, list, dict (string keys)
    {"a": i}, {"s": i}                                         an array / a numpy scalar: blob i
    {"g": {...}}                                               a numpy Generator: its bit generator's state
    {"r": k}                                                   the k-th list/dict/array of this message again
    {"ar": k}                                                  the k-th list/dict/array of the call's arguments
    {"o": [id, value]}                                         a list/dict/array the student side keeps by
                                                               identity: id, and its contents now
    {"h": id}                                                  an object left on the student side (a handle)
    {"cb": id}                                                 a function of the trusted side (a callback)
    {"bm": [id, name]}                                         a method of a handle

Arrays have a numeric or boolean dtype (object arrays are refused) and bounded sizes; nesting,
strings and messages are bounded too. Anything else is a :class:`WireError`.
"""
from __future__ import annotations

import io
import json
import math
import os
import select
import struct
import time

import numpy as np

MAX_FRAME = 320 * 1024 * 1024        # bytes in one message
MAX_HEADER = 16 * 1024 * 1024        # bytes of JSON in one message
MAX_ARRAY = 256 * 1024 * 1024        # bytes in one array
MAX_ITEMS = 100_000                  # values in one message
MAX_DEPTH = 32                       # nesting of containers
MAX_TEXT = 1_000_000                 # characters in one string
ARRAY_KINDS = "biufc"                # bool, int, uint, float, complex
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class WireError(ValueError):
    """A message that is not in the closed set of forms, or too big."""


class Peer:
    """Hooks for what is not plain data; each side of the pipe implements its own."""

    def handle_of(self, value) -> dict:          # a value that cannot cross: keep it, send a token
        raise WireError(f"a {type(value).__name__} cannot cross the pipe")

    def from_token(self, kind: str, data):       # a token from the other side: "h" or "cb"
        raise WireError(f"unexpected {kind!r} in a message")

    def identity_of(self, value) -> int | None:  # the id a list/dict/array is known by, if any
        return None

    def by_identity(self, key, new):             # the object known as ``key``, now holding ``new``
        raise WireError("unexpected 'o' in a message")


# --------------------------------------------------------------------------------------------------
# encoding

class Encoder:
    """One message: the header tree, its blobs, the containers seen (for ``r``) and, when answering a
    call, the call's argument containers (for ``ar``)."""

    def __init__(self, peer: Peer, call_objects: list | None = None):
        self.peer, self.blobs, self.seen, self.objects = peer, [], {}, []
        self.call_ids = {id(o): k for k, o in enumerate(call_objects or [])}

    def encode(self, value, depth: int = 0, by_value: bool = False):
        if depth > MAX_DEPTH:
            raise WireError("values nested too deep")
        if value is None or type(value) in (bool, str, int):
            return value
        if type(value) is np.str_:  # a string drawn with rng.choice: plain data, as a str
            return str(value)
        if type(value) is float:
            return value if math.isfinite(value) else {"f": repr(value)}
        if type(value) is complex:
            return {"c": [self.encode(value.real), self.encode(value.imag)]}
        if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:
            return {"s": self._blob(np.asarray(value))}
        if not by_value and id(value) in self.call_ids and _container(value):
            return {"ar": self.call_ids[id(value)]}
        if type(value) is tuple:
            return {"t": [self.encode(v, depth + 1) for v in value]}
        if not _container(value):
            return self.peer.handle_of(value)
        if id(value) in self.seen:
            return {"r": self.seen[id(value)]}
        self.seen[id(value)] = len(self.seen)
        self.objects.append(value)
        if isinstance(value, np.ndarray):
            body = {"a": self._blob(value)}
        elif isinstance(value, np.random.Generator):
            body = {"g": self.encode(value.bit_generator.state, depth + 1, by_value=True)}
        elif type(value) is list:
            body = {"l": [self.encode(v, depth + 1) for v in value]}
        else:
            body = {"d": [[k, self.encode(v, depth + 1)] for k, v in value.items()]}
        key = None if by_value else self.peer.identity_of(value)
        return body if key is None else {"o": [key, body]}

    def _blob(self, array: np.ndarray) -> int:
        if array.nbytes > MAX_ARRAY:  # refused before numpy copies it
            raise WireError(f"an array of {array.nbytes >> 20} MB is over the {MAX_ARRAY >> 20} MB limit")
        buf = io.BytesIO()
        np.save(buf, np.asarray(array), allow_pickle=False)
        self.blobs.append(buf.getvalue())
        return len(self.blobs) - 1


def _container(value) -> bool:
    """A list, a dict with string keys, a numeric array or a random Generator: data with an identity."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in ARRAY_KINDS
    if isinstance(value, np.random.Generator):
        return type(value.bit_generator).__name__ in BIT_GENERATORS
    return type(value) is list or (type(value) is dict and all(type(k) is str for k in value))


def frame(header: dict, blobs: list[bytes]) -> bytes:
    head = json.dumps({**header, "blobs": len(blobs)}, allow_nan=False).encode()
    parts = [struct.pack("!I", len(head)), head]
    for blob in blobs:
        parts += [struct.pack("!Q", len(blob)), blob]
    body = b"".join(parts)
    if len(body) > MAX_FRAME:
        raise WireError(f"a message of {len(body) >> 20} MB is over the {MAX_FRAME >> 20} MB limit")
    return struct.pack("!Q", len(body)) + body


# --------------------------------------------------------------------------------------------------
# decoding (the part that reads what the other side wrote)

def unframe(body: bytes) -> tuple[dict, list[bytes]]:
    if len(body) < 4:
        raise WireError("a message too short for its header")
    (n,) = struct.unpack_from("!I", body, 0)
    if n > len(body) - 4 or n > MAX_HEADER:
        raise WireError("a header longer than its message or the limit")
    try:
        header = json.loads(body[4:4 + n].decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"a header that is not JSON ({exc})") from None
    if not isinstance(header, dict) or not isinstance(header.get("blobs"), int):
        raise WireError("a header that is not a message")
    blobs, at = [], 4 + n
    for _ in range(header["blobs"]):
        if at + 8 > len(body):
            raise WireError("a message cut short")
        (size,) = struct.unpack_from("!Q", body, at)
        if size > MAX_ARRAY or at + 8 + size > len(body):
            raise WireError("an array too big or cut short")
        blobs.append(body[at + 8:at + 8 + size])
        at += 8 + size
    return header, blobs


def _no_constant(name):
    raise WireError(f"{name} is not allowed in a message")


class Decoder:
    def __init__(self, peer: Peer, blobs: list[bytes], call_objects: list | None = None):
        self.peer, self.blobs, self.objects, self.items = peer, blobs, [], 0
        self.call_objects = call_objects or []

    def decode(self, tree, depth: int = 0):
        self.items += 1
        if self.items > MAX_ITEMS or depth > MAX_DEPTH:
            raise WireError("a message with too many or too deeply nested values")
        if tree is None or isinstance(tree, (bool, int)):
            return tree
        if isinstance(tree, float):
            return tree
        if isinstance(tree, str):
            if len(tree) > MAX_TEXT:
                raise WireError("a string too long")
            return tree
        if not (isinstance(tree, dict) and len(tree) == 1):
            raise WireError("a value of unknown form")
        (kind, data), = tree.items()
        method = getattr(self, f"_{kind}", None) if kind in _FORMS else None
        if method is None:
            return self.peer.from_token(kind, data) if kind in ("h", "cb", "bm") else _bad(kind)
        return method(data, depth)

    def _f(self, data, depth):
        if data not in ("nan", "inf", "-inf"):
            raise WireError("a float of unknown form")
        return float(data)

    def _c(self, data, depth):
        re, im = _pair(data)
        return complex(self.decode(re, depth + 1), self.decode(im, depth + 1))

    def _t(self, data, depth):
        return tuple(self.decode(v, depth + 1) for v in _list(data))

    def _l(self, data, depth):
        out: list = []
        self.objects.append(out)
        out.extend(self.decode(v, depth + 1) for v in _list(data))
        return out

    def _d(self, data, depth):
        out: dict = {}
        self.objects.append(out)
        for pair in _list(data):
            key, value = _pair(pair)
            if not isinstance(key, str) or len(key) > MAX_TEXT:
                raise WireError("a dict key that is not a string")
            out[key] = self.decode(value, depth + 1)
        return out

    def _a(self, data, depth):
        array = self._array(data)
        self.objects.append(array)
        return array

    def _g(self, data, depth):
        slot = len(self.objects)
        self.objects.append(None)
        state = self.decode(data, depth + 1)
        name = state.get("bit_generator") if isinstance(state, dict) else None
        if name not in BIT_GENERATORS:
            raise WireError("a random generator of unknown kind")
        generator = np.random.Generator(getattr(np.random, name)())
        try:
            generator.bit_generator.state = state
        except (TypeError, ValueError, KeyError) as exc:
            raise WireError(f"a random generator state numpy refuses ({type(exc).__name__})") from None
        self.objects[slot] = generator
        return generator

    def _s(self, data, depth):
        array = self._array(data)
        if array.ndim != 0:
            raise WireError("a scalar that is not 0-d")
        return array[()]

    def _o(self, data, depth):
        key, body = _pair(data)
        if not (isinstance(body, dict) and len(body) == 1 and next(iter(body)) in ("l", "d", "a", "g")):
            raise WireError("an 'o' that is not a list, dict or array")
        slot = len(self.objects)
        new = self.decode(body, depth + 1)
        self.objects[slot] = kept = self.peer.by_identity(key, new)
        return kept

    def _r(self, data, depth):
        return _index(self.objects, data, "r")

    def _ar(self, data, depth):
        return _index(self.call_objects, data, "ar")

    def _array(self, index) -> np.ndarray:
        blob = _index(self.blobs, index, "a")
        try:
            array = np.load(io.BytesIO(blob), allow_pickle=False)
        except Exception as exc:  # noqa: BLE001 - numpy raises several kinds on a bad file
            raise WireError(f"an array that numpy cannot read ({type(exc).__name__})") from None
        if not isinstance(array, np.ndarray) or array.dtype.kind not in ARRAY_KINDS or array.dtype.hasobject:
            raise WireError("an array of a dtype that is not numeric or boolean")
        if array.nbytes > MAX_ARRAY:
            raise WireError("an array too big")
        return array


_FORMS = ("f", "c", "t", "l", "d", "a", "g", "s", "r", "ar", "o")


def _bad(kind):
    raise WireError(f"a value of unknown form {str(kind)[:20]!r}")


def _list(data) -> list:
    if not isinstance(data, list):
        raise WireError("a container that is not a list")
    return data


def _pair(data) -> tuple:
    if not (isinstance(data, list) and len(data) == 2):
        raise WireError("a pair that is not a pair")
    return data[0], data[1]


def _index(table: list, k, what: str):
    if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < len(table):
        raise WireError(f"a reference ({what}) to nothing")
    return table[k]


# --------------------------------------------------------------------------------------------------
# a pipe end: whole frames in, whole frames out, with deadlines

class Channel:
    """Frames over a pair of file descriptors (or one socket). With a deadline, neither side can
    make the other wait past it: the descriptors should then be non-blocking."""

    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd, self.write_fd = read_fd, write_fd

    def send(self, data: bytes, deadline: float | None = None) -> None:
        view = memoryview(data)
        while view:
            _wait(self.write_fd, deadline, write=True)
            try:
                n = os.write(self.write_fd, view[:1 << 20])
            except BlockingIOError:
                continue
            view = view[n:]

    def receive(self, deadline: float | None = None) -> bytes:
        (size,) = struct.unpack("!Q", self._read(8, deadline))
        if size > MAX_FRAME:
            raise WireError(f"a message of {size >> 20} MB announced: over the limit")
        return self._read(size, deadline)

    def _read(self, n: int, deadline: float | None) -> bytes:
        chunks, got = [], 0
        while got < n:
            _wait(self.read_fd, deadline, write=False)
            try:
                chunk = os.read(self.read_fd, min(n - got, 1 << 20))
            except BlockingIOError:
                continue
            if not chunk:
                raise EOFError("the other side closed the pipe")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)


def _wait(fd: int, deadline: float | None, write: bool) -> None:
    """Until ``fd`` is ready (for writing or reading), or TimeoutError at the deadline."""
    if deadline is None:
        return
    left = deadline - time.monotonic()
    ready = select.select([], [fd], [], max(left, 0)) if write else select.select([fd], [], [], max(left, 0))
    if left <= 0 or not (ready[1] if write else ready[0]):
        raise TimeoutError("no answer in time")
