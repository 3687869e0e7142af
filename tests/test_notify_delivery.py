"""Notifications as an operator meets them: `noticeboard deploy` publishes, then tells every
channel once, with the page link; a channel that is down gets its messages later, marked late.
Real receivers on 127.0.0.1: an SMTP server (aiosmtpd), a JSON webhook, the site itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

import pytest
from conftest import ContentTree
from notify_servers import Mailbox, Receiver, SiteServer, noticeboard

INCIDENT = "incidents/2025-09-26-id-outage.yaml"
PAGE = "incidents/2025-09-26-id-outage.html"
FIRST_ONLY = """\
title: {ko: 신분증 진위확인 중단, en: ID check unavailable}
impact: major
cause: {upstream: gov-id}
started: 2025-09-26T20:15+09:00
affected:
  - upstream: gov-id
    status: major_outage
  - service: id-check
    status: major_outage
    alternatives:
      - {ko: 모바일 운전면허증으로 본인확인, en: Use a mobile driver's license}
updates:
  - at: 2025-09-26T21:30+09:00
    status: identified
    body: {ko: 정부 시스템 장애로 이용할 수 없습니다., en: Unavailable because of a government system outage.}
"""


class Project:
    """A content folder deployed to a folder that a local web server serves as the site."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.site = SiteServer(root / "www")
        self.tree = ContentTree(root / "content")
        self.tree.write(INCIDENT, FIRST_ONLY)
        self.tree.replace("site.yaml", "https://status.example.test/", self.site.base_url)
        self.append("site.yaml", "deploy:\n  - name: web\n    type: folder\n    path: www\n")

    def append(self, rel: str, text: str) -> None:
        path = self.tree.root / rel
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    def channels(self, *entries: str) -> None:
        self.append("site.yaml", "notify:\n  channels:\n" + "".join(entries))

    def post(self, at: str, status: str, ko: str, en: str, services: str = "") -> None:
        """Add an update at the end of the incident, as an operator posts one."""
        extra = f"\n    services: {services}" if services else ""
        self.append(INCIDENT, f"  - at: {at}\n    status: {status}\n    body: {{ko: {ko}, en: {en}}}{extra}\n")

    def deploy(self, now: str, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return noticeboard("deploy", "--content", self.tree.root, "--now", now, *args, env=env)


def channel(name: str, url: str, extra: str = "") -> str:
    return f"    - name: {name}\n      url: \"{url}\"\n{extra}"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    made = Project(tmp_path)
    yield made
    made.site.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def hook() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def test_one_channel_added_then_an_update_arrives_once_with_its_page(project, mailbox, hook) -> None:
    assert project.deploy("2025-09-26T22:00+09:00").returncode == 0  # an existing site, no channels yet
    project.channels(channel("ops-mail", mailbox.address()), channel("hook", hook.url()))
    project.post("2025-09-27T09:00+09:00", "monitoring", "신분증 진위확인이 복구되었습니다.", "ID check is back.",
                 "{id-check: operational, gov-id: operational}")
    dry = project.deploy("2025-09-27T10:00+09:00", "--dry-run")
    assert dry.returncode == 0 and "hook — 1 message would go out" in dry.stdout
    assert "── [일부 복구] 신분증 진위확인 중단 / [Partly restored] ID check unavailable" in dry.stdout
    assert hook.posts == [] and not (project.root / ".noticeboard-outbox").exists()

    first = project.deploy("2025-09-27T10:00+09:00")
    assert first.returncode == 0, first.stderr
    assert "ops-mail — 1 sent" in first.stdout and "hook — 1 sent" in first.stdout

    # The update posted, not the one the live site already showed before channels were added.
    (subject, body), = mailbox.texts()
    assert subject == "[일부 복구] 신분증 진위확인 중단 / [Partly restored] ID check unavailable"
    assert "신분증 진위확인이 복구되었습니다." in body and "ID check is back." in body
    assert "복구된 서비스: 정부 신분증 진위확인, 신분증 진위확인" in body
    link = project.site.base_url + PAGE
    assert f"자세히 보기: {link}" in body and f"Details: {project.site.base_url}en/{PAGE}" in body
    (posted,) = hook.json()
    assert posted["title"] == subject and posted["message"] == body
    with urlopen(link) as page:  # the link leads to the page that says it
        assert "신분증 진위확인이 복구되었습니다." in page.read().decode("utf-8")

    again = project.deploy("2025-09-27T10:05+09:00")
    assert again.returncode == 0 and len(mailbox.messages) == 1 and len(hook.posts) == 1


def test_a_channel_down_gets_what_it_missed_once_marked_late(project, mailbox, hook) -> None:
    project.channels(channel("ops-mail", mailbox.address()), channel("hook", hook.url()))
    assert project.deploy("2025-09-26T22:00+09:00").returncode == 0
    hook.stop()
    project.post("2025-09-27T09:00+09:00", "identified", "복구 작업 중입니다.", "Repairs are under way.")
    down = project.deploy("2025-09-27T09:05+09:00")
    assert down.returncode == 3, down.stderr
    assert "hook — 0 sent; FAILED:" in down.stdout and "ops-mail — 1 sent" in down.stdout
    assert "1 of 2 channels failed (hook)" in down.stderr
    project.post("2025-09-27T11:00+09:00", "monitoring", "대부분 복구되었습니다.", "Mostly restored.")
    assert project.deploy("2025-09-27T11:05+09:00").returncode == 3
    assert len(mailbox.messages) == 2

    hook.start()
    back = project.deploy("2025-09-27T11:10+09:00")
    assert back.returncode == 0, back.stderr
    assert "hook — 2 sent (2 late)" in back.stdout
    late = hook.json()
    assert [m["title"].startswith("[지연 발송 / Delayed] ") for m in late] == [True, True]
    assert "복구 작업 중입니다." in late[0]["message"] and "대부분 복구되었습니다." in late[1]["message"]
    assert "이 안내는" in late[0]["message"] and "could not be sent then" in late[0]["message"]
    assert len(mailbox.messages) == 2  # the channel that was up is not sent anything twice

    assert project.deploy("2025-09-27T11:15+09:00").returncode == 0
    assert len(hook.posts) == 2 and len(mailbox.messages) == 2


def test_feeds_name_the_websub_hub_and_a_deploy_pings_it_about_the_feeds_that_changed(project, hook) -> None:
    hub = Receiver().start()
    try:
        project.append("site.yaml", f"notify:\n  hub: http://127.0.0.1:{hub.port}/hub\n  channels:\n"
                       + channel("hook", hook.url()))
        assert project.deploy("2025-09-26T22:00+09:00").returncode == 0
        atom = (project.root / "www" / "feeds" / "incidents.atom").read_text(encoding="utf-8")
        rss = (project.root / "www" / "en" / "feeds" / "incidents.rss").read_text(encoding="utf-8")
        assert f'<link rel="hub" href="http://127.0.0.1:{hub.port}/hub" />' in atom
        assert f'<atom:link rel="hub" href="http://127.0.0.1:{hub.port}/hub" />' in rss
        assert hub.posts == []  # nothing new yet: no ping

        project.post("2025-09-27T09:00+09:00", "identified", "복구 작업 중입니다.", "Repairs are under way.")
        assert project.deploy("2025-09-27T09:05+09:00").returncode == 0
        (ping,) = hub.forms()
        base = project.site.base_url
        assert ping["hub.mode"] == ["publish"]
        assert {f"{base}feeds/incidents.atom", f"{base}en/feeds/incidents.rss",
                f"{base}feeds/services/id-check.atom", f"{base}en/feeds/services/remote-account.rss"} <= set(
            ping["hub.url"])
        assert f"{base}feeds/services/transfer.atom" not in ping["hub.url"]  # untouched by the incident
    finally:
        hub.stop()


def test_secrets_come_from_the_environment_and_are_never_printed(project, hook) -> None:
    project.channels(channel("hook", hook.url("json", "/hook?+Authorization=Bearer%20${HOOK_TOKEN}")))
    assert project.deploy("2025-09-26T22:00+09:00", env={"HOOK_TOKEN": "s3cr3t-t0ken"}).returncode == 0
    project.post("2025-09-27T09:00+09:00", "identified", "복구 작업 중입니다.", "Repairs are under way.")
    unset = project.deploy("2025-09-27T09:05+09:00", env={"HOOK_TOKEN": ""})
    assert unset.returncode == 3 and "environment variable HOOK_TOKEN not set for channel 'hook'" in unset.stdout
    sent = project.deploy("2025-09-27T09:10+09:00", env={"HOOK_TOKEN": "s3cr3t-t0ken"})
    assert sent.returncode == 0 and "s3cr3t-t0ken" not in sent.stdout + sent.stderr
    assert hook.authorization == ["Bearer s3cr3t-t0ken"]
