"""The two things notify asks of the web: what the live site already shows, and a WebSub ping.

Both are plain HTTP to addresses from site.yaml, with short time-outs: a slow hub or an
unreachable site must never hold up the messages themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from generator.machine.events import PATH as EVENTS_PATH

TIMEOUT = 10.0
_AGENT = {"User-Agent": "Noticeboard"}


def live_events(base_url: str) -> dict[str, str] | None:
    """The events (key → revision) the published site lists, or None when it can't be read."""
    request = Request(base_url + EVENTS_PATH, headers={**_AGENT, "Cache-Control": "no-cache"})
    try:
        with urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 — base_url is checked to be http(s)
            document = json.loads(response.read())
    except (HTTPError, URLError, OSError, ValueError):
        return None
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, dict):
        return None
    return {str(k): str(v) for k, v in events.items()}


def ping_hub(hub: str, topics: Iterable[str]) -> str:
    """Tell the WebSub hub these feeds changed; '' when it took the ping, else why not."""
    data = urlencode([("hub.mode", "publish"), *(("hub.url", topic) for topic in topics)]).encode("ascii")
    request = Request(hub, data=data, headers={**_AGENT, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 — the hub is checked to be http(s)
            status = response.status
    except HTTPError as exc:
        return f"the hub answered {exc.code} {exc.reason}"
    except (URLError, OSError) as exc:
        return f"the hub could not be reached ({getattr(exc, 'reason', exc)})"
    return "" if 200 <= status < 300 else f"the hub answered {status}"
