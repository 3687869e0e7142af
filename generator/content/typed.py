"""The structure of a notice as typed structs: the cheap test of what the JSON Schema says.

Every notice of a cold check is held against its schema, and a compiled schema validator spent
86 µs a notice on it; msgspec, converting the same data into these structs, takes a fraction of
that. The JSON Schemas in generator/schema/ stay the source: editors read them, `validate` falls
back to them to decide and to explain whenever a struct refuses a notice, so every message is the
schema's. The structs mirror incident.schema.json and maintenance.schema.json by hand, and
tests/test_typed.py holds them to it: whatever a struct accepts, the schema must accept too (a
struct that refuses more only costs that notice the slower path).

What a struct's types cannot say, its `__post_init__` says: one of `service` or `upstream`, a
cause with something in it, an alternative that is a text or a mapping with `text`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

# The schemas' patterns in Python's dialect (validate._python_pattern): `$` as \Z, `\d` as [0-9].
Id = Annotated[str, Meta(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")]
Time = Annotated[str, Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?([+-][0-9]{2}:[0-9]{2}|Z)\Z")]
Language = Annotated[str, Meta(pattern=r"^[a-z]{2,3}\Z")]
Text = str | Annotated[dict[Language, str], Meta(min_length=1)]
Status = Literal["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"]
Channel = Literal["app", "web", "branch", "call_center", "atm", "messenger"]


class _Closed(Struct, forbid_unknown_fields=True):
    """A mapping with `additionalProperties: false`: an unknown key is refused."""


class Alternative(_Closed):
    text: Text
    channels: list[Channel] | UnsetType = UNSET
    audience: Text | UnsetType = UNSET


_ALTERNATIVE_KEYS = frozenset(("text", "channels", "audience"))


def _alternative(raw: str | dict[str, Any]) -> None:
    """The schema's if/then/else: a mapping with any of an alternative's keys is one, any other
    value is a text."""
    if isinstance(raw, dict) and not _ALTERNATIVE_KEYS.isdisjoint(raw):
        msgspec.convert(raw, Alternative)
    else:
        msgspec.convert(raw, Text)


class Affected(_Closed):
    status: Status
    service: Id | UnsetType = UNSET
    upstream: Id | UnsetType = UNSET
    alternatives: list[str | dict[str, Any]] | UnsetType = UNSET

    def __post_init__(self) -> None:
        if (self.service is UNSET) == (self.upstream is UNSET):
            raise ValueError("give exactly one of service or upstream")
        for raw in self.alternatives or ():
            _alternative(raw)


class Cause(_Closed):
    upstream: Id | UnsetType = UNSET
    description: Text | UnsetType = UNSET

    def __post_init__(self) -> None:
        if self.upstream is UNSET and self.description is UNSET:
            raise ValueError("a cause needs an upstream or a description")


class Tally(_Closed):
    restored: Annotated[int, Meta(ge=0)]
    total: Annotated[int, Meta(ge=1)]
    name: Text


class Progress(_Closed):
    restored: Annotated[int, Meta(ge=0)]
    total: Annotated[int, Meta(ge=1)]
    tiers: list[Tally] | UnsetType = UNSET


class Update(_Closed):
    at: Time
    status: Literal["investigating", "identified", "monitoring", "resolved"]
    body: Text
    scheduled: bool | UnsetType = UNSET
    next_update: Time | UnsetType = UNSET
    services: dict[Id, Status] | UnsetType = UNSET
    progress: Progress | UnsetType = UNSET
    notify: bool | UnsetType = UNSET


class Incident(_Closed):
    title: Text
    impact: Literal["none", "minor", "major", "critical"]
    started: Time
    affected: Annotated[list[Affected], Meta(min_length=1)]
    updates: Annotated[list[Update], Meta(min_length=1)]
    cause: Cause | UnsetType = UNSET
    scheduled: bool | UnsetType = UNSET
    not_recovered: list[Text] | UnsetType = UNSET


class Maintenance(_Closed):
    title: Text
    starts: Time
    ends: Time
    services: Annotated[list[Id], Meta(min_length=1)]
    body: Text | UnsetType = UNSET


STRUCTS: dict[str, type[Struct]] = {"incident": Incident, "maintenance": Maintenance}


@cache
def struct_check(schema_name: str) -> Callable[[Any], bool] | None:
    """Whether a document surely fits the schema `schema_name` (False: ask the schema), or None
    for a kind of file without structs (site.yaml and services.yaml, read once a run)."""
    struct = STRUCTS.get(schema_name)
    if struct is None:
        return None

    def fits(data: Any) -> bool:
        try:
            msgspec.convert(data, struct)
        except msgspec.ValidationError:
            return False
        return True

    return fits
