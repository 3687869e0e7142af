"""Real receivers for the notify tests, each on 127.0.0.1 and started by the test: an SMTP server
(aiosmtpd), an HTTP server taking webhooks and WebSub pings, and one serving the deployed site.

Each can be stopped and started again on the same port, as a channel that goes down and comes
back does.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller


def noticeboard(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in a child process, run from the project folder (the parent of its
    `--content`) as an operator runs it, so a deploy's build writes its public/ there and never
    into the folder the tests run from. Not under cli_run's address-space cap: that cap counts
    the arenas glibc reserves per thread, and the deploy's threads beside Apprise's imports
    sometimes could not start under it."""
    words = [str(arg) for arg in args]
    project = Path(words[words.index("--content") + 1]).parent
    return subprocess.run([sys.executable, "-m", "generator", *words], capture_output=True, text=True, cwd=project,
                          env={**os.environ, **(env or {})}, timeout=300, check=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """An SMTP server keeping every message it accepts, parsed."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 — aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"

    def start(self) -> Mailbox:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def address(self, to: str = "ops@example.test") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=status@example.test&to={to}"

    def texts(self) -> list[tuple[str, str]]:
        """(subject, plain-text body) of each message, decoded."""
        found = []
        for message in self.messages:
            part = message.get_body(preferencelist=("plain",))
            assert part is not None
            found.append((str(message["Subject"]), part.get_content().replace("\r\n", "\n").rstrip("\n")))
        return found


class Receiver:
    """An HTTP server recording each POST: JSON webhooks and WebSub pings. `delay` makes it slow."""

    def __init__(self, delay: float = 0.0) -> None:
        self.port = free_port()
        self.delay = delay
        self.posts: list[tuple[str, str, bytes]] = []
        self.authorization: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                if len(data) < length:  # the sender died mid-body: a real endpoint gets no message
                    return
                time.sleep(receiver.delay)
                receiver.authorization.append(self.headers.get("Authorization") or "")
                receiver.posts.append((self.path.split("?")[0], self.headers.get("Content-Type") or "", data))
                self.send_response(202 if self.path.startswith("/hub") else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, scheme: str = "json", path: str = "/hook") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def json(self, path: str = "/hook") -> list[dict[str, Any]]:
        return [json.loads(data) for where, _, data in self.posts if where == path]

    def forms(self, path: str = "/hub") -> list[dict[str, list[str]]]:
        return [parse_qs(data.decode("ascii")) for where, _, data in self.posts if where == path]


class SiteServer:
    """Serves a deployed folder at http://127.0.0.1:PORT/, the site's base_url in these tests."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        handler = partial(_QuietFiles, directory=str(folder))
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        return
