"""How hosts should serve each file, and the convention files that tell them so.

One policy for every host: the S3 target sets these headers on each object, and `build`
writes `_headers` (read by Netlify and Cloudflare Pages) and `.nojekyll` (GitHub Pages would
otherwise run Jekyll and drop files whose names start with `_`, such as `_headers`).

Pages, JSON and feeds must stay fresh during an outage, so they are cached briefly; theme
assets carry a content hash in their name (see theme.py), so they may be cached forever.
"""

from __future__ import annotations

from posixpath import splitext

from generator.machine.derived import Derived

ASSETS = "assets/"
SHORT_CACHE = "public, max-age=60"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".ics": "text/calendar; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".map": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/vnd.microsoft.icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
}
_PLAIN_NAMES = {"_headers", "CNAME", ".nojekyll", ".noticeboard-deploy"}

# Netlify and Cloudflare Pages merge every rule that matches a path (same header → values
# joined by commas), so Cache-Control is set by one rule only; pages and data keep the hosts'
# own default (max-age=0, must-revalidate), which is as fresh as a status page can be.
HEADERS_FILE = f"""\
# Read by Netlify and Cloudflare Pages; other hosts serve it as a plain file.
/*
  X-Content-Type-Options: nosniff

/{ASSETS}*
  Cache-Control: {IMMUTABLE_CACHE}
"""


def content_type(path: str) -> str:
    """The Content-Type for a published path; texts always say UTF-8 so Korean never turns into mojibake.
    A fixed table rather than the `mimetypes` module: the answer must not depend on the machine's
    /etc/mime.types, and that module's lazy set-up is not safe from the deploy's parallel threads."""
    name = path.rsplit("/", 1)[-1]
    if name in _PLAIN_NAMES:
        return "text/plain; charset=utf-8"
    return _TYPES.get(splitext(name)[1].lower(), "application/octet-stream")


def cache_control(path: str) -> str:
    """Fingerprinted assets never change under their name; everything else may change at the next update."""
    return IMMUTABLE_CACHE if path.startswith(ASSETS) else SHORT_CACHE


def host_files(model: Derived) -> dict[str, bytes]:
    """The convention files every build carries, whichever host ends up serving it."""
    return {"_headers": HEADERS_FILE.encode("utf-8"), ".nojekyll": b""}
