"""Stage 2, validate (meaning): what a schema cannot see — ids that must exist, time order, languages.

Runs on every document that parsed, whatever its structure: a bad status in a file must not hide
an unknown service id in the same file until it is fixed. So no check may assume the schema
held: each looks at the type of what it reads and passes over what is not what it expects (the
schema's problems already say what is wrong there).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.clock import YEARS, parse_time, time_problem
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
_SETTINGS = frozenset({"deploy", "notify"})  # site.yaml's sections of ids and addresses: no texts
# Letters that render as nothing: the Hangul fillers and the blank Braille pattern.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
RESERVED_FOLDERS = {"incidents", "services", "maintenance", "assets", "api", "feeds", "badges", "history", "alternatives",
                    "index", "widget", "404"}


def check_references(files: ContentFiles, parsed: dict[str, list[Document]],
                     unsound: frozenset[tuple[str, str]] = frozenset()) -> list[Problem]:
    """Cross-file problems of every document in `parsed`, whatever its structure; `unsound` names
    the (file, field) pairs the schema found wrong, for the checks that need a whole part sound."""
    problems: list[Problem] = []
    site = parsed["site"][0] if parsed["site"] else None
    services = parsed["services"][0] if parsed["services"] else None
    languages = _languages(site) if site and _sound(site, "languages", unsound) else []
    if site:
        problems += _check_site(site, languages, unsound)
    if languages:
        for doc in [*parsed["site"], *parsed["services"], *parsed["incidents"], *parsed["maintenance"]]:
            problems += _check_languages(doc, languages)
    catalog = _Catalog(services, _affiliates(site), problems) if services else None
    known = catalog if catalog is not None and catalog.complete else None
    if site and known and _sound(site, "notify", unsound):
        problems += _check_channels(site, known)
    for doc in parsed["incidents"]:
        problems += _check_incident(doc, known)
    for doc in parsed["maintenance"]:
        problems += _check_maintenance(doc, known)
    problems += _check_file_ids(files.names("incidents") + files.names("maintenance"))
    return problems


def _mapping(value: Any) -> dict[Any, Any]:
    """`value` if it is a mapping, else an empty one: what a check reads in a document the schema
    may have refused."""
    return value if isinstance(value, dict) else {}


def _entries(value: Any) -> list[Any]:
    """`value` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def _ids(entries: list[tuple[KeyPath, Any]]) -> list[tuple[KeyPath, str]]:
    """The entries whose id is a text; the schema reports the others."""
    return [(path, value) for path, value in entries if isinstance(value, str)]


def _markdown(entries: list[tuple[KeyPath, Any]]) -> list[tuple[KeyPath, Any]]:
    """The Markdown among `entries`: a text, or the texts of a text per language; the schema
    reports anything else (a body that is a number must not stop the other checks)."""
    found: list[tuple[KeyPath, Any]] = []
    for path, value in entries:
        if isinstance(value, str):
            found.append((path, value))
        elif isinstance(value, dict):
            found.append((path, {lang: text for lang, text in value.items()
                                 if isinstance(lang, str) and isinstance(text, str)}))
    return found


def _sound(doc: Document, key: str, unsound: frozenset[tuple[str, str]]) -> bool:
    """Whether the schema found nothing wrong with `key` of `doc` (nor with the whole file): a part
    every other file is checked against must be right, or one typo there would flag them all."""
    return not any(name == doc.name and (field in ("", key) or field.startswith(key + "."))
                   for name, field in unsound)


def _languages(site: Document) -> list[str]:
    """The site's languages, or none when site.yaml does not list them as texts."""
    listed = _mapping(site.data).get("languages")
    if not isinstance(listed, list) or not listed or not all(isinstance(lang, str) for lang in listed):
        return []
    return listed


def _affiliates(site: Document | None) -> set[str] | None:
    """The affiliate ids, or None when they can't all be told (a group's affiliate is then not checked)."""
    if site is None:
        return None
    listed = _mapping(site.data).get("affiliates") or []
    if not isinstance(listed, list):
        return None
    ids = [_mapping(entry).get("id") for entry in listed]
    known = [i for i in ids if isinstance(i, str)]
    return set(known) if len(known) == len(ids) else None


def _check_site(doc: Document, languages: list[str], unsound: frozenset[tuple[str, str]]) -> list[Problem]:
    problems = []
    data = _mapping(doc.data)
    zone = data.get("timezone")
    try:
        if isinstance(zone, str):
            ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Problem(doc.loc(("timezone",)), f"unknown time zone '{zone}'",
                                "use an IANA name such as Asia/Seoul", "timezone"))
    affiliates = _ids([(("affiliates", i, "id"), _mapping(a).get("id"))
                       for i, a in enumerate(_entries(data.get("affiliates")))])
    problems += _duplicates(doc, affiliates)
    taken = RESERVED_FOLDERS | set(languages)
    problems += _reserved_names(doc, affiliates)
    for path, ident in affiliates:
        if ident in taken:
            problems.append(Problem(doc.loc(path), f"affiliate id '{ident}' is taken",
                                    f"its section would clash with the site's own folder; avoid {', '.join(sorted(taken))}",
                                    ".".join(map(str, path))))
    if isinstance(doc.data, dict) and _sound(doc, "deploy", unsound):
        problems += deploy_problems(doc)
    if isinstance(doc.data, dict) and _sound(doc, "notify", unsound):
        problems += notify_problems(doc)
    return problems


def _check_channels(doc: Document, catalog: _Catalog) -> list[Problem]:
    """The services and upstreams each notification channel follows exist (site.yaml's `notify:`
    is sound when this runs)."""
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
    """Every translatable text in a document, found by the keys that hold texts (but in site.yaml's
    `deploy:` and `notify:`, where a `name` is an id, not a text to translate)."""
    found: list[tuple[KeyPath, Any]] = []
    if isinstance(data, dict) and not _SETTINGS.isdisjoint(data):
        data = {key: value for key, value in data.items() if key not in _SETTINGS}
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
                                        ".".join(map(str, path + (lang,)))))
    return problems


def _untranslated(doc: Document, path: KeyPath, text: Any, languages: list[str]) -> list[Problem]:
    """A warning for each of the site's other languages a text lacks: its readers would get the
    default language's text (marked as such, so a screen reader pronounces it right, but still
    not theirs). A plain string counts as the default language's text alone."""
    default = languages[0]
    given = text if isinstance(text, dict) else {default: text}
    missing = [lang for lang in languages[1:] if lang not in given]
    if default not in given or not missing:
        return []  # no default text is an error of its own
    words = [p for p in path if isinstance(p, str)]
    what = words[-1] if words else "text"
    hint = (f"add '{{lang}}: …' beside '{default}:'" if isinstance(text, dict) else
            f"write it as a mapping with a line for each language: '{default}: …' and '{{lang}}: …'")
    return [Problem(doc.loc(path), f"{what} has no '{lang}' text, so '{lang}' pages show the '{default}' one",
                    hint.format(lang=lang), ".".join(map(str, path)), severity="warning")
            for lang in missing]


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
    """Ids known from services.yaml, with duplicates, unknown dependencies and cycles reported on the way.

    `complete` says whether every upstream and service could be told by its id: only then is an id
    missing from the lists unknown for sure. A services.yaml the schema refused may have lost some
    (a misspelt `groups:`), and every notice naming them would be reported as naming a stranger."""

    def __init__(self, doc: Document, affiliates: set[str] | None, problems: list[Problem]) -> None:
        data = _mapping(doc.data)
        upstreams = [(("upstreams", i, "id"), _mapping(u).get("id"))
                     for i, u in enumerate(_entries(data.get("upstreams")))]
        groups = [(gi, _mapping(g)) for gi, g in enumerate(_entries(data.get("groups")))]
        services = [(("groups", gi, "services", si, "id"), _mapping(s).get("id"), _mapping(s))
                    for gi, group in groups for si, s in enumerate(_entries(group.get("services")))]
        self.upstreams = [ident for _, ident in _ids(upstreams)]
        self.services = [ident for _, ident in _ids([(path, ident) for path, ident, _ in services])]
        self.complete = (isinstance(data.get("groups"), list) and isinstance(data.get("upstreams") or [], list)
                         and all(isinstance(group.get("services"), list) for _, group in groups)
                         and len(self.upstreams) == len(upstreams) and len(self.services) == len(services))
        entries = _ids(upstreams) + _ids([(("groups", gi, "id"), group.get("id")) for gi, group in groups])
        entries += _ids([(path, ident) for path, ident, _ in services])
        problems += _duplicates(doc, entries) + _reserved_names(doc, entries)
        known = self.upstreams + self.services
        # Looked up for every id of every notice: a set each, not a list scanned from the start.
        self.known = {"service": set(self.services), "upstream": set(self.upstreams), "any": set(known)}
        for gi, group in groups:
            affiliate = group.get("affiliate")
            if affiliates is not None and isinstance(affiliate, str) and affiliate and affiliate not in affiliates:
                problems.append(_unknown(doc, ("groups", gi, "affiliate"), affiliate, sorted(affiliates), "affiliate"))
        for path, _, service in services if self.complete else ():
            for di, dep in enumerate(_entries(service.get("depends_on"))):
                if isinstance(dep, str) and dep not in known:
                    problems.append(_unknown(doc, path[:-1] + ("depends_on", di), dep, known, "id"))
        problems += _cycles(doc, services)

    def check(self, doc: Document, path: KeyPath, value: str, kind: str) -> list[Problem]:
        if value in self.known[kind]:
            return []
        pool = {"service": self.services, "upstream": self.upstreams, "any": self.services + self.upstreams}[kind]
        word = {"service": "service", "upstream": "upstream system", "any": "service or upstream"}[kind]
        if kind == "service" and value in self.upstreams:
            return [Problem(doc.loc(path), f"unknown service '{value}'",
                            f"'{value}' is an upstream system: write 'upstream: {value}' instead", ".".join(map(str, path)))]
        return [_unknown(doc, path, value, pool, word)]


def _unknown(doc: Document, path: KeyPath, value: str, pool: list[str], word: str) -> Problem:
    hint = did_you_mean(value, pool) if pool else "declare it in services.yaml first"
    return Problem(doc.loc(path), f"unknown {word} '{value}'", f"{hint} (ids come from services.yaml)", ".".join(map(str, path)))


def _cycles(doc: Document, services: list[tuple[KeyPath, Any, dict[Any, Any]]]) -> list[Problem]:
    """A service that depends on itself, directly or through others, can never be derived sanely."""
    graph: dict[str, list[str]] = {}
    where: dict[str, KeyPath] = {}
    for path, ident, service in services:
        if isinstance(ident, str):
            graph[ident] = [dep for dep in _entries(service.get("depends_on")) if isinstance(dep, str)]
            where[ident] = path[:-1] + ("depends_on",)
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


def _check_time(doc: Document, path: KeyPath, value: Any) -> tuple[Any, list[Problem]]:
    """The time at `path`, or None with the problem (none if it isn't a text: the schema says so)."""
    if not isinstance(value, str):
        return None, []
    parsed = parse_time(value)
    if parsed is None:
        message, hint = time_problem(value)
        return None, [Problem(doc.loc(path), message, hint, ".".join(map(str, path)))]
    if parsed.year not in YEARS:
        return None, [Problem(doc.loc(path), f"'{value}' is outside the years {YEARS.start}–{YEARS.stop - 1}",
                              "check the year", ".".join(map(str, path)))]
    return parsed, []


def _check_incident(doc: Document, catalog: _Catalog | None) -> list[Problem]:
    data = _mapping(doc.data)
    started, problems = _check_time(doc, ("started",), data.get("started"))
    upstream = _mapping(data.get("cause")).get("upstream")
    if catalog and isinstance(upstream, str) and upstream:
        problems += catalog.check(doc, ("cause", "upstream"), upstream, "upstream")
    affected = enumerate(map(_mapping, _entries(data.get("affected"))))
    targets = _ids([(("affected", i, kind), entry[kind]) for i, entry in affected
                    for kind in ("service", "upstream") if kind in entry])
    if catalog:
        for path, target in targets:
            problems += catalog.check(doc, path, target, str(path[-1]))
    problems += [_relabel(p, "is listed twice in affected") for p in _duplicates(doc, targets)]
    problems += _check_updates(doc, catalog, started)
    updates = enumerate(map(_mapping, _entries(data.get("updates"))))
    problems += markdown_problems(doc, _markdown([(("updates", i, "body"), u.get("body")) for i, u in updates]),
                                  ("updates",))
    return problems


def _relabel(problem: Problem, what: str) -> Problem:
    name = problem.message.split("'")[1]
    return Problem(problem.location, f"'{name}' {what}", "merge the two entries into one", problem.field)


def _check_updates(doc: Document, catalog: _Catalog | None, started: Any) -> list[Problem]:
    problems: list[Problem] = []
    previous = None
    for i, update in enumerate(map(_mapping, _entries(_mapping(doc.data).get("updates")))):
        at, found = _check_time(doc, ("updates", i, "at"), update.get("at"))
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
            for target in _mapping(update.get("services")):
                if isinstance(target, str):
                    problems += catalog.check(doc, ("updates", i, "services", target), target, "any")
    return problems


def _check_promise(doc: Document, index: int, at: Any, promised: Any) -> list[Problem]:
    """A next update promised before the update that promises it was posted is a typo."""
    path = ("updates", index, "next_update")
    when, problems = _check_time(doc, path, promised)
    if when is not None and at is not None and when <= at:
        problems.append(Problem(doc.loc(path), "the next update is promised before this update was posted",
                                f"this update is dated {doc.data['updates'][index]['at']}; give a later time",
                                f"updates.{index}.next_update"))
    return problems


def _check_progress(doc: Document, path: KeyPath, progress: Any) -> list[Problem]:
    """A tally that restores more than it has, or tiers that don't add up, would mislead readers."""
    overall = _tally(progress)
    if overall is None:
        return []
    problems = []
    tiers = [(path + ("tiers", i), _tally(t)) for i, t in enumerate(_entries(progress.get("tiers")))]
    for where, tally in [(path, overall), *tiers]:
        if tally is not None and tally[0] > tally[1]:
            problems.append(Problem(doc.loc(where + ("restored",)), f"restored ({tally[0]}) is more than total "
                                    f"({tally[1]})", "check the figures against the report", ".".join(map(str, where))))
    counted = [tally for _, tally in tiers if tally is not None]
    if tiers and len(counted) == len(tiers) and (sum(t[0] for t in counted), sum(t[1] for t in counted)) != overall:
        problems.append(Problem(doc.loc(path + ("tiers",)), "the tiers do not add up to the overall figures",
                                f"the tiers sum to {sum(t[0] for t in counted)} of {sum(t[1] for t in counted)}",
                                ".".join(map(str, path)), severity="warning"))
    return problems


def _tally(value: Any) -> tuple[int, int] | None:
    """A progress report's (restored, total), or None unless both are whole numbers."""
    figures = _mapping(value).get("restored"), _mapping(value).get("total")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in figures):
        return None
    return figures  # type: ignore[return-value]


def _check_maintenance(doc: Document, catalog: _Catalog | None) -> list[Problem]:
    data = _mapping(doc.data)
    starts, problems = _check_time(doc, ("starts",), data.get("starts"))
    ends, found = _check_time(doc, ("ends",), data.get("ends"))
    problems += found
    if starts is not None and ends is not None and ends <= starts:
        problems.append(Problem(doc.loc(("ends",)), "maintenance ends before it starts",
                                "'ends' must be later than 'starts'", "ends"))
    if catalog:
        for path, service in _ids([(("services", i), s) for i, s in enumerate(_entries(data.get("services")))]):
            problems += catalog.check(doc, path, service, "service")
    problems += markdown_problems(doc, _markdown([(("body",), data.get("body"))]), ("body",))
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
