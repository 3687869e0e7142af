"""`noticeboard serve` over real HTTP: served like a host, reloads every tab, survives bad saves, stops cleanly."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import pytest
from conftest import DEMO_NOW, ROOT, at

from generator.build import build, render
from generator.errors import REPORT_TOTAL, ContentError, Location, Problem
from generator.machine.hosting import content_type
from generator.preview.overlay import describe, inject
from generator.preview.serve import Session, site_path
from generator.resident.site import IncrementalSite
from generator.resident.watch import Debouncer, Watcher, is_litter

NOW = at(DEMO_NOW)
CARD = "incidents/2025-03-14-card-payment-delay.yaml"
TITLE = "카드 결제 승인 지연"
WAIT = 60


class Client:
    """A browser stand-in: plain HTTP requests (any raw path) and reload streams."""

    def __init__(self, url: str, out: io.StringIO | None = None) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.out = out or io.StringIO()

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=WAIT)
        try:
            conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
            conn.endheaders()
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def events(self) -> Events:
        return Events(self.host, self.port)


class Events:
    """One tab's reload stream, read event by event."""

    def __init__(self, host: str, port: int) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=WAIT)
        self.conn.request("GET", "/__noticeboard__/events")
        self.response = self.conn.getresponse()
        assert self.response.getheader("Content-Type") == "text/event-stream; charset=utf-8"

    def next(self) -> tuple[str, dict]:
        name, data = "", ""
        while True:
            line = self.response.fp.readline().decode("utf-8")
            if not line:
                raise EOFError("stream closed")
            line = line.rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif not line and name:
                return name, json.loads(data)

    def until(self, wanted: str) -> dict:
        while True:
            name, data = self.next()
            if name == wanted:
                return data

    def close(self) -> None:
        self.conn.close()


@contextlib.contextmanager
def serving(content: Path) -> Iterator[Client]:
    out = io.StringIO()
    session = Session(IncrementalSite(content, NOW), "127.0.0.1", 0, out)
    session.start()
    thread = threading.Thread(target=session.serve_forever)
    thread.start()
    try:
        yield Client(session.url, out)
    finally:
        session.shutdown()
        thread.join()
        session.close()


@pytest.fixture
def server(demo: Path) -> Iterator[Client]:
    with serving(demo) as client:
        yield client


def save(path: Path, text: str) -> None:
    """Save the way most editors do: write a hidden temp file, then rename it over the original."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def without_script(body: bytes) -> bytes:
    return re.sub(rb'<script src="/__noticeboard__/reload.js" data-build="\d+"></script>\n', b"", body)


def test_pages_are_the_build_output_plus_the_reload_script(server: Client, demo: Path) -> None:
    expected = render(demo, NOW).files
    for url, path in [("/", "index.html"), ("/en/", "en/index.html"), ("/bank/history.html", "bank/history.html"),
                      ("/incidents/2025-09-26-nirs-fire.html", "incidents/2025-09-26-nirs-fire.html")]:
        status, headers, body = server.get(url)
        assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
        assert body.count(b"/__noticeboard__/reload.js") == 1
        assert without_script(body) == expected[path]


def test_every_kind_of_file_has_the_hosts_content_type(server: Client, demo: Path) -> None:
    expected = render(demo, NOW).files
    samples = {}
    for path in sorted(expected):
        samples.setdefault(Path(path).suffix or path, path)
    assert {".css", ".html", ".json"} <= samples.keys()
    for path in samples.values():
        status, headers, body = server.get("/" + path)
        assert status == 200 and headers["content-type"] == content_type(path), path
        if not path.endswith(".html"):
            assert body == expected[path], path
    assert server.get("/" + samples[".css"])[1]["content-type"] == "text/css; charset=utf-8"


def test_a_folder_without_its_slash_redirects_like_a_host(server: Client) -> None:
    status, headers, _ = server.get("/en")
    assert status == 301 and headers["location"] == "/en/"
    assert server.get("/en/", "HEAD")[0] == 200


def test_an_unknown_path_gets_the_sites_404_page(server: Client, demo: Path) -> None:
    status, headers, body = server.get("/incidents/no-such-incident.html")
    assert status == 404 and headers["content-type"] == "text/html; charset=utf-8"
    assert without_script(body) == render(demo, NOW).files["404.html"]


def test_nothing_outside_the_site_is_ever_served(server: Client, demo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    (demo / "secret.html").symlink_to(secret)
    (demo / "incidents" / "linked").symlink_to(tmp_path)
    attempts = ["/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/%2e%2e/etc/passwd", "/en/%2E%2E/%2E%2E/etc/hostname",
                "/assets/..%5c..%5cetc%5cpasswd", "//etc/passwd", "/./index.html/../../x", "/%00", "/content/site.yaml",
                "/site.yaml", "/secret.html", "/content/secret.html", "/incidents/linked/secret.txt",
                "/incidents/%2e%2e/%2e%2e/secret.txt", "/.%2e/.%2e/etc/passwd", str(secret), "/%c0%ae%c0%ae/etc/passwd"]
    for attempt in attempts:
        status, _, body = server.get(attempt)
        assert status == 404, attempt
        assert b"TOP-SECRET-MARKER" not in body and b"root:" not in body


def test_request_paths_are_refused_when_they_could_leave_the_root() -> None:
    assert site_path("/") == "index.html" and site_path("/en/") == "en/index.html"
    assert site_path("/assets/style.css?v=1") == "assets/style.css"
    for raw in ["/../a", "/a/../../b", "/%2e%2e/a", "/a%2fb", "/a%5cb", "//a", "/a//b", "/a/./b", "/%00", "a"]:
        assert site_path(raw) is None, raw


def test_build_output_never_carries_the_reload_script(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(demo, out, NOW)
    assert not [p for p in out.rglob("*") if p.is_file() and b"__noticeboard__" in p.read_bytes()]
    assert inject(b"<html><body>x</body></html>", 7) == \
        b'<html><body>x<script src="/__noticeboard__/reload.js" data-build="7"></script>\n</body></html>'


def test_twenty_open_tabs_all_reload_while_files_change(server: Client, demo: Path) -> None:
    page = "/incidents/2025-03-14-card-payment-delay.html"
    assert server.get(page)[0] == 200  # the tabs show this notice
    tabs = [server.events() for _ in range(20)]
    try:
        seen = [tab.until("hello")["build"] for tab in tabs]
        original = (demo / CARD).read_text(encoding="utf-8")
        for word in ("하나", "둘", "셋"):
            title = f"카드 결제 승인 지연 {word}"
            save(demo / CARD, original.replace("카드 결제 승인 지연", title, 1))
            seen[0] = tabs[0].until("reload")["build"]
            while title.encode() not in server.get(page)[2]:
                seen[0] = tabs[0].until("reload")["build"]
            for index, tab in enumerate(tabs):
                build = seen[0]
                while seen[index] < build:
                    seen[index] = tab.until("reload")["build"]
        assert len(set(seen)) == 1
    finally:
        for tab in tabs:
            tab.close()


def test_a_save_that_changes_no_open_page_reloads_no_tab(server: Client, demo: Path) -> None:
    server.get("/incidents/2025-03-14-card-payment-delay.html")
    tab = server.events()
    try:
        assert tab.until("hello")["build"] == 1
        text = (demo / CARD).read_text(encoding="utf-8")
        save(demo / CARD, text)
        deadline = time.monotonic() + WAIT
        while "no page changed" not in server.out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "no page changed" in server.out.getvalue()
        save(demo / CARD, text.replace(TITLE, f"{TITLE} 수정", 1))
        assert tab.until("reload")["build"] == 3
    finally:
        tab.close()


def test_a_bad_save_shows_the_problem_and_keeps_the_last_good_site(server: Client, demo: Path) -> None:
    tab = server.events()
    try:
        tab.until("hello")
        _, _, before = server.get("/incidents/2025-03-14-card-payment-delay.html")
        path = demo / CARD
        good = path.read_text(encoding="utf-8")
        save(path, good.replace("impact: minor", "impact: minr"))
        problems = tab.until("problems")["problems"]
        assert problems[0]["location"] == f"content/{CARD}:10:9"
        assert problems[0]["message"] == "unknown impact 'minr'" and "minor" in problems[0]["hint"]
        assert f"content/{CARD}:10:9: error: unknown impact 'minr'" in server.out.getvalue()
        status, _, during = server.get("/incidents/2025-03-14-card-payment-delay.html")
        assert status == 200 and without_script(during) == without_script(before)
        late = server.events()
        assert late.until("hello")["problems"][0]["location"] == f"content/{CARD}:10:9"
        late.close()
        save(path, good.replace("impact: minor", "impact: major"))
        assert tab.until("reload")["build"] > 1
        assert "fixed; rebuilt" in server.out.getvalue()
    finally:
        tab.close()


def test_a_first_build_that_fails_serves_an_error_page_until_fixed(demo: Path) -> None:
    path = demo / CARD
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("impact: minor", "impact: minr"), encoding="utf-8")
    with serving(demo) as server:
        status, _, body = server.get("/")
        assert status == 503 and f"content/{CARD}:10:9".encode() in body
        tab = server.events()
        assert tab.until("hello")["problems"][0]["location"] == f"content/{CARD}:10:9"
        save(path, good)
        tab.until("reload")
        tab.close()
        assert server.get("/")[0] == 200


def test_closing_leaves_no_thread_behind(demo: Path) -> None:
    before = set(threading.enumerate())
    session = Session(IncrementalSite(demo, NOW), "127.0.0.1", 0, io.StringIO())
    session.start()
    thread = threading.Thread(target=session.serve_forever)
    thread.start()
    tab = Client(session.url).events()
    tab.until("hello")
    session.shutdown()
    thread.join()
    session.close()
    with pytest.raises(EOFError):
        tab.until("reload")
    tab.close()
    assert set(threading.enumerate()) - before == set()


def test_editor_litter_is_ignored_and_a_burst_rebuilds_once(tmp_path: Path) -> None:
    root = tmp_path / "content"
    for name in ["4913", ".x.yaml.swp", "x.yaml~", "#x.yaml#", ".#x.yaml", "x.yaml___jb_tmp___", "x.yaml.tmp"]:
        assert is_litter(root / "incidents" / name, root), name
    assert is_litter(root / ".git" / "index", root)
    assert not is_litter(root / "incidents" / "2025-09-26-nirs-fire.yaml", root)

    batches: list[set[Path]] = []
    done = threading.Event()
    debouncer = Debouncer(lambda paths: (batches.append(paths), done.set()), quiet=1.0, longest=30)
    debouncer.start()
    for n in range(50):
        debouncer.add([tmp_path / f"{n}.yaml"])
    assert done.wait(WAIT)
    debouncer.stop()
    assert batches == [{tmp_path / f"{n}.yaml" for n in range(50)}]


def test_the_watcher_reports_a_rename_over_the_file_and_not_the_swap_file(tmp_path: Path) -> None:
    root = tmp_path / "content"
    (root / "incidents").mkdir(parents=True)
    batches: list[set[Path]] = []
    done = threading.Event()
    watcher = Watcher(lambda paths: (batches.append(paths), done.set()), ignore=[root / "public"], quiet=0.2)
    watcher.start([root])
    try:
        (root / "incidents" / ".a.yaml.swp").write_text("swap", encoding="utf-8")
        (root / "public").mkdir()
        (root / "public" / "index.html").write_text("built", encoding="utf-8")
        (root / "incidents" / "a.yaml.tmp").write_text("title: x\n", encoding="utf-8")
        os.replace(root / "incidents" / "a.yaml.tmp", root / "incidents" / "a.yaml")
        assert done.wait(WAIT)
    finally:
        watcher.stop()
    assert (root / "incidents" / "a.yaml").resolve() in batches[0]
    assert all(p.name == "a.yaml" for batch in batches for p in batch)


def run_cli(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "generator", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_readme_commands_build_then_serve_and_ctrl_c_stops_cleanly(demo: Path) -> None:
    project = demo.parent
    built = subprocess.run([sys.executable, "-m", "generator", "build", "--now", DEMO_NOW], cwd=project,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    published = digest(project / "public")
    serve = run_cli("serve", "--now", DEMO_NOW, "--port", "0", cwd=project)
    try:
        assert serve.stdout is not None
        line = serve.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line
        server = Client(url.group())
        assert server.get("/incidents/2025-03-14-card-payment-delay.html")[0] == 200
        tab = server.events()
        tab.until("hello")
        save(demo / CARD, (demo / CARD).read_text(encoding="utf-8").replace(TITLE, f"{TITLE}됨", 1))
        tab.until("reload")
        serve.send_signal(signal.SIGINT)
        _, err = serve.communicate(timeout=WAIT)
        tab.close()
    finally:
        if serve.poll() is None:
            serve.kill()
    assert serve.returncode == 0
    assert "Traceback" not in err and err.rstrip().endswith("stopped")
    assert digest(project / "public") == published


def test_a_taken_port_is_named_with_the_next_free_one(demo: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "generator", "serve", "--port", str(port), "--now", DEMO_NOW],
                                cwd=demo.parent, capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    suggested = int(re.search(r"try --port (\d+)", result.stderr).group(1))  # type: ignore[union-attr]
    assert suggested > port


def test_a_broken_template_is_reported_with_its_file_and_line(demo: Path) -> None:
    theme = demo.parent / "themes" / "default"
    shutil.copytree(ROOT / "themes" / "default", theme)
    site = IncrementalSite(demo, NOW)
    site.rebuild()
    template = theme / "templates" / "history.html"
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2, "{% if %}\n")
    template.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(jinja2.TemplateSyntaxError) as caught:
        site.rebuild([template])
    failure = describe(caught.value, demo.parent)
    assert str(failure.problems[0].location) == "themes/default/templates/history.html:3:1"
    assert "still showing the last good version" in failure.summary


def test_the_overlay_lists_the_first_problems_of_a_long_report(tmp_path: Path) -> None:
    """An overlay (and the terminal) of 100,000 broken notices would be a page of a million lines."""
    problems = [Problem(Location(f"content/incidents/2025-01-01-n{i:03d}.yaml", 1, 1), "missing key 'title'")
                for i in range(300)]
    failure = describe(ContentError(problems), tmp_path)
    assert len(failure.problems) == REPORT_TOTAL
    assert failure.summary == f"300 problems in the content (the first {REPORT_TOTAL} listed); still showing the last " \
                              "good version"


def _with_host(client: Client, host: str | None, path: str = "/") -> int:
    """A request whose Host header is `host` (None: no Host header at all)."""
    conn = http.client.HTTPConnection(client.host, client.port, timeout=WAIT)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_only_the_names_the_preview_listens_as_are_answered(server: Client) -> None:
    """DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 sends
    `Host: evil.example:PORT`, and read the unpublished drafts through the preview."""
    port = server.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"LOCALHOST.:{port}", f"[::1]:{port}",
                 f"app.localhost:{port}"):
        assert _with_host(server, host) == 200, host
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}", f"192.168.0.10:{port}",
                 "localhost.evil.example"):
        assert _with_host(server, host) == 421, host
        assert _with_host(server, host, "/__noticeboard__/reload.js") == 421, host
    for host in ("", None, "[::1", "a b"):
        assert _with_host(server, host) == 400, host


def test_a_stop_signal_ends_the_preview_at_once_despite_a_half_open_connection(demo: Path) -> None:
    """A client that connected and never finished its request held the stop for the handler's 30 s."""
    serve = run_cli("serve", "--now", DEMO_NOW, "--port", "0", cwd=demo.parent)
    try:
        assert serve.stdout is not None
        url = re.search(r"http://127\.0\.0\.1:(\d+)/", serve.stdout.readline())
        assert url
        with socket.create_connection(("127.0.0.1", int(url.group(1)))) as half_open:
            half_open.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            time.sleep(0.5)
            serve.send_signal(signal.SIGTERM)
            _, err = serve.communicate(timeout=10)  # a hang guard well under the handler's 30 s
    finally:
        if serve.poll() is None:
            serve.kill()
    assert serve.returncode == 0 and err.rstrip().endswith("stopped") and "Traceback" not in err


def test_two_hundred_tabs_opened_at_once_are_all_let_in(demo: Path) -> None:
    """With Python's default listen backlog of 5, a room of browsers opening the preview at once
    waited up to 94 s for retried connections, and some never connected."""
    session = Session(IncrementalSite(demo, NOW), "127.0.0.1", 0, io.StringIO())
    port = session.server.server_address[1]
    tabs: list[socket.socket] = []
    try:
        for _ in range(200):  # nothing accepts yet: every connection waits in the listen queue
            tabs.append(socket.create_connection(("127.0.0.1", port), timeout=2))
    finally:
        for tab in tabs:
            tab.close()
        session.close()
    assert len(tabs) == 200
