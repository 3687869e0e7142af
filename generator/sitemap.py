"""`sitemap.xml` and `robots.txt`: how search engines find every page and each page's translations.

During an outage customers search before they think of the status site's address, so every page
is listed with its other-language versions (hreflang alternates). Past the protocol's 50,000 URLs
per file, `sitemap.xml` becomes an index of numbered parts.
"""

from __future__ import annotations

from collections.abc import Callable

from generator.derive import Snapshot
from generator.machine import XML_DECLARATION, Derived, absolute, xml_block, xml_leaf
from generator.model import Content
from generator.render import language_prefix, plan_pages

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
MAX_URLS = 50_000
UNLISTED = {"404.html", "widget.html"}  # not pages anyone should land on from a search


def produce(content: Content, snap: Snapshot,
            derived: Callable[[Content, Snapshot], Derived] = Derived) -> dict[str, bytes]:
    urls = [(section, key) for section, view_content, view_snap in derived(content, snap).views
            for key in dict.fromkeys(p.key for p in plan_pages(view_content, view_snap, section)) if key not in UNLISTED]
    entries = [url for section, key in urls for url in _urls(content, section, key)]
    chunks = [entries[i:i + MAX_URLS] for i in range(0, len(entries), MAX_URLS)] or [[]]
    files = {"robots.txt": robots(content)}
    if len(chunks) == 1:
        files["sitemap.xml"] = _document("urlset", chunks[0], {"xmlns": SITEMAP, "xmlns:xhtml": XHTML})
        return files
    parts = []
    for number, chunk in enumerate(chunks, 1):
        files[f"sitemap-{number}.xml"] = _document("urlset", chunk, {"xmlns": SITEMAP, "xmlns:xhtml": XHTML})
        parts.append(xml_block("sitemap", 2, [xml_leaf("loc", absolute(content, f"sitemap-{number}.xml"))]))
    files["sitemap.xml"] = _document("sitemapindex", parts, {"xmlns": SITEMAP})
    return files


def robots(content: Content) -> bytes:
    """Everything may be crawled (the widget says noindex itself); the sitemap URL must be absolute."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute(content, 'sitemap.xml')}\n".encode("utf-8")


def _urls(content: Content, section: str, key: str) -> list[str]:
    """One page's `<url>` in each language; every one lists all the languages' addresses as
    alternates, so that list is written once."""
    addresses = [absolute(content, language_prefix(content, language) + section + key)
                 for language in content.site.languages]
    alternates = [xml_leaf("xhtml:link", attributes={"rel": "alternate", "hreflang": language, "href": address})
                  for language, address in zip(content.site.languages, addresses)]
    return [xml_block("url", 2, [xml_leaf("loc", address), *alternates]) for address in addresses]


def _document(tag: str, children: list[str], attributes: dict[str, str]) -> bytes:
    return (XML_DECLARATION + xml_block(tag, 0, children, attributes) + "\n").encode("utf-8")
