"""The JSON API read the way a Statuspage client reads it, checked against what the HTML shows."""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEMO, DEMO_NOW, ROOT, at
from html_text import Page
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from generator.build import build

SCHEMAS = Path(__file__).parent / "schemas" / "statuspage"
SCHEMA_OF = {
    "summary.json": "summary.json", "status.json": "status.json", "components.json": "components.json",
    "incidents.json": "incidents.json", "incidents/unresolved.json": "incidents.json",
    "scheduled-maintenances.json": "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json": "scheduled-maintenances.json",
    "scheduled-maintenances/active.json": "scheduled-maintenances.json",
}
# What a Statuspage client concludes from the worst component status it is shown.
EXPECTED_INDICATOR = {"operational": "none", "under_maintenance": "minor", "degraded_performance": "minor",
                      "partial_outage": "major", "major_outage": "critical"}
INC = "incidents/2025-09-26-id-outage.yaml"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public"
    build(DEMO, out, at(DEMO_NOW))
    return out


def validators() -> dict[str, Draft202012Validator]:
    resources = [(f"https://noticeboard.invalid/statuspage/{p.name}", Resource.from_contents(json.loads(p.read_text())))
                 for p in SCHEMAS.glob("*.json")]
    registry = Registry().with_resources(resources)
    return {name: Draft202012Validator(json.loads((SCHEMAS / name).read_text()), registry=registry)
            for name in set(SCHEMA_OF.values())}


def load(site: Path, rel: str) -> dict:
    return json.loads((site / rel).read_text(encoding="utf-8"))


def built(tree, tmp_path: Path, now: str) -> Path:
    out = tmp_path / f"public-{now[:16].replace(':', '')}"
    build(tree.root, out, at(now))
    return out


def test_every_api_file_validates_against_statuspage_documented_shapes(demo_site: Path) -> None:
    checks = validators()
    prefixes = ["", "en/", "bank/", "en/bank/", "card/", "securities/"]
    for prefix in prefixes:
        for name, schema in SCHEMA_OF.items():
            document = load(demo_site, f"{prefix}api/v2/{name}")
            errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in checks[schema].iter_errors(document)]
            assert not errors, f"{prefix}api/v2/{name}: {errors[:5]}"


def _statuses_after_links(page: Page, base: str, prefix: str, status_class: str) -> list[tuple[str, str]]:
    """(id, status) for each link (from a page in `base`) to `prefix<id>.html` followed directly by a status badge."""
    found, elements = [], page.elements
    for (tag, attrs), (next_tag, next_attrs) in zip(elements, elements[1:]):
        href = posixpath.normpath(posixpath.join(base, attrs.get("href", "")))
        if tag == "a" and href.startswith(prefix) and next_tag == "span" and next_attrs.get("class", "").startswith(status_class):
            status = next_attrs["class"].split()[1].removeprefix(status_class.split()[-1] + "-")
            found.append((href.removeprefix(prefix).removesuffix(".html"), status))
    return found


@pytest.mark.parametrize(("prefix", "pages"), [("", ""), ("en/", "en/"), ("bank/", ""), ("en/bank/", "en/")])
def test_a_statuspage_client_reading_summary_sees_what_the_home_page_shows(demo_site: Path, prefix: str,
                                                                           pages: str) -> None:
    """`pages`: where the home page's service and incident links go (a section links to the group's pages)."""
    summary = load(demo_site, f"{prefix}api/v2/summary.json")
    home = Page.read(demo_site / prefix / "index.html")
    banner = next(a["class"] for _, a in home.elements if "banner" in a.get("class", "").split())
    shown_overall = banner.split("banner-")[1]
    assert summary["status"]["indicator"] == EXPECTED_INDICATOR[shown_overall]
    assert summary["status"]["description"] in home.text

    components = {c["id"]: c["status"] for c in summary["components"] if not c["group"]}
    shown = _statuses_after_links(home, prefix or ".", f"{pages}services/", "status status")
    assert {sid for sid, _ in shown} == set(components)
    for service_id, status in shown:
        assert components[service_id] == status, service_id

    recent = _statuses_after_links(home, prefix or ".", f"{pages}incidents/", "istatus istatus")
    unresolved = {i["id"]: i["status"] for i in summary["incidents"]}
    assert unresolved == {iid: status for iid, status in recent if status != "resolved"}
    assert unresolved, "the demo at DEMO_NOW has an open incident"


def test_every_url_in_every_section_leads_to_a_page_the_build_wrote(demo_site: Path) -> None:
    """Page, component, incident and maintenance links; a section's go to the group's one page per
    incident, service and window, as its home page's do."""
    def urls(value: object) -> list[str]:
        if isinstance(value, dict):
            return [v for k, v in value.items() if k in ("url", "shortlink") and isinstance(v, str)] + \
                [u for v in value.values() for u in urls(v)]
        return [u for v in value for u in urls(v)] if isinstance(value, list) else []

    for path in demo_site.rglob("api/v2/**/*.json"):
        found = urls(json.loads(path.read_text(encoding="utf-8")))
        assert found, path
        for url in found:
            target = url.removeprefix("https://status.example.com/")
            page = demo_site / target / "index.html" if target.endswith("/") or not target else demo_site / target
            assert page.is_file(), f"{path.relative_to(demo_site)}: {url}"
    summary = load(demo_site, "en/bank/api/v2/summary.json")
    assert summary["page"]["url"] == "https://status.example.com/en/bank/"
    assert summary["incidents"][0]["shortlink"].startswith("https://status.example.com/en/incidents/")


def test_groups_are_component_groups_listing_their_services(demo_site: Path) -> None:
    components = load(demo_site, "api/v2/components.json")["components"]
    by_id = {c["id"]: c for c in components}
    group = by_id["bank-onboarding"]
    assert group["group"] is True and group["group_id"] is None
    assert group["components"] == ["id-card-check", "remote-account-opening", "remote-loan", "public-mydata-service"]
    assert all(by_id[s]["group_id"] == "bank-onboarding" for s in group["components"])
    assert group["status"] == "major_outage"
    assert [c["position"] for c in components] == list(range(1, len(components) + 1))


def test_our_extra_knowledge_rides_under_the_noticeboard_key(demo_site: Path) -> None:
    summary = load(demo_site, "en/api/v2/summary.json")
    card = next(c for c in summary["components"] if c["id"] == "id-card-check")
    extra = card["noticeboard"]
    assert extra["upstream"]["id"] == "gov-id-verification"
    assert "Verify yourself with a mobile driver's licence" in [a["text"] for a in extra["alternatives"]]
    assert extra["incident_id"] == "2025-09-26-nirs-fire"
    incident = summary["incidents"][0]["noticeboard"]
    assert incident["cause"]["upstream"] == "gov-id-verification"
    assert len(incident["not_recovered"]) == 3
    assert {"id": "gov-id-verification", "name": incident["cause"]["upstream_name"], "status": "major_outage"} \
        in summary["noticeboard"]["upstreams"]


def test_restore_time_per_service_is_published_once_it_came_back(tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(DEMO, out, at("2025-09-27T17:00+09:00"))
    giro = next(c for c in load(out, "api/v2/components.json")["components"] if c["id"] == "giro-payment")
    assert giro["status"] == "operational"
    assert giro["noticeboard"]["restored_at"] == "2025-09-27T16:00:00+09:00"
    assert giro["updated_at"] == "2025-09-27T16:00:00+09:00"


def test_updates_are_newest_first_with_component_transitions(tree, tmp_path: Path) -> None:
    site = built(tree, tmp_path, "2025-09-30T10:00+09:00")
    incident = load(site, "api/v2/incidents.json")["incidents"][0]
    assert load(site, "api/v2/incidents/unresolved.json")["incidents"] == []
    assert incident["status"] == "resolved" and incident["resolved_at"] == "2025-09-29T09:00:00+09:00"
    assert incident["monitoring_at"] == "2025-09-28T12:00:00+09:00"
    updates = incident["incident_updates"]
    assert [u["status"] for u in updates] == ["resolved", "monitoring", "identified"]
    first, back = updates[2]["affected_components"], updates[1]["affected_components"]
    assert {"code": "id-check", "name": "신분증 진위확인", "old_status": "operational", "new_status": "major_outage"} in first
    assert [(c["code"], c["old_status"], c["new_status"]) for c in back] == [("id-check", "major_outage", "operational")]
    assert updates[2]["body"] == "정부 시스템 장애로 이용할 수 없습니다."


def test_updates_after_now_are_not_published(tree, tmp_path: Path) -> None:
    site = built(tree, tmp_path, "2025-09-27T10:00+09:00")
    incident = load(site, "api/v2/incidents/unresolved.json")["incidents"][0]
    assert [u["created_at"] for u in incident["incident_updates"]] == ["2025-09-26T21:30:00+09:00"]
    assert incident["updated_at"] == "2025-09-26T21:30:00+09:00"
    assert "신분증 진위확인이 복구되었습니다" not in (site / "api/v2/incidents.json").read_text(encoding="utf-8")


MAINTENANCE = """\
title: {ko: 이체 시스템 점검, en: Transfer maintenance}
starts: 2025-10-12T00:00+09:00
ends: 2025-10-12T06:00+09:00
services: [transfer]
body: {ko: 점검 중에는 이체를 할 수 없습니다., en: Transfers are unavailable during the work.}
"""


@pytest.mark.parametrize(("now", "status", "listed_in"), [
    ("2025-10-11T12:00+09:00", "scheduled", "upcoming"),
    ("2025-10-12T03:00+09:00", "in_progress", "active"),
    ("2025-10-12T07:00+09:00", "completed", None),
])
def test_maintenance_status_follows_the_clock(tree, tmp_path: Path, now: str, status: str, listed_in: str | None) -> None:
    tree.write("maintenance/2025-10-12-transfer.yaml", MAINTENANCE)
    site = built(tree, tmp_path, now)
    window = load(site, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"][0]
    assert window["status"] == status
    assert (window["scheduled_for"], window["scheduled_until"]) == ("2025-10-12T00:00:00+09:00", "2025-10-12T06:00:00+09:00")
    assert window["created_at"] <= at(now).isoformat()
    for kind in ("upcoming", "active"):
        listed = load(site, f"api/v2/scheduled-maintenances/{kind}.json")["scheduled_maintenances"]
        assert [w["id"] for w in listed] == (["2025-10-12-transfer"] if kind == listed_in else [])
    summary = load(site, "api/v2/summary.json")
    assert [w["id"] for w in summary["scheduled_maintenances"]] == (["2025-10-12-transfer"] if listed_in else [])
    transfer = next(c for c in summary["components"] if c["id"] == "transfer")
    assert transfer["status"] == ("under_maintenance" if status == "in_progress" else "operational")
    assert window["resolved_at"] == ("2025-10-12T06:00:00+09:00" if status == "completed" else None)


def test_incidents_json_keeps_the_latest_50_and_every_unresolved(tree, tmp_path: Path) -> None:
    resolved = Path(tree.root / INC).read_text(encoding="utf-8")
    for day in range(1, 56):
        text = resolved.replace("2025-09-26T20:15", f"2025-08-{day % 28 + 1:02d}T{day % 24:02d}:00")
        tree.write(f"incidents/2025-08-x{day:02d}.yaml", text)
    old_open = "\n".join(resolved.splitlines()[:-3]).replace("2025-09-26T20:15", "2025-01-01T00:00")
    tree.write("incidents/2025-01-01-still-open.yaml", old_open + "\n")
    site = built(tree, tmp_path, "2025-10-01T00:00+09:00")
    ids = [i["id"] for i in load(site, "api/v2/incidents.json")["incidents"]]
    assert len(ids) == 51 and ids[-1] == "2025-01-01-still-open"
    assert "2025-09-26-id-outage" in ids
    assert [i["id"] for i in load(site, "api/v2/incidents/unresolved.json")["incidents"]] == ["2025-01-01-still-open"]


def test_markup_in_a_title_stays_text_and_never_raw_markup(tree, tmp_path: Path) -> None:
    title = '<script>alert("x")</script><img src=x onerror=alert(1)> & 장애'
    tree.replace(INC, "title: {ko: 신분증 진위확인 중단, en: ID check unavailable}", f"title: {json.dumps(title)}")
    site = built(tree, tmp_path, "2025-09-27T10:00+09:00")
    for path in (site / "api").rglob("*.json"):
        assert b"<" not in path.read_bytes(), path
    assert load(site, "api/v2/summary.json")["incidents"][0]["name"] == title


def test_every_time_carries_the_site_offset(demo_site: Path) -> None:
    def times(value: object) -> list[str]:
        if isinstance(value, dict):
            return [t for k, v in value.items() for t in (times(v) if not k.endswith("_at") and k not in
                    ("scheduled_for", "scheduled_until", "as_of") else [v] if v else [])]
        return [t for v in value for t in times(v)] if isinstance(value, list) else []
    found = times(load(demo_site, "api/v2/summary.json")) + times(load(demo_site, "api/v2/scheduled-maintenances.json"))
    assert len(found) > 50 and all(t.endswith("+09:00") for t in found)


def _digests(site: Path) -> dict[str, str]:
    kinds = (".json", ".atom", ".rss", ".ics", ".svg", ".xml", ".txt")
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.suffix in kinds}


def test_machine_outputs_are_byte_identical_across_processes(tmp_path: Path) -> None:
    """Separate processes with different hash seeds, so set or dict ordering can't sneak in."""
    for seed, name in (("1", "a"), ("2", "b")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(DEMO), "--output",
                        str(tmp_path / name), "--now", DEMO_NOW], check=True, env=env, cwd=ROOT, capture_output=True)
    first, second = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert first == second
    assert {"api/v2/summary.json", "feeds/incidents.atom", "maintenance.ics", "badges/status.svg", "sitemap.xml"} <= set(first)
