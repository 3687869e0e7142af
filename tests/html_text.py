"""Read built pages the way a reader does: visible text, links, and elements by attribute."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self._skip = 0
        self._svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._svg += tag == "svg"
        if tag in ("script", "style") or (tag == "title" and self._svg):  # an SVG's title is a tooltip
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if (tag in ("script", "style") or (tag == "title" and self._svg)) and self._skip:
            self._skip -= 1
        self._svg -= tag == "svg" and self._svg > 0

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


class Page:
    def __init__(self, html: str) -> None:
        collector = _Collector()
        collector.feed(html)
        self.html = html
        self.text = " ".join(" ".join(collector.text).split())
        self.elements = collector.elements

    @classmethod
    def read(cls, path: Path) -> Page:
        return cls(path.read_text(encoding="utf-8"))

    def find_all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.elements if name == tag]

    def links(self) -> list[str]:
        return [a["href"] for a in self.find_all("a") if "href" in a]
