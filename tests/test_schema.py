"""The JSON Schemas editors use agree with `check`, and the demo points editors at them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEMO
from every_field import content_with
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


# Ways an otherwise valid text goes wrong at its edges: a trailing newline (YAML's "\\n" or a
# block scalar's last line break), other line ends and spaces, digits of other scripts.
EDGES = [lambda t: t + "\n", lambda t: "\n" + t, lambda t: t + "\r\n", lambda t: t + "\r", lambda t: t + " ",
         lambda t: t + "\t", lambda t: t + "\u2028", lambda t: t.upper(), lambda t: "",
         lambda t: t.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
         lambda t: t.translate(str.maketrans("0123456789", "０１２３４５６７８９"))]
KIND_OF = {"site.yaml": "site", "services.yaml": "services", "incidents": "incident", "maintenance": "maintenance"}


def _edge_corpus(data: object):
    """`data` with one text or one key bent at its edge, for every text and key it holds."""
    if isinstance(data, dict):
        for key, value in data.items():
            for bend in EDGES:
                yield {(bend(k) if k == key else k): v for k, v in data.items()}
            for changed in _edge_corpus(value):
                yield {**data, key: changed}
    elif isinstance(data, list):
        for i, value in enumerate(data):
            for changed in _edge_corpus(value):
                yield data[:i] + [changed] + data[i + 1:]
    elif isinstance(data, str):
        for bend in EDGES:
            yield bend(data)


def _corpus() -> list[tuple[str, object]]:
    """Every content file the test fixtures write (every optional field used), each bent at every
    text and key, with the file's schema."""
    found = []
    for rel, data in content_with("정부 시스템 장애").items():
        kind = KIND_OF[rel.split("/")[0]]
        found += [(kind, bent) for bent in _edge_corpus(data)]
    return found


def test_both_validators_judge_every_text_alike_at_its_edges() -> None:
    """check() trusts the compiled validator's 'valid' and explains with jsonschema's errors: if
    they disagree, a file is either passed unexplained or refused with no message. jsonschema
    read the schema's `$` as Python does (before a final newline) and passed `"evil-svc\\n"`."""
    import fastjsonschema

    fast = {kind: fastjsonschema.compile(schema(kind)) for kind in set(KIND_OF.values())}
    thorough = {kind: Draft7Validator(schema(kind)) for kind in set(KIND_OF.values())}
    disagreements = []
    corpus = _corpus()
    for kind, data in corpus:
        try:
            fast[kind](data)
            fast_ok = True
        except fastjsonschema.JsonSchemaException:
            fast_ok = False
        if fast_ok != thorough[kind].is_valid(data):
            disagreements.append((kind, data))
    assert len(corpus) > 2_000 and disagreements == [], disagreements[:3]


@pytest.mark.parametrize(("file", "path", "value"), [
    ("services.yaml", ("groups", 0, "services", 0, "id"), "evil-svc\n"),
    ("services.yaml", ("groups", 0, "services", 0, "id"), "evil-svc\r\n"),
    ("incidents/2025-09-26-outage.yaml", ("started",), "2025-09-26T20:15+09:00\n"),
    ("incidents/2025-09-26-outage.yaml", ("started",), "２０２５-09-26T20:15+09:00"),
    ("site.yaml", ("base_url",), "https://status.example.test/\n"),
    ("site.yaml", ("languages", 0), "ko\n"),
])
def test_a_value_with_a_bent_edge_is_refused_by_both_validators(file: str, path: tuple, value: str) -> None:
    """As a JavaScript editor reads the schema: `$` is the end of the text and \\d is 0-9."""
    import fastjsonschema

    doc = content_with("정부 시스템 장애")[file]
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    kind = KIND_OF[file.split("/")[0]]
    with pytest.raises(fastjsonschema.JsonSchemaException):
        fastjsonschema.compile(schema(kind))(doc)
    assert [tuple(e.absolute_path) for e in Draft7Validator(schema(kind)).iter_errors(doc)] == [path]
