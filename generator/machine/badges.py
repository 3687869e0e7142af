"""Shields-style SVG status badges: one for the whole site (and each affiliate), one per service.

Partners put these in their own pages and READMEs. Each badge says its status in words (never
by colour alone), carries a <title> and an aria-label for screen readers, and uses the site's
status colours, all of which keep white text above WCAG's 4.5:1 contrast. The text width is an
estimate; `textLength` makes the browser fit the text to it, so long Korean names never overflow.
"""

from __future__ import annotations

import unicodedata
from functools import partial

from generator.content.labels import Labels
from generator.machine.derived import Derived, text
from generator.machine.xml import XML_DECLARATION, strip_controls, xml_attributes, xml_leaf
from generator.state.history import Period, percent
from generator.state.plan import language_prefix
from generator.state.rollup import rollup

SVG = "http://www.w3.org/2000/svg"
LABEL_COLOUR = "#555555"
COLOURS = {"operational": "#146c2e", "under_maintenance": "#174ea6", "degraded_performance": "#8a4b00",
           "partial_outage": "#8a4b00", "major_outage": "#a50e0e"}
HEIGHT, PAD, FONT_SIZE = 20, 6, 11
WIDE, NARROW = 11.0, 6.8  # px per character at 11px: full-width (Hangul, CJK) and everything else


def produce(model: Derived) -> dict[str, bytes]:
    """`badges/status.svg` per language and per affiliate section, saying "some services …" with
    how many unless all of them are in the worst state; `badges/services/ID.svg` per service and
    language."""
    files: dict[str, bytes] = {}
    content, snap, words = model.content, model.snap, model.words
    names = {a.id: a.name for a in content.site.affiliates}
    for section, _, view_snap in model.views:
        summed = rollup(view_snap, view_snap.services)
        for language in content.site.languages:
            affiliate = names.get(section.rstrip("/"))
            label = text(affiliate, language, content) if affiliate else words.word(language, "home")
            path = f"{language_prefix(content, language)}{section}badges/status.svg"
            files[path] = badge(words, label or "", summed.status, language,
                                summed.text(partial(words.word, language)))
    history = model.history
    for service in content.catalog.services:
        for language in content.site.languages:
            prefix, name = language_prefix(content, language), text(service.name, language, content) or service.id
            files[f"{prefix}badges/services/{service.id}.svg"] = badge(words, name, snap.services[service.id].status,
                                                                       language)
            files[f"{prefix}badges/availability/{service.id}.svg"] = availability_badge(
                words, name, history.entries[service.id].month, language)
    return files


def availability_colour(hundredths: int | None) -> str:
    """Green from 99.9%, amber from 99%, red below; blue when the month was all maintenance."""
    if hundredths is None:
        return COLOURS["under_maintenance"]
    if hundredths >= 9990:
        return COLOURS["operational"]
    return COLOURS["partial_outage"] if hundredths >= 9900 else COLOURS["major_outage"]


def text_width(value: str) -> int:
    return round(sum(WIDE if unicodedata.east_asian_width(c) in "WF" else NARROW for c in value))


def badge(words: Labels, label: str, status: str, language: str, message: str | None = None) -> bytes:
    """`message` in place of the status's own word (a rollup's)."""
    label, message = strip_controls(label), message or words.word(language, f"status.{status}")
    return _badge(label, message, f"{label}: {message}", COLOURS[status], language)


def availability_badge(words: Labels, label: str, month: Period, language: str) -> bytes:
    """A service's availability over the last 30 days, as its page states it."""
    figure = month.availability
    shown = "" if figure is None else percent(figure)
    message = words.word(language, "badge_maintenance" if figure is None else "badge_availability").format(
        days=month.days, percent=shown)
    title = words.word(language, "availability_none" if figure is None else "availability_days").format(
        days=month.days, percent=shown)
    return _badge(strip_controls(label), message, f"{strip_controls(label)}: {title}", availability_colour(figure),
                  language)


def _badge(label: str, message: str, title: str, colour: str, language: str) -> bytes:
    left, right = text_width(label) + 2 * PAD, text_width(message) + 2 * PAD
    svg = xml_attributes({"xmlns": SVG, "width": str(left + right), "height": str(HEIGHT), "role": "img",
                          "aria-label": title, "xml:lang": language})
    group = xml_attributes({"fill": "#ffffff", "text-anchor": "middle", "font-size": str(FONT_SIZE),
                            "font-family": "Verdana,DejaVu Sans,Noto Sans CJK KR,sans-serif"})
    texts = [xml_leaf("text", value, {"x": f"{x:g}", "y": "14", "textLength": str(width),
                                      "lengthAdjust": "spacingAndGlyphs"})
             for x, width, value in ((left / 2, left - 2 * PAD, label), (left + right / 2, right - 2 * PAD, message))]
    parts = [xml_leaf("title", title),
             xml_leaf("rect", attributes={"width": str(left), "height": str(HEIGHT), "fill": LABEL_COLOUR}),
             xml_leaf("rect", attributes={"x": str(left), "width": str(right), "height": str(HEIGHT),
                                          "fill": colour}),
             f"<g{group}>{''.join(texts)}</g>"]
    return f"{XML_DECLARATION}<svg{svg}>{''.join(parts)}</svg>\n".encode("utf-8")
