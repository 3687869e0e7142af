"""Stage 1, load: read the operator's content files into plain data that remembers positions.

A broken file is reported and skipped so the others still get checked. Text must be UTF-8, with
a specific hint for CP949, which Korean Windows editors still write; a file too large to be a
notice is refused before it is read, and links leading out of the content folder are refused.
Parsing one file is yamlfile's job; the limits are documented in docs/limits.md.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISLNK, S_ISREG

from generator.content.cache import ContentCache, Entry, file_digest
from generator.content.yamlfile import Document, LoadFailure, parse_yaml
from generator.errors import Location, Problem, display_path

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_INCIDENT_FILES = 100_000


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


def load_content(content_dir: Path, cache: ContentCache | None = None,
                 folders: tuple[str, ...] = ("incidents", "maintenance")) -> ContentFiles:
    """Load every content file; a broken file is reported and skipped so the others still get checked.
    Incidents and maintenance files the cache already knows (same bytes) are not parsed again;
    only the notices of `folders` are loaded (none: just site.yaml and services.yaml)."""
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
        setattr(files, attr, load_file(path, content_dir, shown_root, files))
    for folder in folders:
        prefix = display_path(content_dir / folder, shown_root) + "/"
        docs = [load_file(p, content_dir, shown_root, files, folder, cache, prefix + p.name)
                for p in list_notice_files(content_dir / folder, files)]
        getattr(files, folder).extend(d for d in docs if d is not None)
    return files


def list_notice_files(folder: Path, files: ContentFiles) -> list[Path]:
    """YAML files of one folder, skipping editor temp and swap files the operator never meant to
    publish; any other file is reported (see `_not_a_notice`), never silently left unpublished."""
    if not folder.is_dir():
        return []
    if not real_path(folder).is_relative_to(files.root):
        files.problems.append(Problem(Location(folder.name), "folder is a link to outside the content folder",
                                      "move the files into content/ instead of linking to them"))
        return []
    found = []
    for path in folder.iterdir():
        if _is_content_file(path.name):
            found.append(path)
        elif not _is_litter(path.name) and not path.is_dir():
            files.problems.append(_not_a_notice(path, files.root))
    found.sort(key=_file_name)
    if len(found) > MAX_INCIDENT_FILES:
        files.problems.append(Problem(Location(folder.name), f"more than {MAX_INCIDENT_FILES} files",
                                      "archive old notices into another folder"))
        return []
    return found


def real_path(path: Path) -> Path:
    """Where a path really leads; unlike Path.resolve, a symlink loop is not an exception here
    (the looping path comes back, and is then refused as not a regular file)."""
    return Path(os.path.realpath(path))


NOTICE_SUFFIXES = (".yaml", ".yml")


def _is_content_file(name: str) -> bool:
    return not _is_litter(name) and name.endswith(NOTICE_SUFFIXES)


def _is_litter(name: str) -> bool:
    """Hidden files and editors' temp, lock and backup files."""
    return name.startswith((".", "#", "~")) or name.endswith("~")


def _not_a_notice(path: Path, root: Path) -> Problem:
    """A file in a notice folder that is not read. `.YAML` or `.Yml` was meant as a notice (and
    reads differently on case-sensitive and case-insensitive disks): an error. Anything else
    (Notepad's `notice.yaml.txt`, a README) is a warning, so it is seen but publishing goes on."""
    name = display_path(path, root.parent)
    stem, dot, suffix = path.name.rpartition(".")
    if dot and f".{suffix.lower()}" in NOTICE_SUFFIXES:
        return Problem(Location(name), f"'{path.name}' is not read: notice files end in lowercase .yaml or .yml",
                       f"rename it to {stem}.yaml")
    return Problem(Location(name), f"'{path.name}' is not a notice and is not published: only .yaml and .yml files "
                   "are read", f"if it is a notice, rename it to end in .yaml; otherwise move it out of {path.parent.name}/",
                   severity="warning")


def load_file(path: Path, content_dir: Path, shown_root: Path, files: ContentFiles, folder: str = "",
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
    if entry is not None and known is not None:
        return entry, b"", known
    raw = read_bytes(path, name)
    digest = file_digest(raw)
    cache.digests.remember(str(path), stat, digest)
    return cache.lookup(name, digest), raw, digest
