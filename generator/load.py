"""Stage 1, load: read the operator's YAML files into plain data that remembers positions.

Every value keeps the line and column it came from, so later stages can point at the exact
spot in the file. Loading is deliberately strict and bounded: safe construction only, no
anchors or aliases (an alias bomb cannot expand), capped file size, nesting depth, number of
values and length of a text, and text must be UTF-8 — with a specific hint for CP949, which
Korean Windows editors still write. Invisible control characters, which break feeds and
calendars, are left out of texts with a warning. The limits are documented in docs/limits.md.
"""

from __future__ import annotations

import errno
import os
import re
from stat import S_ISLNK, S_ISREG
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.cache import ContentCache, Entry, file_digest
from generator.errors import Location, Problem, display_path

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 50
MAX_VALUES = 100_000
MAX_TEXT_CHARS = 20_000
MAX_INCIDENT_FILES = 100_000
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


class _Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """Times stay strings (we parse and check them ourselves) and only true/false are booleans,
    so a language code like `no` or a status like `on` is never silently turned into a bool."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_TIMESTAMP, _BOOL)]
        for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
    }


_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


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

    def loc(self, keys: KeyPath, *, key: bool = False) -> Location:
        """The position of a value (or of its key), falling back to the nearest enclosing one."""
        marks = self.key_marks if key else self.value_marks
        probe = tuple(keys)
        while probe:
            if probe in marks:
                line, column = marks[probe]
                return Location(self.name, line, column)
            probe = probe[:-1]
        line, column = self.value_marks.get((), (1, 1))
        return Location(self.name, line, column)


class LoadFailure(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def read_text(path: Path, name: str) -> str:
    """Decode a content file, refusing anything that isn't UTF-8 with an actionable hint."""
    return decode(read_bytes(path, name), name)


def read_bytes(path: Path, name: str) -> bytes:
    """A content file's bytes, refusing files too large to be a notice before reading them."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LoadFailure(Problem(
            Location(name), f"file is {size / 1_048_576:.1f} MB; the limit is {MAX_FILE_BYTES // 1_048_576} MB",
            "split long update bodies into separate incidents, or link to a longer notice"))
    return path.read_bytes()


def decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadFailure(_encoding_problem(raw, exc, name)) from None


def _encoding_problem(raw: bytes, exc: UnicodeDecodeError, name: str) -> Problem:
    before = raw[: exc.start]
    line = before.count(b"\n") + 1
    column = exc.start - (before.rfind(b"\n") + 1) + 1
    guess, source = _guess_encoding(raw)
    convert = f", or convert it: iconv -f {source} -t UTF-8 old.yaml > new.yaml" if source else ""
    return Problem(
        Location(name, line, column), f"file is not UTF-8: {guess}",
        "re-save the file as UTF-8 (VS Code: 'Save with Encoding' → UTF-8; Notepad: Save As → Encoding: UTF-8)"
        + convert)


def _guess_encoding(raw: bytes) -> tuple[str, str]:
    """What the file probably is, and its iconv name: Korean Windows tools write CP949, and
    Notepad's "Unicode" is UTF-16 with a byte-order mark."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "it is UTF-16 (what Windows Notepad calls 'Unicode')", "UTF-16"
    try:
        raw.decode("cp949")
    except UnicodeDecodeError:
        return "the bytes are not valid UTF-8", ""
    return "it looks like CP949/EUC-KR (the Korean Windows encoding)", "CP949"


def parse_yaml(text: str, path: Path, name: str) -> Document:
    """Parse one YAML document into a Document, or raise LoadFailure with a located problem."""
    try:
        _check_shape(text, name)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise LoadFailure(_syntax_problem(exc, name, text)) from None
    except yaml.reader.ReaderError as exc:
        raise LoadFailure(_character_problem(exc, name, text)) from None
    except yaml.YAMLError as exc:
        raise LoadFailure(Problem(Location(name, 1, 1), f"YAML error: {exc}")) from None
    except RecursionError:
        raise LoadFailure(Problem(Location(name, 1, 1), f"nesting is too deep (limit {MAX_DEPTH} levels)")) from None
    doc = Document(path=path, name=name, data=None)
    if node is None:
        doc.data = None
        return doc
    doc.data = _Converter(doc).convert(node, (), 0)
    return doc


def _check_shape(text: str, name: str) -> None:
    """Walk the flat event stream before building anything: libyaml's composer recurses in C, so
    a file of 100,000 '[' would crash the process, and a few MB of tiny values would take GBs."""
    depth = values = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise LoadFailure(Problem(_event_loc(event, name), f"nesting is too deep (limit {MAX_DEPTH} levels)",
                                          "a notice needs only a few levels; check the indentation"))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            values += 1
            if values > MAX_VALUES:
                raise LoadFailure(Problem(_event_loc(event, name), f"file holds more than {MAX_VALUES:,} values",
                                          "split it: one notice per file, and long histories into separate incidents"))


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

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.seen: set[int] = set()
        self.scalars = SafeConstructor()

    def convert(self, node: Node, keys: KeyPath, depth: int) -> Any:
        if id(node) in self.seen:
            raise LoadFailure(Problem(self._loc(node), "anchors and aliases (&name / *name) are not supported",
                                       "write the value out in full; each notice should read on its own"))
        if depth > MAX_DEPTH:
            raise LoadFailure(Problem(self._loc(node), f"nesting is too deep (limit {MAX_DEPTH} levels)"))
        self.seen.add(id(node))
        self.doc.value_marks[keys] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in _PLAIN_TAGS:
            raise LoadFailure(Problem(self._loc(node), f"unsupported YAML tag {node.tag}",
                                       "remove the '!' tag; plain values are enough"))
        if isinstance(node, MappingNode):
            return self._mapping(node, keys, depth)
        if isinstance(node, SequenceNode):
            return [self.convert(item, keys + (index,), depth + 1) for index, item in enumerate(node.value)]
        if node.tag == _STR:
            return self._text(node)
        if len(node.value) > _MAX_NUMBER_CHARS:
            raise LoadFailure(Problem(self._loc(node), "this number is too long to be a count or a time",
                                      "quote it (\"...\") if it is meant as text"))
        return self.scalars.construct_object(node)

    def _text(self, node: ScalarNode) -> str:
        """A text without what no page, feed or calendar can carry; too long a text is refused."""
        value = str(node.value)
        found = _INVISIBLE.search(value)
        if found:
            self.doc.warnings.append(Problem(
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


@dataclass
class ContentFiles:
    """Everything under content/, loaded, plus the problems met while loading."""

    root: Path
    site: Document | None = None
    services: Document | None = None
    incidents: list[Document] = field(default_factory=list)
    maintenance: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    cached: dict[str, list[tuple[Path, str, Entry]]] = field(
        default_factory=lambda: {"incidents": [], "maintenance": []})

    def names(self, folder: str) -> list[tuple[Path, str]]:
        """Every file of a folder, parsed or served from the cache, for checks across files."""
        docs = [(d.path, d.name) for d in getattr(self, folder)]
        return sorted(docs + [(path, name) for path, name, _ in self.cached[folder]], key=_by_file_name)


def load_content(content_dir: Path, cache: ContentCache | None = None) -> ContentFiles:
    """Load every content file; a broken file is reported and skipped so the others still get checked.
    Incidents and maintenance files the cache already knows (same bytes) are not parsed again."""
    content_dir = content_dir.resolve()
    shown_root = content_dir.parent
    files = ContentFiles(root=content_dir)
    if not content_dir.is_dir():
        files.problems.append(Problem(Location(str(content_dir)), "content folder not found",
                                      "run from your project folder or pass --content DIR"))
        return files
    for attr, filename in (("site", "site.yaml"), ("services", "services.yaml")):
        path = content_dir / filename
        if not path.is_file():
            files.problems.append(Problem(Location(display_path(path, shown_root)), f"missing {filename}",
                                          "see docs/content-format.md for what this file holds"))
            continue
        setattr(files, attr, _load_one(path, content_dir, shown_root, files))
    for folder in ("incidents", "maintenance"):
        prefix = display_path(content_dir / folder, shown_root) + "/"
        docs = [_load_one(p, content_dir, shown_root, files, folder, cache, prefix + p.name)
                for p in _list_yaml(content_dir / folder, files)]
        getattr(files, folder).extend(d for d in docs if d is not None)
    return files


def _list_yaml(folder: Path, files: ContentFiles) -> list[Path]:
    """YAML files of one folder, skipping editor temp and swap files the operator never meant to publish."""
    if not folder.is_dir():
        return []
    if not real_path(folder).is_relative_to(files.root):
        files.problems.append(Problem(Location(folder.name), "folder is a link to outside the content folder",
                                      "move the files into content/ instead of linking to them"))
        return []
    found = sorted((p for p in folder.iterdir() if _is_content_file(p.name)), key=_file_name)
    if len(found) > MAX_INCIDENT_FILES:
        files.problems.append(Problem(Location(folder.name), f"more than {MAX_INCIDENT_FILES} files",
                                      "archive old notices into another folder"))
        return []
    return found


def real_path(path: Path) -> Path:
    """Where a path really leads; unlike Path.resolve, a symlink loop is not an exception here
    (the looping path comes back, and is then refused as not a regular file)."""
    return Path(os.path.realpath(path))


def _is_content_file(name: str) -> bool:
    if name.startswith((".", "#", "~")) or name.endswith("~"):
        return False
    return name.endswith((".yaml", ".yml"))


def _load_one(path: Path, content_dir: Path, shown_root: Path, files: ContentFiles, folder: str = "",
              cache: ContentCache | None = None, name: str = "") -> Document | None:
    """One file; `name`, how it is shown, is worked out from `shown_root` unless the caller knows it."""
    name = name or display_path(path, shown_root)
    try:
        stat = _regular_file(path, name, content_dir)
        entry, raw, digest = _cached(path, name, cache, stat)
        if entry is not None:
            files.cached[folder].append((path, name, entry))
            return None
        doc = parse_yaml(decode(raw, name), path, name)
        doc.digest = digest
        files.problems.extend(doc.warnings)
        return doc
    except LoadFailure as failure:
        files.problems.append(failure.problem)
    except OSError as exc:
        files.problems.append(Problem(Location(name), f"cannot read file: {exc.strerror}"))
    return None


def _regular_file(path: Path, name: str, content_dir: Path) -> os.stat_result:
    """The file's stat, refusing links that lead out of the content folder and anything but a
    regular file (one lstat for the usual plain file: 10,000 notices are looked at on every check)."""
    found = _stat(path, follow=False)
    if found is not None and S_ISLNK(found.st_mode):
        if not real_path(path).is_relative_to(content_dir):
            raise LoadFailure(Problem(Location(name), "file is a link to outside the content folder",
                                      "copy the file into content/ instead of linking to it"))
        found = _stat(path, follow=True)
    if found is None or not S_ISREG(found.st_mode):
        raise LoadFailure(Problem(Location(name), "not a regular file",
                                  "a notice must be an ordinary file; a link must lead to a file inside content/"))
    return found


def _stat(path: Path, follow: bool) -> os.stat_result | None:
    """None where pathlib's is_file/is_symlink say False (missing, a link loop); other errors propagate."""
    try:
        return os.stat(path, follow_symlinks=follow)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            return None
        raise


def _file_name(path: Path) -> str:
    return path.name


def _by_file_name(named: tuple[Path, str]) -> str:
    """Files of one folder in Path order, without pathlib's slow comparisons."""
    return named[0].name


def _cached(path: Path, name: str, cache: ContentCache | None,
            stat: os.stat_result) -> tuple[Entry | None, bytes, str]:
    """The cache's entry for this file, found by its stamp without reading it when the stamp has
    not moved since it was last hashed; otherwise the file's bytes and digest, and any entry for them."""
    if cache is None or cache.digests is None:
        raw = read_bytes(path, name)
        digest = file_digest(raw)
        return (cache.lookup(name, digest) if cache else None), raw, digest
    known = cache.digests.known_digest(str(path), stat)
    entry = cache.lookup(name, known) if known else None
    if entry is not None:
        return entry, b"", known
    raw = read_bytes(path, name)
    digest = file_digest(raw)
    cache.digests.remember(str(path), stat, digest)
    return cache.lookup(name, digest), raw, digest
