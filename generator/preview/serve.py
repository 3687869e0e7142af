"""`noticeboard serve`: the site in memory, served like a host would, reloaded in every tab on save.

Modelled on MkDocs (the reload script is added to pages as they are served, never to `build`
output, and a request waits for a running rebuild so it never sees half a site), Lektor (Server-Sent
Events carrying a build id; the watcher ignores the output folder) and Zola (a build error is shown
over every open page). Bad content never takes the preview down: the last good build stays up, the
error appears in the terminal and over the page, and the next good save clears it.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import json
import queue
import signal
import socket
import sys
import threading
import time
import traceback
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2

from generator.clock import parse_now
from generator.errors import NoticeboardError, Problem
from generator.machine.hosting import content_type
from generator.preview.overlay import RELOAD_JS, Failure, describe, error_page, inject
from generator.resident.site import IncrementalSite, Rebuilt
from generator.resident.ticker import Ticker
from generator.resident.watch import Watcher

PREFIX = "/__noticeboard__/"
EVENTS, SCRIPT = PREFIX + "events", PREFIX + "reload.js"
KEEPALIVE = 15.0
IGNORED_OUTPUT = Path("public")


class PortInUseError(NoticeboardError):
    """Another program (often an earlier preview) is listening on the port."""


class Preview:
    """The site, its last error and the open reload streams; every method is thread-safe."""

    def __init__(self, site: IncrementalSite, out: Any = sys.stderr) -> None:
        self.site = site
        self.out = out
        self.lock = threading.Lock()
        self.failure: Failure | None = None
        self._warnings: tuple[Problem, ...] = ()
        self.closed = False
        self._clients: set[queue.Queue[str | None]] = set()
        self._clients_lock = threading.Lock()
        self._shown_root = Path.cwd()

    def rebuild(self, changed: set[Path] | None = None) -> Rebuilt | None:
        """Rebuild and tell every tab; on failure keep the last good build and show the error."""
        started = time.perf_counter()
        with self.lock:
            try:
                result = self.site.rebuild(changed)
            except Exception as exc:  # the preview outlives any content, theme or generator error
                self._fail(describe(exc, self._shown_root, self.site.build_id > 0), exc)
                return None
            recovered, self.failure = self.failure is not None, None
        elapsed = (time.perf_counter() - started) * 1000
        if result.warnings != self._warnings:
            self._warnings = result.warnings
            self._say("\n".join(w.format() for w in result.warnings))
        fixed = "fixed; " if recovered else ""
        if result.build_id == 1:
            self._say(f"{fixed}built {result.pages} pages in memory in {elapsed:.0f} ms (each rendered when first asked for)")
        elif not (result.full or result.outdated or recovered):
            self._say(f"rebuilt in {elapsed:.0f} ms; no page changed")
            return result
        else:
            changes = "every page" if result.full else f"{len(result.outdated)} page{'s' if len(result.outdated) != 1 else ''}"
            self._say(f"{fixed}rebuilt in {elapsed:.0f} ms ({changes} changed); reloading open pages")
        self.broadcast("reload", {"build": result.build_id})
        return result

    def _fail(self, failure: Failure, exc: BaseException) -> None:
        self.failure = failure
        if not isinstance(exc, (NoticeboardError, jinja2.TemplateError)):
            self._say("".join(traceback.format_exception(exc)).rstrip())
        self._say(failure.report())
        self.broadcast("problems", {"build": self.site.build_id, **failure.payload()})

    def render_failed(self, exc: BaseException) -> Failure:
        """A page that failed to render on request (a template error only some data triggers)."""
        failure = describe(exc, self._shown_root)
        self._say(failure.report())
        return failure

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def next_change(self) -> datetime | None:
        """When the site served next changes by itself, if that is still ahead (None with `--now`)."""
        with self.lock:
            moment = self.site.next_change
            return moment if moment is not None and moment > self.site.clock() else None

    def get(self, path: str) -> tuple[bytes | None, int]:
        """A file of the last good build and that build's id; waits while a rebuild runs."""
        with self.lock:
            return self.site.get(path), self.site.build_id

    def subscribe(self) -> queue.Queue[str | None]:
        """A new reload stream, starting with the current build id and error (if any)."""
        stream: queue.Queue[str | None] = queue.Queue()
        with self._clients_lock:
            failure = self.failure
            hello = {"build": self.site.build_id, **(failure.payload() if failure else {"problems": []})}
            stream.put("retry: 1000\n" + _event("hello", hello))
            if self.closed:
                stream.put(None)
            self._clients.add(stream)
        return stream

    def unsubscribe(self, stream: queue.Queue[str | None]) -> None:
        with self._clients_lock:
            self._clients.discard(stream)

    def broadcast(self, name: str, data: dict[str, Any]) -> None:
        message = _event(name, data)
        with self._clients_lock:
            for stream in self._clients:
                stream.put(message)

    def close(self) -> None:
        """End every reload stream, so their threads finish and the server can stop."""
        with self._clients_lock:
            self.closed = True
            for stream in self._clients:
                stream.put(None)


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def site_path(raw: str) -> str | None:
    """The output path a request names, or None for anything that tries to leave the site root:
    `..` and `.` segments, encoded slashes or backslashes, NUL bytes, empty segments (`//etc`)."""
    path = urlsplit(raw).path
    lowered = path.lower()
    if not path.startswith("/") or "%2f" in lowered or "%5c" in lowered or "%00" in lowered:
        return None
    decoded = unquote(path, errors="strict") if "%" in path else path
    segments = decoded[1:].split("/")
    inner, last = segments[:-1], segments[-1]
    if any(s in ("", ".", "..") for s in inner) or last in (".", "..") or any("\\" in s or "\x00" in s for s in segments):
        return None
    return "/".join(segments) + ("index.html" if last == "" else "")


class Handler(BaseHTTPRequestHandler):
    """Serves the preview's files from memory; nothing on disk is ever opened for a request."""

    server: PreviewServer
    timeout = 30

    def do_GET(self) -> None:  # noqa: N802 (the name http.server dispatches to)
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal is for rebuilds and errors, not one line per request."""

    def _serve(self, head: bool) -> None:
        preview = self.server.preview
        refused = host_refusal(self.headers.get_all("Host") or [], self.server.listen_host)
        if refused:
            self._send(refused, "text/plain; charset=utf-8", f"{refused.phrase}: this preview answers only to "
                       f"its own address\n".encode("utf-8"), head)
            return
        try:
            path = site_path(self.path)
        except UnicodeDecodeError:
            path = None
        if path == EVENTS[1:]:
            self._events(preview)
            return
        if path == SCRIPT[1:]:
            self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", RELOAD_JS.encode("utf-8"), head)
            return
        try:
            self._serve_site(preview, path, head)
        except OSError:  # the client went away, or the server is stopping and shut the connection
            return
        except Exception as exc:  # a page's template failed on this data; the server carries on
            failure = preview.render_failed(exc)
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/html; charset=utf-8",
                       inject(error_page(failure), preview.site.build_id), head)

    def _serve_site(self, preview: Preview, path: str | None, head: bool) -> None:
        data, build = preview.get(path) if path else (None, preview.site.build_id)
        if data is not None and path is not None:
            self._send(HTTPStatus.OK, content_type(path), _maybe_inject(path, data, build), head)
            return
        if path and not path.endswith("index.html") and preview.get(path + "/index.html")[0] is not None:
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", urlsplit(self.path).path + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        not_found, build = preview.get("404.html")
        if not_found is None:
            failure = preview.failure or Failure((), "no page here")
            self._send(HTTPStatus.SERVICE_UNAVAILABLE if preview.failure else HTTPStatus.NOT_FOUND,
                       "text/html; charset=utf-8", inject(error_page(failure), build), head)
            return
        self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", inject(not_found, build), head)

    def _send(self, status: HTTPStatus, kind: str, body: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _events(self, preview: Preview) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        stream = preview.subscribe()
        try:
            while True:
                try:
                    message = stream.get(timeout=KEEPALIVE)
                except queue.Empty:
                    message = ": keep-alive\n\n"
                if message is None:
                    return
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()
        except OSError:  # the tab was closed
            return
        finally:
            preview.unsubscribe(stream)


def _maybe_inject(path: str, data: bytes, build: int) -> bytes:
    return inject(data, build) if content_type(path).startswith("text/html") else data


def host_refusal(hosts: list[str], listen_host: str) -> HTTPStatus | None:
    """Why a request's Host header is refused, or None when it names this server. DNS rebinding
    lets a web page whose name now resolves to 127.0.0.1 read the preview's unpublished drafts;
    its requests carry that name, so only the names the server listens as are answered:
    localhost, the loopback addresses, the --host address (or, listening on every interface,
    any address of this machine). A missing, repeated or empty Host is a bad request (400)."""
    if len(hosts) != 1 or not hosts[0].strip():
        return HTTPStatus.BAD_REQUEST
    try:
        name = urlsplit(f"//{hosts[0].strip()}").hostname
    except ValueError:  # an unclosed [ of an IPv6 address
        name = None
    if not name or any(c.isspace() or c in "/?#@" for c in name):
        return HTTPStatus.BAD_REQUEST
    name = name.rstrip(".")
    if name == "localhost" or name.endswith(".localhost") or name == listen_host.lower():
        return None
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return HTTPStatus.MISDIRECTED_REQUEST
    if address.is_loopback or listen_host in ("0.0.0.0", "::", ""):
        return None
    try:
        return None if address == ipaddress.ip_address(listen_host) else HTTPStatus.MISDIRECTED_REQUEST
    except ValueError:
        return HTTPStatus.MISDIRECTED_REQUEST


class PreviewServer(ThreadingHTTPServer):
    """Handler threads are joined on close (no daemon threads), so stopping leaves nothing behind;
    their connections are shut first, so a client that connected and never finished its request
    can't hold the stop for the handler's 30 s timeout. The listen backlog fits a room of browsers
    opening tabs at once (Python's default of 5 made 200 tabs wait up to 94 s, some for ever)."""

    daemon_threads = False
    block_on_close = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], preview: Preview) -> None:
        self.preview = preview
        self.listen_host = address[0]
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        """Stop listening, end every open connection, then wait for the handler threads."""
        self.socket.close()
        with self._open_lock:
            for connection in self._open:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        super().server_close()


def bind(host: str, port: int, preview: Preview) -> PreviewServer:
    """Listen on host:port, or explain why not (a taken port comes with the next free one)."""
    try:
        return PreviewServer((host, port), preview)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            free = next_free_port(host, port)
            hint = f"try --port {free}" if free else "stop the other server or pick another --port"
            raise PortInUseError(f"port {port} on {host} is already in use (another preview still running?); "
                                 f"hint: {hint}") from None
        raise NoticeboardError(f"cannot listen on {host}:{port}: {exc.strerror}; hint: check --host and --port") from None


def next_free_port(host: str, port: int, tries: int = 50) -> int | None:
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return None


class Session:
    """One preview: listening socket, site, watcher; `serve_forever` until Ctrl-C or `shutdown`."""

    def __init__(self, site: IncrementalSite, host: str, port: int, out: Any = sys.stderr) -> None:
        if not site.root.is_dir():
            raise NoticeboardError(f"content folder not found: {site.content_dir}; hint: run from your project "
                                   "folder or pass --content DIR")
        self.preview = Preview(site, out)
        self.server = bind(host, port, self.preview)
        self.watcher = Watcher(self._changed, ignore=[IGNORED_OUTPUT.resolve()])
        self.ticker = Ticker(site.clock, self._tick)
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.server.server_address[1]}/"

    def start(self) -> None:
        """The first build (which may fail: the error page then explains why) and the watcher."""
        self.preview.rebuild()
        self.watcher.start(_roots(self.preview.site))
        self.ticker.arm(self.preview.next_change())
        self.ticker.start()

    def serve_forever(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        """Stop `serve_forever` from another thread."""
        self.server.shutdown()

    def close(self) -> None:
        """Stop watching, end the reload streams, and wait for every request thread to finish."""
        self.watcher.stop()
        self.ticker.stop()
        self.preview.close()
        self.server.server_close()

    def _changed(self, changed: set[Path]) -> None:
        self.preview.rebuild(changed)
        self.watcher.watch(_roots(self.preview.site))
        self.ticker.arm(self.preview.next_change())

    def _tick(self) -> None:
        """A notice's time has come: the site changes with no file changed (each notice's stamp
        is looked at anyway, which costs little and catches a save the watcher missed)."""
        self.preview.rebuild(set())
        self.ticker.arm(self.preview.next_change())


def run(site: IncrementalSite, host: str, port: int) -> int:
    """The `serve` command: until Ctrl-C, then a clean stop (no traceback, no threads left behind)."""
    session = Session(site, host, port)
    try:
        session.start()
        print(f"serving {session.url} — a preview that reloads on every save (Ctrl-C to stop)", flush=True)
        session.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        _second_signal_stops_at_once()
        session.close()
    print("stopped", file=sys.stderr, flush=True)
    return 0


def _second_signal_stops_at_once() -> None:
    """Closing waits for the watcher's and the requests' threads; an impatient second Ctrl-C (or
    a supervisor's second SIGTERM) should end the process there and then, not print a traceback
    from inside that wait."""
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)


def _roots(site: IncrementalSite) -> list[Path]:
    return [site.root, *site.theme_roots]


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    now = parse_now(args.now) if args.now else None
    signal.signal(signal.SIGTERM, _interrupt)
    return run(IncrementalSite(Path(args.content), now, args.theme), args.host, args.port)


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="preview the site locally; pages reload on every save",
                       description="Build the site in memory and serve it at http://HOST:PORT/. Saving a notice, "
                       "site.yaml, services.yaml or the theme rebuilds what changed and reloads every open page; "
                       "invalid content shows its problems over the page while the last good version stays.")
    p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    p.add_argument("--theme", metavar="NAME", help="theme to use instead of site.yaml's: 'default' or a folder "
                   "under themes/ beside the content folder")
    p.add_argument("--now", metavar="TIME", help="treat this moment as now, e.g. 2025-09-27T10:00+09:00, and stand "
                   "still (default: follow the clock: each notice appears, and open pages reload, when its time comes)")
    p.set_defaults(func=cmd_serve)
