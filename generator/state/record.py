"""The one record of what each page read, which decides what must be rendered again.

Both `build` and the preview keep one per view: the preview in memory between saves, a build on
disk beside its output (output/record.py) for the next build. A page is taken from the last
build (or kept in the preview's memory) only when it is the same page (template and its own
variables) and every fact it read (reads.py) has the same fingerprint (fingerprint.py) in the
new build's context; there are no rules about what a template may show, so a theme that shows
more than the default one is still never served stale.

The record is a table of facts, each with its fingerprint, and for each page the numbers of the
facts it read. Checking it resolves every fact once, however many pages read it (all 20,000
pages read `site`; each incident page reads its own incident's state), and then finds the pages
that read a changed one. Kept as plain lists and tuples, it is saved and read back at the speed
of pickle's C code: at 10,000 incidents it holds about 40,000 facts and 24,000 pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from generator.state.fingerprint import Print, Prints, Unprintable
from generator.state.reads import Fact, last_step, resolve, split

_UNSEEN = object()
_PENDING = b"pending"  # a fact's fingerprint not taken yet (fingerprints are 16 bytes)


class Record:
    """Which facts the pages of one view read, each fact's fingerprint, and each page's identity.

    In memory the record also keeps the value each fact had, so that the same object found again
    (the preview's model keeps what an edit did not touch) needs no new fingerprint; only the
    fingerprints are saved."""

    def __init__(self) -> None:
        self._facts: list[Fact] = []
        self._prints: list[Print | None] = []
        self._values: list[Any] = []
        self._index: dict[Fact, int] = {}
        self._pages: dict[str, tuple[str, tuple[int, ...]]] = {}

    def holds(self, path: str, identity: str) -> bool:
        """Whether `path` was recorded as the same page (its template and own variables, `identity`)."""
        found = self._pages.get(path)
        return found is not None and found[0] == identity

    def add(self, path: str, identity: str, facts: Iterable[Fact], seen: tuple[dict[Fact, Any], Prints] | None = None) -> None:
        """Note the facts the page at `path` read as it was rendered, in place of what it read
        before. A fact read for the first time has no fingerprint yet: `settle` takes it, or, when
        the values the page saw are at hand (`seen`, with the fingerprints to take), it is taken now."""
        numbers = []
        for fact in facts:
            number = self._index.get(fact)
            if number is None:
                number = self._index[fact] = len(self._facts)
                self._facts.append(fact)
                if seen is None:
                    self._prints.append(_PENDING)
                    self._values.append(_UNSEEN)
                else:
                    self._prints.append(fingerprint(seen[0][fact], seen[1]))
                    self._values.append(seen[0][fact])
            numbers.append(number)
        self._pages[path] = (identity, tuple(numbers))

    def settle(self, shared: dict[str, Any], prints: Prints) -> None:
        """Take the fingerprint, in `shared` (the context the pages were rendered from), of each
        fact added since the last check."""
        pending = [number for number, print_ in enumerate(self._prints) if print_ is _PENDING]
        for number, value in zip(pending, self._resolve(shared, [self._facts[n] for n in pending]), strict=True):
            self._prints[number], self._values[number] = fingerprint(value, prints), value

    def stale(self, shared: dict[str, Any], prints: Prints) -> set[str]:
        """Pages that read a fact whose value has another fingerprint in `shared` (a newer build's
        context). Each fact's new fingerprint is kept, since the pages that stay read the same."""
        changed: set[int] = set()
        for number, value in enumerate(self._resolve(shared, self._facts)):
            if value is self._values[number]:
                continue
            after = fingerprint(value, prints)
            if after is None or after != self._prints[number]:
                changed.add(number)
            self._prints[number], self._values[number] = after, value
        if not changed:
            return set()
        return {path for path, (_, numbers) in self._pages.items() if not changed.isdisjoint(numbers)}

    @staticmethod
    def _resolve(shared: dict[str, Any], facts: Iterable[Fact]) -> Iterator[Any]:
        """The value of each fact in `shared`, each shared path to a parent resolved once."""
        steps: dict[tuple[Fact, str], Callable[[Fact], Any]] = {}
        for fact in facts:
            prefix, step = split(fact)
            last = steps.get((prefix, step[0]))
            if last is None:
                last = steps[(prefix, step[0])] = last_step(resolve(shared, prefix) if prefix else shared, step[0])
            yield last(step)

    def forget(self, path: str) -> None:
        """A page that will render again (or is gone) no longer reads what it read."""
        self._pages.pop(path, None)

    def keep_only(self, paths: Iterable[str]) -> None:
        """Forget every page but `paths` (the pages the site has now), and the facts no page reads any more."""
        wanted = set(paths)
        self._pages = {path: found for path, found in self._pages.items() if path in wanted}
        used = set().union(*(numbers for _, numbers in self._pages.values()))
        if len(used) < len(self._facts):
            self._compact(used)

    def _compact(self, used: set[int]) -> None:
        renumbered = {old: new for new, old in enumerate(sorted(used))}
        self._facts = [self._facts[old] for old in sorted(used)]
        self._prints = [self._prints[old] for old in sorted(used)]
        self._values = [self._values[old] for old in sorted(used)]
        self._index = {fact: number for number, fact in enumerate(self._facts)}
        self._pages = {path: (identity, tuple(renumbered[n] for n in numbers))
                       for path, (identity, numbers) in self._pages.items()}

    def __getstate__(self) -> tuple[Any, ...]:
        return self._facts, self._prints, self._pages

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._facts, self._prints, self._pages = state
        self._values = [_UNSEEN] * len(self._facts)
        self._index = {fact: number for number, fact in enumerate(self._facts)}


def fingerprint(value: Any, prints: Prints) -> Print | None:
    """`prints.of(value)`, or None for a value that has none (whatever read it is always made again)."""
    try:
        return prints.of(value)
    except Unprintable:
        return None
