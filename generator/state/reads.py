"""What each page read while it rendered, so the preview re-renders only pages whose inputs changed.

A page is a function of its template and the values it reads from the render context. While a
page renders we record those reads as *facts*: a path from a context variable to a value, like
`snap.services['id-check']` or `snap.incident('2025-09-26-nirs-fire')`. After an edit, a page is
reused only if every fact it recorded resolves to an equal value in the new build.

Reads are recorded at two levels. Jinja resolves every context variable a template (or a macro
module it imports) mentions through `TrackingContext`, which records the variable as a whole.
The big, shared values (the snapshot, the content, any dict) are handed to templates behind
thin proxies that record the attribute, key or method call actually used instead, so a service
page depends on its own service's state, not on the whole site's. Anything a proxy does not
understand is recorded as a read of the whole value, which is always safe, merely slower.
Each fact is recorded with the value the page saw, so checking it later resolves only the new value.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from generator.content.model import Content
from generator.state.derive import Snapshot

Fact = tuple[Any, ...]
PROXIED_TYPES = (Snapshot, Content)


class Recorder:
    """The facts one page read, with the value each had; `plain` names the context variables recorded whole."""

    def __init__(self, plain: frozenset[str]) -> None:
        self.plain = plain
        self.facts: dict[Fact, Any] = {}

    def add(self, fact: Fact, value: Any) -> None:
        self.facts[fact] = value


_RECORDER: ContextVar[Recorder | None] = ContextVar("noticeboard_recorder", default=None)


def current_recorder() -> Recorder | None:
    """The recorder of the page being rendered in this thread, if its reads are being recorded."""
    return _RECORDER.get()


@contextlib.contextmanager
def recording(recorder: Recorder) -> Iterator[Recorder]:
    token = _RECORDER.set(recorder)
    try:
        yield recorder
    finally:
        _RECORDER.reset(token)


def tracked(shared: dict[str, Any]) -> tuple[dict[str, Any], Recorder]:
    """The shared context with its big values behind proxies, and the recorder they report to."""
    proxied = {name for name, value in shared.items() if _proxied(value)}
    recorder = Recorder(frozenset(shared) - proxied)
    context = {name: _wrap(value, (name,), recorder) if name in proxied else value for name, value in shared.items()}
    return context, recorder


def resolve(shared: dict[str, Any], fact: Fact) -> Any:
    """The value a fact names in one build's shared context; a failure is a value too."""
    try:
        value = shared[fact[0]]
        for step in fact[1:]:
            value = _STEPS[step[0]](value, step)
        return value
    except Exception as exc:  # a lookup that fails in one build and not the other is a change
        return _Raised(type(exc).__name__, str(exc))


class _Read:
    """The value one fact had when last rendered or checked, and the pages that read it."""

    __slots__ = ("value", "readers")

    def __init__(self, value: Any) -> None:
        self.value, self.readers = value, set[str]()


class Reads:
    """Which rendered pages of one view read which fact, and the value each fact had for them.

    Facts are kept grouped by everything but their last step (10,000 incident pages each read
    `snap.incident(...)`; 6,000 section entries each read `services_hit[...]`), so checking them
    after an edit resolves each shared path once and then only the last steps, in a tight loop:
    that check runs on every save in the preview."""

    def __init__(self) -> None:
        self._groups: dict[tuple[Fact, str], dict[Fact, _Read]] = {}

    def add(self, path: str, facts: dict[Fact, Any]) -> None:
        for fact, value in facts.items():
            prefix, step = _split(fact)
            group = self._groups.setdefault((prefix, step[0]), {})
            read = group.get(step)
            if read is None:
                read = group[step] = _Read(value)
            read.value = value
            read.readers.add(path)

    def stale(self, shared: dict[str, Any]) -> set[str]:
        """Pages that read a fact whose value differs in `shared` (a newer build's context). Each
        fact's new value is kept, since the pages that stay read the same."""
        found: set[str] = set()
        for (prefix, kind), group in self._groups.items():
            parent = resolve(shared, prefix) if prefix else shared
            last = _last_step(parent, kind)
            for step, read in group.items():
                after = last(step)
                if read.value is not after and read.value != after:
                    found |= read.readers
                read.value = after
        return found

    def forget(self, path: str, facts: frozenset[Fact]) -> None:
        """A page that will render again (or is gone) no longer reads what it read."""
        for fact in facts:
            prefix, step = _split(fact)
            group = self._groups.get((prefix, step[0]))
            read = group.get(step) if group is not None else None
            if read is not None:
                read.readers.discard(path)
                if not read.readers:
                    del group[step]  # type: ignore[union-attr]
                    if not group:
                        del self._groups[(prefix, step[0])]


def _split(fact: Fact) -> tuple[Fact, Fact]:
    """A fact as (the path to its parent, its last step); a whole context variable is a key of the context."""
    if len(fact) == 1:
        return (), ("key", fact[0])
    return fact[:-1], fact[-1]


def _last_step(parent: Any, kind: str) -> Callable[[Fact], Any]:
    """How to take one last step of `kind` from `parent`, failures included as values."""
    if isinstance(parent, _Raised):
        return lambda step: parent
    if kind == "key" and type(parent) is dict:
        return lambda step: parent.get(step[1], _MISSING)
    take = _STEPS[kind]

    def last(step: Fact) -> Any:
        try:
            return take(parent, step)
        except Exception as exc:
            return _Raised(type(exc).__name__, str(exc))

    return last


def _proxied(value: Any) -> bool:
    return isinstance(value, (dict, *PROXIED_TYPES))


@dataclass(frozen=True)
class _Raised:
    """A fact whose lookup raised; equal to another only if it raised the same way."""

    kind: str
    message: str


_MISSING = _Raised("KeyError", "missing")


def _attr(value: Any, step: Fact) -> Any:
    return getattr(value, step[1])


def _call(value: Any, step: Fact) -> Any:
    return value(*step[1], **dict(step[2])) if step[2] else value(*step[1])


def _key(value: Any, step: Fact) -> Any:
    return value.get(step[1], _MISSING)


_STEPS = {"attr": _attr, "call": _call, "key": _key}


def _wrap(value: Any, fact: Fact, recorder: Recorder) -> Any:
    """Dicts and model objects get a proxy that records finer reads; anything else is read whole now."""
    if isinstance(value, dict):
        return _MappingProxy(value, fact, recorder)
    if isinstance(value, PROXIED_TYPES):
        return _ObjectProxy(value, fact, recorder)
    recorder.add(fact, value)
    return value


class _ObjectProxy:
    """Attribute reads and method calls on a model object, each recorded as its own fact."""

    __slots__ = ("_target", "_fact", "_recorder")

    def __init__(self, target: Any, fact: Fact, recorder: Recorder) -> None:
        self._target, self._fact, self._recorder = target, fact, recorder

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        fact = self._fact + (("attr", name),)
        if callable(value) and not isinstance(value, type):
            return _Method(value, fact, self._recorder)
        return _wrap(value, fact, self._recorder)

    def __bool__(self) -> bool:
        self._recorder.add(self._fact, self._target)
        return bool(self._target)


class _Method:
    __slots__ = ("_method", "_fact", "_recorder")

    def __init__(self, method: Any, fact: Fact, recorder: Recorder) -> None:
        self._method, self._fact, self._recorder = method, fact, recorder

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        value = self._method(*args, **kwargs)
        step = ("call", args, tuple(sorted(kwargs.items())))
        try:
            self._recorder.add(self._fact + (step,), value)
        except TypeError:  # unhashable arguments: depend on the whole object instead
            self._recorder.add(self._fact[:-1], self._method.__self__)
        return value


class _MappingProxy:
    """Lookups by key are recorded per key; anything that sees every entry reads the whole dict."""

    __slots__ = ("_target", "_fact", "_recorder")

    def __init__(self, target: dict[Any, Any], fact: Fact, recorder: Recorder) -> None:
        self._target, self._fact, self._recorder = target, fact, recorder

    def _read_key(self, key: Any) -> None:
        try:
            self._recorder.add(self._fact + (("key", key),), self._target.get(key, _MISSING))
        except TypeError:
            self._recorder.add(self._fact, self._target)

    def __getitem__(self, key: Any) -> Any:
        self._read_key(key)
        return self._target[key]

    def get(self, key: Any, default: Any = None) -> Any:
        self._read_key(key)
        return self._target.get(key, default)

    def __contains__(self, key: Any) -> bool:
        self._read_key(key)
        return key in self._target

    def _whole(self) -> dict[Any, Any]:
        self._recorder.add(self._fact, self._target)
        return self._target

    def __iter__(self) -> Iterator[Any]:
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())

    def __bool__(self) -> bool:
        return bool(self._whole())

    def keys(self) -> Any:
        return self._whole().keys()

    def values(self) -> Any:
        return self._whole().values()

    def items(self) -> Any:
        return self._whole().items()
