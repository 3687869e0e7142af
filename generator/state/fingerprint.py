"""Fingerprints: a short digest of a value that is the same for equal values in any process.

What a page or output read is remembered as the fingerprint of each value it saw (reads.py), so
that the next build, in another process, can tell whether the value is still the same without
keeping it. A fingerprint is built from the value's structure, never from `hash()` (salted per
process) or object addresses; a set is fingerprinted in a fixed order, a dict in its own order
(which templates see). A value of a kind it does not know raises Unprintable: the page or output
that read one is then never taken from an earlier build, which is slower but never stale.

Two things keep it cheap. Fingerprints of containers and objects are kept by identity for as
long as the object lives, since many pages read the same objects (history and service pages
list the same incident states). And a model object that names its `origin` (an incident or
maintenance window: its file and that file's digest, content/model.py) is fingerprinted by that
name, not by walking its hundred-odd values: it is wholly made from its file, site.yaml,
services.yaml and the code, and every record of reads is kept only for the same last three.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from types import BuiltinFunctionType, FunctionType
from typing import Any

Print = bytes
_SIZE = 16
_TIMES = (datetime, date, time, timedelta, tzinfo)


class Unprintable(Exception):
    """A value of a kind that has no fingerprint: whatever read it is made again every time."""


class Prints:
    """Fingerprints of values, kept by identity. `fresh()` starts a new generation: what the last
    one did not ask for again is let go (the preview keeps one across rebuilds)."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Any, Print]] = {}
        self._last: dict[int, tuple[Any, Print]] = {}
        self._shapes: dict[type, _Shape] = {}

    def fresh(self) -> None:
        self._last, self._known = self._known, {}

    def of(self, value: Any) -> Print:
        """The fingerprint of `value`; Unprintable when it holds a kind of value no fingerprint is made for."""
        kind = type(value)
        if kind is str or kind is int or kind is bool or kind is float or value is None:
            parts: list[bytes] = []
            self._add(value, parts)
            return _digest(parts)
        return self._object(value, kind)

    def _object(self, value: Any, kind: type) -> Print:
        """The fingerprint of a value that is not a plain scalar, kept by the value's identity."""
        key = id(value)
        found = self._known.get(key)
        if found is not None and found[0] is value:
            return found[1]
        found = self._last.get(key) if self._last else None
        if found is None or found[0] is not value:
            found = (value, self._compute(value, kind))
        self._known[key] = found
        return found[1]

    def _add(self, value: Any, parts: list[bytes]) -> None:
        """Append `value`'s encoding to `parts`: a scalar written out, anything else as its own fingerprint."""
        kind = type(value)
        if kind is str:
            encoded = value.encode("utf-8", "surrogatepass")
            parts += (b"s%d:" % len(encoded), encoded)
        elif kind is int or kind is bool or kind is float or value is None:
            parts.append(b"%s%r;" % (kind.__name__.encode(), value))
        else:
            parts += (b"#", self._object(value, kind))

    def _compute(self, value: Any, kind: type) -> Print:
        shape = self._shapes.get(kind) or self._shapes.setdefault(kind, _shape(kind))
        parts = [shape.name]
        sort = shape.sort
        if sort is _Sort.SEQUENCE:
            if all(type(item) in _PLAIN for item in value):  # ids, statuses: one repr is exact and quick
                parts.append(repr(value).encode("utf-8", "surrogatepass"))
            else:
                for item in value:
                    self._add(item, parts)
        elif sort is _Sort.MAPPING:
            for key, item in value.items():
                self._add(key, parts)
                self._add(item, parts)
        elif sort is _Sort.SET:
            parts += sorted(self.of(item) for item in value)
        elif sort is _Sort.ORIGIN and value.origin is not None:
            parts.append(value.origin.encode("utf-8", "surrogatepass"))
        elif sort is _Sort.ORIGIN or sort is _Sort.FIELDS:
            for name in shape.fields:
                self._add(getattr(value, name), parts)
        elif sort is _Sort.TEXT:
            parts.append(value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value)
        elif sort is _Sort.REPR:
            parts.append(repr(value).encode())
        elif sort is _Sort.CODE:
            parts.append(f"{value.__module__}.{value.__qualname__}".encode())
        else:
            raise Unprintable(f"no fingerprint for a {kind.__qualname__}")
        return _digest(parts)


class _Sort(enum.Enum):
    SEQUENCE = enum.auto()
    MAPPING = enum.auto()
    SET = enum.auto()
    TEXT = enum.auto()
    REPR = enum.auto()
    ORIGIN = enum.auto()
    FIELDS = enum.auto()
    CODE = enum.auto()
    NONE = enum.auto()


@dataclass(frozen=True)
class _Shape:
    """How values of one type are fingerprinted, worked out once per type."""

    name: bytes
    sort: _Sort
    fields: tuple[str, ...] = ()


_PLAIN = frozenset({str, int, bool, float, type(None)})


def _shape(kind: type) -> _Shape:
    name = f"{kind.__module__}.{kind.__qualname__}:".encode()
    if kind is tuple or kind is list:
        return _Shape(name, _Sort.SEQUENCE)
    if kind is dict:
        return _Shape(name, _Sort.MAPPING)
    if kind is frozenset or kind is set:
        return _Shape(name, _Sort.SET)
    if issubclass(kind, (str, bytes)):  # Markup and other kinds of text
        return _Shape(name, _Sort.TEXT)
    if issubclass(kind, _TIMES):
        return _Shape(name, _Sort.REPR)
    if dataclasses.is_dataclass(kind):
        fields = tuple(f.name for f in dataclasses.fields(kind))
        return _Shape(name, _Sort.ORIGIN if "origin" in fields else _Sort.FIELDS, fields)
    if kind is FunctionType or kind is BuiltinFunctionType or kind is type:
        return _Shape(name, _Sort.CODE)
    return _Shape(name, _Sort.NONE)


def _digest(parts: list[bytes]) -> Print:
    return hashlib.blake2b(b"".join(parts), digest_size=_SIZE).digest()
