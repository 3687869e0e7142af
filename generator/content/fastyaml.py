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
from dataclasses import dataclass
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


def plain_data(text: str, dialect: Dialect) -> Any:
    """The data of a one-document YAML text, exactly as the thorough loader would build it, or Irregular.

    One loop with an explicit stack (no recursion, so no depth can crash it); it runs for every
    value of every notice, hence the flat style."""
    builder = _Builder(dialect, dialect.has_invisible(text))
    stack, keys = builder.stack, builder.keys
    values = documents = 0
    loader = dialect.loader(text)
    try:
        while True:  # get_event directly: yaml.parse's generator and check_event cost a third
            event = loader.get_event()
            kind = type(event)
            if kind is ScalarEvent:
                values += 1
                if event.anchor is not None or values > dialect.max_values:
                    raise Irregular
                value = builder.scalar(event)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                values += 1
                if (event.anchor is not None or event.tag is not None or len(stack) >= dialect.max_depth
                        or values > dialect.max_values):
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
                builder.result = value
            elif type(stack[-1]) is list:
                stack[-1].append(value)
            elif keys[-1] is not _NO_KEY:
                stack[-1][keys[-1]] = value
                keys[-1] = _NO_KEY
            else:
                keys[-1] = builder.key(value, event, stack[-1])
    except yaml.YAMLError:
        raise Irregular from None
    finally:
        loader.dispose()
    return builder.result


class _Builder:
    """What the loop needs beyond its stack: turning scalars into values, and mapping keys."""

    def __init__(self, dialect: Dialect, suspicious: bool) -> None:
        self.dialect = dialect
        self.suspicious = suspicious  # an invisible character somewhere in the raw text
        self.resolve = dialect.resolver.resolve
        # A plain scalar whose first character no implicit resolver looks at is a text (as in resolve).
        self.firsts = set(dialect.resolver.yaml_implicit_resolvers)
        self.scalars = SafeConstructor()
        self.stack: list[Any] = []
        self.keys: list[Any] = []
        self.result: Any = None

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
