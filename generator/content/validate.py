"""Stage 2, validate: every problem in the content, each with file:line:column and a hint.

Structure is checked against the JSON Schemas shipped in `generator/schema/` — the same
files editors use while typing, so the editor and `noticeboard check` never disagree. A notice
is first converted into typed structs (`typed`), which never pass what its schema refuses; the
schema decides whatever they refuse, and jsonschema explains every problem in the schema's terms.
Meaning (references between files, time order, languages) is checked here in Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import fastjsonschema

if TYPE_CHECKING:
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import ValidationError

from generator.clock import time_problem
from generator.content.load import ContentFiles
from generator.content.names import THEME_NAME_HINT
from generator.content.references import check_references
from generator.content.typed import struct_check
from generator.content.yamlfile import Document, KeyPath
from generator.errors import UNEXPLAINED, Location, Problem, did_you_mean

MAX_UPDATES = 1_000


@cache
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema for one kind of content file, as shipped inside the package, with its
    patterns in Python's dialect (see `_python_pattern`): both validators run on this copy."""
    text = resources.files("generator").joinpath("schema", f"{name}.schema.json").read_text("utf-8")
    found: dict[str, Any] = _in_python_dialect(json.loads(text))
    return found


def _in_python_dialect(node: Any) -> Any:
    """Every `pattern` and `patternProperties` key of a schema, translated by `_python_pattern`."""
    if isinstance(node, list):
        return [_in_python_dialect(item) for item in node]
    if not isinstance(node, dict):
        return node
    translated: dict[str, Any] = {}
    for key, value in node.items():
        if key == "pattern" and isinstance(value, str):
            translated[key] = _python_pattern(value)
        elif key == "patternProperties" and isinstance(value, dict):
            translated[key] = {_python_pattern(k): _in_python_dialect(v) for k, v in value.items()}
        else:
            translated[key] = _in_python_dialect(value)
    return translated


_PYTHON_TOKENS = {"$": r"\Z", r"\d": "[0-9]"}
_PYTHON_CLASS_TOKENS = {r"\d": "0-9"}


def _python_pattern(pattern: str) -> str:
    """A schema's pattern (JavaScript's dialect, as JSON Schema and editors read it) in Python's:
    JavaScript's `$` is the end of the text, Python's also matches before a final newline, so
    jsonschema accepted `"evil-svc\\n"` as an id (a page named with a newline) where fastjsonschema,
    which rewrites `$` itself, refused it; and JavaScript's `\\d` is 0-9 alone, not every script's digits."""
    out, in_class = [], False
    for token in re.findall(r"\\.|[^\\]", pattern, re.DOTALL):
        if in_class:
            in_class = token != "]"
            out.append(_PYTHON_CLASS_TOKENS.get(token, token))
        else:
            in_class = token == "["
            out.append(_PYTHON_TOKENS.get(token, token))
    return "".join(out)


@cache
def _validator(name: str) -> Draft7Validator:
    """Imported only when a file has a problem to explain: jsonschema takes 40 ms to import,
    a quarter of a no-op build, and valid content never needs it."""
    from jsonschema import Draft7Validator

    return Draft7Validator(schema(name))


@cache
def _fast_check(name: str) -> Callable[[Any], Any]:
    """A compiled validator: ~50x faster, but it stops at the first error, so it only decides
    whether the thorough (and slower) jsonschema pass that explains every problem is needed."""
    return fastjsonschema.compile(schema(name))


def fits_schema(name: str, data: Any) -> bool:
    """Whether `data` fits the schema `name`: a notice is first converted into typed structs
    (content/typed.py, four times cheaper than the compiled schema, and never accepting what the
    schema refuses); only what they refuse, and site.yaml and services.yaml, are put to the schema."""
    typed = struct_check(name)
    if typed is not None and typed(data):
        return True
    try:
        _fast_check(name)(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


# Problems explained in full before further files that break their schema are only named: the
# explanation (jsonschema, then our wording) took 2 ms a file, 58 s for 100,000 broken notices,
# and held 1.2 million lines of report no one reads past the first screen.
MAX_EXPLAINED = 1_000


def validate(files: ContentFiles, explain: int = MAX_EXPLAINED) -> list[Problem]:
    """All problems (errors and warnings) of the loaded content, loading problems included; once
    `explain` problems are found, a further file that breaks its schema is named, not explained.

    The checks across files run on every document that parsed, however wrong its structure, so
    one run reports a bad status and an unknown service id in the same file together. Where both
    kinds of check find fault with the same value (a time the schema refuses is no time to
    compare either), the schema's problem, which says what is wrong there, is the one reported."""
    problems = list(files.problems)
    parsed: dict[str, list[Document]] = {"site": [], "services": [], "incidents": [], "maintenance": []}
    kinds: list[tuple[str, str, list[Document | None] | list[Document]]] = [
        ("site", "site", [files.site]), ("services", "services", [files.services]),
             ("incidents", "incident", files.incidents), ("maintenance", "maintenance", files.maintenance)]
    structure: list[Problem] = []
    zone = site_zone(files.site)
    for bucket, schema_name, docs in kinds:
        for doc in docs:
            if doc is None:
                continue
            structure += check_structure(doc, schema_name, zone, explain=len(problems) + len(structure) < explain)
            if doc.data is not None:
                parsed[bucket].append(doc)
    unsound = frozenset((p.location.file, p.field) for p in structure)
    meaning = check_references(files, parsed, unsound)
    return _dedupe(problems + structure + explained_elsewhere(meaning, structure))


def explained_elsewhere(meaning: list[Problem], structure: list[Problem]) -> list[Problem]:
    """`meaning`, less the problems about a value the schema already found wrong: at the same spot,
    at or inside a field with a structural problem, or holding one (a title whose `EN:` the schema
    refuses has no `en` text either, which fixing the key fixes)."""
    spots = {str(p.location) for p in structure}
    fields = {(p.location.file, p.field) for p in structure}
    inner = {(p.location.file, prefix) for p in structure for prefix in _prefixes(p.field)[1:-1]}
    return [p for p in meaning if str(p.location) not in spots and (p.location.file, p.field) not in inner
            and not any((p.location.file, prefix) in fields for prefix in _prefixes(p.field))]


def _prefixes(field: str) -> list[str]:
    """A dotted field and every field that holds it: 'updates.2.at', 'updates.2', 'updates', ''."""
    parts = field.split(".") if field else []
    return [".".join(parts[:n]) for n in range(len(parts), -1, -1)]


def site_zone(site: Document | None) -> ZoneInfo | None:
    """The site's time zone, for hints that give a time in the accepted form; None if it can't be told."""
    zone = site.data.get("timezone") if site is not None and isinstance(site.data, dict) else None
    try:
        return ZoneInfo(zone) if isinstance(zone, str) else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def check_structure(doc: Document, schema_name: str, zone: ZoneInfo | None = None,
                    explain: bool = True) -> list[Problem]:
    """Schema problems of one document, translated from jsonschema's wording into an operator's
    (a time's hint gives it in the accepted form, with the offset of `zone`, the site's); without
    `explain`, one problem that only says the file breaks its schema."""
    if doc.data is None:
        return [Problem(doc.loc(()), "file is empty", "see docs/content-format.md for what this file holds")]
    problems = _too_many_updates(doc) if schema_name == "incident" else []
    if fits_schema(schema_name, doc.data):
        return problems
    if not explain:  # at the file's start: finding the positions of its values costs what explaining does
        return [Problem(Location(doc.name, 1, 1), UNEXPLAINED, "fix the problems listed, then run check again "
                        "to see these")]
    for error in _validator(schema_name).iter_errors(doc.data):
        problems.extend(_translate(doc, error, zone))
    return problems


def _too_many_updates(doc: Document) -> list[Problem]:
    """An incident page must stay readable on a phone and quick to build; a long-running outage
    reads better as a series of incidents than as one endless timeline."""
    updates = doc.data.get("updates") if isinstance(doc.data, dict) else None
    if not isinstance(updates, list) or len(updates) <= MAX_UPDATES:
        return []
    return [Problem(doc.loc(("updates",)), f"{len(updates):,} updates; the limit is {MAX_UPDATES:,} per incident",
                    "resolve this incident with a last update and go on in a new incident file", "updates")]


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for problem in problems:
        key = (str(problem.location), problem.message)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return unique


def _field(path: KeyPath) -> str:
    return ".".join(str(p) for p in path)


def _name(path: KeyPath) -> str:
    words = [p for p in path if isinstance(p, str)]
    return words[-1] if words else "file"


def _translate(doc: Document, error: ValidationError, zone: ZoneInfo | None = None) -> list[Problem]:
    path = tuple(error.absolute_path)
    if error.validator == "pattern":
        return _pattern(doc, error, path, zone)
    handler = _HANDLERS.get(str(error.validator))
    if handler is None:
        return [Problem(doc.loc(path), f"{_name(path)}: {error.message}", field=_field(path))]
    return handler(doc, error, path)


def _additional(doc: Document, error: ValidationError, path: KeyPath) -> list[Problem]:
    known = list(error.schema.get("properties", {}))
    pattern_props = error.schema.get("patternProperties", {})
    problems = []
    for key in error.instance:
        if key in known or any(_matches(p, key) for p in pattern_props):
            continue
        if pattern_props and not known:
            message, hint = f"'{key}' is not a language code", "use a language code such as ko or en"
        else:
            message, hint = f"unknown key '{key}'", did_you_mean(key, known)
        problems.append(Problem(doc.loc(path + (key,), key=True), message, hint, _field(path + (key,))))
    return problems


def _matches(pattern: str, key: Any) -> bool:
    return isinstance(key, str) and re.search(pattern, key) is not None


def _enum(doc: Document, error: ValidationError, path: KeyPath) -> list[Problem]:
    allowed = error.schema["enum"]
    return [Problem(doc.loc(path), f"unknown {_name(path)} '{error.instance}'",
                    did_you_mean(error.instance, allowed), _field(path))]


def _required(doc: Document, error: ValidationError, path: KeyPath) -> list[Problem]:
    missing = [k for k in error.validator_value if k not in error.instance]
    problems = []
    for key in missing:
        described = error.schema.get("properties", {}).get(key, {}).get("description", "")
        hint = f"add '{key}:' — {described}" if described else f"add '{key}:'"
        problems.append(Problem(doc.loc(path), f"missing key '{key}'", hint, _field(path + (key,))))
    return problems


_TYPE_WORDS = {"string": "a text", "object": "a mapping (key: value)", "array": "a list (- item)",
               "integer": "a whole number", "number": "a number", "boolean": "true or false", "null": "empty"}


def _type(doc: Document, error: ValidationError, path: KeyPath) -> list[Problem]:
    expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in expected)
    return [Problem(doc.loc(path), f"{_name(path)} should be {words}, not {_describe(error.instance)}",
                    _type_hint(expected), _field(path))]


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    for kind, word in ((bool, "true/false"), (dict, "a mapping"), (list, "a list"), (str, "a text"), ((int, float), "a number")):
        if isinstance(value, kind):
            return word
    return type(value).__name__


def _type_hint(expected: list[str]) -> str:
    if expected == ["string"]:
        return "quote the value (\"...\") so YAML keeps it as text"
    if expected == ["array"]:
        return "write each entry on its own line starting with '- '"
    return "see docs/content-format.md for this key"


def _pattern(doc: Document, error: ValidationError, path: KeyPath, zone: ZoneInfo | None) -> list[Problem]:
    pattern = str(error.validator_value)
    if path == ("theme",):
        message = f"theme '{error.instance}' is not a theme name"
        hint = THEME_NAME_HINT
    elif "[0-9]{4}" in pattern:
        message, hint = time_problem(str(error.instance), zone)
    elif "a-z0-9" in pattern:
        message = f"'{error.instance}' is not a valid id"
        hint = "use lowercase letters a-z, digits and hyphens, like id-card-check"
    else:
        message, hint = f"'{error.instance}' is not a valid {_name(path)}", ""
    return [Problem(doc.loc(path), message, hint, _field(path))]


def _one_of(doc: Document, error: ValidationError, path: KeyPath) -> list[Problem]:
    """Explain a failed choice by the branch the operator evidently meant (same type as given)."""
    meant = [e for e in error.context or () if e.validator != "type" and not _only_type_mismatch(e)]
    if meant:
        best = min(meant, key=lambda e: len(e.absolute_schema_path))
        branch = [e for e in meant if list(e.absolute_schema_path)[: len(error.absolute_schema_path) + 1]
                  == list(best.absolute_schema_path)[: len(error.absolute_schema_path) + 1]]
        if all(e.validator == "required" for e in meant) and len(meant) > len(branch):
            keys = sorted({k for e in meant for k in e.validator_value if k not in e.instance})
            return [Problem(doc.loc(path), f"{_name(path)} needs one of: {', '.join(keys)}", field=_field(path))]
        return [p for e in branch for p in _translate(doc, e)]
    if error.validator == "oneOf" and not error.context:
        return [Problem(doc.loc(path), f"{_name(path)} gives more than one of its alternative forms",
                        error.schema.get("description", "keep only one of them"), _field(path))]
    description = error.schema.get("description", "")
    return [Problem(doc.loc(path), f"{_name(path)} has the wrong form", description or "see docs/content-format.md",
                    _field(path))]


def _only_type_mismatch(error: ValidationError) -> bool:
    return error.validator in ("oneOf", "anyOf") and all(e.validator == "type" for e in error.context or ())


def _min_items(doc: Document, error: ValidationError, path: KeyPath) -> list[Problem]:
    return [Problem(doc.loc(path), f"{_name(path)} needs at least {error.validator_value} entr"
                    f"{'y' if error.validator_value == 1 else 'ies'}", field=_field(path))]


def _unique(doc: Document, error: ValidationError, path: KeyPath) -> list[Problem]:
    return [Problem(doc.loc(path), f"{_name(path)} lists the same entry twice", "remove the repeated entry",
                    _field(path))]


def _not(doc: Document, error: ValidationError, path: KeyPath) -> list[Problem]:
    return [Problem(doc.loc(path), f"{_name(path)}: {error.schema.get('description', 'not allowed here')}",
                    field=_field(path))]


_HANDLERS = {
    "additionalProperties": _additional, "enum": _enum, "required": _required, "type": _type,
    "oneOf": _one_of, "anyOf": _one_of, "minItems": _min_items, "minProperties": _min_items,
    "uniqueItems": _unique, "not": _not,
}
