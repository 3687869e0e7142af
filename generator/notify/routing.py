"""Which channels want which events: the affiliates, services and upstreams a channel follows,
the least impact it cares about, and whether it takes maintenance windows.

Following an affiliate means what its section of the site shows: its services, and incidents at
the upstreams they rely on; following an upstream takes in the services relying on it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.content.model import IMPACTS, Content
from generator.content.notify_config import Channel
from generator.state.affiliates import services_of
from generator.state.derive import services_hit_by, services_via, upstreams_of
from generator.state.events import Event


@dataclass(frozen=True)
class Followed:
    """What one channel follows, worked out against the catalog; `everything` when it names nothing."""

    channel: Channel
    everything: bool
    services: frozenset[str]
    upstreams: frozenset[str]


def followed(channel: Channel, content: Content) -> Followed:
    via = services_via(content)
    services = set(channel.services)
    upstreams = set(channel.upstreams)
    for affiliate in channel.affiliates:
        mine = services_of(content, affiliate)
        services |= set(mine)
        upstreams |= {u for s in content.catalog.services if s.id in mine for u in upstreams_of(s, content)}
    for upstream in channel.upstreams:
        services |= via.get(upstream, set())
    everything = not (channel.affiliates or channel.services or channel.upstreams)
    return Followed(channel, everything, frozenset(services), frozenset(upstreams))


def wants(follows: Followed, event: Event, content: Content) -> bool:
    """Whether the channel is told about `event`."""
    channel = follows.channel
    if event.key.startswith("maintenance/"):
        window = next(m for m in content.maintenance if m.id == event.subject)
        return channel.maintenance and (follows.everything or bool(follows.services.intersection(window.services)))
    incident = next(i for i in content.incidents if i.id == event.subject)
    if channel.impact and IMPACTS.index(incident.impact) < IMPACTS.index(channel.impact):
        return False
    if follows.everything:
        return True
    hit = set(services_hit_by(incident, services_via(content)))
    touched = {a.target for a in incident.affected if a.kind == "upstream"}
    return bool(hit & follows.services or touched & follows.upstreams)
