"""What a posted update says, from the flags the operator typed: each mistake is refused in words
that name the flag (`--service id-chek=operational`), before any file is touched.

A resolving update lists every service and upstream the incident still shows down as
`operational`. The listing changes no status: derive already brings everything back at a
resolved update, and the API's component changes say so. It is written because the incident
page lists an update's `services` under it, so a reader sees what came back at the resolve, and
because the file is the record a bank shows an auditor of what was declared restored, when.
`--no-services` leaves it out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from generator.clock import parse_flag, shown
from generator.content.append import Moment
from generator.content.model import COMPONENT_STATUSES, INCIDENT_STATUSES, Content, Incident
from generator.content.yamlfile import has_invisible
from generator.errors import FlagErrors, NoticeboardError, did_you_mean
from generator.state.derive import incident_state

# The resolving update's text where the operator gives none, in the languages we can write it in.
RESOLVED_TEXT = {
    "ko": "장애가 해결되어 모든 서비스를 정상적으로 이용하실 수 있습니다. 이용에 불편을 드려 죄송합니다.",
    "en": "The issue is resolved and every service is working normally again. We are sorry for the inconvenience.",
}
_RELATIVE = re.compile(r"\+(?:(?P<hours>\d{1,3})h)?(?:(?P<minutes>\d{1,4})m(?:in)?)?")
_CLOCK = re.compile(r"(?P<hour>\d{1,2}):(?P<minute>\d{2})")
_T = TypeVar("_T")


@dataclass(frozen=True)
class Request:
    """The flags of `update` or `resolve`, as typed."""

    incident: str
    resolve: bool
    status: str | None = None
    services: tuple[str, ...] = ()
    bodies: tuple[tuple[str, str], ...] = ()  # (flag, text): ('--body', …), ('--body-en', …)
    next_update: str | None = None
    list_restored: bool = True


@dataclass(frozen=True)
class Change:
    """A service or upstream the update moves, from what to what."""

    target: str
    before: str
    after: str


@dataclass(frozen=True)
class Posted:
    """The update to add, and what it changes, for the summary the command prints."""

    entry: dict[str, Any]
    changes: tuple[Change, ...]
    reopens: bool
    promised: datetime | None
    standard_text: bool  # the resolve's text is RESOLVED_TEXT, none having been given


def new_update(request: Request, incident: Incident, content: Content, now: datetime) -> Posted:
    """The entry to append to `incident` at `now`, or FlagErrors naming every flag that is wrong."""
    tz = content.site.tz
    problems: list[str] = []
    last = incident.updates[-1].at
    if last > now:
        problems.append(f"the incident's last update is dated {shown(last, tz)}, after the time this one would be "
                        f"({shown(now, tz)}), and updates go oldest first; hint: if that date is a typo, fix it "
                        "first (`noticeboard check` suggests the time meant)")
    state = incident_state(incident, now)
    status = _noting(problems, lambda: _status(request, state.status), "resolved" if request.resolve else "")
    current = dict(state.current)
    targets = _services(request.services, content, status == "resolved", problems)
    promise = request.next_update
    promised = _noting(problems, lambda: _promise(promise, now, content), None) if promise else None
    no_text: tuple[dict[str, str], bool] = ({}, False)
    bodies, standard = _noting(problems, lambda: _bodies(request, content), no_text)
    if problems:
        raise FlagErrors(problems)
    if status == "resolved" and request.list_restored:
        targets = {**_restored(incident, current), **targets}
    entry: dict[str, Any] = {"at": Moment(shown(now, tz)), "status": status}
    if targets:
        entry["services"] = targets
    if promised is not None:
        entry["next_update"] = Moment(shown(promised, tz))
    entry["body"] = bodies
    changes = tuple(Change(t, current.get(t, "operational"), s) for t, s in targets.items()
                    if current.get(t, "operational") != s)
    return Posted(entry, changes, state.status == "resolved" and status != "resolved", promised, standard)


def _restored(incident: Incident, current: dict[str, str]) -> dict[str, str]:
    """Everything the incident still shows down, `operational` again, in the file's order."""
    order = [a.target for a in incident.affected] + sorted(current)
    down = sorted((t for t, s in current.items() if s != "operational"), key=order.index)
    return {t: "operational" for t in down}


def _noting(problems: list[str], attempt: Callable[[], _T], otherwise: _T) -> _T:
    """What `attempt` gives, or `otherwise` with its error's message added to `problems`."""
    try:
        return attempt()
    except NoticeboardError as exc:
        problems.append(str(exc))
        return otherwise


def _status(request: Request, current: str) -> str:
    if request.resolve:
        if current == "resolved":
            raise NoticeboardError(f"{request.incident} is already resolved; hint: to reopen it, post "
                                   f"`noticeboard update {request.incident} --status investigating --body …`")
        return "resolved"
    if request.status is None:
        if current == "resolved":
            raise NoticeboardError(f"{request.incident} is resolved, so an update needs --status to say whether it "
                                   "reopens it; hint: --status investigating (or identified, monitoring)")
        return current
    if request.status not in INCIDENT_STATUSES:
        raise NoticeboardError(f"--status '{request.status}' is not an incident status; "
                               f"hint: {did_you_mean(request.status, INCIDENT_STATUSES)}")
    return request.status


def _services(given: tuple[str, ...], content: Content, resolving: bool, problems: list[str]) -> dict[str, str]:
    """`--service ID=STATUS` flags as a mapping, every id and status checked against the catalog
    (each wrong one added to `problems`)."""
    known = [u.id for u in content.catalog.upstreams] + [s.id for s in content.catalog.services]
    found: dict[str, str] = {}
    for flag in given:
        pair = _noting(problems, lambda: _service(flag, known, resolving), None)
        if pair is not None:
            found[pair[0]] = pair[1]
    return found


def _service(flag: str, known: list[str], resolving: bool) -> tuple[str, str]:
    target, equals, status = (part.strip() for part in flag.partition("="))
    if not equals or not target or not status:
        raise NoticeboardError(f"--service '{flag}' is not ID=STATUS; hint: write it like "
                               "--service mobile-app=operational")
    if target not in known:
        raise NoticeboardError(f"--service '{flag}': unknown service or upstream '{target}'; "
                               f"hint: {did_you_mean(target, known)} (ids come from services.yaml)")
    if status not in COMPONENT_STATUSES:
        raise NoticeboardError(f"--service '{flag}': '{status}' is not a service status; "
                               f"hint: {did_you_mean(status, COMPONENT_STATUSES)}")
    if resolving and status != "operational":
        raise NoticeboardError(f"--service '{flag}': a resolved incident brings every service back, so it "
                               f"can't leave '{target}' {status}; hint: post an update that does not resolve "
                               "it, or open a new incident for what is still down")
    return target, status


def _bodies(request: Request, content: Content) -> tuple[dict[str, str], bool]:
    """The update's text per language (`--body` is the default language's, `--body-LANG` another's),
    and whether it is the standard resolving text, none having been given."""
    languages = content.site.languages
    texts: dict[str, str] = {}
    for flag, text in request.bodies:
        language = languages[0] if flag == "--body" else flag.removeprefix("--body-")
        if language not in languages:
            raise NoticeboardError(f"{flag}: '{language}' is not one of the site's languages; "
                                   f"hint: site.yaml lists {', '.join(languages)}, so use "
                                   f"{', '.join(_flag(lang, languages) for lang in languages)}")
        if has_invisible(text):
            raise NoticeboardError(f"{flag} holds invisible control characters; hint: type or paste it as plain text")
        if not text.strip():
            raise NoticeboardError(f"{flag} is empty; hint: write what customers should know now")
        texts[language] = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if languages[0] in texts:
        return {lang: texts[lang] for lang in languages if lang in texts}, False
    if request.resolve and languages[0] in RESOLVED_TEXT and not texts:
        return {lang: RESOLVED_TEXT[lang] for lang in languages if lang in RESOLVED_TEXT}, True
    raise NoticeboardError(f"give --body TEXT, the update in {languages[0]} (the site's default language); hint: "
                           "--body \"…\"" + (f" --body-{languages[1]} \"…\"" if len(languages) > 1 else ""))


def _flag(language: str, languages: tuple[str, ...]) -> str:
    return "--body" if language == languages[0] else f"--body-{language}"


def _promise(value: str, at: datetime, content: Content) -> datetime:
    """`--next-update` as a time: `+2h`, `+30m`, `14:00` (the next such time in the site's zone) or a
    full time with its offset; it must come after the update it is promised in."""
    tz = content.site.tz
    here = at.astimezone(tz)
    relative, clock = _RELATIVE.fullmatch(value.strip()), _CLOCK.fullmatch(value.strip())
    if relative and (relative["hours"] or relative["minutes"]):
        later = timedelta(hours=int(relative["hours"] or 0), minutes=int(relative["minutes"] or 0))
        promised = _whole_minute(at + later)
    elif clock and int(clock["hour"]) < 24 and int(clock["minute"]) < 60:
        promised = here.replace(hour=int(clock["hour"]), minute=int(clock["minute"]), second=0)
        promised += timedelta(days=1) if promised <= here else timedelta()
    else:
        try:
            promised = parse_flag(value, "--next-update", tz, here.date())
        except NoticeboardError as exc:
            raise NoticeboardError(f"{exc} (or a time from now, +2h or +30m, or a time of day, 14:00)") from None
    if promised <= at:
        raise NoticeboardError(f"--next-update '{value}' is not after this update ({shown(at, tz)}); "
                               "hint: give a later time, like +2h or 14:00")
    return promised


def _whole_minute(moment: datetime) -> datetime:
    """A promise `+1h` from 07:08:39 is 08:09, not 08:08:39: pages show it to the minute,
    and a reader should never see a promise that already passed by a few seconds."""
    if not moment.second and not moment.microsecond:
        return moment
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
