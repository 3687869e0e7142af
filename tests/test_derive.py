"""A service's state is derived from incidents, upstreams and maintenance at a given moment."""

from __future__ import annotations

from conftest import at

from generator.content.check import check
from generator.state.derive import incident_state, snapshot


def states(tree, now: str) -> dict[str, str]:
    snap = snapshot(check(tree.root).content, at(now))
    return {sid: s.status for sid, s in snap.services.items()}


def test_before_the_incident_everything_is_operational(tree) -> None:
    assert set(states(tree, "2025-09-26T20:00+09:00").values()) == {"operational"}


def test_during_the_incident_listed_and_dependent_services_are_down(tree) -> None:
    found = states(tree, "2025-09-27T10:00+09:00")
    assert found == {"id-check": "major_outage", "remote-account": "major_outage", "transfer": "operational"}


def test_dependent_service_shows_the_upstream_as_its_cause(tree) -> None:
    snap = snapshot(check(tree.root).content, at("2025-09-27T10:00+09:00"))
    remote = snap.services["remote-account"]
    assert (remote.upstream, remote.incident) == ("gov-id", "2025-09-26-id-outage")


def test_restored_service_overrides_the_still_down_upstream(tree) -> None:
    found = states(tree, "2025-09-28T13:00+09:00")
    assert found["id-check"] == "operational"
    assert found["remote-account"] == "major_outage"


def test_restoration_time_comes_from_the_update(tree) -> None:
    content = check(tree.root).content
    state = incident_state(content.incidents[0], at("2025-09-28T13:00+09:00"))
    assert [(r.target, r.at) for r in state.restorations] == [("id-check", at("2025-09-28T12:00+09:00"))]
    assert state.is_open and state.status == "monitoring"


def test_resolution_restores_everything_at_its_time(tree) -> None:
    content = check(tree.root).content
    state = incident_state(content.incidents[0], at("2025-09-30T00:00+09:00"))
    assert not state.is_open and state.resolved_at == at("2025-09-29T09:00+09:00")
    assert {r.target: r.at for r in state.restorations}["gov-id"] == at("2025-09-29T09:00+09:00")
    assert set(states(tree, "2025-09-30T00:00+09:00").values()) == {"operational"}


def test_updates_after_now_are_not_yet_known(tree) -> None:
    content = check(tree.root).content
    assert incident_state(content.incidents[0], at("2025-09-26T22:00+09:00")).visible_updates == 1


def test_maintenance_in_progress_puts_its_services_under_maintenance(tree) -> None:
    tree.write("maintenance/2025-10-01-upgrade.yaml", """\
        title: {ko: 이체 시스템 점검, en: Transfer system upgrade}
        starts: 2025-10-01T00:00+09:00
        ends: 2025-10-01T06:00+09:00
        services: [transfer]
        """)
    assert states(tree, "2025-10-01T01:00+09:00")["transfer"] == "under_maintenance"
    assert states(tree, "2025-10-01T07:00+09:00")["transfer"] == "operational"
    snap = snapshot(check(tree.root).content, at("2025-09-30T12:00+09:00"))
    assert [m.id for m in snap.upcoming_maintenance] == ["2025-10-01-upgrade"]


def test_overall_is_the_worst_service_state(tree) -> None:
    snap = snapshot(check(tree.root).content, at("2025-09-27T10:00+09:00"))
    assert snap.overall == "major_outage"
    assert snapshot(check(tree.root).content, at("2025-10-27T10:00+09:00")).overall == "operational"


def test_listed_service_names_the_upstream_it_relies_on_as_its_cause(tree) -> None:
    tree.replace("services.yaml", "  - id: gov-id\n", "  - id: giro\n    name: 지로망\n  - id: gov-id\n")
    tree.replace("services.yaml", "        name: {ko: 이체, en: Transfers}\n",
                 "        name: {ko: 이체, en: Transfers}\n        depends_on: [giro]\n")
    tree.replace("incidents/2025-09-26-id-outage.yaml", "affected:\n",
                 "affected:\n  - upstream: giro\n    status: partial_outage\n  - service: transfer\n    status: partial_outage\n")
    snap = snapshot(check(tree.root).content, at("2025-09-27T10:00+09:00"))
    assert snap.services["transfer"].upstream == "giro"
    assert snap.services["id-check"].upstream == "gov-id"
