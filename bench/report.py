"""The benchmark's table: one per size, as Markdown so it reads in a terminal and pastes into docs."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.measure import Figure

HEADER = ("measurement", "ours wall", "ours CPU", "Hugo wall", "Hugo CPU", "ours/Hugo", "target", "met")


@dataclass(frozen=True)
class Row:
    """One measurement; `memory` rows show bytes (largest process RSS, all-process PSS) instead of seconds.

    A target is an upper bound, met when the median is at most `target` (seconds, or bytes for a
    memory row) or, with `versus`, when ours is at most that many times Hugo's in the same run."""

    label: str
    figures: dict[str, Figure] = field(default_factory=dict)
    target: float | None = None
    memory: bool = False
    versus: float | None = None

    def cells(self) -> tuple[str, ...]:
        ours, hugo = self.figures.get("ours"), self.figures.get("hugo")
        if self.memory:
            return (self.label, *_memory(ours), *_memory(hugo), _ratio(ours, hugo, "tree_pss"),
                    f"≤ {_bytes(self.target)}" if self.target else "",
                    _met(ours.tree_pss if ours else None, self.target))
        if self.versus is not None:
            ratio = _ratio(ours, hugo, "wall")
            return (self.label, _seconds(ours.wall if ours else None), _seconds(ours.cpu if ours else None),
                    _seconds(hugo.wall if hugo else None), _seconds(hugo.cpu if hugo else None), ratio,
                    f"≤ {self.versus:g}× Hugo", _met(float(ratio) if ratio else None, self.versus))
        return (self.label, _seconds(ours.wall if ours else None), _seconds(ours.cpu if ours else None),
                _seconds(hugo.wall if hugo else None), _seconds(hugo.cpu if hugo else None),
                _ratio(ours, hugo, "wall"), f"≤ {self.target:g} s" if self.target else "",
                _met(ours.wall if ours else None, self.target))


def print_table(incidents: int, rows: list[Row], notes: dict[str, str], runs: int) -> None:
    print(f"\n### {incidents:,} incidents (median of {runs} run{'s' if runs != 1 else ''})\n")
    lines = [HEADER, tuple("-" * len(h) for h in HEADER)]
    lines += [row.cells() for row in rows if row.figures]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    for line in lines:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths)) + " |")
    print()
    for name, note in notes.items():
        print(f"- {name}: {note}")
    print(flush=True)


def _seconds(value: float | None) -> str:
    if value is None or value == 0.0:
        return "–"
    return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"


def _memory(figure: Figure | None) -> tuple[str, str]:
    """(largest process RSS, all processes PSS), shown in the wall and CPU columns."""
    if figure is None:
        return "–", "–"
    return f"RSS {_bytes(figure.max_rss)}", f"PSS {_bytes(figure.tree_pss)}"


def _bytes(value: float) -> str:
    return f"{value / 2**20:,.0f} MiB"


def _ratio(ours: Figure | None, hugo: Figure | None, attribute: str) -> str:
    if ours is None or hugo is None or not getattr(hugo, attribute):
        return ""
    return f"{getattr(ours, attribute) / getattr(hugo, attribute):.2f}"


def _met(value: float | None, target: float | None) -> str:
    if value is None or target is None:
        return ""
    return "yes" if value <= target else "NO"
