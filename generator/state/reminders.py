"""What the operator should look at again, given the time: notices dated ahead of now without
saying so (a typo hides them), and open incidents whose readers were promised news that is late.

In a crisis a day typo (the 15th for the 5th) or an hour typo (12 for 02) silently hides a
notice: the site just does not show it, and nothing looks wrong. These warnings say how far
ahead the time is and suggest the time the operator probably meant. A notice meant to appear
later says so (`scheduled: true`) and is listed as upcoming instead.

The model keeps no positions, so each warning names its file and field; `content/locate.py`
points it at the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from generator.content.model import Content, Incident
from generator.errors import Location, Problem
from generator.state.derive import IncidentState, Snapshot, implied_warnings


@dataclass(frozen=True)
class Upcoming:
    """Something the site will show by itself later: a scheduled incident or update."""

    at: datetime
    source: str
    what: str


def state_warnings(content: Content, snap: Snapshot) -> tuple[Problem, ...]:
    """Everything worth a second look at `now`: services shown down only through an upstream, notice
    times ahead of now, overdue updates."""
    return implied_warnings(content, snap) + time_warnings(content, snap)


def time_warnings(content: Content, snap: Snapshot) -> tuple[Problem, ...]:
    """Every notice time ahead of `now` that does not say it is meant to be, and every open incident
    whose next update is overdue."""
    tz = content.site.tz
    found = [problem for incident in content.incidents for problem in _ahead(incident, snap.now, tz)]
    found += [problem for state in snap.open_incidents for problem in _overdue(state, snap.now, content, tz)]
    return tuple(found)


def upcoming(content: Content, now: datetime) -> list[Upcoming]:
    """What notices dated after `now` will appear by themselves, and when, soonest first (those not
    marked `scheduled` are also warned about)."""
    found = [Upcoming(i.started, i.source, "incident") for i in content.incidents if i.started > now]
    found += [Upcoming(u.at, i.source, f"update {n + 1}") for i in content.incidents if i.started <= now
              for n, u in enumerate(i.updates) if u.at > now]
    return sorted(found, key=lambda item: (item.at, item.source))


def _ahead(incident: Incident, now: datetime, tz: ZoneInfo) -> Iterator[Problem]:
    if incident.started > now and not incident.scheduled:
        yield Problem(Location(incident.source), f"the incident starts {ahead(incident.started - now)} from now "
                      f"({local(incident.started, tz)}), so the site does not show it until then",
                      _hint(incident.started, now, None, tz), "started", severity="warning")
        return
    previous = incident.started
    for index, update in enumerate(incident.updates):
        if update.at > now and not update.scheduled:
            yield Problem(Location(incident.source), f"update {index + 1} is dated {ahead(update.at - now)} from now "
                          f"({local(update.at, tz)}), so its text is not shown until then",
                          _hint(update.at, now, previous, tz), f"updates.{index}.at", severity="warning")
        previous = update.at


def _overdue(state: IncidentState, now: datetime, content: Content, tz: ZoneInfo) -> Iterator[Problem]:
    """The last published update's promise, or the site's interval, has passed without a new one."""
    incident = state.incident
    if not state.visible_updates:
        return
    index = state.visible_updates - 1
    last = incident.updates[index]
    promised = last.next_update
    due = promised or last.at + timedelta(hours=content.site.update_every_hours)
    if now <= due:
        return
    why = (f"its last update promised the next by {local(promised, tz)}" if promised else
           f"its last update is {ahead(now - last.at)} old (update_every_hours: {content.site.update_every_hours:g})")
    yield Problem(Location(incident.source), f"the incident is open and {why}",
                  "post an update (noticeboard update), even to say nothing has changed yet, or resolve it",
                  f"updates.{index}.at", severity="warning")


def _hint(moment: datetime, now: datetime, previous: datetime | None, tz: ZoneInfo) -> str:
    """The time the operator probably meant, from the usual typos, and how to say it is on purpose."""
    guess = meant(moment, now, previous, tz)
    meant_text = f"did you mean {guess.astimezone(tz).isoformat(timespec='minutes')}? " if guess else ""
    return f"{meant_text}if it is meant to appear later, add `scheduled: true` beside it"


def meant(moment: datetime, now: datetime, previous: datetime | None, tz: ZoneInfo) -> datetime | None:
    """The latest of the usual slips that gives a time not after `now` (nor before `previous`): the
    same clock time today or yesterday (a day typo), one digit of the hour mistyped (12 for 02),
    twelve hours off (14 for 02)."""
    here, today = moment.astimezone(tz), now.astimezone(tz).date()
    days = [here.replace(year=day.year, month=day.month, day=day.day) for day in (today, today - timedelta(days=1))]
    candidates = days + [here - timedelta(hours=12)]
    candidates += [base.replace(hour=hour) for base in (here, days[0]) for hour in _one_digit_off(here.hour)]
    fitting = [c for c in candidates if c <= now and (previous is None or c >= previous)]
    return max(fitting, default=None)


def _one_digit_off(hour: int) -> list[int]:
    """Hours that differ from `hour` in one of its two digits."""
    tens, ones = divmod(hour, 10)
    found = {digit * 10 + ones for digit in range(3)} | {tens * 10 + digit for digit in range(10)}
    return sorted(h for h in found if h < 24 and h != hour)


def ahead(delta: timedelta) -> str:
    """A duration as an operator reads it: '9 days', '3 h 20 min', '35 min', '40 s'."""
    seconds = int(delta.total_seconds())
    if seconds >= 2 * 86_400:
        return f"{seconds // 86_400} days"
    if seconds >= 3_600:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat(timespec="minutes")
