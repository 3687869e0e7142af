"""The usual case of loading a notice, fast: plain YAML data from one pass over libyaml's events.

A cold check of 10,000 incidents spent three quarters of its time in YAML: a pass over the event
stream to enforce the limits, libyaml's composer building a node tree, and a walk over the tree
recording every value's line and column. Positions are needed only to point at a problem, which
almost no file has. So `plain_data` builds the data straight from the events, enforcing the same
limits, and gives up (`Irregular`) at the first thing that is not the everyday case: a syntax
error, a limit crossed, an anchor, an explicit tag, an invisible character, a duplicate or complex
key. The caller then takes the thorough path, which says exactly what is wrong and where, so every
message stays the same; a document loaded here finds its positions the thorough way on demand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import BaseResolver

_STR = "tag:yaml.org,2002:str"
_NO_KEY = object()


class Irregular(Exception):
    """Not the everyday case: load this file the thorough way."""


@dataclass(frozen=True)
class Dialect:
    """What the thorough loader accepts, so both paths agree on every file the fast one takes."""

    loader: type
    resolver: BaseResolver
    has_invisible: Callable[[str], bool]
    plain_tags: frozenset[str]
    max_depth: int
    max_values: int
    max_text_chars: int
    max_number_chars: int
    known: dict[str, Any] = field(default_factory=dict, compare=False)  # plain_data's memory of plain scalars


def plain_data(text: str, dialect: Dialect) -> Any:
    """The data of a one-document YAML text, exactly as the thorough loader would build it, or Irregular.

    One loop with an explicit stack (no recursion, so no depth can crash it); it runs for every
    value of every notice, hence the flat style: what an everyday value needs (a plain scalar
    seen before, a text, a key) is done in the loop, the rest in `_Builder`."""
    suspicious = dialect.has_invisible(text)
    builder = _Builder(dialect, suspicious)
    known = dialect.known if not suspicious else {}
    stack: list[Any] = []
    keys: list[Any] = []
    result: Any = None
    values = documents = 0
    max_values, max_depth, max_text = dialect.max_values, dialect.max_depth, dialect.max_text_chars
    loader = dialect.loader(text)
    get_event = loader.get_event  # directly: yaml.parse's generator and check_event cost a third
    try:
        while True:
            event = get_event()
            kind = type(event)
            if kind is ScalarEvent:
                values += 1
                if event.anchor is not None or values > max_values:
                    raise Irregular
                value = event.value
                if event.implicit[0]:  # plain: a number, true/false, nothing or a text, told by its text alone
                    found = known.get(value, _NO_KEY)
                    if found is _NO_KEY:
                        found = builder.scalar(event)
                        if len(value) <= KNOWN_CHARS and len(known) < KNOWN_VALUES:
                            known[value] = found
                    value = found
                elif event.tag is None and event.style != '"' and not suspicious and len(value) <= max_text:
                    pass  # quoted or a block, without escapes: the text as written
                else:
                    value = builder.scalar(event)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                values += 1
                if (event.anchor is not None or event.tag is not None or len(stack) >= max_depth
                        or values > max_values):
                    raise Irregular
                stack.append({} if kind is MappingStartEvent else [])
                keys.append(_NO_KEY)
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                keys.pop()
                value = stack.pop()
                event = None
            elif kind is AliasEvent:
                raise Irregular
            elif kind is StreamEndEvent or event is None:
                break
            else:
                documents += kind is DocumentStartEvent
                if documents > 1:
                    raise Irregular
                continue
            if not stack:
                result = value
                continue
            top = stack[-1]
            if type(top) is list:
                top.append(value)
            elif keys[-1] is not _NO_KEY:
                top[keys[-1]] = value
                keys[-1] = _NO_KEY
            elif type(value) is str and event is not None and value not in top:
                keys[-1] = value
            else:
                keys[-1] = builder.key(value, event, top)
    except yaml.YAMLError:
        raise Irregular from None
    finally:
        loader.dispose()
    return result


# Plain scalars remembered with their values: keys, statuses, language codes and ids recur in
# every notice, and resolving each again (a regex per number-like text) was a third of the loop.
KNOWN_CHARS = 40
KNOWN_VALUES = 4096


class _Builder:
    """What the loop needs beyond its stack: turning scalars into values, and mapping keys."""

    def __init__(self, dialect: Dialect, suspicious: bool) -> None:
        self.dialect = dialect
        self.suspicious = suspicious  # an invisible character somewhere in the raw text
        self.resolve = dialect.resolver.resolve
        # A plain scalar whose first character no implicit resolver looks at is a text (as in resolve).
        self.firsts = set(dialect.resolver.yaml_implicit_resolvers)
        self.scalars = SafeConstructor()

    def scalar(self, event: ScalarEvent) -> Any:
        value = event.value
        if event.tag is not None and event.tag != "!":
            raise Irregular
        if not event.implicit[0] or (value and None not in self.firsts and value[0] not in self.firsts):
            tag = _STR
        else:
            tag = self.resolve(ScalarNode, value, event.implicit)  # type: ignore[no-untyped-call]
        if tag == _STR:
            return self.text(event)
        if tag not in self.dialect.plain_tags or len(value) > self.dialect.max_number_chars:
            raise Irregular
        marks = (event.start_mark, event.end_mark)  # libyaml's own Mark type, which constructors read alike
        return self.scalars.construct_object(ScalarNode(tag, value, *marks))  # type: ignore[arg-type]

    def text(self, event: ScalarEvent) -> str:
        """Only a double-quoted scalar can make a character the raw text lacks (with an escape)."""
        value = str(event.value)
        if (self.suspicious or event.style == '"') and self.dialect.has_invisible(value):
            raise Irregular
        if len(value) > self.dialect.max_text_chars:
            raise Irregular
        return value

    def key(self, value: Any, event: ScalarEvent | None, mapping: dict[str, Any]) -> str:
        """A mapping key: a scalar, as its text (the thorough loader keeps `1:` as '1'), said once."""
        if event is None or value is None or type(value) is not str and not isinstance(value, (int, float)):
            raise Irregular
        key = value if type(value) is str else self.text(event)
        if key in mapping:
            raise Irregular
        return key
