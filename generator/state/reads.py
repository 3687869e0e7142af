"""What a page reads while it renders, recorded as facts.

A page is a function of its template and the values it reads from the render context. While a
page renders we record those reads as *facts*: a path from a context variable to a value, like
`snap.services['id-check']` or `snap.incident('2025-09-26-nirs-fire')`, each with the value the
page saw. The record of them (record.py) decides, for the build and the preview alike, which
pages must be rendered again: those that read a fact whose value is different now.

Reads are recorded at two levels. Jinja resolves every context variable a template (or a macro
module it imports) mentions through the theme's tracking context (site/templating.py), which
records the variable as a whole. The big, shared values (the snapshot, the content, any dict)
are handed to templates behind thin proxies that record the attribute, key or method call
actually used instead, so a service page depends on its own service's state, not on the whole
site's. Anything a proxy does not understand is recorded as a read of the whole value, which is
always safe, merely slower. Proxies report to whichever recorder is current (a context variable),
so one set of proxies serves every page of a view, and a part of a page rendered once and reused
on other pages (`{% cache %}`) can hand its reads to each page that shows it.
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
    """The facts one page (or one part of a page) read, with the value each had; `plain` names
    the context variables recorded whole."""

    def __init__(self, plain: frozenset[str]) -> None:
        self.plain = plain
        self.facts: dict[Fact, Any] = {}

    def add(self, fact: Fact, value: Any) -> None:
        self.facts[fact] = value


RECORDER: ContextVar[Recorder | None] = ContextVar("noticeboard_recorder", default=None)


def current_recorder() -> Recorder | None:
    """The recorder of the page being rendered in this thread, if its reads are being recorded."""
    return RECORDER.get()


@contextlib.contextmanager
def recording(recorder: Recorder) -> Iterator[Recorder]:
    token = RECORDER.set(recorder)
    try:
        yield recorder
    finally:
        RECORDER.reset(token)


@dataclass(frozen=True)
class Tracked:
    """One view's shared context with its big values behind proxies, for every page of the view,
    and the names of the values a page's recorder records whole."""

    context: dict[str, Any]
    plain: frozenset[str]

    def recorder(self) -> Recorder:
        return Recorder(self.plain)


def tracked(shared: dict[str, Any]) -> Tracked:
    proxied = {name for name, value in shared.items() if _proxied(value)}
    context = {name: _wrap(value, (name,)) if name in proxied else value for name, value in shared.items()}
    return Tracked(context, frozenset(shared) - proxied)


def resolve(shared: dict[str, Any], fact: Fact) -> Any:
    """The value a fact names in one build's shared context; a failure is a value too."""
    try:
        value = shared[fact[0]]
        for step in fact[1:]:
            value = _STEPS[step[0]](value, step)
        return value
    except Exception as exc:  # a lookup that fails in one build and not the other is a change
        return Raised(type(exc).__name__, str(exc))


def split(fact: Fact) -> tuple[Fact, Fact]:
    """A fact as (the path to its parent, its last step); a whole context variable is a key of the context."""
    if len(fact) == 1:
        return (), ("key", fact[0])
    return fact[:-1], fact[-1]


def last_step(parent: Any, kind: str) -> Callable[[Fact], Any]:
    """How to take one last step of `kind` from `parent`, failures included as values."""
    if isinstance(parent, Raised):
        return lambda step: parent
    if kind == "key" and type(parent) is dict:
        return lambda step: parent.get(step[1], MISSING)
    take = _STEPS[kind]

    def last(step: Fact) -> Any:
        try:
            return take(parent, step)
        except Exception as exc:
            return Raised(type(exc).__name__, str(exc))

    return last


def _proxied(value: Any) -> bool:
    return isinstance(value, (dict, *PROXIED_TYPES))


@dataclass(frozen=True)
class Raised:
    """A fact whose lookup raised; equal to another only if it raised the same way."""

    kind: str
    message: str


MISSING = Raised("KeyError", "missing")


def _attr(value: Any, step: Fact) -> Any:
    return getattr(value, step[1])


def _call(value: Any, step: Fact) -> Any:
    return value(*step[1], **dict(step[2])) if step[2] else value(*step[1])


def _key(value: Any, step: Fact) -> Any:
    return value.get(step[1], MISSING)


_STEPS = {"attr": _attr, "call": _call, "key": _key}


def _note(fact: Fact, value: Any) -> None:
    recorder = RECORDER.get()
    if recorder is not None:
        recorder.facts[fact] = value


def _wrap(value: Any, fact: Fact) -> Any:
    """Dicts and model objects get a proxy that records finer reads; anything else is read whole now."""
    if isinstance(value, dict):
        return _MappingProxy(value, fact)
    if isinstance(value, PROXIED_TYPES):
        return _ObjectProxy(value, fact)
    _note(fact, value)
    return value


class _ObjectProxy:
    """Attribute reads and method calls on a model object, each recorded as its own fact."""

    __slots__ = ("_target", "_fact")

    def __init__(self, target: Any, fact: Fact) -> None:
        self._target, self._fact = target, fact

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        fact = self._fact + (("attr", name),)
        if callable(value) and not isinstance(value, type):
            return _Method(value, fact)
        return _wrap(value, fact)

    def __bool__(self) -> bool:
        _note(self._fact, self._target)
        return bool(self._target)


class _Method:
    __slots__ = ("_method", "_fact")

    def __init__(self, method: Any, fact: Fact) -> None:
        self._method, self._fact = method, fact

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        value = self._method(*args, **kwargs)
        step = ("call", args, tuple(sorted(kwargs.items())))
        try:
            _note(self._fact + (step,), value)
        except TypeError:  # unhashable arguments: depend on the whole object instead
            _note(self._fact[:-1], self._method.__self__)
        return value


class _MappingProxy:
    """Lookups by key are recorded per key; anything that sees every entry reads the whole dict."""

    __slots__ = ("_target", "_fact")

    def __init__(self, target: dict[Any, Any], fact: Fact) -> None:
        self._target, self._fact = target, fact

    def _read_key(self, key: Any) -> None:
        try:
            _note(self._fact + (("key", key),), self._target.get(key, MISSING))
        except TypeError:
            _note(self._fact, self._target)

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
        _note(self._fact, self._target)
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
