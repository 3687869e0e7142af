"""The words a theme shows (labels.yaml): language → key → text.

Pages read them through their theme, whose labels are the site's own theme folder's merged key by
key over the bundled default's; the machine outputs (feeds, API, badges) are written in the
bundled theme's words whatever theme the pages use, and are handed those by the build. Both load
them here, so they are read and checked the same way. A label key is never shown to a reader: a
theme that lacks a word in one of the site's languages is refused when it loads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.content.load import read_text
from generator.content.yamlfile import Document, LoadFailure, parse_yaml
from generator.errors import Location, Problem, ThemeError

LANGUAGE_FALLBACK = "en"


@dataclass(frozen=True)
class Labels:
    by_language: dict[str, dict[str, str]]
    shown: str = "labels.yaml"  # the file they came from, as problems name it

    def word(self, language: str, key: str) -> str:
        """The word for `key` in `language`, or in English for a language this theme does not
        speak (the machine outputs of a site in a language the bundled theme lacks)."""
        for lang in (language, LANGUAGE_FALLBACK):
            found = self.by_language.get(lang, {}).get(key)
            if found is not None:
                return found
        raise ThemeError([Problem(Location(self.shown), f"no word for the label '{key}' in '{language}'",
                                  "add it to this labels.yaml")])

    def of(self, language: str) -> dict[str, str]:
        """Every word in `language` (complete for every language the site lists; see `require`)."""
        return self.by_language.get(language, {})

    def keys(self) -> set[str]:
        return {key for words in self.by_language.values() for key in words}


def load_labels(path: Path, shown: str) -> Labels:
    """The labels in `path` (none if the file does not exist), `shown` as `shown` in problems;
    every problem of the file is reported at once."""
    if not path.is_file():
        return Labels({})
    try:
        doc = parse_yaml(read_text(path, shown), path, shown)
    except LoadFailure as exc:
        raise ThemeError([exc.problem]) from None
    problems = _shape_problems(doc)
    if problems:
        raise ThemeError(problems)
    return Labels({lang: dict(words) for lang, words in doc.data.items()}, shown)


def _shape_problems(doc: Document) -> list[Problem]:
    hint = "labels.yaml maps each language code to its words, e.g. ko: {home: 서비스 상태}"
    if not isinstance(doc.data, dict):
        return [Problem(doc.loc(()), "expected a mapping of language → labels", hint)]
    problems = []
    for lang, words in doc.data.items():
        if not isinstance(words, dict):
            problems.append(Problem(doc.loc((lang,)), f"'{lang}' should map label keys to words", hint))
            continue
        problems += [Problem(doc.loc((lang, key)), f"the label '{key}' in '{lang}' should be a text",
                             "quote it if YAML reads it as something else", f"{lang}.{key}")
                     for key, word in words.items() if not isinstance(word, str) or not isinstance(key, str)]
    return problems


def merged(layers: list[Labels]) -> Labels:
    """One theme's words from its layers, the first that has a word for a key in a language winning."""
    by_language: dict[str, dict[str, str]] = {}
    for layer in reversed(layers):
        for lang, words in layer.by_language.items():
            by_language.setdefault(lang, {}).update(words)
    return Labels(by_language, layers[0].shown if layers else "labels.yaml")


def require(labels: Labels, languages: Iterable[str], shown: str, hint: str) -> None:
    """Refuse a theme that lacks a word for any of its label keys in any of `languages`, naming
    each language's missing keys and the labels.yaml (`shown`) that should have them."""
    keys = labels.keys()
    problems = []
    for lang in languages:
        missing = sorted(keys - labels.of(lang).keys())
        if missing:
            problems.append(Problem(Location(shown), f"no '{lang}' word for the label"
                                    f"{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}",
                                    hint.format(language=lang)))
    if problems:
        raise ThemeError(problems)
