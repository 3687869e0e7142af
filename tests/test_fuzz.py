"""Fuzzing: whatever the content files hold, Noticeboard builds the site or refuses it with located
problems — never an exception, never a traceback on the operator's screen.

Random text and random YAML structures in every content file, mutations of valid content, every
Unicode category (RTL and bidi controls, zero-width and combining characters, Hangul jamo and
fillers, emoji sequences, control characters, noncharacters) in text fields, huge and empty
values, and times at DST edges and year boundaries in zones with odd offsets.

In the suite each property runs Hypothesis' default 100 examples (the CLI one a twentieth of
that), derandomised under CI=true; the long run, drawn afresh, is `python -m pytest
tests/test_fuzz.py --hypothesis-profile=long` (5,000 examples each; profiles in tests/conftest.py).
"""

from __future__ import annotations

import functools
import re
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
import yaml
from cli_run import assert_no_crash, run_cli
from every_field import NOW, content_with, write_content
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from site_outputs import findings, scan_html

from generator.build import render_site
from generator.clock import parse_now
from generator.content import yamlfile
from generator.content.check import check
from generator.content.fastyaml import Irregular
from generator.content.yamlfile import LoadFailure, parse_yaml
from generator.errors import ContentError, NoticeboardError, Problem
from generator.site.theme import chosen_theme, load_theme
from generator.state.derive import snapshot

EXAMPLES = settings().max_examples
# The least share of examples that must build, well under what runs give (in 100 examples, over
# seeds: mutations 11-33%, any Unicode 81-87%, times at edges 16-36%). A property of random
# structures in place of a whole file tests the refusals only: none of them is a valid file.
SHARE = {"mutation": 0.05, "unicode": 0.5, "times": 0.08}
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                      HealthCheck.data_too_large])
FILES = list(content_with("x"))
SCHEMA_KEYS = sorted({"title", "impact", "cause", "upstream", "description", "started", "affected", "service", "status",
                      "alternatives", "text", "channels", "audience", "updates", "at", "body", "services", "progress",
                      "restored", "total", "tiers", "name", "not_recovered", "starts", "ends", "languages", "timezone",
                      "base_url", "contacts", "label", "phone", "url", "hours", "affiliates", "id", "groups",
                      "depends_on", "upstreams", "theme", "affiliate", "ko", "en", "ja"})
WORDS = ["major", "minor", "critical", "none", "operational", "major_outage", "partial_outage", "degraded_performance",
         "under_maintenance", "investigating", "identified", "monitoring", "resolved", "app", "branch", "web", "atm",
         "id-check", "transfer", "gov-id", "bank", "identity", "ko", "en", "Asia/Seoul", "https://example.test/",
         "2025-09-26T20:15+09:00", "2025-09-27T09:00+09:00", "2025-10-12T00:00+09:00", "1588-0000"]
# Characters with a history of breaking text handling, mixed into Hypothesis' own Unicode.
TRICKY = list("\u200f\u200e\u202e\u202c\u2066\u2069\u200b\u200c\u200d\u2060\ufeff\u0301\u0308\u20dd\u0e33"
              "\u1100\u1161\u11a8\u115f\u1160\u3164\uffa0\U0001F469\u200d\U0001F467\U0001F1F0\U0001F1F7"
              "\x00\x07\x1b\x7f\x85\x9f\u2028\u2029\ufffe\uffff\U0010ffff\ue000가힣\t\n\r <>&\"'{}%#:-[]!*|\\")
unicode_text = st.text(st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(TRICKY)), max_size=40)
texts = st.one_of(unicode_text, st.sampled_from(["", " ", "\u200b\u200f", "\u3164", "가" * 20_000, "가" * 20_001]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(), texts, st.sampled_from(WORDS))
structures = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(SCHEMA_KEYS), unicode_text), inner, max_size=5)),
    max_leaves=25)
YAML_TOKENS = st.sampled_from([":", ": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "!x ", "|", ">", "'", '"',
                               "\n", "\n  ", "\t", "#", "%YAML 1.1\n", "---\n", "...\n", "? ", "<<: ", "\\x07", "~",
                               "title", "updates", "가", "\ufeff", "\u2028"])
yaml_like = st.lists(st.one_of(YAML_TOKENS, unicode_text), max_size=30).map("".join)
ZONES = ["Asia/Seoul", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns",
         "Pacific/Apia", "Asia/Kathmandu", "Pacific/Kiritimati", "UTC"]
# Local wall times at DST gaps and folds (New York, London, Lord Howe's 30-minute shift, Seoul's
# 1987-88 DST, Samoa skipping 30 Dec 2011), leap days, and the edges of the supported years.
EDGES = [datetime(2025, 3, 9, 2, 30), datetime(2025, 11, 2, 1, 30), datetime(2025, 3, 30, 1, 30),
         datetime(2025, 10, 26, 1, 30), datetime(2025, 4, 6, 1, 45), datetime(1987, 5, 10, 2, 30),
         datetime(1988, 10, 9, 2, 30), datetime(2011, 12, 30, 12, 0), datetime(2024, 2, 29, 23, 59),
         datetime(2025, 12, 31, 23, 59), datetime(2026, 1, 1, 0, 0), datetime(1970, 1, 1, 0, 0),
         datetime(1969, 12, 31, 23, 59), datetime(9998, 12, 31, 23, 59), datetime(1, 1, 1, 0, 0),
         datetime(9999, 12, 31, 23, 59)]


def wall_time(moment: datetime, fold: int, zone: str) -> datetime:
    return moment.replace(tzinfo=ZoneInfo(zone), fold=fold)


times = st.one_of(
    st.builds(wall_time, st.sampled_from(EDGES), st.integers(0, 1), st.sampled_from(ZONES)),
    st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(9999, 12, 30),
                 timezones=st.sampled_from([ZoneInfo(z) for z in ZONES])),
)


def stamp(moment: datetime) -> str:
    """As an operator writes it: minutes and the UTC offset (odd historical offsets keep their seconds)."""
    try:
        offset = moment.utcoffset() or timedelta(0)
    except OverflowError:
        offset = timedelta(0)
    sign, rest = ("-", -offset) if offset < timedelta(0) else ("+", offset)
    hours, seconds = divmod(int(rest.total_seconds()), 3600)
    zone = f"{sign}{hours:02d}:{seconds // 60:02d}" + (f":{seconds % 60:02d}" if seconds % 60 else "")
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}{zone}"


def fresh(root: Path, files: dict[str, Any]) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    return write_content(root, files)


def assert_well_reported(problems: list[Problem]) -> None:
    """At least one error, and each problem names its file and, for a content error, line and column."""
    assert any(p.severity == "error" for p in problems)
    for problem in problems:
        assert problem.location.file.startswith("content/") and problem.message, problem.format()
        assert "Traceback" not in problem.format() and "<class" not in problem.format(), problem.format()
        if problem.severity == "error":
            assert problem.location.line >= 1 and problem.location.column >= 1, problem.format()


# How the examples of the property running now ended: a property whose examples were all refused
# would test the error path alone, and say nothing about what builds.
OUTCOMES: Counter[str] = Counter()


def building_at_least(share: float) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The property, then a check that at least `share` of its examples built a site."""
    def wrap(test: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(test)
        def run(*args: Any, **kwargs: Any) -> None:
            OUTCOMES.clear()
            test(*args, **kwargs)
            total = OUTCOMES["built"] + OUTCOMES["refused"]
            assert total and OUTCOMES["built"] >= share * total, \
                f"{OUTCOMES['built']} of {total} examples built; at least {share:.0%} should"
        return run
    return wrap


def refused_with(problems: list[Problem]) -> None:
    assert_well_reported(problems)
    event("refused")
    OUTCOMES["refused"] += 1


def build_or_refuse(content_dir: Path, now: datetime) -> dict[str, bytes] | None:
    """The site's files, or None when the content was refused with well-reported problems."""
    try:
        checked = check(content_dir, use_cache=False)
        content = checked.content
        assert checked.files.site is not None
        theme = load_theme(chosen_theme(content_dir, checked.files.site), content.site.languages)
    except ContentError as refused:  # a theme that can't be used too (site.yaml naming one that isn't there)
        refused_with(refused.problems)
        return None
    event("built")
    OUTCOMES["built"] += 1
    files = render_site(content, snapshot(content, now), theme)
    assert [f for path, data in files.items() for f in findings(path, data)] == []
    return files


@FUZZ
@given(text=st.one_of(yaml_like, unicode_text))
def test_any_text_is_loaded_or_refused_at_a_position(text: str) -> None:
    try:
        parse_yaml(text, Path("x.yaml"), "x.yaml")
    except LoadFailure as failure:
        where = failure.problem.location
        assert where.file == "x.yaml" and where.line >= 1 and where.column >= 1 and failure.problem.message


def loaded(text: str) -> tuple[Any, ...]:
    """Everything loading tells: the data (repr keeps key order and NaN), the warnings, and every
    value's and key's position; or the problem it was refused with."""
    try:
        doc = parse_yaml(text, Path("x.yaml"), "x.yaml")
    except LoadFailure as failure:
        return ("refused", failure.problem)
    where = {path: (doc.loc(path), doc.loc(path, key=True)) for path in paths_of(doc.data)}
    return ("loaded", repr(doc.data), doc.warnings, where)


def thoroughly_loaded(text: str) -> tuple[Any, ...]:
    with patch.object(yamlfile, "plain_data", side_effect=Irregular):
        return loaded(text)


@FUZZ
@given(text=st.one_of(yaml_like, unicode_text, structures.map(lambda data: yaml.safe_dump(data, allow_unicode=True)),
                      st.sampled_from(FILES).map(lambda name: yaml.safe_dump(content_with("기본 문구")[name],
                                                                              allow_unicode=True))))
def test_the_fast_loading_path_tells_exactly_what_the_thorough_one_does(text: str) -> None:
    assert loaded(text) == thoroughly_loaded(text)


@FUZZ
@given(target=st.sampled_from(FILES), data=structures)
def test_any_yaml_structure_in_any_file_builds_or_is_refused(tmp_path: Path, target: str, data: Any) -> None:
    files = content_with("기본 문구") | {target: data}
    build_or_refuse(fresh(tmp_path / "content", files), parse_now(NOW))


def paths_of(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found += paths_of(child, path + (key,))
    return found


def mutate(document: Any, path: tuple[Any, ...], action: str, new: Any) -> Any:
    """Replace, delete or duplicate the value at `path`, or give its key another name."""
    if not path:
        return new
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "replace":
        parent[last] = new
    elif action == "delete":
        del parent[last]
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(last, parent[last])
    elif action == "rename" and isinstance(parent, dict):
        parent[str(new)] = parent.pop(last)
    return document


@building_at_least(SHARE["mutation"])
@FUZZ
@given(target=st.sampled_from(FILES), data=st.data(), action=st.sampled_from(["replace", "delete", "duplicate", "rename"]),
       new=structures)
def test_mutated_valid_content_builds_or_is_refused(tmp_path: Path, target: str, data: st.DataObject, action: str,
                                                    new: Any) -> None:
    files = content_with("기본 문구")
    path = data.draw(st.sampled_from(paths_of(files[target])), label="path")
    files[target] = mutate(files[target], path, action, new)
    build_or_refuse(fresh(tmp_path / "content", files), parse_now(NOW))


@building_at_least(SHARE["unicode"])
@FUZZ
@given(text=texts)
def test_any_unicode_in_every_text_field_builds_or_is_refused_as_empty(tmp_path: Path, text: str) -> None:
    content_dir = fresh(tmp_path / "content", content_with(text))
    try:
        check(content_dir, use_cache=False)
    except ContentError as refused:
        refused_with(refused.problems)
        errors = {p.message for p in refused.problems if p.severity == "error"}
        assert all(e == "text is empty or invisible" or re.fullmatch(r"text is [\d,]+ characters long; the limit "
                                                                     r"is 20,000", e)
                   or e.startswith("quotes and lists are nested more than") for e in errors), errors
        return
    files = build_or_refuse(content_dir, parse_now(NOW))
    assert files is not None
    site = (content_dir / "site.yaml").read_text(encoding="utf-8")
    title = parse_yaml(site, content_dir / "site.yaml", "site.yaml").data["title"]["ko"]
    shown = "".join(scan_html(files["index.html"].decode("utf-8")).text)
    assert title in shown, "the title must be shown exactly, once invisible controls are left out"


def instant(moment: datetime) -> datetime:
    """For sorting: the UTC instant, or the wall time where converting would overflow."""
    try:
        return moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    except OverflowError:
        return moment.replace(tzinfo=None)


@building_at_least(SHARE["times"])
@FUZZ
@given(zone=st.sampled_from(ZONES), moments=st.lists(times, min_size=4, max_size=6), in_order=st.booleans(), now=times)
def test_times_at_dst_edges_and_year_boundaries_build_or_are_refused(tmp_path: Path, zone: str, moments: list[datetime],
                                                                     in_order: bool, now: datetime) -> None:
    """Mostly in order (so most sites build and render their times), sometimes not (so order checks run)."""
    if in_order:
        moments = sorted(moments, key=instant)
    started, window, updates = moments[0], (moments[1], moments[-1]), moments[2:]
    files = content_with("기본 문구")
    files["site.yaml"]["timezone"] = zone
    incident = files["incidents/2025-09-26-outage.yaml"]
    incident["started"] = stamp(started)
    incident["updates"] = [{"at": stamp(at), "status": "identified", "body": "갱신"} for at in updates]
    files["maintenance/2025-09-27-now.yaml"].update(starts=stamp(window[0]), ends=stamp(window[1]))
    try:
        moment = parse_now(stamp(now))
    except NoticeboardError as refused:
        assert "hint:" in str(refused)
        return
    built = build_or_refuse(fresh(tmp_path / "content", files), moment)
    if built is None:
        return
    for tag, attrs in scan_html(built["index.html"].decode("utf-8")).elements:
        if tag == "time":
            shown = datetime.fromisoformat(dict(attrs)["datetime"])
            assert shown.utcoffset() == shown.astimezone(ZoneInfo(zone)).utcoffset(), attrs


@settings(FUZZ, max_examples=max(5, EXAMPLES // 20))
@given(text=st.one_of(yaml_like, unicode_text), target=st.sampled_from(FILES))
def test_the_command_never_shows_a_traceback(tmp_path: Path, text: str, target: str) -> None:
    content_dir = fresh(tmp_path / "content", content_with("기본 문구"))
    (content_dir / target).write_text(text, encoding="utf-8", errors="surrogatepass")
    result = run_cli("build", "--content", content_dir, "--output", tmp_path / "public", "--now", NOW)
    assert_no_crash(result)


@pytest.mark.parametrize("now", ["0001-01-01T00:00+09:00", "9999-12-31T23:59-12:00", "1969-12-31T23:59+00:00"])
def test_a_now_outside_the_supported_years_is_a_clear_error(tmp_path: Path, now: str) -> None:
    """Year 1 with +09:00 used to overflow on conversion to UTC, deep inside the build."""
    content_dir = fresh(tmp_path / "content", content_with("기본 문구"))
    result = run_cli("build", "--content", content_dir, "--output", tmp_path / "public", "--now", now)
    assert_no_crash(result)
    assert result.returncode == 1 and "is outside the years 1970–9998; hint: check the year" in result.stderr


@pytest.mark.parametrize("when", ["0001-01-01T00:00+09:00", "9999-12-31T23:59-12:00", "2025-02-29T10:00+09:00"])
def test_an_incident_time_outside_the_calendar_is_refused_where_it_is(tmp_path: Path, when: str) -> None:
    files = content_with("기본 문구")
    files["incidents/2025-09-26-outage.yaml"]["started"] = when
    with pytest.raises(ContentError) as refused:
        check(fresh(tmp_path / "content", files), use_cache=False)
    assert_well_reported(refused.value.problems)
    assert any(p.field == "started" and when in p.message for p in refused.value.problems)


def test_ci_draws_the_same_examples_on_every_run() -> None:
    """Hypothesis ran unseeded in CI: a red run could come and go without any change."""
    from conftest import hypothesis_profile

    assert hypothesis_profile({"CI": "true"}) == "ci" and hypothesis_profile({}) == "default"
    runs: list[list[str]] = []

    @settings(settings.get_profile("ci"), max_examples=30, database=None)
    @given(text=unicode_text)
    def draw(text: str) -> None:
        runs[-1].append(text)

    for _ in range(2):
        runs.append([])
        draw()
    assert runs[0] == runs[1] and len(set(runs[0])) > 10
    assert settings.get_profile("long").derandomize is False, "the long run is the one that draws afresh"
