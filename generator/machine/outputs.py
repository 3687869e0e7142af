"""Files the site carries besides its HTML pages: feeds, the JSON API, calendars, badges, host conventions.

Each producer is a plain function of one `Derived` (the model, its views and the words outputs
are written in) → {path: bytes}. They are listed here, in one place, so the build, the preview's
incremental rebuild and the deploy all see the same set of outputs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from generator.machine import api, badges, events, feeds, ical, sitemap
from generator.machine.derived import Derived, Memo
from generator.machine.hosting import host_files

Producer = Callable[[Derived], dict[str, bytes]]
PRODUCERS: tuple[Producer, ...] = (host_files, api.produce, feeds.produce, ical.produce, badges.produce,
                                   sitemap.produce, events.produce)


def produce_all(model: Derived, put: Callable[[str, bytes], None]) -> None:
    """Every machine output of `model`, each handed to `put`."""
    for produce in PRODUCERS:
        for path, data in produce(model).items():
            put(path, data)


def output_tasks(model: Callable[[], Derived], put: Callable[[str, bytes], None],
                 kept: Callable[[str], bool]) -> deque[Callable[[], None]]:
    """The machine outputs as tasks, one per producer, for a build to run beside its page
    rendering. Their `Derived` is made by the first task (`model`): made before the renderer's
    gc.freeze(), its memo (which holds itself) would never be collected. A build makes each output
    once, so what one producer kept in the memo is let go before the next (the feeds' 100 MB at
    50,000 incidents, beside the sitemap's). A producer may still make an output the build kept
    from the last one (one of a service's feeds was missing, say): `kept` says so, and it stays."""
    made: list[Derived] = []

    def task(produce: Producer) -> Callable[[], None]:
        def run() -> None:
            if not made:
                made.append(model())
            for path, data in produce(made[0]).items():
                if not kept(path):
                    put(path, data)
            made[0].memo = Memo()
        return run

    return deque(task(produce) for produce in PRODUCERS)

