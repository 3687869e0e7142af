"""The names a page's template can call besides its view's shared context: words, names, times
and Markdown in the page's language, links relative to the page, and what site.yaml and
services.yaml say about services (their affiliate, whom to call about them).

All but two of them (`page` and `canonical`) are the same for every page of one view in one
language whose links start from the same folder depth, so they are made once for each such
group and reused: made afresh for each of 21,811 pages, their twenty closures were a
measurable part of rendering a small page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from generator.clock import EN_MONTH_NAMES, format_local, format_time, iso
from generator.content.markup import markdown_html
from generator.content.model import Content, Text
from generator.errors import Location, Problem, ThemeError
from generator.site.chart import chart_svg, progress_points, tally_text
from generator.site.entries import hit_text, span
from generator.site.templating import InLanguage, mark_language
from generator.site.theme import Theme
from generator.site.uptime import bars, date_tag, day_summary, duration, figure, minutes_text, outage_table
from generator.state.affiliates import affiliate_of, contacts_for
from generator.state.history import percent
from generator.state.listing import numbered
from generator.state.plan import language_prefix

if TYPE_CHECKING:
    from generator.state.derive import IncidentState
    from generator.state.plan import Page


def page_names(page: Page, content: Content, theme: Theme) -> dict[str, Any]:
    """Every helper name `page`'s template sees, with `page` itself."""
    base = _link_base(page, content)
    shared = _shared_names(content, theme, page.language, page.section, base)
    site, section, key = content.site, page.section, page.key

    def canonical(language: str) -> str:
        return site.base_url + language_prefix(content, language) + section + key

    return {**shared, "page": page, "canonical": canonical}


def _link_base(page: Page, content: Content) -> str:
    """What relative links start with: up to the site root, so the site works under any sub-path
    and from file://; the 404 page is served at arbitrary depths, so it links from the base URL's path."""
    if page.key == "404.html":
        return urlsplit(content.site.base_url).path or "/"
    return "../" * page.path.count("/")


# Made names by (view, theme, language): the language's own, and per (section, link base) those
# merged with the links'. Identity-checked, since ids are reused once an object is gone. A build
# needs a few dozen; the preview makes new views on each edit, so the memo is emptied when full
# rather than kept growing.
_Made = tuple[Content, Theme, dict[str, Any], dict[tuple[str, str], dict[str, Any]]]
_MADE: dict[tuple[int, int, str], _Made] = {}
_MADE_LIMIT = 32


def _shared_names(content: Content, theme: Theme, lang: str, section: str, base: str) -> dict[str, Any]:
    memo_key = (id(content), id(theme), lang)
    made = _MADE.get(memo_key)
    if made is None or made[0] is not content or made[1] is not theme:
        if len(_MADE) >= _MADE_LIMIT:
            _MADE.clear()
        made = _MADE[memo_key] = (content, theme, _language_names(content, theme, lang), {})
    merged = made[3].get((section, base))
    if merged is None:
        merged = made[3][section, base] = {**made[2], **_link_names(content, theme, lang, section, base)}
    return merged


def _link_names(content: Content, theme: Theme, lang: str, section: str, base: str) -> dict[str, Any]:
    def url(target: str, language: str | None = None) -> str:
        return base + language_prefix(content, language or lang) + section + target

    def group_url(target: str, language: str | None = None) -> str:
        return base + language_prefix(content, language or lang) + target

    def asset(rel: str) -> str:
        return base + theme.assets[rel]

    return {"url": url, "group_url": group_url, "asset": asset, "has_asset": theme.assets.__contains__}


_HITS_KEPT = 256
_NOTHING = Markup("")
# Each instant's <time> element and each listed incident's span, made once per site zone and
# language (and theme, for the span's words) however many pages and views show them: an
# incident's start and end are on its own page, the history's and each page of every service it
# hit, in each section. Made again on each page (with a few last times kept), they cost page
# rendering 0.97 -> 0.82 s of CPU at 1,000 incidents and 8.9 -> 8.6 s at 10,000
# (bench/render_cpu.py). Spans are kept for up to 30,000 incidents (about 5 MB per 10,000 in each
# language and process), times for what an incident page shows twice and the spans not yet
# kept; each table is emptied when full rather than growing with the site.
_TIME_TAGS: dict[tuple[str, str], dict[datetime, Markup]] = {}
_TIME_TAGS_KEPT = 1 << 13
_SPANS: dict[tuple[int, str, str], tuple[Theme, dict[tuple[datetime, datetime | None], Markup]]] = {}
_SPANS_KEPT = 30_000


def _time_element(moment: datetime, tz: ZoneInfo, lang: str) -> Markup:
    """`<time datetime="…">` with the time in words, in the site's zone. The ISO form holds only
    digits, '-', ':', 'T' and '+', so only the words are escaped."""
    at = moment.astimezone(tz)
    return Markup(f'<time datetime="{at.isoformat(timespec="seconds")}">{escape(format_local(at, lang))}</time>')


def _time_tags(zone: str, lang: str) -> dict[datetime, Markup]:
    """The time elements made so far in `zone` and `lang` (a key of equal instants is one key,
    whatever offset each was written with: their element is the same)."""
    return _TIME_TAGS.setdefault((zone, lang), {})


def _spans(theme: Theme, zone: str, lang: str) -> dict[tuple[datetime, datetime | None], Markup]:
    """The spans made so far with `theme`'s words in `zone` and `lang`, by start and end; the
    theme is held with them, so another theme (the preview loads it again when it changes) never
    finds them by a reused id."""
    key = (id(theme), zone, lang)
    found = _SPANS.get(key)
    if found is None or found[0] is not theme:
        if len(_SPANS) >= _MADE_LIMIT:
            _SPANS.clear()
        found = _SPANS[key] = (theme, {})
    return found[1]


def _language_names(content: Content, theme: Theme, lang: str) -> dict[str, Any]:
    default, tz = content.site.default_language, content.site.tz
    words = theme.labels.of(lang)

    def text(value: Text | None) -> str:
        if value is None:
            return ""
        found, language = value.pick(lang, default)
        return found if language == lang else InLanguage(found, language)

    names = {item_id: text(item.name) for item_id, item in content.catalog.by_id.items()}

    def item_name(item_id: str) -> str:
        return names.get(item_id, item_id)

    def markdown(value: Text | None) -> Markup:
        if value is None:
            return Markup()
        found, language = value.pick(lang, default)
        html = Markup(markdown_html(found))
        return html if language == lang else Markup('<div lang="{}">{}</div>').format(language, html)

    def label(key: str) -> str:
        found = words.get(key)
        if found is None:
            raise ThemeError([Problem(Location(theme.labels.shown), f"a template asks for the label '{key}', "
                                      f"which no labels.yaml of the theme has in '{lang}'",
                                      "add it to the theme's labels.yaml in every language, or fix the template")])
        return found

    tags = _time_tags(content.site.timezone, lang)

    def time_tag(moment: datetime) -> Markup:
        # A macro call cost more than the rest of a <time> element's rendering; as a plain
        # function it made incident pages 35% faster (they show about ten times each).
        found = tags.get(moment)
        if found is None:
            if len(tags) >= _TIME_TAGS_KEPT:
                tags.clear()
            found = tags[moment] = _time_element(moment, tz, lang)
        return found

    spans = _spans(theme, content.site.timezone, lang)

    def incident_span(state: IncidentState) -> Markup:
        # A listed incident's span is made of its start and end alone (and the words).
        key = (state.incident.started, state.resolved_at)
        found = spans.get(key)
        if found is None:
            if len(spans) >= _SPANS_KEPT:
                spans.clear()
            found = spans[key] = span(state, tz, time_tag, label)
        return found

    affiliates = {sid: text(a.name) for sid, a in affiliate_of(content).items()}
    tags_of_affiliates = {sid: Markup(' <span class="affiliate">{}</span>').format(mark_language(name))
                          for sid, name in affiliates.items()}
    name = names.get
    hits: dict[tuple[str, ...], Markup] = {}
    outage_headings: dict[tuple[str, str, bool], str] = {}

    def hit(service_ids: Iterable[str]) -> Markup:
        # Thousands of incidents hit the same few services, each set one tuple (state/listing.py);
        # the widget passes a list.
        key = tuple(service_ids)
        found = hits.get(key)
        if found is None:
            if len(hits) >= _HITS_KEPT:
                hits.clear()
            found = hits[key] = hit_text(key, lambda sid: name(sid, sid), affiliates.get)
        return found

    return {
        "lang": lang, "t": text, "_": label,
        "affiliate_tag": lambda service_id: tags_of_affiliates.get(service_id, _NOTHING),
        "contacts_for": lambda service_ids: contacts_for(content, service_ids),
        "span": incident_span,
        "hit": hit,
        "name": item_name,
        "when": lambda moment: format_time(moment, tz, lang),
        "iso": lambda moment: iso(moment, tz),
        "time_tag": time_tag,
        "md": markdown,
        "numbered": numbered,
        "month_label": _month_label(label("month_format")),
        "progress_points": progress_points,
        "tally": lambda tally, key, name="": tally_text(tally, label(key), name),
        "chart": chart_svg,
        "uptime_bars": lambda history, tall=False: bars(history, label, lang, tall),
        "figure": lambda period: figure(period, label),
        "day_summary": lambda day: day_summary(day, label),
        "date_tag": lambda day: date_tag(day, lang),
        "duration": lambda amount: duration(amount, label),
        "minutes_text": lambda amount: minutes_text(amount, label),
        "outage_rows": lambda rows, link: outage_table(rows, label, item_name, link, outage_headings),
        "percent": percent,
    }


def _month_label(template: str) -> Callable[[tuple[int, int]], str]:
    def fmt(year_month: tuple[int, int]) -> str:
        year, month = year_month
        return template.format(year=year, month=month, month_name=EN_MONTH_NAMES[month - 1])

    return fmt
