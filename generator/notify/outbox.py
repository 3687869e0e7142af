"""The outbox: what each channel has been sent and what it is still owed, kept so that a run killed
at any moment loses nothing and sends at most the one message in flight twice.

It is a journal, one JSON record a line, appended and flushed to disk (fsync) before the step it
records: a message is written down as due before it is sent and marked sent after. A run killed
between sending and marking sends that one message again; a run killed while writing leaves a
torn last line, which the next run cuts off. A lock keeps two runs on one machine from sending
the same message. When the journal grows long it is rewritten as its current state, atomically.

Records: `known` (events the site has shown, with their revisions), `due` (a message owed to a
channel), `published` (a host verified the pages those messages link to), `sent`, `dropped`
(the page is gone, so the message would link nowhere) and `failed` (a channel could not be
reached; counts towards its backoff until it takes a message again).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from generator.errors import NoticeboardError
from generator.notify.messages import Message

JOURNAL = "journal.jsonl"
_LOCK = "lock"
_LOCK_WAIT = 60.0
_COMPACT_AFTER = 2000


class OutboxError(NoticeboardError):
    """The outbox can't be read, written or locked; the message says where."""


@dataclass(frozen=True)
class Due:
    """A message owed to a channel. `run` is the run that found it due: sent by a later run, it
    goes out marked late."""

    id: str
    channel: str
    event: str
    run: str
    recorded: float
    message: Message
    published: bool = False


@dataclass
class Outbox:
    folder: Path
    known: dict[str, str]
    pending: dict[str, Due]
    failures: dict[str, tuple[int, float]]
    seen_site: bool
    _file: Any = None
    _lines: int = 0

    def remember(self, events: dict[str, str]) -> None:
        """The site has shown these events (key → revision) and everyone due them has a record."""
        if events or not self.seen_site:
            self._append([{"op": "known", "events": events}])
            self.known.update(events)
        self.seen_site = True

    def owe(self, due: Iterable[Due]) -> None:
        found = list(due)
        self._append([{"op": "due", **asdict(d), "message": asdict(d.message)} for d in found])
        self.pending.update((d.id, d) for d in found)

    def publish(self, ids: Iterable[str]) -> None:
        found = [i for i in ids if i in self.pending and not self.pending[i].published]
        if found:
            self._append([{"op": "published", "ids": found}])
            for i in found:
                self.pending[i] = replace(self.pending[i], published=True)

    def sent(self, due: Due) -> None:
        self._append([{"op": "sent", "id": due.id, "at": time.time()}])
        self.pending.pop(due.id, None)
        self.failures.pop(due.channel, None)

    def drop(self, due: Due, why: str) -> None:
        self._append([{"op": "dropped", "id": due.id, "why": why}])
        self.pending.pop(due.id, None)

    def failed(self, channel: str, error: str) -> None:
        count = self.failures.get(channel, (0, 0.0))[0] + 1
        now = time.time()
        self._append([{"op": "failed", "channel": channel, "at": now, "error": error}])
        self.failures[channel] = (count, now)

    def _append(self, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode("utf-8")
        try:
            self._file.write(data)
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise OutboxError(f"cannot write the outbox {self.folder / JOURNAL}: {exc.strerror or exc}") from None
        self._lines += len(records)

    def compact(self, current: Iterable[str]) -> None:
        """Rewrite the journal as its state, keeping `known` only for the events the site still
        shows (older ones count as sent anyway, state/events.HORIZON)."""
        if self._lines < _COMPACT_AFTER:
            return
        keep = set(current)
        records: list[dict[str, Any]] = [{"op": "known", "events": {k: v for k, v in self.known.items() if k in keep}}]
        records += [{"op": "due", **asdict(d), "message": asdict(d.message)} for d in self.pending.values()]
        records += [{"op": "failed", "channel": c, "at": at, "error": "", "count": n}
                    for c, (n, at) in self.failures.items()]
        temporary = self.folder / f"{JOURNAL}.new"
        with open(temporary, "wb") as out:
            out.write("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.folder / JOURNAL)
        _sync_folder(self.folder)
        self._file.close()
        self._file = open(self.folder / JOURNAL, "ab")
        self._lines = len(records)


@contextmanager
def opened(folder: Path, dry_run: bool = False) -> Iterator[Outbox]:
    """The outbox in `folder` (made if missing), locked against other runs until the block ends;
    in a dry run a missing outbox is an empty one, and nothing is made."""
    if dry_run and not (folder / JOURNAL).exists():
        yield Outbox(folder, {}, {}, {}, seen_site=False)
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = open(folder / _LOCK, "a+b")
    except OSError as exc:
        raise OutboxError(f"cannot open the outbox {folder}: {exc.strerror or exc}") from None
    try:
        _lock(lock, folder)
        outbox = _read(folder)
        outbox._file = open(folder / JOURNAL, "ab")
        try:
            yield outbox
        finally:
            outbox._file.close()
    finally:
        lock.close()


def _lock(lock: Any, folder: Path) -> None:
    deadline = time.monotonic() + _LOCK_WAIT
    while True:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise OutboxError(f"another run is sending from the outbox {folder}; hint: wait for it to finish "
                                  "and run again") from None
            time.sleep(0.2)


def _read(folder: Path) -> Outbox:
    """Replay the journal; a torn last line (a run killed while writing it) is cut off first."""
    path = folder / JOURNAL
    raw = path.read_bytes() if path.exists() else b""
    if raw and not raw.endswith(b"\n"):
        raw = raw[: raw.rfind(b"\n") + 1]
        with open(path, "r+b") as torn:
            torn.truncate(len(raw))
    outbox = Outbox(folder, {}, {}, {}, seen_site=False)
    for line in raw.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        _replay(outbox, record)
        outbox._lines += 1
    return outbox


def _replay(outbox: Outbox, record: dict[str, Any]) -> None:
    op = record.get("op")
    if op == "known":
        outbox.known.update(record["events"])
        outbox.seen_site = True
    elif op == "due":
        fields = {k: v for k, v in record.items() if k != "op"}
        due = Due(**{**fields, "message": Message(**{**fields["message"], "pages": tuple(fields["message"]["pages"])})})
        outbox.pending[due.id] = due
    elif op == "published":
        for i in record["ids"]:
            if i in outbox.pending:
                outbox.pending[i] = replace(outbox.pending[i], published=True)
    elif op in ("sent", "dropped") and record["id"] in outbox.pending:
        due = outbox.pending.pop(record["id"])
        if op == "sent":
            outbox.failures.pop(due.channel, None)
    elif op == "failed":
        count = record.get("count") or outbox.failures.get(record["channel"], (0, 0.0))[0] + 1
        outbox.failures[record["channel"]] = (count, record["at"])


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
