"""`sitemap.xml` and `robots.txt`: how search engines find every page and each page's translations.

During an outage customers search before they think of the status site's address, so every page
is listed with its other-language versions (hreflang alternates). Past the protocol's 50,000 URLs
per file, `sitemap.xml` becomes an index of numbered parts.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from generator.derive import Snapshot
from generator.machine import Derived, absolute
from generator.model import Content
from generator.render import language_prefix, plan_pages

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
MAX_URLS = 50_000
UNLISTED = {"404.html", "widget.html"}  # not pages anyone should land on from a search
ET.register_namespace("", SITEMAP)
ET.register_namespace("xhtml", XHTML)


def produce(content: Content, snap: Snapshot,
            derived: Callable[[Content, Snapshot], Derived] = Derived) -> dict[str, bytes]:
    urls = [(section, key) for section, view_content, view_snap in derived(content, snap).views
            for key in dict.fromkeys(p.key for p in plan_pages(view_content, view_snap, section)) if key not in UNLISTED]
    entries = [(language, section, key) for section, key in urls for language in content.site.languages]
    chunks = [entries[i:i + MAX_URLS] for i in range(0, len(entries), MAX_URLS)] or [[]]
    files = {"robots.txt": robots(content)}
    if len(chunks) == 1:
        files["sitemap.xml"] = _urlset(content, chunks[0])
        return files
    index = ET.Element(f"{{{SITEMAP}}}sitemapindex")
    for number, chunk in enumerate(chunks, 1):
        files[f"sitemap-{number}.xml"] = _urlset(content, chunk)
        part = ET.SubElement(index, f"{{{SITEMAP}}}sitemap")
        ET.SubElement(part, f"{{{SITEMAP}}}loc").text = absolute(content, f"sitemap-{number}.xml")
    files["sitemap.xml"] = _serialise(index)
    return files


def robots(content: Content) -> bytes:
    """Everything may be crawled (the widget says noindex itself); the sitemap URL must be absolute."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute(content, 'sitemap.xml')}\n".encode("utf-8")


def _urlset(content: Content, entries: list[tuple[str, str, str]]) -> bytes:
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")
    for language, section, key in entries:
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = absolute(content, language_prefix(content, language) + section + key)
        for other in content.site.languages:
            ET.SubElement(url, f"{{{XHTML}}}link", {
                "rel": "alternate", "hreflang": other,
                "href": absolute(content, language_prefix(content, other) + section + key)})
    return _serialise(urlset)


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
