"""The typed structs that check a notice's structure fast (content/typed.py) say what its JSON
Schema says: `validate` trusts their "fits", so they must never pass what the schema refuses,
and every everyday notice must fit them, or checking is slow again."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


import msgspec.inspect as mi
import pytest
from conftest import DEMO
from every_field import content_with
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from test_schema import _corpus, _mutations

from generator.content import typed
from generator.content.load import read_text
from generator.content.validate import check_structure, fits_schema, schema
from generator.content.yamlfile import Document, parse_yaml

KINDS = ("incident", "maintenance")
_IGNORED = {"description", "enumDescriptions", "title", "$schema", "definitions"}


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = root["definitions"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _from_schema(node: dict[str, Any], root: dict[str, Any], where: str) -> Any:
    """A schema node in a plain form both sides can be put in; a keyword it does not know fails."""
    node = _resolve(node, root)
    unknown = set(node) - _IGNORED - {"type", "pattern", "enum", "items", "minItems", "properties", "required",
                                      "additionalProperties", "patternProperties", "minProperties", "propertyNames",
                                      "minimum", "oneOf", "anyOf", "if", "then", "else"}
    assert not unknown, f"{where}: the test does not know {unknown}; mirror it in content/typed.py and here"
    if "if" in node:
        return ("alternative", _from_schema(node["then"], root, where), _from_schema(node["else"], root, where))
    if "oneOf" in node and "type" not in node:
        return ("union", frozenset(_from_schema(branch, root, where) for branch in node["oneOf"]))
    kind = node["type"]
    if kind == "string":
        return ("string", node.get("pattern"), frozenset(node["enum"]) if "enum" in node else None)
    if kind == "integer":
        return ("integer", node.get("minimum"))
    if kind == "boolean":
        return ("boolean",)
    if kind == "array":
        return ("array", node.get("minItems"), _from_schema(node["items"], root, where + "[]"))
    if "patternProperties" in node or "propertyNames" in node:
        [(pattern, value)] = node["patternProperties"].items() if "patternProperties" in node else \
            [(_resolve(node["propertyNames"], root)["pattern"], node["additionalProperties"])]
        return ("map", pattern, _from_schema(value, root, where + "{}"), node.get("minProperties"))
    rules = []
    if "oneOf" in node or "anyOf" in node:
        rules.append(("one of" if "oneOf" in node else "any of",
                      tuple(branch["required"][0] for branch in node.get("oneOf", node.get("anyOf", [])))))
    if "minProperties" in node:
        rules.append(("at least", node["minProperties"]))
    assert node.get("additionalProperties") is False, f"{where}: a struct refuses unknown keys"
    fields = {key: _from_schema(value, root, f"{where}.{key}") for key, value in node["properties"].items()}
    return ("object", fields, frozenset(node.get("required", ())), tuple(rules))


# What a struct's types cannot say, and its __post_init__ does (each tried in test_each_rule_*).
RULES: dict[str, tuple[Any, ...]] = {
    "Affected": (("one of", ("service", "upstream")),),
    "Cause": (("at least", 1),),
}


def _from_struct(info: mi.Type) -> Any:
    """A msgspec type in the same plain form."""
    if isinstance(info, mi.UnionType):
        kinds = list(info.types)  # msgspec.inspect leaves UNSET out
        if len(kinds) == 1:
            return _from_struct(kinds[0])
        if {type(t) for t in kinds} == {mi.StrType, mi.DictType} and isinstance(kinds[1], mi.DictType) \
                and isinstance(kinds[1].value_type, mi.AnyType):
            return ("alternative", _from_struct(mi.type_info(typed.Alternative)), _from_struct(mi.type_info(typed.Text)))
        return ("union", frozenset(_from_struct(t) for t in kinds))
    if isinstance(info, mi.StrType):
        return ("string", info.pattern, None)
    if isinstance(info, mi.LiteralType):
        return ("string", None, frozenset(info.values))
    if isinstance(info, mi.IntType):
        return ("integer", info.ge)
    if isinstance(info, mi.BoolType):
        return ("boolean",)
    if isinstance(info, mi.ListType):
        return ("array", info.min_length, _from_struct(info.item_type))
    if isinstance(info, mi.DictType):
        assert isinstance(info.key_type, mi.StrType)
        return ("map", info.key_type.pattern, _from_struct(info.value_type), info.min_length)
    assert isinstance(info, mi.StructType) and info.forbid_unknown_fields, info
    fields = {f.encode_name: _from_struct(f.type) for f in info.fields}
    required = frozenset(f.encode_name for f in info.fields if f.required)
    return ("object", fields, required, RULES.get(info.cls.__name__, ()))


@pytest.mark.parametrize("kind", KINDS)
def test_each_struct_says_what_its_schema_says(kind: str) -> None:
    """Keys, required keys, types, enums, patterns (in Python's dialect, as validate runs the
    schema), minimums and lengths, node by node: a new field in the schema fails here until
    typed.py has it too."""
    root = schema(kind)
    assert _from_struct(mi.type_info(typed.STRUCTS[kind])) == _from_schema(root, root, kind)


def _fits(kind: str, data: Any) -> bool:
    check = typed.struct_check(kind)
    assert check is not None
    return check(data)


@cache
def _demo(kind: str) -> list[Any]:
    folder = {"incident": "incidents", "maintenance": "maintenance"}[kind]
    return [parse_yaml(read_text(p, p.name), p, p.name).data for p in sorted((DEMO / folder).glob("*.yaml"))]


def _every_field(kind: str) -> Any:
    prefix = {"incident": "incidents/", "maintenance": "maintenance/"}[kind]
    return [data for rel, data in content_with("정부 시스템 장애").items() if rel.startswith(prefix)]


@pytest.mark.parametrize("kind", KINDS)
def test_every_demo_notice_fits_its_structs(kind: str) -> None:
    """What operators write takes the fast path (a struct refusing it would cost the schema's time)."""
    found = _demo(kind) + _every_field(kind)
    assert found and all(_fits(kind, data) for data in found)


@pytest.mark.parametrize("kind", KINDS)
def test_the_structs_never_pass_a_broken_notice(kind: str) -> None:
    """Every way of breaking one value of the demo's notices and of a notice using every field
    (test_schema's corpora): where the schema refuses it, so does the struct."""
    thorough = Draft7Validator(schema(kind))
    corpus = [m for data in _demo(kind) + _every_field(kind) for m in _mutations(data)]
    corpus += [data for k, data in _corpus() if k == kind]
    passed = [data for data in corpus if _fits(kind, data) and not thorough.is_valid(data)]
    refused = sum(not thorough.is_valid(data) for data in corpus)
    assert refused > 300 and passed == [], passed[:3]


_VALUES = st.one_of(
    st.sampled_from(["", "ko", "en", "x", "KO", "major", "critical", "resolved", "operational", "branch", "id-check",
                     "gov-id", "Id-Check", "-x", "2025-09-26T20:15+09:00", "2025-09-26T20:15", "2025-09-26T20:15Z\n",
                     "text", "channels", "audience", "service", "upstream", "at", "status", "body", "restored"]),
    st.integers(-2, 3), st.booleans(), st.none(), st.floats(0, 2, allow_nan=False), st.text(max_size=3),
)
_VALUE_TREES = st.recursive(_VALUES, lambda inner: st.lists(inner, max_size=3)
                            | st.dictionaries(_VALUES.filter(lambda v: isinstance(v, str)), inner, max_size=3),
                            max_leaves=8)


def _replace(data: Any, path: list[int], value: Any, drop: bool) -> Any:
    """`data` with the node picked by `path` (indices into each level's keys or items) replaced by
    `value`, or dropped from its mapping or list."""
    if not path or not isinstance(data, (dict, list)) or not data:
        return value
    keys = list(data) if isinstance(data, dict) else list(range(len(data)))
    key = keys[path[0] % len(keys)]
    if drop and len(path) == 1:
        return {k: v for k, v in data.items() if k != key} if isinstance(data, dict) else data[:key] + data[key + 1:]
    changed = _replace(data[key], path[1:], value, drop)
    return {**data, key: changed} if isinstance(data, dict) else data[:key] + [changed] + data[key + 1:]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), pick=st.integers(0, 10), path=st.lists(st.integers(0, 20), max_size=6),
       value=_VALUE_TREES, drop=st.booleans(), rename=st.one_of(st.none(), _VALUES.filter(lambda v: isinstance(v, str))))
def test_whatever_a_struct_passes_the_schema_passes(kind: str, pick: int, path: list[int], value: Any, drop: bool,
                                                    rename: str | None) -> None:
    notices = _demo(kind) + _every_field(kind)
    data = _replace(notices[pick % len(notices)], path, value, drop)
    if rename is not None and isinstance(data, dict) and data:
        first = next(iter(data))
        data = {(rename if k == first else k): v for k, v in data.items()}
    if _fits(kind, data):
        assert Draft7Validator(schema(kind)).is_valid(data), data


def _incident(**changes: Any) -> dict[str, Any]:
    data = next(d for d in _every_field("incident"))
    return {**data, **changes}


@pytest.mark.parametrize(("affected", "fits"), [
    ({"service": "id-check", "status": "major_outage"}, True),
    ({"upstream": "gov-id", "status": "major_outage"}, True),
    ({"service": "id-check", "upstream": "gov-id", "status": "major_outage"}, False),
    ({"status": "major_outage"}, False),
    ({"service": "id-check", "status": "major_outage", "alternatives": [{"ko": "a"}, "b", {"text": "c"}]}, True),
    ({"service": "id-check", "status": "major_outage", "alternatives": [{"channels": ["app"]}]}, False),
    ({"service": "id-check", "status": "major_outage", "alternatives": [{"text": "c", "ko": "a"}]}, False),
    ({"service": "id-check", "status": "major_outage", "alternatives": [{"KO": "a"}]}, False),
    ({"service": "id-check", "status": "major_outage", "alternatives": [{}]}, False),
])
def test_each_rule_of_an_affected_entry(affected: dict[str, Any], fits: bool) -> None:
    data = _incident(affected=[affected])
    assert Draft7Validator(schema("incident")).is_valid(data) is fits
    assert _fits("incident", data) is fits


@pytest.mark.parametrize(("cause", "fits"), [({}, False), ({"upstream": "gov-id"}, True), ({"description": "x"}, True)])
def test_each_rule_of_a_cause(cause: dict[str, Any], fits: bool) -> None:
    data = _incident(cause=cause)
    assert Draft7Validator(schema("incident")).is_valid(data) is fits
    assert _fits("incident", data) is fits


def test_what_only_the_schema_accepts_is_still_accepted() -> None:
    """A struct may refuse more than the schema (a whole number written 2.0, which JSON Schema
    counts as an integer): the schema then decides, and the notice has no problem."""
    update = {"at": "2025-09-26T21:30+09:00", "status": "identified", "body": "x",
              "progress": {"restored": 2.0, "total": 3}}
    data = _incident(updates=[update])
    assert not _fits("incident", data)
    assert fits_schema("incident", data)
    doc = Document(Path("content/incidents/x.yaml"), "content/incidents/x.yaml", data)
    assert check_structure(doc, "incident", explain=False) == []


def test_a_notice_the_structs_refuse_is_explained_at_its_line() -> None:
    """The structs only decide; the message, and where it points, are the schema's as before."""
    text = ("title: 장애\nimpact: major\nstarted: 2025-09-26T20:15+09:00\naffected:\n- service: id-check\n"
            "  status: major_outage\nupdates:\n- at: 2025-09-26T21:30+09:00\n  status: identifed\n  body: x\n")
    doc = parse_yaml(text, Path("x.yaml"), "content/incidents/x.yaml")
    assert not _fits("incident", doc.data)
    [problem] = check_structure(doc, "incident")
    assert (str(problem.location), problem.message) == ("content/incidents/x.yaml:9:11", "unknown status 'identifed'")
    assert "identified" in problem.hint


def test_site_and_services_have_no_structs() -> None:
    """Read once a run, they are put to the schema directly."""
    assert typed.struct_check("site") is None and typed.struct_check("services") is None
