"""Availability history as a reader meets it: a strip of daily bars as inline SVG, and the words
that say the same (durations, days, figures) in the page's language.

The bars are a picture of what the text says, so they are hidden from screen readers: the page
states the figures in a sentence and lists the days that had anything in a table. They cost
little however many services a home page lists: one dashed line draws every day as available,
and only the days that held something get a bar of their own over it, with a tooltip
(<title>) for a mouse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from generator.clock import format_date
from generator.site.templating import mark_language
from generator.state.history import Day, History, Period, marked_days, minutes, percent
from generator.state.outages import Outage
from generator.state.replay import KINDS

STEP, BAR = 4, 3  # each day takes 4 units of the strip, its bar 3
HEIGHTS = {False: 20, True: 32}  # the home page's compact strip, a service page's
KIND_WORDS = {"major_outage": "status.major_outage", "partial_outage": "status.partial_outage",
              "degraded_performance": "status.degraded_performance", "under_maintenance": "maintenance"}

Words = Callable[[str], str]
ROW_HEADINGS_KEPT = 1024


def duration(amount: int, label: Words) -> str:
    """Seconds as '3시간 45분' / '3 h 45 min', rounded up to the minute."""
    hours, rest = divmod(minutes(amount), 60)
    if hours and rest:
        return label("duration_hm").format(hours=hours, minutes=rest)
    if hours:
        return label("duration_h").format(hours=hours)
    return label("duration_m").format(minutes=rest)


def minutes_text(amount: int, label: Words) -> str:
    """Seconds as '1,440분' / '1,440 min', rounded up: what an incident report to a regulator asks for."""
    return label("duration_m").format(minutes=f"{minutes(amount):,}")


def outage_table(rows: Iterable[Outage], label: Words, name: Callable[[str], Any], link: Callable[[str], str],
                 kept: dict[tuple[str, str, bool], str] | None = None) -> Markup:
    """An incident's outage minutes as a table: a row per service (linked to its page, marked
    when it was hit through an upstream), a column per outage kind any of them had. Written here
    rather than in a template: as a Jinja loop it made each of 20,000 incident pages a quarter
    slower (a template can still place it, or leave it out). `kept` holds each row's heading
    cell by link, service and mark, for one language's pages: 10,000 incidents hit the same few
    hundred services."""
    found = tuple(rows)
    kinds = [(kind, index) for index, kind in enumerate(KINDS[:3]) if any(row.seconds[index] for row in found)]
    head = "".join(f'<th scope="col">{escape(label("status." + kind))}</th>' for kind, _ in kinds)
    unit = label("duration_m")  # asked once per table, not per cell: 20,000 pages at 10,000 incidents
    kept = {} if kept is None else kept
    body = "".join(
        "<tr>" + _row_heading(row, label, name, link, kept)
        + "".join(f"<td>{escape(unit.format(minutes=f'{minutes(row.seconds[index]):,}'))}</td>" for _, index in kinds)
        + "</tr>"
        for row in found)
    return Markup(f'<table><thead><tr><th scope="col">{escape(label("outage_service"))}</th>{head}</tr></thead>'
                  f"<tbody>{body}</tbody></table>")


def _row_heading(row: Outage, label: Words, name: Callable[[str], Any], link: Callable[[str], str],
                 kept: dict[tuple[str, str, bool], str]) -> str:
    href = link("services/" + row.service + ".html")
    key = (href, row.service, row.implied)
    found = kept.get(key)
    if found is None:
        if len(kept) >= ROW_HEADINGS_KEPT:
            kept.clear()
        implied = f' <span class="meta">{escape(label("outage_implied"))}</span>' if row.implied else ""
        found = kept[key] = (f'<th scope="row"><a href="{escape(href)}">{escape(mark_language(name(row.service)))}</a>'
                             f"{implied}</th>")
    return found


def figure(period: Period, label: Words) -> str:
    """'최근 90일 가용률 99.35%': the sentence a figure is read as."""
    if period.availability is None:
        return label("availability_none").format(days=period.days)
    return label("availability_days").format(days=period.days, percent=percent(period.availability))


def day_summary(day: Day, label: Words) -> str:
    """What a day held: '이용 불가 3시간 45분 · 일부 장애 20분'."""
    return " · ".join(f"{label(KIND_WORDS[kind])} {duration(amount, label)}"
                      for kind, amount in zip(KINDS, day.seconds) if amount)


def date_tag(day: date, language: str) -> Markup:
    """A day as a <time> element, machine-readable as the date alone."""
    return Markup(f'<time datetime="{day.isoformat()}">{escape(format_date(day, language))}</time>')


def bars(history: History, label: Words, language: str, tall: bool = False) -> Markup:
    """The days shown as a strip of bars, oldest on the left; stretched to the width it is given."""
    width, height = history.shown * STEP, HEIGHTS[tall]
    parts = [f'<svg class="bars{" bars-tall" if tall else ""}" '
             f'viewBox="0 0 {width} {height}" preserveAspectRatio="none" aria-hidden="true">',
             f'<path class="bar-operational" d="M0 {height // 2}H{width}" stroke-width="{height}" '
             f'stroke-dasharray="{BAR} {STEP - BAR}"/>']
    for index, day in marked_days(history):
        title = f"{format_date(day.date, language)}: {day_summary(day, label)}"
        parts.append(f'<rect class="bar-{day.status}" x="{index * STEP}" width="{BAR}" height="{height}">'
                     f'<title>{escape(title)}</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))
