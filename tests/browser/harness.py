"""Helpers for checking Noticeboard's generated pages in a real browser.

Everything here runs offline: the browser is Debian's Chromium (Playwright
cannot download its own here), axe-core and the Nu Html Checker come from
node_modules (installed by ``npm ci`` in .ci/run), and pages are served from
127.0.0.1 so a test can prove a status page needs nothing from other hosts.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from playwright.sync_api import Browser, Page, Playwright

    class RecordingPage(Page):
        """The ``page`` fixture's Page, for type checkers: it carries the
        request log that conftest attaches at run time."""

        requests_seen: list[str]

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

# The WCAG levels a status page promises; axe's "best-practice" rules are
# left out on purpose so that a failure always points at a real WCAG
# criterion rather than at a matter of taste.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Each flag keeps Chromium quiet on a closed network: without them it keeps
# trying Google's hosts (sync, component updates, field trials, QUIC), which
# is slow here and would muddy any "no third-party requests" assertion.
# --no-sandbox is needed because tests run as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Return the Chromium to drive, or None when there is none.

    Playwright's own browser builds cannot be downloaded here, so we use
    Debian's package. $NOTICEBOARD_CHROMIUM wins even when it points
    nowhere, so that a wrong override is reported instead of silently
    replaced by another browser.
    """
    override = os.environ.get("NOTICEBOARD_CHROMIUM")
    if override:
        return override
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def launch(playwright: Playwright, **kw: Any) -> Browser:
    """Start headless Chromium with the flags this offline machine needs.

    Extra ``args`` in ``kw`` are appended to the defaults rather than
    replacing them, so a caller cannot drop the network-quietening flags
    by accident; any other keyword is passed to Playwright as is.
    """
    executable = chromium_path()
    if executable is None:
        raise RuntimeError("no Chromium found: install Debian's chromium or set $NOTICEBOARD_CHROMIUM")
    options: dict[str, Any] = {
        "executable_path": executable,
        "headless": True,
        "args": CHROMIUM_ARGS + list(kw.pop("args", [])),
    }
    options.update(kw)
    return playwright.chromium.launch(**options)


def run_axe(page: Page) -> list[dict[str, Any]]:
    """Return axe-core's WCAG 2.1 A/AA violations for the loaded page.

    The script is injected as inline content, not fetched from a URL, so
    it works on file:// pages and adds no request that a test checking
    for third-party hosts would have to explain away. A page whose
    Content-Security-Policy forbids inline scripts refuses that tag; then
    the source is evaluated through DevTools instead, which CSP does not
    govern, so the page's own policy stays in force for everything else.
    """
    from playwright.sync_api import Error as PlaywrightError

    source = AXE_JS.read_text(encoding="utf-8")
    try:
        page.add_script_tag(content=source)
    except PlaywrightError as exc:
        if "Content Security Policy" not in str(exc):
            raise
        page.evaluate("source => { (0, eval)(source); }", source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return list(result["violations"])


def run_vnu(paths: list[Path]) -> list[dict[str, Any]]:
    """Return the Nu Html Checker's errors for the given files.

    One Java start checks all files, since the JVM start dominates the
    cost. An empty list, a missing file or a directory is refused because
    vnu.jar itself reports nothing for a path that does not exist (exit
    0, no messages) and nothing for a folder with no .html files, and "no
    errors" about no pages would let a broken test pass: pass files, e.g.
    ``sorted(public.rglob("*.html"))``. Messages of type
    "non-document-error" are returned too, for the same reason.
    """
    if not paths:
        raise ValueError("run_vnu needs at least one file to check")
    not_files = [str(p) for p in paths if not Path(p).is_file()]
    if not_files:
        raise FileNotFoundError(f"run_vnu: not files: {', '.join(not_files)}")
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java not found: the Nu Html Checker needs a JRE (default-jre-headless)")
    proc = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    try:
        report = json.loads(proc.stderr)
    except json.JSONDecodeError as exc:
        # Java itself failed (bad jar, out of memory): show what it said.
        raise RuntimeError(
            f"vnu.jar exited {proc.returncode} without a JSON report:\n{proc.stderr}{proc.stdout}"
        ) from exc
    return [m for m in report.get("messages", []) if m.get("type") in ("error", "non-document-error")]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without writing a log line per request into test output."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def static_server(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 and yield its base URL, ending in "/".

    Pages are checked over http rather than file:// because that is how
    visitors see them (absolute links, fetches and feeds behave
    differently on file://). Port 0 lets the OS pick a free port, so
    parallel runs don't collide.
    """
    if not Path(root).is_dir():
        raise FileNotFoundError(f"static_server: not a directory: {root}")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="static_server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def missing_prerequisites() -> list[str]:
    """Name each tool the browser tests need but cannot find.

    Collected in one list so a developer learns everything to install at
    once rather than one failure per run.
    """
    missing: list[str] = []
    executable = chromium_path()
    if executable is None:
        missing.append("Chromium (Debian package 'chromium')")
    elif not os.access(executable, os.X_OK):
        source = " from $NOTICEBOARD_CHROMIUM" if os.environ.get("NOTICEBOARD_CHROMIUM") else ""
        missing.append(f"Chromium at {executable}{source} (not an executable file)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package 'playwright'")
    if not AXE_JS.is_file():
        missing.append(f"axe-core ({AXE_JS.relative_to(REPO_ROOT)}; run 'npm ci')")
    if not VNU_JAR.is_file():
        missing.append(f"vnu.jar ({VNU_JAR.relative_to(REPO_ROOT)}; run 'npm ci')")
    if shutil.which("java") is None:
        missing.append("java (Debian package 'default-jre-headless')")
    return missing
