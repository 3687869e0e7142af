"""Recovery progress as words and as a small static SVG chart, readable without JavaScript.

The government reported the 2025 recovery as '709개 중 584개 복구 (82.4%)' with a breakdown by
grade; customers understood that at a glance, so we render exactly that, plus a chart of
restored-over-time built from the updates' timestamps, with a text alternative.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

from markupsafe import Markup

from generator.content.model import Progress, Tally
from generator.state.derive import IncidentState

WIDTH, HEIGHT, PAD = 320, 160, 48
LABEL_SIZE = 16


def progress_points(state: IncidentState) -> list[tuple[datetime, Progress]]:
    """Every recovery report the incident has published by now, oldest first."""
    visible = state.incident.updates[: state.visible_updates]
    return [(u.at, u.progress) for u in visible if u.progress is not None]


def tally_text(tally: Tally, template: str, name: str = "") -> str:
    return template.format(name=name, restored=tally.restored, total=tally.total, percent=f"{tally.percent:.1f}")


def chart_svg(points: list[tuple[datetime, Progress]], title: str, description: str) -> Markup:
    """A line of percent-restored over time; `title`/`desc` make it an image with a text alternative."""
    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {WIDTH} {HEIGHT}",
                             "role": "img", "aria-labelledby": "progress-title progress-desc", "class": "chart"})
    ET.SubElement(svg, "title", {"id": "progress-title"}).text = title
    ET.SubElement(svg, "desc", {"id": "progress-desc"}).text = description
    left, right, top, bottom = PAD, WIDTH - 8, 10, HEIGHT - 12
    ET.SubElement(svg, "path", {"d": f"M{left} {top}V{bottom}H{right}", "class": "axis", "fill": "none",
                                "stroke": "currentColor", "stroke-width": "1"})
    for percent in (0, 50, 100):
        y = bottom - (bottom - top) * percent / 100
        ET.SubElement(svg, "text", {"x": str(left - 6), "y": f"{y + LABEL_SIZE / 3:.1f}", "text-anchor": "end",
                                    "font-size": str(LABEL_SIZE), "fill": "currentColor"}).text = f"{percent}%"
    start, end = points[0][0], points[-1][0]
    span = (end - start).total_seconds() or 1.0
    coords = []
    for at, progress in points:
        x = left + (right - left) * (at - start).total_seconds() / span if len(points) > 1 else (left + right) / 2
        y = bottom - (bottom - top) * progress.overall.percent / 100
        coords.append(f"{x:.1f},{y:.1f}")
        ET.SubElement(svg, "circle", {"cx": f"{x:.1f}", "cy": f"{y:.1f}", "r": "3", "fill": "currentColor"})
    ET.SubElement(svg, "polyline", {"points": " ".join(coords), "fill": "none", "stroke": "currentColor",
                                    "stroke-width": "2"})
    return Markup(ET.tostring(svg, encoding="unicode"))
