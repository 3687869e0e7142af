"""The words a theme shows (labels.yaml): language → key → text, with English as the fallback.

Pages read them through their theme; the machine outputs (feeds, API, badges) are written in the
bundled theme's words whatever theme the pages use, and are handed those by the build. Both load
them here, so they are read and checked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.content.load import read_text
from generator.content.yamlfile import parse_yaml
from generator.errors import NoticeboardError


class LabelsError(NoticeboardError):
    """A theme's labels.yaml is broken; the message names the file."""


@dataclass(frozen=True)
class Labels:
    by_language: dict[str, dict[str, str]]

    def word(self, language: str, key: str) -> str:
        for lang in (language, "en"):
            found = self.by_language.get(lang, {}).get(key)
            if found is not None:
                return found
        return key

    def of(self, language: str) -> dict[str, str]:
        """Every word in `language`, English where it has none."""
        return {**self.by_language.get("en", {}), **self.by_language.get(language, {})}


def load_labels(path: Path) -> Labels:
    """The labels in `path`; none when the theme has no labels.yaml."""
    if not path.is_file():
        return Labels({})
    doc = parse_yaml(read_text(path, str(path)), path, str(path))
    if not isinstance(doc.data, dict):
        raise LabelsError(f"{path}: expected a mapping of language → labels")
    return Labels({str(lang): {str(k): str(v) for k, v in words.items()} for lang, words in doc.data.items()})
