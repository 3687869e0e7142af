"""Which files a deploy sends and in what order, so a half-finished deploy never breaks a page."""

from __future__ import annotations

import hashlib

from generator.deploy.plan import make_plan


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hashed(files: dict[str, bytes]) -> dict[str, str | None]:
    return {path: sha(data) for path, data in files.items()}


FILES = {
    "index.html": b"home v2",
    "en/index.html": b"en home",
    "incidents/new-outage.html": b"new incident",
    "history.html": b"history v1",
    "api/summary.json": b"{}",
    "assets/style.bbbb.css": b"new css",
    "_headers": b"rules",
}
REMOTE = {
    "index.html": sha(b"home v1"),
    "en/index.html": sha(b"en home"),
    "history.html": None,
    "assets/style.aaaa.css": sha(b"old css"),
    "api/summary.json": sha(b"{}"),
    "_headers": sha(b"rules"),
}


def test_only_changed_or_unknown_files_are_sent() -> None:
    plan = make_plan(hashed(FILES), REMOTE)
    actions = {s.path: s.action for s in plan.steps}
    assert actions == {"index.html": "change", "history.html": "change", "incidents/new-outage.html": "new",
                       "assets/style.bbbb.css": "new", "assets/style.aaaa.css": "delete"}
    assert plan.unchanged == 3
    assert plan.summary() == "2 new, 2 changed, 1 deleted, 3 unchanged"


def test_assets_then_data_then_pages_with_index_pages_last_then_deletions() -> None:
    files = {**FILES, "feeds/incidents.xml": b"<feed/>", "bank/index.html": b"bank"}
    order = [s.path for s in make_plan(hashed(files), {"stale.html": sha(b"x"), "assets/old.css": sha(b"y")}).steps]
    assert order == ["assets/style.bbbb.css", "_headers", "api/summary.json", "feeds/incidents.xml",
                     "history.html", "incidents/new-outage.html", "bank/index.html", "en/index.html", "index.html",
                     "assets/old.css", "stale.html"]


def test_an_up_to_date_host_gets_nothing() -> None:
    plan = make_plan(hashed(FILES), hashed(FILES))
    assert plan.steps == () and plan.unchanged == len(FILES)
