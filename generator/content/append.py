"""Add an update at the end of an incident's `updates`, leaving every other byte of the file as it
was: its comments, its key order, its blank lines, how it quotes and indents.

A round trip through a YAML library rewrites what it does not keep exactly (the spacing inside
`{ ko: …, en: … }`, a sequence indented another way, a long line), and an operator who finds
their notice reformatted by a command stops trusting it. So ruamel.yaml's round-trip parser only
says where the last update ends and how the list is indented, its round-trip emitter writes the
new entry alone (quoting a pasted text however YAML needs, a multi-line body as a `|` block),
and the entry is spliced in as text. The result is read back with the project's own loader
and must hold exactly the old data plus the entry, or nothing is returned.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from generator.content.yamlfile import LoadFailure, parse_yaml, reads_as_text
from generator.errors import NoticeboardError

Entry = Mapping[str, Any]  # an update as plain data: texts, mappings of texts, in the order to write


class Moment(str):
    """A time as the files write it (`2025-09-27T10:00+09:00`), emitted plain: a round-trip
    emitter would quote one with seconds, which YAML 1.1 would read as a timestamp."""


def append_update(text: str, entry: Entry) -> str:
    """`text` (an incident file) with `entry` added as its last update, formatted like the others."""
    root = _yaml().compose(text)
    updates = _updates(root)
    last = updates.value[-1]
    dash = _dash_column(text, last)
    column = last.start_mark.column if isinstance(last, MappingNode) and not last.flow_style else dash + 2
    end, kept = _end(text, last, dash)
    newline = "\r\n" if "\r\n" in text else "\n"
    head = text[:end] if text[:end].endswith("\n") or not end else text[:end] + newline
    gap = newline if len(updates.value) > 1 and _blank_before(text, last) and not kept else ""
    result = head + gap + _render(entry, dash, column, _nested_indent(updates), newline) + text[end:]
    _same_but_added(text, result, entry)
    return result


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.width = 1_000_000  # never fold a long line of a body into two
    return yaml


class _Representer(RoundTripRepresenter):
    pass


_RESOLVER = VersionedResolver()


def _moment(representer: RoundTripRepresenter, data: Moment) -> ScalarNode:
    """Tagged as what the emitter would read it as, so it writes it as it is."""
    node: ScalarNode = representer.represent_scalar(_RESOLVER.resolve(ScalarNode, str(data), (True, False)), str(data))
    return node


_Representer.add_representer(Moment, _moment)


def _updates(root: Node | None) -> SequenceNode:
    """The `updates` list, which must be written as a block list (`- at: …`) to be added to."""
    pairs = root.value if isinstance(root, MappingNode) else []
    found = next((value for key, value in pairs if isinstance(key, ScalarNode) and key.value == "updates"), None)
    if not isinstance(found, SequenceNode) or found.flow_style or not found.value:
        raise NoticeboardError("the incident's updates are not written as a list of entries starting with '- ', "
                               "so an update can't be added to them; hint: write them like the example in "
                               "docs/content-format.md, or add the update by hand")
    return found


def _dash_column(text: str, item: Node) -> int:
    """The column of the `-` that starts a list entry (the entry's own mark is its first key)."""
    index = int(item.start_mark.index) - 1
    while index >= 0 and text[index] in " \t\r\n":
        index -= 1
    if index < 0 or text[index] != "-":
        return max(int(item.start_mark.column) - 2, 0)
    return index - (text.rfind("\n", 0, index) + 1)


def _nested_indent(updates: SequenceNode) -> int:
    """How far the file indents a mapping inside an update (`body:` → `ko:`), as the latest update
    that shows it does; 2 if none does."""
    for item in reversed(updates.value):
        pairs = item.value if isinstance(item, MappingNode) and not item.flow_style else []
        for key, value in pairs:
            if isinstance(value, MappingNode) and not value.flow_style and value.start_mark.column > key.start_mark.column:
                return int(value.start_mark.column) - int(key.start_mark.column)
    return 2


def _end(text: str, item: Node, dash: int) -> tuple[int, bool]:
    """Where the last entry ends: the start of the line after its last value and after comment lines
    indented under it (a `|` block's trailing blank lines are not its own unless kept with `|+`);
    and whether it ends with such a kept block, which a blank line after it would be added to."""
    leaf = item
    while isinstance(leaf, (MappingNode, SequenceNode)) and not leaf.flow_style and leaf.value:
        leaf = leaf.value[-1][1] if isinstance(leaf, MappingNode) else leaf.value[-1]
    end = int(leaf.end_mark.index)
    kept = False
    if isinstance(leaf, ScalarNode) and leaf.style in ("|", ">"):
        kept = "+" in text[leaf.start_mark.index:text.find("\n", leaf.start_mark.index)].split("#")[0]
        if not kept:
            while end > 0 and not text[text.rfind("\n", 0, end - 1) + 1:end].strip():
                end = text.rfind("\n", 0, end - 1) + 1
    elif text[text.rfind("\n", 0, end) + 1:end].strip():
        end = _next_line(text, end)
    while not kept and end < len(text) and _comment_under(text[end:_next_line(text, end)], dash):
        end = _next_line(text, end)
    return end, kept


def _next_line(text: str, index: int) -> int:
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _comment_under(line: str, dash: int) -> bool:
    stripped = line.lstrip(" ")
    return stripped.startswith("#") and len(line) - len(stripped) > dash


def _blank_before(text: str, item: Node) -> bool:
    """Whether the file leaves a blank line between updates (the demo does): the new one does too."""
    line_start = text.rfind("\n", 0, item.start_mark.index) + 1
    before = text.rfind("\n", 0, max(line_start - 1, 0))
    return line_start > 0 and not text[before + 1:line_start].strip()


def _render(entry: Entry, dash: int, column: int, indent: int, newline: str) -> str:
    """The entry as a list item at the file's indentation: `-` at `dash`, keys at `column`."""
    yaml = _yaml()
    yaml.indent(mapping=indent, sequence=indent, offset=0)
    stream = io.StringIO()
    yaml.dump(_commented(entry), stream)
    lines = stream.getvalue().splitlines()
    first = " " * dash + "-" + " " * (column - dash - 1) + lines[0]
    rest = [" " * column + line if line else "" for line in lines[1:]]
    return newline.join([first, *rest]) + newline


def _commented(value: Any) -> Any:
    """Plain data as ruamel's round-trip types: mappings keep their order, a text of several lines
    becomes a `|` block, and a text these files would read as a number or true/false is quoted
    (ruamel reads YAML 1.2, where `1:30` or `0o17` is a text; the project's loader does not)."""
    if isinstance(value, Mapping):
        return CommentedMap((_commented(key), _commented(item)) for key, item in value.items())
    if isinstance(value, Moment) or not isinstance(value, str):
        return value
    if "\n" in value.strip("\n"):
        return LiteralScalarString(value if value.endswith("\n") else value + "\n")
    return value if reads_as_text(value) else DoubleQuotedScalarString(value)


def _same_but_added(before: str, after: str, entry: Entry) -> None:
    """The file as written must read as the old one with `entry` added, or it is not written."""
    old = parse_yaml(before, Path("notice.yaml"), "notice.yaml").data
    try:
        new = parse_yaml(after, Path("notice.yaml"), "notice.yaml").data
    except LoadFailure:
        return  # the entry itself can't be read (a text too long): `check` on the result says where
    expected = {**old, "updates": [*old["updates"], _plain(entry)]}
    if new != expected:
        raise _not_added("the file would read differently")


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, str) and not isinstance(value, Moment) and "\n" in value.strip("\n"):
        return value if value.endswith("\n") else value + "\n"
    return str(value) if isinstance(value, str) else value


def _not_added(why: str) -> NoticeboardError:
    return NoticeboardError(f"the update could not be added without changing the rest of the file ({why}), so "
                            "the file was left as it was; hint: add it by hand, and please report this file's "
                            "layout as a bug")
