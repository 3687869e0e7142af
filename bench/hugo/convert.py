"""Turn a Noticeboard content tree into a Hugo site with the same pages, so both engines build one site.

The benchmark compares our build with Hugo's on identical notices. This copies the skeleton in
bench/hugo/site/ (config, layouts equivalent to our page set) next to the converted content:

- one Markdown file per incident and language (`<id>.ko.md`, `<id>.en.md`, Hugo's translation by
  file name), its updates as the body, and in front matter what the templates need to show the
  current status: `resolved`, the affected services with their status and alternatives, and the
  `services` taxonomy (Hugo's per-service list pages);
- data/services.json (names) and data/catalog.json (groups), from services.yaml.

Front matter is YAML written with JSON-quoted scalars and flow collections (valid YAML, and
fast to emit for 100,000 files). Only the fields the synthetic generator writes are converted.

    python -m bench.hugo.convert CONTENT_DIR HUGO_SITE_DIR
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import datetime
from pathlib import Path

import yaml

SKELETON = Path(__file__).resolve().parent / "site"
LANGUAGES = ("ko", "en")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def convert(content_dir: Path, site_dir: Path) -> int:
    """(Re)create `site_dir` from the skeleton and `content_dir`; return the number of incidents converted."""
    if site_dir.exists():
        shutil.rmtree(site_dir)
    shutil.copytree(SKELETON, site_dir)
    catalog = _read(content_dir / "services.yaml")
    data = site_dir / "data"
    data.mkdir()
    (data / "services.json").write_text(json.dumps(_service_names(catalog), ensure_ascii=False), encoding="utf-8")
    (data / "catalog.json").write_text(json.dumps(_groups(catalog), ensure_ascii=False), encoding="utf-8")
    target = site_dir / "content" / "incidents"
    target.mkdir(parents=True)
    for lang, title in (("ko", "장애 이력"), ("en", "Incident history")):
        (target / f"_index.{lang}.md").write_text(f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n---\n",
                                                   encoding="utf-8")
    sources = sorted((content_dir / "incidents").glob("*.yaml"))
    for source in sources:
        write_incident(source, target)
    return len(sources)


def write_incident(source: Path, target: Path, language: str | None = None) -> None:
    """Write the Hugo files for one incident (every language, or just `language`) — also used after an edit."""
    incident = _read(source)
    for lang in (language,) if language else LANGUAGES:
        (target / f"{source.stem}.{lang}.md").write_text(_page(incident, lang), encoding="utf-8")


def _page(incident: dict, lang: str) -> str:
    updates = incident["updates"]
    resolved = updates[-1]["status"] == "resolved"
    affected = [{"service": a["service"], "status": a["status"],
                 "alternatives": [_alternative(alt, lang) for alt in a.get("alternatives", ())]}
                for a in incident["affected"]]
    front = {
        "title": incident["title"][lang],
        "date": _time(incident["started"]),
        "impact": incident["impact"],
        "status": updates[-1]["status"],
        "resolved": resolved,
        "resolvedAt": _time(updates[-1]["at"]) if resolved else "",
        "services": [a["service"] for a in incident["affected"]],
        "affected": affected,
    }
    lines = ["---", *(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()), "---", ""]
    for update in reversed(updates):
        lines += [f"### {_time(update['at'])} · {update['status']}", "", update["body"][lang].rstrip(), ""]
    return "\n".join(lines)


def _alternative(alternative: dict, lang: str) -> str:
    text = alternative.get("text", alternative)
    audience = alternative.get("audience")
    return f"{text[lang]} ({audience[lang]})" if audience else text[lang]


def _service_names(catalog: dict) -> dict[str, dict[str, str]]:
    return {s["id"]: s["name"] for group in catalog["groups"] for s in group["services"]}


def _groups(catalog: dict) -> dict[str, list]:
    return {"groups": [{"id": g["id"], "name": g["name"], "services": [s["id"] for s in g["services"]]}
                       for g in catalog["groups"]]}


def _time(value: object) -> str:
    """Our times may omit seconds (2025-09-27T10:00+09:00); Hugo's date parser wants them."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.isoformat(timespec="seconds")


def _read(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hugo.convert", description=__doc__.split("\n\n")[0])
    parser.add_argument("content", type=Path, help="Noticeboard content folder (from bench.synthetic)")
    parser.add_argument("site", type=Path, help="Hugo site folder to (re)create")
    args = parser.parse_args(argv)
    count = convert(args.content, args.site)
    print(f"converted {count} incidents into {args.site}/ (build with: hugo --source {args.site})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
