"""How an incident reads in a list (the history, a service's page): when it ran and for how long,
and which services it hit.

Plain functions the templates call, not macros: a history page lists 100 incidents and a
service page 50, and a macro call for each entry took those pages from 1.4 to 2.8 ms and 0.5 to
1.0 ms each (bench/render_cpu.py, 10,000 incidents), some 1,800 pages of an operator's build.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from generator.clock import format_clock
from generator.site.templating import mark_language
from generator.state.derive import IncidentState

Words = Callable[[str], str]


def span(state: IncidentState, tz: ZoneInfo, time_tag: Callable[[datetime], Markup], label: Words) -> Markup:
    """'start – end (how long)' once it is resolved, the end's clock alone when it ended the day
    it began; 'started start · ongoing' while open. Only the notice's own times, never the time
    now, so a later build leaves the list as it is."""
    started = time_tag(state.incident.started)
    if state.resolved_at is None:
        return Markup(f'<span class="meta-inline">{escape(label("started"))}</span> {started} · '
                      f'<span class="meta-inline">{escape(label("ongoing"))}</span>')
    begin, end = state.incident.started.astimezone(tz), state.resolved_at.astimezone(tz)
    ended = (Markup(f'<time datetime="{end.isoformat(timespec="seconds")}">{escape(format_clock(end))}</time>')
             if end.date() == begin.date() else time_tag(end))
    # From the notice's own times: two times in the site's zone differ by the wall clock across a DST change.
    took = escape(lasted(state.resolved_at - state.incident.started, label))
    return Markup(f'{started} – {ended} <span class="meta-inline">({took})</span>')


def lasted(amount: timedelta, label: Words) -> str:
    """How long something lasted in its two largest units, to the minute (at least one):
    '32일', '1일 20시간', '2시간 30분', '45분'. Beside the start and end it only has to be read
    at a glance."""
    minutes = max(1, int(amount.total_seconds()) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = ((("lasted.days", days), ("lasted.hours", hours)) if days
             else (("lasted.hours", hours), ("lasted.minutes", minutes)))
    return " ".join(label(key).format(count=count) for key, count in parts if count)


def hit_text(service_ids: Iterable[str], name: Callable[[str], str], owner: Callable[[str], str | None]) -> Markup:
    """The services, under their affiliate's name on a group's site, affiliates in the order of
    their first service: '예시은행 (신분증 진위확인, 비대면 계좌개설) · 예시카드 (카드 발급 신청)'.
    A name shown in another language than the page's says so (`|lang`)."""
    grouped: dict[str | None, list[Markup]] = {}
    for service_id in service_ids:
        grouped.setdefault(owner(service_id), []).append(_marked(name(service_id)))
    return Markup(" · ").join(Markup("{} ({})").format(_marked(who), Markup(", ").join(names)) if who
                              else Markup(", ").join(names) for who, names in grouped.items())


def _marked(text: str) -> Markup:
    return escape(mark_language(text))
