"""`sitemap.xml` and `robots.txt`: how search engines find every page and each page's translations.

During an outage customers search before they think of the status site's address, so every page
is listed with its other-language versions (hreflang alternates). Past the protocol's 50,000 URLs
per file, `sitemap.xml` becomes an index of numbered parts.
"""

from __future__ import annotations

from generator.content.model import Site
from generator.machine.derived import Derived, absolute
from generator.machine.xml import XML_DECLARATION, xml_block, xml_leaf

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
MAX_URLS = 50_000
UNLISTED = {"404.html", "widget.html"}  # not pages anyone should land on from a search


def produce(model: Derived) -> dict[str, bytes]:
    """`sitemap.xml` (or its parts) and `robots.txt` for every view's pages; a build keeps them
    while the site has the same pages (`Derived.made`)."""
    content = model.content
    pages = tuple((section, key) for section, _, _ in model.views
                  for key in dict.fromkeys(p.key for p in model.plan(section)) if key not in UNLISTED)
    return model.made(_paths(len(pages) * len(content.site.languages)), ("sitemap",), sitemap, content.site, pages)


def _paths(urls: int) -> list[str]:
    """The files `sitemap` writes for that many URLs."""
    parts = -(-urls // MAX_URLS)
    numbered = [f"sitemap-{number}.xml" for number in range(1, parts + 1)] if parts > 1 else []
    return ["robots.txt", "sitemap.xml", *numbered]


def sitemap(site: Site, pages: tuple[tuple[str, str], ...]) -> dict[str, bytes]:
    """`sitemap.xml` (or an index and its parts) and `robots.txt` for the pages, as (section, key):
    the same until a page is added or removed, so the preview keeps them across most edits."""
    entries = [url for section, key in pages for url in _urls(site, section, key)]
    chunks = [entries[i:i + MAX_URLS] for i in range(0, len(entries), MAX_URLS)] or [[]]
    files = {"robots.txt": robots(site)}
    if len(chunks) == 1:
        files["sitemap.xml"] = _document("urlset", chunks[0], {"xmlns": SITEMAP, "xmlns:xhtml": XHTML})
        return files
    parts = []
    for number, chunk in enumerate(chunks, 1):
        files[f"sitemap-{number}.xml"] = _document("urlset", chunk, {"xmlns": SITEMAP, "xmlns:xhtml": XHTML})
        parts.append(xml_block("sitemap", 2, [xml_leaf("loc", absolute(site, f"sitemap-{number}.xml"))]))
    files["sitemap.xml"] = _document("sitemapindex", parts, {"xmlns": SITEMAP})
    return files


def robots(site: Site) -> bytes:
    """Everything may be crawled (the widget says noindex itself); the sitemap URL must be absolute."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute(site, 'sitemap.xml')}\n".encode("utf-8")


def _urls(site: Site, section: str, key: str) -> list[str]:
    """One page's `<url>` in each language; every one lists all the languages' addresses as
    alternates, so that list is written once."""
    addresses = [absolute(site, ("" if language == site.default_language else f"{language}/") + section + key)
                 for language in site.languages]
    alternates = [xml_leaf("xhtml:link", attributes={"rel": "alternate", "hreflang": language, "href": address})
                  for language, address in zip(site.languages, addresses)]
    return [xml_block("url", 2, [xml_leaf("loc", address), *alternates]) for address in addresses]


def _document(tag: str, children: list[str], attributes: dict[str, str]) -> bytes:
    return (XML_DECLARATION + xml_block(tag, 0, children, attributes) + "\n").encode("utf-8")
