"""A content tree with one given text in every field an operator can type text into.

Used to prove that whatever lands in a text (an XSS payload, template syntax, any Unicode) is
shown as text in every output. The tree uses every kind of file and every optional text:
two languages, an affiliate section, an upstream, an open incident with alternatives,
progress tiers and things not recovered, and maintenance both active and upcoming.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

NOW = "2025-09-27T10:00+09:00"


def url_with(text: str) -> str:
    """The text squeezed into an http(s) URL, as the schema demands (no spaces)."""
    return "https://example.test/" + re.sub(r"\s+", "", text)


def texts(text: str) -> dict[str, str]:
    return {"ko": text, "en": text}


def contact(text: str) -> dict[str, Any]:
    return {"label": texts(text), "phone": text, "url": url_with(text), "hours": texts(text)}


def content_with(text: str) -> dict[str, Any]:
    """Every content file (path under content/ → data) with `text` in every text field."""
    site = {
        "title": texts(text), "description": texts(text), "languages": ["ko", "en"], "timezone": "Asia/Seoul",
        "base_url": url_with(text) + "/", "contacts": [contact(text)],
        "affiliates": [{"id": "bank", "name": texts(text), "contacts": [contact(text)]}],
    }
    services = {
        "upstreams": [{"id": "gov-id", "name": texts(text), "description": texts(text)}],
        "groups": [{"id": "identity", "name": texts(text), "affiliate": "bank", "services": [
            {"id": "id-check", "name": texts(text), "description": texts(text), "depends_on": ["gov-id"],
             "channels": ["app", "branch"]},
            {"id": "transfer", "name": texts(text), "description": texts(text)},
        ]}],
    }
    incident = {
        "title": texts(text), "impact": "major", "cause": {"upstream": "gov-id", "description": texts(text)},
        "started": "2025-09-26T20:15+09:00",
        "affected": [
            {"upstream": "gov-id", "status": "major_outage"},
            {"service": "id-check", "status": "major_outage",
             "alternatives": [texts(text), {"text": texts(text), "channels": ["branch"], "audience": texts(text)}]},
            {"service": "transfer", "status": "partial_outage", "alternatives": [text]},
        ],
        "updates": [
            {"at": "2025-09-26T21:30+09:00", "status": "identified", "body": texts(text)},
            {"at": "2025-09-27T09:00+09:00", "status": "monitoring", "body": texts(text),
             "services": {"transfer": "operational"},
             "progress": {"restored": 3, "total": 4, "tiers": [{"name": texts(text), "restored": 3, "total": 4}]}},
        ],
        "not_recovered": [texts(text)],
    }
    active = {"title": texts(text), "starts": "2025-09-27T09:00+09:00", "ends": "2025-09-27T12:00+09:00",
              "services": ["transfer"], "body": texts(text)}
    upcoming = {"title": texts(text), "starts": "2025-10-12T00:00+09:00", "ends": "2025-10-12T06:00+09:00",
                "services": ["id-check", "transfer"], "body": texts(text)}
    return {"site.yaml": site, "services.yaml": services, "incidents/2025-09-26-outage.yaml": incident,
            "maintenance/2025-09-27-now.yaml": active, "maintenance/2025-10-12-later.yaml": upcoming}


def write_content(root: Path, files: dict[str, Any]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8")
    return root
