"""What each channel is told, and when: routing by affiliate, service, upstream and impact; the
maintenance calendar; edits that are not news unless asked; the first run on an existing site;
the dry run. Messages go to a real webhook receiver on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ContentTree, at
from notify_servers import Mailbox, Receiver

from generator.build import render
from generator.notify.run import Report, run

INCIDENT = "incidents/2025-09-26-id-outage.yaml"


@pytest.fixture
def hook() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def _channels(content: Path, entries: str) -> None:
    site = content / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "notify:\n  channels:\n" + entries, encoding="utf-8")


def _deployed(content: Path, now: str, **options) -> Report:  # type: ignore[no-untyped-def]
    """A notify run right after a deploy verified the site as of `now`."""
    files = render(content, at(now)).files
    return run(content, at(now), published=set(files), respect_backoff=False, **options)


def _titles(hook: Receiver, path: str) -> list[str]:
    return [m["title"] for m in hook.json(path)]


def test_a_channel_following_the_card_affiliate_hears_nothing_of_a_bank_only_incident(demo: Path, hook) -> None:
    _channels(demo, "".join(f"    - {{name: {name}, url: '{hook.url(path=f'/{name}')}', languages: [en]{extra}}}\n"
                            for name, extra in [("card", ", affiliates: [card]"), ("bank", ", affiliates: [bank]"),
                                                ("all", ""), ("serious", ", impact: major"),
                                                ("mydata", ", upstreams: [gov-public-mydata]"),
                                                ("loans", ", services: [remote-loan]")]))
    _deployed(demo, "2025-07-22T10:00+09:00")  # the first run: what the site shows is taken as announced
    _deployed(demo, "2025-07-22T12:00+09:00")  # the public MyData delay: three updates, bank services only

    assert _titles(hook, "/card") == [] and _titles(hook, "/serious") == []  # card; a minor incident
    expected = ["[New incident] Public MyData responding slowly", "[Partly restored] Public MyData responding slowly",
                "[Resolved] Public MyData responding slowly"]
    for name in ("bank", "all", "mydata", "loans"):
        assert _titles(hook, f"/{name}") == expected, name


def test_the_first_run_on_an_existing_site_sends_no_old_update(demo: Path, hook) -> None:
    _channels(demo, f"    - {{name: all, url: '{hook.url()}'}}\n")
    report = _deployed(demo, "2025-09-27T10:00+09:00")
    assert hook.posts == []
    assert "taken as already announced" in report.notes[0]
    _deployed(demo, "2025-09-27T17:00+09:00")  # the 16:00 update of the data-center fire
    (message,) = hook.json()
    assert message["title"].startswith("[일부 복구] 정부 데이터센터 화재")


def test_maintenance_is_announced_when_scheduled_started_and_completed(tree: ContentTree, hook) -> None:
    _channels(tree.root, f"    - {{name: all, url: '{hook.url()}', languages: [en]}}\n"
                         f"    - {{name: no-calendar, url: '{hook.url(path='/quiet')}', maintenance: false}}\n")
    _deployed(tree.root, "2025-10-01T09:00+09:00")
    tree.write("maintenance/2025-10-12-upgrade.yaml", """\
        title: {ko: 시스템 업그레이드, en: System upgrade}
        starts: 2025-10-12T00:00+09:00
        ends: 2025-10-12T06:00+09:00
        services: [transfer]
        body: {ko: 이체를 이용할 수 없습니다., en: Transfers are unavailable.}
        """)
    for now in ("2025-10-01T10:00+09:00", "2025-10-12T01:00+09:00", "2025-10-12T01:30+09:00",
                "2025-10-12T07:00+09:00"):
        _deployed(tree.root, now)
    assert _titles(hook, "/hook") == ["[Maintenance scheduled] System upgrade", "[Maintenance started] System upgrade",
                                      "[Maintenance completed] System upgrade"]
    assert "Window: Sun 12 Oct 2025, 00:00 KST ~ Sun 12 Oct 2025, 06:00 KST" in hook.json()[0]["message"]
    assert hook.json("/quiet") == []


def test_a_typo_fixed_in_a_sent_update_notifies_nobody_unless_asked(tree: ContentTree, hook) -> None:
    _channels(tree.root, f"    - {{name: all, url: '{hook.url()}', languages: [ko]}}\n")
    _deployed(tree.root, "2025-09-26T21:00+09:00")
    _deployed(tree.root, "2025-09-26T22:00+09:00")
    assert _titles(hook, "/hook") == ["[새 장애] 신분증 진위확인 중단"]

    tree.replace(INCIDENT, "정부 시스템 장애로", "정부 시스템의 장애로")
    _deployed(tree.root, "2025-09-26T22:10+09:00")
    assert len(hook.posts) == 1

    tree.replace(INCIDENT, "정부 시스템의 장애로", "행정안전부 시스템 장애로")
    tree.replace(INCIDENT, "    status: identified\n", "    status: identified\n    notify: true\n")
    _deployed(tree.root, "2025-09-26T22:20+09:00")
    assert _titles(hook, "/hook")[1] == "[정정] 신분증 진위확인 중단"
    assert "행정안전부 시스템 장애로" in hook.json()[1]["message"]

    tree.replace(INCIDENT, "    notify: true\n", "")
    tree.replace(INCIDENT, "행정안전부 시스템 장애로", "행정안전부의 시스템 장애로")
    _deployed(tree.root, "2025-09-26T22:30+09:00", notify_edits=True)  # `notify --notify-edits`
    assert _titles(hook, "/hook")[2] == "[정정] 신분증 진위확인 중단"
    _deployed(tree.root, "2025-09-26T22:40+09:00")
    assert len(hook.posts) == 3


def test_a_dry_run_shows_exactly_what_would_go_out_and_sends_and_records_nothing(tree: ContentTree, hook) -> None:
    _channels(tree.root, f"    - {{name: all, url: '{hook.url()}'}}\n")
    _deployed(tree.root, "2025-09-26T21:00+09:00")
    dry = _deployed(tree.root, "2025-09-28T13:00+09:00", dry_run=True)
    assert hook.posts == [] and dry.channels[0].sent == 0
    real = _deployed(tree.root, "2025-09-28T13:00+09:00")
    assert [(s.title, s.body) for s in dry.shown] == [(s.title, s.body) for s in real.shown]
    assert [(m["title"], m["message"]) for m in hook.json()] == [(s.title, s.body) for s in real.shown]
    assert len(real.shown) == 2


def test_operator_text_cannot_add_mail_headers_or_markup(tree: ContentTree) -> None:
    mailbox = Mailbox().start()
    try:
        _channels(tree.root, f"    - {{name: mail, url: '{mailbox.address()}', languages: [ko]}}\n")
        _deployed(tree.root, "2025-09-26T21:00+09:00")
        tree.replace(INCIDENT, "title: {ko: 신분증 진위확인 중단,",
                     'title: {ko: "중단\\r\\nBcc: thief@example.test\\n<img src=x onerror=alert(1)>",')
        _deployed(tree.root, "2025-09-26T22:00+09:00")
    finally:
        mailbox.stop()
    (message,) = mailbox.messages
    assert message["Bcc"] is None and "thief" not in str(message["To"])
    assert message["Subject"] == "[새 장애] 중단 Bcc: thief@example.test <img src=x onerror=alert(1)>"
    assert message.get_content_type() == "text/plain"  # plain text only: nothing a mail reader could run


def test_the_site_lists_the_events_it_shows_the_same_until_the_next_change(tree: ContentTree) -> None:
    """The list states the last change, not the build's time, so builds with nothing due in
    between publish the same file (a scheduled deploy sends nothing)."""
    first = render(tree.root, at("2025-09-28T13:00+09:00")).files["notify/events.json"]
    assert render(tree.root, at("2025-09-28T13:20+09:00")).files["notify/events.json"] == first
    listed = json.loads(first)
    assert listed["as_of"] == "2025-09-28T12:00:00+09:00", "the second update's time, the last change"
    assert sorted(listed["events"]) == ["incident/2025-09-26-id-outage/1", "incident/2025-09-26-id-outage/2"]
