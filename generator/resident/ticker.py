"""The preview's clock: without `--now`, the site it serves follows the time.

Pages state only the times of notices (when the status last changed), so the site changes by
itself only at known moments: an update or incident coming due, a maintenance window opening or
closing, a resolved incident leaving the recent lists (state/timeline.py). The ticker sleeps
until the next such moment and then asks for a rebuild, which reloads the open tabs, exactly
then: a notice typed a minute ahead appears when its minute comes, without another save.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

# Sleep at most this long at a time: a suspended laptop's clock jumps, and a wait computed
# before the jump would oversleep the moment.
LONGEST_WAIT = 60.0


class Ticker:
    """Calls `due()` once the clock reaches the moment last `arm`ed (again after each call, as
    `due` re-arms it with the next moment). Runs in a thread of its own until `stop`."""

    def __init__(self, clock: Callable[[], datetime], due: Callable[[], None]) -> None:
        self._clock, self._due = clock, due
        self._moment: datetime | None = None
        self._changed = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="noticeboard-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def arm(self, moment: datetime | None) -> None:
        """Wake at `moment` (None: nothing is due; sleep until armed again)."""
        with self._changed:
            self._moment = moment
            self._changed.notify()

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._stopped and not self._is_due():
                    self._changed.wait(self._wait())
                if self._stopped:
                    return
                self._moment = None
            self._due()

    def _is_due(self) -> bool:
        return self._moment is not None and self._clock() >= self._moment

    def _wait(self) -> float | None:
        if self._moment is None:
            return None
        return min(LONGEST_WAIT, max(0.0, (self._moment - self._clock()).total_seconds()))
