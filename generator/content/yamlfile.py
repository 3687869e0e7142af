"""One YAML text into plain data that remembers positions: the dialect notices are written in.

Every value keeps the line and column it came from, so later stages can point at the exact
spot in the file. Parsing is deliberately strict and bounded: safe construction only, no
anchors or aliases (an alias bomb cannot expand), capped nesting depth, number of values and
length of a text. Invisible control characters, which break feeds and calendars, are left out
of texts with a warning. The limits are documented in docs/limits.md.

An everyday file is read by fastyaml's one pass, and its positions are found this thorough way
only when a problem needs one; anything unusual is read the thorough way from the start.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.content.fastyaml import Dialect, Irregular, plain_data
from generator.errors import Location, Problem

MAX_DEPTH = 50
MAX_VALUES = 100_000
MAX_TEXT_CHARS = 20_000
_MAX_NUMBER_CHARS = 100  # Python refuses to parse integers past 4,300 digits

KeyPath = tuple[Any, ...]

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# C0/C1 controls (tab, line feed and carriage return aside), DEL and Unicode noncharacters: YAML's
# "\x00"-style escapes can produce them, HTML flags them and XML (feeds) and iCalendar forbid them.
# U+FEFF is a byte-order mark that ended up mid-file (files joined with cat), never meant as text.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufeff"
                        + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17)) + "]")
# The same test in two cheap steps: a class within the BMP compiles to a bitmap (ten times faster
# than the class above, which lists the astral noncharacters one by one), and only a text with a
# character beyond the BMP needs the full class.
_INVISIBLE_BMP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufeff\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def has_invisible(text: str) -> bool:
    """Whether _INVISIBLE would find something in `text`. Every character it looks for is
    unprintable to Python (a control, a format character or a noncharacter), and telling a text
    printable is a third of a search's cost: a notice is almost always told by that alone."""
    if text.replace("\n", "").isprintable():
        return False
    return _INVISIBLE_BMP.search(text) is not None or (
        _ASTRAL.search(text) is not None and _INVISIBLE.search(text) is not None)


class _Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """Times stay strings (we parse and check them ourselves) and only true/false are booleans,
    so a language code like `no` or a status like `on` is never silently turned into a bool."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_TIMESTAMP, _BOOL)]
        for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
    }


_Loader.add_implicit_resolver(_BOOL, re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z"), list("tTfF"))


class _Resolver(yaml.resolver.Resolver):
    """_Loader's way of telling a number from a text, for the fast path."""

    yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


@dataclass
class Document:
    """One loaded YAML file: its data and where each value and key sits in the file."""

    path: Path
    name: str
    data: Any
    value_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    digest: str = ""
    warnings: list[Problem] = field(default_factory=list)
    unmarked: str | None = None  # the text, while positions have not been looked for yet

    def loc(self, keys: KeyPath, *, key: bool = False) -> Location:
        """The position of a value (or of its key), falling back to the nearest enclosing one."""
        if self.unmarked is not None:
            self._find_marks(self.unmarked)
        marks = self.key_marks if key else self.value_marks
        probe = tuple(keys)
        while probe:
            if probe in marks:
                line, column = marks[probe]
                return Location(self.name, line, column)
            probe = probe[:-1]
        line, column = self.value_marks.get((), (1, 1))
        return Location(self.name, line, column)

    def _find_marks(self, text: str) -> None:
        """Positions for a document loaded the fast way, found the thorough way once a problem
        needs one (the fast path took the text, so this cannot fail)."""
        node = yaml.compose(text, Loader=_Loader)
        if node is not None:
            _Converter(self, []).convert(node, (), 0)
        self.unmarked = None


class LoadFailure(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def parse_yaml(text: str, path: Path, name: str) -> Document:
    """Parse one YAML document into a Document, or raise LoadFailure with a located problem.
    An everyday file is read the fast way, its positions found only if a problem needs one."""
    try:
        return Document(path=path, name=name, data=plain_data(text, _DIALECT), unmarked=text)
    except Irregular:
        pass
    try:
        _check_shape(text, name)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise LoadFailure(_depth_problem(exc, name) or _syntax_problem(exc, name, text)) from None
    except yaml.reader.ReaderError as exc:
        raise LoadFailure(_character_problem(exc, name, text)) from None
    except yaml.YAMLError as exc:
        raise LoadFailure(Problem(Location(name, 1, 1), f"YAML error: {exc}")) from None
    except RecursionError:
        raise LoadFailure(_too_deep(Location(name, 1, 1))) from None
    doc = Document(path=path, name=name, data=None)
    if node is None:
        doc.data = None
        return doc
    doc.data = _Converter(doc, doc.warnings).convert(node, (), 0)
    return doc


def _check_shape(text: str, name: str) -> None:
    """Walk the flat event stream before building anything: libyaml's composer recurses in C, so
    a file of 100,000 '[' would crash the process, and a few MB of tiny values would take GBs."""
    depth = values = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise LoadFailure(_too_deep(_event_loc(event, name)))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            values += 1
            if values > MAX_VALUES:
                raise LoadFailure(Problem(_event_loc(event, name), f"file holds more than {MAX_VALUES:,} values",
                                          "split it: one notice per file, and long histories into separate incidents"))


def _too_deep(location: Location) -> Problem:
    return Problem(location, f"nesting is too deep (limit {MAX_DEPTH} levels)",
                   "a notice needs only a few levels; check the indentation")


def _depth_problem(exc: yaml.MarkedYAMLError, name: str) -> Problem | None:
    """PyYAML 6.0.3+ stops deep flow nesting in its scanner, before any event reaches our own
    count: the user is told the same thing, in the same words, whichever stopped it."""
    if "maximum nesting depth" not in str(exc.problem):
        return None
    mark = exc.problem_mark
    return _too_deep(Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1))


def _event_loc(event: yaml.Event, name: str) -> Location:
    mark = event.start_mark
    return Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)


def _character_problem(exc: yaml.reader.ReaderError, name: str, text: str) -> Problem:
    """The reader stops at the first character YAML forbids, so its first occurrence is the spot."""
    character = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
    index = text.find(character)
    line = text.count("\n", 0, index) + 1 if index >= 0 else 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1 if index >= 0 else 1
    return Problem(Location(name, line, column), f"the file contains an invisible control character "
                   f"U+{ord(character):04X}", "delete it (it usually comes with text pasted from another program)")


def _syntax_problem(exc: yaml.MarkedYAMLError, name: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = " ".join(str(part) for part in (exc.context, exc.problem) if part) or "YAML syntax error"
    lines = text.splitlines()
    offending = lines[line - 1][column - 1: column] if 0 < line <= len(lines) else ""
    return Problem(Location(name, line, column), f"YAML syntax error: {message}", _syntax_hint(message, offending))


def _syntax_hint(message: str, offending: str) -> str:
    if offending == "\t" or "'\\t'" in message:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in message:
        return "a text containing ': ' must be quoted (\"...\") or written as a block with |"
    if "expected a single document" in message:
        return "remove the extra '---' line: one file holds one notice"
    if "found unexpected end of stream" in message or "while scanning a quoted scalar" in message:
        return "a quote is not closed"
    if "could not find expected ':'" in message:
        return "check the indentation of this line and the one above; every key needs ': '"
    return "check the indentation and quoting around this line"


class _Converter:
    """Turns composed YAML nodes into Python values while recording each value's position."""

    def __init__(self, doc: Document, warnings: list[Problem]) -> None:
        self.doc = doc
        self.warnings = warnings
        self.seen: set[int] = set()
        self.scalars = SafeConstructor()

    def convert(self, node: Node, keys: KeyPath, depth: int) -> Any:
        if id(node) in self.seen:
            raise LoadFailure(Problem(self._loc(node), "anchors and aliases (&name / *name) are not supported",
                                       "write the value out in full; each notice should read on its own"))
        if depth > MAX_DEPTH:
            raise LoadFailure(_too_deep(self._loc(node)))
        self.seen.add(id(node))
        self.doc.value_marks[keys] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in _PLAIN_TAGS:
            raise LoadFailure(Problem(self._loc(node), f"unsupported YAML tag {node.tag}",
                                       "remove the '!' tag; plain values are enough"))
        if isinstance(node, MappingNode):
            return self._mapping(node, keys, depth)
        if isinstance(node, SequenceNode):
            return [self.convert(item, keys + (index,), depth + 1) for index, item in enumerate(node.value)]
        if isinstance(node, ScalarNode) and node.tag == _STR:
            return self._text(node)
        if len(node.value) > _MAX_NUMBER_CHARS:
            raise LoadFailure(Problem(self._loc(node), "this number is too long to be a count or a time",
                                      "quote it (\"...\") if it is meant as text"))
        return self.scalars.construct_object(node)

    def _text(self, node: ScalarNode) -> str:
        """A text without what no page, feed or calendar can carry; too long a text is refused."""
        value = str(node.value)
        found = _INVISIBLE.search(value) if has_invisible(value) else None
        if found:
            self.warnings.append(Problem(
                self._loc(node), f"text contains an invisible control character U+{ord(found.group()):04X}; "
                "it was left out", "remove the \\x, \\u or \\e escape (or the pasted character) from the file; "
                "a line break is written \\n", severity="warning"))
            value = _INVISIBLE.sub("", value)
        if len(value) > MAX_TEXT_CHARS:
            raise LoadFailure(Problem(self._loc(node), f"text is {len(value):,} characters long; the limit is "
                                      f"{MAX_TEXT_CHARS:,}", "shorten it, or link to a longer notice on your website"))
        return value

    def _mapping(self, node: MappingNode, keys: KeyPath, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                raise LoadFailure(Problem(self._loc(key_node), "keys must be plain words",
                                           "merge keys (<<) and complex keys are not supported"))
            key = self._text(key_node)
            if key in result:
                raise LoadFailure(Problem(self._loc(key_node), f"duplicate key '{key}'",
                                           "a key may appear only once in a mapping; remove one of them"))
            self.doc.key_marks[keys + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.convert(value_node, keys + (key,), depth + 1)
        return result

    def _loc(self, node: Node) -> Location:
        return Location(self.doc.name, node.start_mark.line + 1, node.start_mark.column + 1)


_PLAIN_TAGS = {
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
}


# What the fast path in fastyaml must agree with.
_DIALECT = Dialect(_Loader, _Resolver(), has_invisible, frozenset(_PLAIN_TAGS), MAX_DEPTH, MAX_VALUES, MAX_TEXT_CHARS,
                   _MAX_NUMBER_CHARS)


def reads_as_text(value: str) -> bool:
    """Whether `value`, written unquoted, reads back as that text here (not as a number, true/false
    or nothing): what a writer of these files must quote, whatever its own YAML library thinks."""
    resolve: Callable[[type, str, tuple[bool, bool]], str] = _DIALECT.resolver.resolve
    return resolve(yaml.ScalarNode, value, (True, False)) == _STR
