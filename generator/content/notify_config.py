"""Notification channels as the operator lists them under `notify:` in content/site.yaml.

Each channel is an Apprise address (mailtos://, slack://, json://, msteams:// …) and what it
follows. Content files are shared and often public, so a secret never sits in one: the parts of an
address that are secret are written as `${VARIABLE}` and filled in from the environment when a
message goes out. `check` refuses an address that carries a secret itself, and never repeats it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from generator.content.load import read_text
from generator.content.yamlfile import Document, KeyPath, parse_yaml
from generator.errors import NoticeboardError, Problem

DEFAULT_OUTBOX = ".noticeboard-outbox"
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Query keys whose values are credentials even where Apprise does not mask them (headers such as
# +Authorization, payload tokens, API keys).
_SECRET_KEY = re.compile(r"auth|token|secret|pass|key|signature|sig$|cookie", re.IGNORECASE)
_SENTINEL = "ZQXENV{}QXZ"
_SENTINEL_FIND = re.compile(r"ZQXENV\d+QXZ")


class ChannelAddressError(NoticeboardError):
    """A channel's address can't be made ready to send (a variable is unset); never shows a secret."""


@dataclass(frozen=True)
class Channel:
    """One place messages go, and what it follows. Empty `affiliates`, `services` and `upstreams`
    follow everything; `impact` is the least impact an incident needs to be sent."""

    name: str
    url: str
    languages: tuple[str, ...]
    maintenance: bool = True
    affiliates: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    upstreams: tuple[str, ...] = ()
    impact: str | None = None

    def address(self, environ: Mapping[str, str]) -> str:
        """The address with every ${VARIABLE} filled in from `environ`."""
        missing = sorted({name for name in ENV_REF.findall(self.url) if not environ.get(name)})
        if missing:
            raise ChannelAddressError(f"environment variable{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                                      f"not set for channel '{self.name}'")
        return ENV_REF.sub(lambda m: environ[m.group(1)], self.url)

    def secrets(self, environ: Mapping[str, str]) -> tuple[str, ...]:
        """The values this channel's address takes from the environment: never to be printed."""
        return tuple(environ[name] for name in ENV_REF.findall(self.url) if environ.get(name))


@dataclass(frozen=True)
class NotifyConfig:
    channels: tuple[Channel, ...]
    outbox: Path
    hub: str | None = None


def load_notify(content_dir: Path) -> NotifyConfig | None:
    """The `notify:` section of a content folder that has already passed `check`; None without one."""
    path = content_dir / "site.yaml"
    data = parse_yaml(read_text(path, path.name), path, path.name).data
    return notify_from(data, content_dir.resolve().parent)


def notify_from(site: dict[str, Any], project: Path) -> NotifyConfig | None:
    section = site.get("notify")
    if section is None:
        return None
    languages = tuple(site["languages"])
    channels = tuple(
        Channel(entry["name"], entry["url"], tuple(entry.get("languages") or languages), entry.get("maintenance", True),
                tuple(entry.get("affiliates") or ()), tuple(entry.get("services") or ()),
                tuple(entry.get("upstreams") or ()), entry.get("impact"))
        for entry in section.get("channels") or ())
    return NotifyConfig(channels, project / section.get("outbox", DEFAULT_OUTBOX), section.get("hub"))


def notify_problems(doc: Document) -> list[Problem]:
    """Meaning problems of site.yaml's `notify:` section that need only site.yaml itself."""
    section = doc.data.get("notify")
    if not section:
        return []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    languages = set(doc.data["languages"])
    affiliates = {a["id"] for a in doc.data.get("affiliates") or ()}
    for i, entry in enumerate(section.get("channels") or ()):
        where: KeyPath = ("notify", "channels", i)
        if entry["name"] in seen:
            problems.append(_problem(doc, where + ("name",), f"duplicate channel name '{entry['name']}'",
                                     f"already used on line {seen[entry['name']]}; every channel needs its own name"))
        seen.setdefault(entry["name"], doc.loc(where + ("name",)).line)
        for j, language in enumerate(entry.get("languages") or ()):
            if language not in languages:
                problems.append(_problem(doc, where + ("languages", j), f"'{language}' is not one of the site's "
                                         "languages", f"use {', '.join(doc.data['languages'])}"))
        for j, affiliate in enumerate(entry.get("affiliates") or ()):
            if affiliate not in affiliates:
                hint = f"use one of {', '.join(sorted(affiliates))}" if affiliates else "site.yaml lists no affiliates"
                problems.append(_problem(doc, where + ("affiliates", j), f"unknown affiliate '{affiliate}'", hint))
        problems += _address_problems(doc, where + ("url",), entry["url"])
    return problems


def _problem(doc: Document, path: KeyPath, message: str, hint: str) -> Problem:
    return Problem(doc.loc(path), message, hint, ".".join(map(str, path)))


def _address_problems(doc: Document, path: KeyPath, url: str) -> list[Problem]:
    """An address Apprise can use, with no secret written into it. Only the shape is told back,
    never the text: a refused secret must not end up in a terminal or a CI log."""
    if "$" in ENV_REF.sub("", url):
        return [_problem(doc, path, "the channel address has a '$' that is not a ${VARIABLE}",
                         "write environment variables as ${NAME} (letters, digits and _)")]
    if ENV_REF.fullmatch(url.strip()):
        return []
    scheme = url.split("://", 1)[0] if "://" in url else ""
    secret = _literal_secret(url)
    if secret:
        return [_problem(doc, path, f"the channel address carries a secret ({secret})",
                         "content files are shared and often public: write that part as ${VARIABLE} and set the "
                         "variable in the environment of whoever runs `noticeboard deploy` or `notify`")]
    if not scheme or not _instantiable(_with_sentinels(url)[0], scheme):
        return [_problem(doc, path, f"'{scheme or url[:20]}' is not a notification address Apprise understands",
                         "use an Apprise URL such as mailtos://, slack://, msteams://, discord://, json:// "
                         "(see docs/notify.md)")]
    return []


def _with_sentinels(url: str) -> tuple[str, list[str]]:
    """The address with each ${VARIABLE} replaced by a distinct placeholder Apprise will accept."""
    names: list[str] = []

    def stand_in(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return _SENTINEL.format(len(names) - 1)

    return ENV_REF.sub(stand_in, url), names


def _literal_secret(url: str) -> str:
    """Which part of `url` is a secret written out, or ''. Apprise knows, per service, which parts
    of its address are secret (it masks them when it shows one): each part it masks must be a
    ${VARIABLE} in full. Query values named like credentials (tokens, keys, authorization headers)
    must be too, as Apprise shows those as they are."""
    filled, _names = _with_sentinels(url)
    parts = urlsplit(filled)
    if parts.password and not _SENTINEL_FIND.fullmatch(parts.password):
        return "a password"
    for pair in filter(None, parts.query.split("&")):
        key, _, value = (unquote(part) for part in pair.partition("="))
        if _SECRET_KEY.search(key.lstrip("+-:")) and value and not _only_sentinels(value):
            return f"the value of '{key}'"
    shown = _masked(filled)
    if shown is None:
        return ""
    plain, masked = shown
    spans = [m.span() for m in _SENTINEL_FIND.finditer(plain)]
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, plain, masked, autojunk=False).get_opcodes():
        if tag in ("replace", "delete") and not any(start <= i1 and i2 <= end for start, end in spans):
            return "a token or password"
    return ""


def _only_sentinels(value: str) -> bool:
    return not _SENTINEL_FIND.sub("", value).strip() or value.lower().startswith(("basic ", "bearer ")) and \
        not _SENTINEL_FIND.sub("", value.split(" ", 1)[1]).strip()


def _masked(url: str) -> tuple[str, str] | None:
    """Apprise's own rendering of `url`, in full and with its secrets masked; None if it can't read it."""
    plugin = _instantiate(url)
    if plugin is None:
        return None
    return str(plugin.url(privacy=False)), str(plugin.url(privacy=True))


def _instantiable(url: str, scheme: str) -> bool:
    """Apprise reads `url`; or at least knows its scheme, when placeholders stand where real tokens
    of a checked format go (a Telegram bot token, say) and only the environment's value will do."""
    if _instantiate(url) is not None:
        return True
    return bool(ENV_REF.search(url) or _SENTINEL_FIND.search(url)) and scheme.lower() in _schemes()


def _instantiate(url: str) -> Any:
    import apprise  # only a site with channels pays for importing Apprise's hundred services

    with apprise.LogCapture(  # type: ignore[no-untyped-call]
            level=apprise.logging.CRITICAL + 1):
        return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def _schemes() -> set[str]:
    import apprise

    found: set[str] = set()
    for service in apprise.Apprise().details()["schemas"]:
        for key in ("protocols", "secure_protocols"):
            found |= {str(p).lower() for p in service.get(key) or ()}
    return found
