"""Stage 2, validate (meaning): what a schema cannot see — ids that must exist, time order, languages.

Runs only on documents whose structure is valid, so every check may index the data freely.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.clock import YEARS, parse_time
from generator.content.deploy_config import deploy_problems
from generator.content.load import ContentFiles
from generator.content.markdown_limits import markdown_problems
from generator.content.names import is_reserved_name
from generator.content.notify_config import notify_problems
from generator.content.yamlfile import Document, KeyPath
from generator.errors import Location, Problem, did_you_mean

# Matched whole (fullmatch): with `$`, "evil-svc\n" passed, and a newline reached file names and URLs.
MAX_ID_CHARS = 64
ID_PATTERN = re.compile(rf"[a-z0-9](?:[a-z0-9-]{{0,{MAX_ID_CHARS - 2}}}[a-z0-9])?")
TEXT_KEYS = {"title", "name", "description", "label", "hours", "body", "text", "audience"}
TEXT_LISTS = {"alternatives", "not_recovered"}
# Letters that render as nothing: the Hangul fillers and the blank Braille pattern.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
RESERVED_FOLDERS = {"incidents", "services", "maintenance", "assets", "api", "feeds", "badges", "history", "alternatives",
                    "index", "widget", "404"}


def check_references(files: ContentFiles, valid: dict[str, list[Document]]) -> list[Problem]:
    """Cross-file problems; documents missing from `valid` are skipped (their problems are already known)."""
    problems: list[Problem] = []
    site = valid["site"][0] if valid["site"] else None
    services = valid["services"][0] if valid["services"] else None
    if site:
        problems += _check_site(site)
        for doc in [site, *valid["services"], *valid["incidents"], *valid["maintenance"]]:
            problems += _check_languages(doc, site.data["languages"])
    affiliates = {a["id"] for a in site.data.get("affiliates") or ()} if site else None
    catalog = _Catalog(services, affiliates, problems) if services else None
    if site and catalog:
        problems += _check_channels(site, catalog)
    for doc in valid["incidents"]:
        problems += _check_incident(doc, catalog)
    for doc in valid["maintenance"]:
        problems += _check_maintenance(doc, catalog)
    problems += _check_file_ids(files.names("incidents") + files.names("maintenance"))
    return problems


def _check_site(doc: Document) -> list[Problem]:
    problems = []
    try:
        ZoneInfo(doc.data["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Problem(doc.loc(("timezone",)), f"unknown time zone '{doc.data['timezone']}'",
                                "use an IANA name such as Asia/Seoul", "timezone"))
    affiliates = doc.data.get("affiliates") or ()
    problems += _duplicates(doc, [(("affiliates", i, "id"), a["id"]) for i, a in enumerate(affiliates)])
    taken = RESERVED_FOLDERS | set(doc.data["languages"])
    problems += _reserved_names(doc, [(("affiliates", i, "id"), a["id"]) for i, a in enumerate(affiliates)])
    for i, affiliate in enumerate(affiliates):
        if affiliate["id"] in taken:
            problems.append(Problem(doc.loc(("affiliates", i, "id")), f"affiliate id '{affiliate['id']}' is taken",
                                    f"its section would clash with the site's own folder; avoid {', '.join(sorted(taken))}",
                                    f"affiliates.{i}.id"))
    problems += deploy_problems(doc) + notify_problems(doc)
    return problems


def _check_channels(doc: Document, catalog: _Catalog) -> list[Problem]:
    """The services and upstreams each notification channel follows exist."""
    problems: list[Problem] = []
    for i, channel in enumerate((doc.data.get("notify") or {}).get("channels") or ()):
        for key, kind in (("services", "service"), ("upstreams", "upstream")):
            for j, value in enumerate(channel.get(key) or ()):
                problems += catalog.check(doc, ("notify", "channels", i, key, j), value, kind)
    return problems


def _duplicates(doc: Document, entries: list[tuple[KeyPath, str]]) -> list[Problem]:
    first: dict[str, KeyPath] = {}
    problems = []
    for path, value in entries:
        if value in first:
            line = doc.loc(first[value]).line
            problems.append(Problem(doc.loc(path), f"duplicate id '{value}'",
                                    f"already used on line {line}; every id must be unique", ".".join(map(str, path))))
        else:
            first[value] = path
    return problems


def _reserved_names(doc: Document, entries: list[tuple[KeyPath, str]]) -> list[Problem]:
    """Ids become file and folder names, and a site copied to Windows cannot hold a file called con or aux."""
    return [Problem(doc.loc(path), f"id '{value}' is a name Windows reserves for a device",
                    "choose another id, e.g. add a word: con-service", ".".join(map(str, path)))
            for path, value in entries if is_reserved_name(value)]


def _texts(data: Any) -> list[tuple[KeyPath, Any]]:
    """Every translatable text in a document, found by the keys that hold texts."""
    found: list[tuple[KeyPath, Any]] = []
    _collect_texts(data, (), None, found)
    return found


def _collect_texts(value: Any, path: KeyPath, key: Any, found: list[tuple[KeyPath, Any]]) -> None:
    """_texts' walk, appending to one list: a generator per level made every text pass up
    through each enclosing level, half of the language checks' time at 10,000 incidents."""
    if key in TEXT_KEYS and not isinstance(value, list):
        if not (key == "description" and isinstance(value, dict) and "upstream" in value):
            found.append((path, value))
            return
    if isinstance(value, dict):
        for k, v in value.items():
            if k in TEXT_KEYS or isinstance(v, (dict, list)):
                _collect_texts(v, path + (k,), k, found)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if key in TEXT_LISTS and not (isinstance(item, dict) and "text" in item):
                found.append((path + (i,), item))
            elif isinstance(item, (dict, list)):
                _collect_texts(item, path + (i,), None, found)


def _check_languages(doc: Document, languages: list[str]) -> list[Problem]:
    default = languages[0]
    problems = []
    for path, text in _texts(doc.data):
        problems += _blank(doc, path, text)
        problems += _untranslated(doc, path, text, languages)
        if not isinstance(text, dict):
            continue
        if default not in text:
            problems.append(Problem(doc.loc(path), f"missing the default-language ({default}) text",
                                    f"add '{default}: ...' — readers of the default language see nothing otherwise",
                                    ".".join(map(str, path))))
        for lang in text:
            if lang not in languages:
                problems.append(Problem(doc.loc(path + (lang,), key=True), f"language '{lang}' is not in the site's languages",
                                        f"site.yaml lists {', '.join(languages)}; add it there or fix the code",
                                        ".".join(map(str, path))))
    return problems


def _untranslated(doc: Document, path: KeyPath, text: Any, languages: list[str]) -> list[Problem]:
    """A warning for each of the site's other languages a text lacks: its readers would get the
    default language's text (marked as such, so a screen reader pronounces it right, but still
    not theirs). A plain string counts as the default language's text alone."""
    default = languages[0]
    given = text if isinstance(text, dict) else {default: text}
    if default not in given:
        return []  # an error of its own
    words = [p for p in path if isinstance(p, str)]
    what = words[-1] if words else "text"
    hint = (f"add '{{lang}}: …' beside '{default}:'" if isinstance(text, dict) else
            f"write it as a mapping with a line for each language: '{default}: …' and '{{lang}}: …'")
    return [Problem(doc.loc(path), f"{what} has no '{lang}' text, so '{lang}' pages show the '{default}' one",
                    hint.format(lang=lang), ".".join(map(str, path)), severity="warning")
            for lang in languages[1:] if lang not in given]


def _blank(doc: Document, path: KeyPath, text: Any) -> list[Problem]:
    """An empty title or body publishes a heading or notice that says nothing; so does one made
    only of spaces, zero-width characters, direction marks or Hangul fillers."""
    values = text.items() if isinstance(text, dict) else [(None, text)]
    return [Problem(doc.loc(path + ((lang,) if lang else ())), "text is empty or invisible",
                    "write the text (or leave the key out where it is optional)", ".".join(map(str, path)))
            for lang, value in values if isinstance(value, str) and all(map(_invisible, value))]


def _invisible(character: str) -> bool:
    return unicodedata.category(character)[0] in "ZC" or character in _BLANK_LETTERS


class _Catalog:
    """Ids known from services.yaml, with duplicates, unknown dependencies and cycles reported on the way."""

    def __init__(self, doc: Document, affiliates: set[str] | None, problems: list[Problem]) -> None:
        data = doc.data
        self.upstreams = [u["id"] for u in data.get("upstreams") or ()]
        self.services = [s["id"] for g in data["groups"] for s in g["services"]]
        entries: list[tuple[KeyPath, str]] = [(("upstreams", i, "id"), u) for i, u in enumerate(self.upstreams)]
        entries += [(("groups", gi, "id"), g["id"]) for gi, g in enumerate(data["groups"])]
        entries += [(("groups", gi, "services", si, "id"), s["id"])
                    for gi, g in enumerate(data["groups"]) for si, s in enumerate(g["services"])]
        problems += _duplicates(doc, entries) + _reserved_names(doc, entries)
        known = self.upstreams + self.services
        for gi, group in enumerate(data["groups"]):
            if affiliates is not None and group.get("affiliate") and group["affiliate"] not in affiliates:
                problems.append(_unknown(doc, ("groups", gi, "affiliate"), group["affiliate"], sorted(affiliates), "affiliate"))
            for si, service in enumerate(group["services"]):
                for di, dep in enumerate(service.get("depends_on") or ()):
                    if dep not in known:
                        problems.append(_unknown(doc, ("groups", gi, "services", si, "depends_on", di), dep, known, "id"))
        problems += _cycles(doc)

    def check(self, doc: Document, path: KeyPath, value: str, kind: str) -> list[Problem]:
        pool = {"service": self.services, "upstream": self.upstreams, "any": self.services + self.upstreams}[kind]
        if value in pool:
            return []
        word = {"service": "service", "upstream": "upstream system", "any": "service or upstream"}[kind]
        if kind == "service" and value in self.upstreams:
            return [Problem(doc.loc(path), f"unknown service '{value}'",
                            f"'{value}' is an upstream system: write 'upstream: {value}' instead", ".".join(map(str, path)))]
        return [_unknown(doc, path, value, pool, word)]


def _unknown(doc: Document, path: KeyPath, value: str, pool: list[str], word: str) -> Problem:
    hint = did_you_mean(value, pool) if pool else "declare it in services.yaml first"
    return Problem(doc.loc(path), f"unknown {word} '{value}'", f"{hint} (ids come from services.yaml)", ".".join(map(str, path)))


def _cycles(doc: Document) -> list[Problem]:
    """A service that depends on itself, directly or through others, can never be derived sanely."""
    graph: dict[str, list[str]] = {}
    where: dict[str, KeyPath] = {}
    for gi, group in enumerate(doc.data["groups"]):
        for si, service in enumerate(group["services"]):
            graph[service["id"]] = list(service.get("depends_on") or ())
            where[service["id"]] = ("groups", gi, "services", si, "depends_on")
    problems, reported = [], set()
    for start in sorted(graph):
        cycle = _find_cycle(start, graph)
        if cycle and frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            problems.append(Problem(doc.loc(where[start]), "depends_on forms a cycle: " + " → ".join(cycle + [cycle[0]]),
                                    "a service cannot depend on itself, even through other services; remove one link",
                                    ".".join(map(str, where[start])), severity="warning"))
    return problems


def _find_cycle(start: str, graph: dict[str, list[str]]) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, trail = stack.pop()
        for dep in graph.get(node, ()):
            if dep == start:
                return trail
            if dep in graph and dep not in seen:
                seen.add(dep)
                stack.append((dep, trail + [dep]))
    return None


def _check_time(doc: Document, path: KeyPath, value: str) -> tuple[Any, list[Problem]]:
    parsed = parse_time(value)
    if parsed is None:
        return None, [Problem(doc.loc(path), f"'{value}' is not a valid date and time",
                              "write it like 2025-09-26T20:15+09:00", ".".join(map(str, path)))]
    if parsed.year not in YEARS:
        return None, [Problem(doc.loc(path), f"'{value}' is outside the years {YEARS.start}–{YEARS.stop - 1}",
                              "check the year", ".".join(map(str, path)))]
    return parsed, []


def _check_incident(doc: Document, catalog: _Catalog | None) -> list[Problem]:
    data = doc.data
    started, problems = _check_time(doc, ("started",), data["started"])
    if catalog:
        if data.get("cause", {}).get("upstream"):
            problems += catalog.check(doc, ("cause", "upstream"), data["cause"]["upstream"], "upstream")
        for i, entry in enumerate(data["affected"]):
            kind = "service" if "service" in entry else "upstream"
            problems += catalog.check(doc, ("affected", i, kind), entry[kind], kind)
    targets = [(("affected", i, "service" if "service" in a else "upstream"), a.get("service") or a["upstream"])
               for i, a in enumerate(data["affected"])]
    problems += [_relabel(p, "is listed twice in affected") for p in _duplicates(doc, targets)]
    problems += _check_updates(doc, catalog, started)
    problems += markdown_problems(doc, [(("updates", i, "body"), u["body"]) for i, u in enumerate(data["updates"])],
                                  ("updates",))
    return problems


def _relabel(problem: Problem, what: str) -> Problem:
    name = problem.message.split("'")[1]
    return Problem(problem.location, f"'{name}' {what}", "merge the two entries into one", problem.field)


def _check_updates(doc: Document, catalog: _Catalog | None, started: Any) -> list[Problem]:
    problems: list[Problem] = []
    previous = None
    for i, update in enumerate(doc.data["updates"]):
        at, found = _check_time(doc, ("updates", i, "at"), update["at"])
        problems += found
        if at is not None and started is not None and at < started:
            problems.append(Problem(doc.loc(("updates", i, "at")), "update is dated before the incident started",
                                    f"the incident started at {doc.data['started']}; check the date and time zone",
                                    f"updates.{i}.at"))
        if at is not None and previous is not None and at < previous:
            problems.append(Problem(doc.loc(("updates", i, "at")), "updates are out of order",
                                    "list updates oldest first and add new ones at the bottom", f"updates.{i}.at"))
        previous = at if at is not None else previous
        problems += _check_promise(doc, i, at, update.get("next_update"))
        problems += _check_progress(doc, ("updates", i, "progress"), update.get("progress"))
        if catalog:
            for target in update.get("services") or {}:
                problems += catalog.check(doc, ("updates", i, "services", target), target, "any")
    return problems


def _check_promise(doc: Document, index: int, at: Any, promised: str | None) -> list[Problem]:
    """A next update promised before the update that promises it was posted is a typo."""
    if promised is None:
        return []
    path = ("updates", index, "next_update")
    when, problems = _check_time(doc, path, promised)
    if when is not None and at is not None and when <= at:
        problems.append(Problem(doc.loc(path), "the next update is promised before this update was posted",
                                f"this update is dated {doc.data['updates'][index]['at']}; give a later time",
                                f"updates.{index}.next_update"))
    return problems


def _check_progress(doc: Document, path: KeyPath, progress: dict[str, Any] | None) -> list[Problem]:
    """A tally that restores more than it has, or tiers that don't add up, would mislead readers."""
    if not progress:
        return []
    problems = []
    entries = [(path, progress)] + [(path + ("tiers", i), t) for i, t in enumerate(progress.get("tiers") or ())]
    for where, tally in entries:
        if tally["restored"] > tally["total"]:
            problems.append(Problem(doc.loc(where + ("restored",)), f"restored ({tally['restored']}) is more than total "
                                    f"({tally['total']})", "check the figures against the report", ".".join(map(str, where))))
    tiers = progress.get("tiers") or ()
    if tiers and (sum(t["total"] for t in tiers), sum(t["restored"] for t in tiers)) != (progress["total"], progress["restored"]):
        problems.append(Problem(doc.loc(path + ("tiers",)), "the tiers do not add up to the overall figures",
                                f"the tiers sum to {sum(t['restored'] for t in tiers)} of {sum(t['total'] for t in tiers)}",
                                ".".join(map(str, path)), severity="warning"))
    return problems


def _check_maintenance(doc: Document, catalog: _Catalog | None) -> list[Problem]:
    data = doc.data
    starts, problems = _check_time(doc, ("starts",), data["starts"])
    ends, found = _check_time(doc, ("ends",), data["ends"])
    problems += found
    if starts is not None and ends is not None and ends <= starts:
        problems.append(Problem(doc.loc(("ends",)), "maintenance ends before it starts",
                                "'ends' must be later than 'starts'", "ends"))
    if catalog:
        for i, service in enumerate(data["services"]):
            problems += catalog.check(doc, ("services", i), service, "service")
    if data.get("body") is not None:
        problems += markdown_problems(doc, [(("body",), data["body"])], ("body",))
    return problems


def usable_id(ident: str) -> bool:
    """Whether a notice's file name (without `.yaml`) can be its id: the one rule for `check` and
    for the file `noticeboard new` is about to write."""
    return ID_PATTERN.fullmatch(ident) is not None and not is_reserved_name(ident)


def _check_file_ids(named: list[tuple[Path, str]]) -> list[Problem]:
    """File names become URLs, so they must be safe ids and unique."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    for path, name in named:
        ident = path.name.rsplit(".", 1)[0]
        folder = path.parent.name
        if not usable_id(ident):
            problems.append(Problem(Location(name), f"file name '{path.name}' cannot be used as an id",
                                    "rename it with lowercase letters a-z, digits and hyphens, like 2025-09-26-nirs-fire.yaml"))
        elif (folder, ident) in seen:
            problems.append(Problem(Location(name), f"'{ident}' is used by two files",
                                    f"rename one of {seen[(folder, ident)]} and {name}"))
        else:
            seen[(folder, ident)] = name
    return problems
