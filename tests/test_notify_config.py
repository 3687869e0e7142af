"""The `notify:` section of site.yaml: read into channels, and every mistake reported by `check`
at file:line, a secret refused without ever being repeated."""

from __future__ import annotations

import pytest
from cli_run import run_cli

from generator.content.check import check
from generator.content.notify_config import Channel, load_notify
from generator.errors import ContentError


def _with(tree, notify: str):  # type: ignore[no-untyped-def]
    tree.write("site.yaml", (tree.root / "site.yaml").read_text(encoding="utf-8") + notify)
    return tree.root


def _problems(tree, notify: str) -> list[str]:
    with pytest.raises(ContentError) as caught:
        check(_with(tree, notify))
    return [p.format() for p in caught.value.problems]


def test_channels_are_read_with_what_they_follow(tree) -> None:
    check(_with(tree, """
notify:
  hub: https://hub.example.test/
  channels:
    - name: ops
      url: "mailtos://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.test?to=ops@example.test"
    - name: id-team
      url: "slack://${SLACK_A}/${SLACK_B}/${SLACK_C}/#status"
      languages: [ko]
      services: [id-check]
      upstreams: [gov-id]
      impact: major
      maintenance: false
"""))
    config = load_notify(tree.root)
    assert config is not None and config.hub == "https://hub.example.test/"
    assert config.outbox == tree.root.resolve().parent / ".noticeboard-outbox"
    assert config.channels == (
        Channel("ops", "mailtos://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.test?to=ops@example.test", ("ko", "en")),
        Channel("id-team", "slack://${SLACK_A}/${SLACK_B}/${SLACK_C}/#status", ("ko",), False, (), ("id-check",),
                ("gov-id",), "major"))
    assert config.channels[0].address({"SMTP_USER": "u", "SMTP_PASSWORD": "p"}).startswith("mailtos://u:p@")


def test_every_mistake_is_reported_at_its_line(tree) -> None:
    found = _problems(tree, """
notify:
  channels:
    - name: ops
      url: json://hooks.example.test/status
      languages: [jp]
      affiliates: [card]
      services: [id-chek]
    - name: ops
      url: "foo://somewhere"
""")
    assert any("site.yaml:13:" in p and "'jp' is not one of the site's languages" in p for p in found)
    assert any("site.yaml:14:" in p and "unknown affiliate 'card'" in p for p in found)
    assert any("site.yaml:15:" in p and "unknown service 'id-chek'" in p and "id-check" in p for p in found)
    assert any("site.yaml:16:" in p and "duplicate channel name 'ops'" in p for p in found)
    assert any("site.yaml:17:" in p and "'foo' is not a notification address" in p for p in found)


@pytest.mark.parametrize("url", [
    "mailtos://ops:hunter2-secret@smtp.example.test?to=ops@example.test",
    "slack://T1JJ3T3L2/A1BRTD4JD/hunter2secretTIiajkdnlazk/#status",
    "json://hooks.example.test/status?+Authorization=Bearer%20hunter2-secret",
    "discord://123456789/hunter2secret",
])
def test_a_secret_written_into_site_yaml_is_refused_and_never_repeated(tree, url: str) -> None:
    result = run_cli("check", "--content", _with(tree, f"notify:\n  channels:\n    - name: ops\n      url: \"{url}\"\n"))
    assert result.returncode == 1
    assert "site.yaml:11:" in result.stderr and "the channel address carries a secret" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr


def test_a_secret_key_beside_the_url_is_refused_without_its_value(tree) -> None:
    result = run_cli("check", "--content", _with(tree, """notify:
  channels:
    - name: ops
      url: json://hooks.example.test/status
      token: hunter2-secret
"""))
    assert result.returncode == 1 and "secrets never go in content files" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr
