"""The text of each message: what a follower needs without opening the page (what happened, the
status, what is unavailable, what to use instead, what came back) and the link to the page.

Messages are plain text in the words of the bundled theme, one block per language the channel
takes (Korean first, as on the site). Apprise turns plain text into each service's format and
escapes it there (HTML email, Slack, Teams), so nothing an operator typed can become markup.
A message is written once, when it is first due, and kept in the outbox with a second version
that says it is late, so a retry sends exactly what was due then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from generator.clock import format_time
from generator.content.labels import Labels
from generator.content.markup import plain_text
from generator.content.model import Content, Incident, Maintenance, Site, Text
from generator.machine.xml import strip_controls
from generator.state.derive import incident_state
from generator.state.events import Event
from generator.state.plan import language_prefix


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    late_title: str
    late_body: str
    pages: tuple[str, ...]  # the site's paths it links to: sent only once a host has verified them


def compose(event: Event, content: Content, words: Labels, languages: tuple[str, ...], recorded: datetime,
            correction: bool = False) -> Message:
    """The message about `event` in `languages`; `recorded` is when it fell due (for the late note)."""
    site = content.site
    kind = "corrected" if correction else event.kind
    titles, blocks, pages = [], [], []
    for language in languages:
        page = _page(event, content, language)
        write = _incident_lines if event.key.startswith("incident/") else _window_lines
        title, lines = write(event, content, words, language)
        titles.append(f"[{words.word(language, 'notify.' + kind)}] {title}")
        lines.append(f"{words.word(language, 'see_incident')}: {site.base_url}{page}")
        blocks.append("\n".join(lines))
        pages.append(page)
    title, body = " ".join(_clean(" / ".join(titles)).split()), _clean("\n\n".join(blocks))
    late = " / ".join(words.word(language, "notify.late") for language in languages)
    note = "\n".join(words.word(language, "notify.late_note").format(time=format_time(recorded, site.tz, language))
                     for language in languages)
    return Message(title, body, f"[{late}] {title}", f"{note}\n\n{body}", tuple(dict.fromkeys(pages)))


def _clean(text: str) -> str:
    """Control characters an operator pasted would break a mail header or a chat message."""
    return strip_controls(text.replace("\r\n", "\n").replace("\r", "\n"))


def _page(event: Event, content: Content, language: str) -> str:
    folder = "incidents" if event.key.startswith("incident/") else "maintenance"
    return f"{language_prefix(content, language)}{folder}/{event.subject}.html"


def _t(text: Text | None, language: str, site: Site) -> str:
    return text.get(language, site.default_language) if text is not None else ""


def _incident_lines(event: Event, content: Content, words: Labels, language: str) -> tuple[str, list[str]]:
    """Title, then the state as of this update (not as of sending: a late message says what was
    true when it was due), the services it brought back, the cause, and the update itself."""
    site = content.site
    incident = next(i for i in content.incidents if i.id == event.subject)
    update = incident.updates[event.number - 1]
    state = incident_state(incident, update.at)
    w = partial(words.word, language)  # read like the templates' _()
    lines = [f"{w('current_status')}: {w('incident.' + update.status)} · {w('notify.impact')}: "
             f"{w('impact.' + incident.impact)} · {format_time(update.at, site.tz, language)}"]
    down = [(target, status) for target, status in state.current if status != "operational"]
    if down:
        names = ", ".join(f"{_name(content, target, language)} ({w('status.' + status)})" for target, status in down)
        lines.append(f"{w('notify.unavailable')}: {names}")
        lines += _alternatives(incident, {target for target, _ in down}, words, language, site)
    back = [r.target for r in state.restorations if r.at == update.at]
    if back:
        lines.append(f"{w('restored')}: {', '.join(_name(content, target, language) for target in back)}")
    if incident.cause is not None:
        cause = _name(content, incident.cause.upstream, language) if incident.cause.upstream else ""
        described = _t(incident.cause.description, language, site)
        lines.append(f"{w('cause')}: {' — '.join(part for part in (cause, described) if part)}")
    body = plain_text(_t(update.body, language, site))
    return _t(incident.title, language, site) or incident.id, lines + ([""] + body.splitlines() + [""] if body else [])


def _alternatives(incident: Incident, down: set[str], words: Labels, language: str, site: Site) -> list[str]:
    found = []
    for affected in incident.affected:
        if affected.target not in down:
            continue
        for alternative in affected.alternatives:
            where = ", ".join(words.word(language, "channel." + c) for c in alternative.channels)
            who = _t(alternative.audience, language, site)
            extra = " · ".join(part for part in (where, who) if part)
            found.append(f"- {_t(alternative.text, language, site)}" + (f" ({extra})" if extra else ""))
    return [f"{words.word(language, 'instead')}:"] + found if found else []


def _window_lines(event: Event, content: Content, words: Labels, language: str) -> tuple[str, list[str]]:
    site = content.site
    window: Maintenance = next(m for m in content.maintenance if m.id == event.subject)
    w = partial(words.word, language)
    lines = [f"{w('window')}: {format_time(window.starts, site.tz, language)} ~ "
             f"{format_time(window.ends, site.tz, language)}",
             f"{w('affected')}: {', '.join(_name(content, s, language) for s in window.services)}"]
    body = plain_text(_t(window.body, language, site))
    return _t(window.title, language, site) or window.id, lines + ([""] + body.splitlines() + [""] if body else [])


def _name(content: Content, target: str | None, language: str) -> str:
    found = content.catalog.by_id.get(target or "")
    return found.name.get(language, content.site.default_language) if found is not None else (target or "")
