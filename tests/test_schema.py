"""The JSON Schemas editors use agree with `check`, and the demo points editors at them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEMO
from jsonschema import Draft7Validator

from generator.content.load import read_text
from generator.content.validate import schema
from generator.content.yamlfile import parse_yaml

KINDS = {"site.yaml": "site", "services.yaml": "services", "incidents": "incident", "maintenance": "maintenance"}


def demo_files() -> list[tuple[Path, str]]:
    found = [(DEMO / "site.yaml", "site"), (DEMO / "services.yaml", "services")]
    found += [(p, "incident") for p in sorted((DEMO / "incidents").glob("*.yaml"))]
    found += [(p, "maintenance") for p in sorted((DEMO / "maintenance").glob("*.yaml"))]
    return found


@pytest.mark.parametrize("kind", sorted(set(KINDS.values())))
def test_schemas_are_valid_draft_7(kind: str) -> None:
    Draft7Validator.check_schema(schema(kind))


@pytest.mark.parametrize(("path", "kind"), demo_files(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_demo_files_declare_and_satisfy_their_schema(path: Path, kind: str) -> None:
    text = read_text(path, path.name)
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = (path.parent / first.split("=", 1)[1]).resolve()
    assert target.name == f"{kind}.schema.json" and target.is_file()
    errors = list(Draft7Validator(schema(kind)).iter_errors(parse_yaml(text, path, path.name).data))
    assert errors == []


def test_schema_rejects_what_check_rejects() -> None:
    doc = {"title": "x", "impact": "major", "started": "2025-09-26T20:15", "affected": [], "updates": [], "titel": 1}
    messages = {e.validator for e in Draft7Validator(schema("incident")).iter_errors(doc)}
    assert {"additionalProperties", "pattern", "minItems"} <= messages


def _mutations(data: object):
    """Each way of breaking one value: wrong type, unknown key, bad enum-like text, emptied list."""
    if isinstance(data, dict):
        yield {**data, "unexpected_key": 1}
        for key, value in data.items():
            for changed in _mutations(value):
                yield {**data, key: changed}
            yield {k: v for k, v in data.items() if k != key}
    elif isinstance(data, list):
        yield []
        for i, value in enumerate(data[:2]):
            for changed in _mutations(value):
                yield data[:i] + [changed] + data[i + 1:]
    else:
        yield 12345 if isinstance(data, str) else "not-valid!"
        yield None


@pytest.mark.parametrize(("path", "kind"), demo_files(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_fast_validator_agrees_with_the_thorough_one(path: Path, kind: str) -> None:
    """check() trusts the compiled validator's 'valid'; it must never pass what jsonschema rejects."""
    import fastjsonschema

    fast = fastjsonschema.compile(schema(kind))
    thorough = Draft7Validator(schema(kind))
    data = parse_yaml(read_text(path, path.name), path, path.name).data
    for mutated in list(_mutations(data))[:400]:
        try:
            fast(mutated)
            fast_ok = True
        except fastjsonschema.JsonSchemaException:
            fast_ok = False
        assert fast_ok == thorough.is_valid(mutated), mutated
