"""Sending one message through one channel with Apprise, and saying why not when it fails.

Each channel gets its own Apprise object, so one channel's failure is known as that channel's.
The address is filled in from the environment only here, at the last moment; whatever Apprise
reports is stripped of those values before anyone sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from generator.content.notify_config import Channel, ChannelAddressError
from generator.errors import NoticeboardError

Sender = Callable[[Channel, str, str], None]
_REASON_LENGTH = 300


class DeliveryError(NoticeboardError):
    """A channel did not take a message; the text names why, never a secret."""


def apprise_sender(environ: Mapping[str, str], app_url: str) -> Sender:
    """A sender for real channels, reading secrets from `environ`."""

    def send(channel: Channel, title: str, body: str) -> None:
        import apprise

        secrets = channel.secrets(environ)
        try:
            address = channel.address(environ)
        except ChannelAddressError as exc:
            raise DeliveryError(str(exc)) from None
        asset = apprise.AppriseAsset(app_id="Noticeboard", app_desc="Noticeboard status page", app_url=app_url)
        with apprise.LogCapture(  # type: ignore[no-untyped-call]
            level=logging.WARNING) as logs:
            notifier = apprise.Apprise(asset=asset)
            if not notifier.add(address):
                raise DeliveryError(f"Apprise could not read the address of channel '{channel.name}'")
            delivered = notifier.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
            said = logs.getvalue()
        if not delivered:
            raise DeliveryError(_reason(said, secrets))

    return send


def _reason(log: str, secrets: tuple[str, ...]) -> str:
    """Apprise's last warning, without its timestamp and without any secret in it."""
    lines = [line.split(" - ", 2)[-1].strip() for line in log.splitlines() if line.strip()]
    reason = lines[-1] if lines else "the service did not accept the message"
    for secret in sorted(secrets, key=len, reverse=True):
        reason = reason.replace(secret, "***")
    return reason[:_REASON_LENGTH]
