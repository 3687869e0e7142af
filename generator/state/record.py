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
from generator.state.reads import MISSING, Fact, last_step, resolve, split

Identity = tuple[Any, ...]  # what makes a page the same page besides its path (site/reuse.identity)
_UNSEEN = object()
_PENDING = b"pending"  # a fact's fingerprint not taken yet (fingerprints are 16 bytes)


class Record:
    """Which facts the pages of one view read, each fact's fingerprint, and each page's identity.

    In memory the record also keeps the value each fact had, so that the same object found again
    (the preview's model keeps what an edit did not touch), or an equal one (a service's state
    made again), needs no new fingerprint; only the fingerprints are saved. A dict is never taken
    as unchanged for being equal: pages see its order, which equality ignores."""

    def __init__(self) -> None:
        self._facts: list[Fact] = []
        self._prints: list[Print | None] = []
        self._values: list[Any] = []
        self._index: dict[Fact, int] = {}
        self._pages: dict[str, tuple[Identity, tuple[int, ...]]] = {}
        self._groups: dict[tuple[Fact, str], list[tuple[int, Fact]]] | None = None

    def holds(self, path: str, identity: Identity) -> bool:
        """Whether `path` was recorded as the same page (its template and own variables, `identity`)."""
        found = self._pages.get(path)
        return found is not None and found[0] == identity

    def add(self, path: str, identity: Identity, facts: Iterable[Fact], seen: tuple[dict[Fact, Any], Prints] | None = None) -> None:
        """Note the facts the page at `path` read as it was rendered, in place of what it read
        before. A fact read for the first time has no fingerprint yet: `settle` takes it, or, when
        the values the page saw are at hand (`seen`, with the fingerprints to take), it is taken now."""
        numbers = []
        for fact in facts:
            number = self._index.get(fact)
            if number is None:
                number = self._index[fact] = len(self._facts)
                self._facts.append(fact)
                self._group(number, fact)
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
        for number, value in self._resolve(shared, lambda number: self._prints[number] is _PENDING):
            self._prints[number], self._values[number] = fingerprint(value, prints), value

    def stale(self, shared: dict[str, Any], prints: Prints) -> set[str]:
        """Pages that read a fact whose value has another fingerprint in `shared` (a newer build's
        context). Each fact's new fingerprint is kept, since the pages that stay read the same."""
        changed: set[int] = set()
        values, recorded = self._values, self._prints
        for parent, kind, members in self._parents(shared):
            if kind == "key" and type(parent) is dict:  # most facts: a dict's key, looked up right here
                found = [(number, parent.get(step[1], MISSING)) for number, step in members]
            else:
                last = last_step(parent, kind)
                found = [(number, last(step)) for number, step in members]
            for number, value in found:
                before = values[number]
                if value is before or (type(value) is type(before) and type(value) is not dict and value == before):
                    values[number] = value
                    continue
                after = fingerprint(value, prints)
                if after is None or after != recorded[number]:
                    changed.add(number)
                recorded[number], values[number] = after, value
        if not changed:
            return set()
        return {path for path, (_, numbers) in self._pages.items() if not changed.isdisjoint(numbers)}

    def _parents(self, shared: dict[str, Any]) -> Iterator[tuple[Any, str, list[tuple[int, Fact]]]]:
        """Each parent the facts are read from, resolved in `shared`, with the kind of their last
        step and the facts (numbered) read from it: facts are kept grouped by the path to their
        parent, so each parent is resolved once and then only the last steps are taken, in a
        tight loop (this runs on every save in the preview)."""
        if self._groups is None:
            self._groups = {}
            for number, fact in enumerate(self._facts):
                self._group(number, fact)
        for (prefix, kind), members in self._groups.items():
            yield (resolve(shared, prefix) if prefix else shared), kind, members

    def _resolve(self, shared: dict[str, Any], which: Callable[[int], bool]) -> Iterator[tuple[int, Any]]:
        """The number and value in `shared` of each fact `which` picks."""
        for parent, kind, members in self._parents(shared):
            last = last_step(parent, kind)
            yield from ((number, last(step)) for number, step in members if which(number))

    def _group(self, number: int, fact: Fact) -> None:
        if self._groups is not None:
            prefix, step = split(fact)
            self._groups.setdefault((prefix, step[0]), []).append((number, step))

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
        self._groups = None

    def __getstate__(self) -> tuple[Any, ...]:
        return self._facts, self._prints, self._pages

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._facts, self._prints, self._pages = state
        self._values = [_UNSEEN] * len(self._facts)
        self._index = {fact: number for number, fact in enumerate(self._facts)}
        self._groups = None


def fingerprint(value: Any, prints: Prints) -> Print | None:
    """`prints.of(value)`, or None for a value that has none (whatever read it is always made again)."""
    try:
        return prints.of(value)
    except Unprintable:
        return None
