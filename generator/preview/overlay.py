"""What the preview shows in the browser: the reload script it adds to every page it serves (never
to `build` output), and any failure, as located problems, in that script's panel and the error page.

The script listens to the server's reload stream: a new build reloads the page; a failed one shows the
problems in a panel over the page (role="alert", so screen readers announce it) while the last
good content stays readable underneath. Texts from the content are set with textContent, never
parsed as HTML. The page's build id is in the tag, so a tab that missed a build (the stream was
down, the server restarted) reloads as soon as it reconnects.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import jinja2

from generator.errors import ContentError, Location, NoticeboardError, Problem, display_path

SCRIPT_URL = "/__noticeboard__/reload.js"
PANEL_ID = "noticeboard-preview-problems"

RELOAD_JS = """\
(function () {
  "use strict";
  var tag = document.currentScript;
  var build = tag ? tag.getAttribute("data-build") : null;
  var panel = null;
  if (!window.EventSource) { return; }
  var stream = new EventSource("/__noticeboard__/events");
  stream.addEventListener("hello", function (event) {
    var data = JSON.parse(event.data);
    if (build !== null && String(data.build) !== build) { location.reload(); return; }
    show(data);
  });
  stream.addEventListener("reload", function () { location.reload(); });
  stream.addEventListener("problems", function (event) { show(JSON.parse(event.data)); });

  function el(name, text, lang) {
    var node = document.createElement(name);
    if (text) { node.textContent = text; }
    if (lang) { node.lang = lang; }
    return node;
  }
  function show(data) {
    if (panel) { panel.remove(); panel = null; }
    if (!data.problems || !data.problems.length) { return; }
    panel = el("section");
    panel.id = "%(panel)s";
    panel.setAttribute("role", "alert");
    panel.setAttribute("aria-labelledby", "%(panel)s-h");
    panel.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;z-index:2147483647;" +
      "margin:0;padding:1rem 1.25rem;background:#fff;color:#1a1a1a;border-top:6px solid #b3261e;" +
      "box-shadow:0 -4px 16px rgba(0,0,0,.25);font:16px/1.5 system-ui,sans-serif;text-align:left";
    var heading = el("h2");
    heading.id = "%(panel)s-h";
    heading.style.cssText = "margin:0 0 .5rem;font-size:1.15rem;color:#b3261e";
    heading.append(el("span", "콘텐츠 오류: 마지막으로 정상이던 화면을 보여 주고 있습니다", "ko"), " · ",
                   el("span", "Content error: showing the last good version", "en"));
    panel.append(heading, el("p", data.summary || ""));
    var list = el("ul");
    list.style.cssText = "margin:0;padding-left:1.25rem";
    data.problems.forEach(function (problem) {
      var item = el("li");
      var where = el("code", problem.location);
      where.style.cssText = "font-weight:bold;color:#1a1a1a";
      item.append(where, " " + problem.severity + ": " + problem.message);
      if (problem.hint) { item.append(el("br"), "hint: " + problem.hint); }
      list.append(item);
    });
    var close = el("button", "닫기 · Close");
    close.type = "button";
    close.style.cssText = "margin-top:.75rem;font:inherit;padding:.25rem .75rem";
    close.addEventListener("click", function () { panel.remove(); panel = null; });
    panel.append(list, close);
    document.body.append(panel);
  }
})();
""" % {"panel": PANEL_ID}


def inject(html: bytes, build: int) -> bytes:
    """The page with the reload script before `</body>` (or at the end when there is none)."""
    tag = f'<script src="{SCRIPT_URL}" data-build="{build}"></script>\n'.encode("ascii")
    at = html.lower().rfind(b"</body>")
    return html + tag if at < 0 else html[:at] + tag + html[at:]


@dataclass(frozen=True)
class Failure:
    """A rebuild that failed, as the terminal and the overlay show it."""

    problems: tuple[Problem, ...]
    summary: str

    def payload(self) -> dict[str, Any]:
        return {"summary": self.summary, "problems": [
            {"location": str(p.location), "file": p.location.file, "line": p.location.line,
             "column": p.location.column, "severity": p.severity, "message": p.message, "hint": p.hint}
            for p in self.problems]}

    def report(self) -> str:
        return "\n".join([p.format() for p in self.problems] + [self.summary])


def describe(exc: BaseException, root: Path, showing_last_good: bool = True) -> Failure:
    """Any rebuild error as located problems: content errors already are; template errors carry a line."""
    outcome = "still showing the last good version" if showing_last_good else "nothing to show until it is fixed"
    if isinstance(exc, ContentError):
        shown = tuple(problem for _, taken, _ in exc.shown() for problem in taken)
        listed = f" (the first {len(shown):,} listed)" if len(shown) < len(exc.problems) else ""
        return Failure(shown, f"{exc}{listed}; {outcome}")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = Location(_shown(exc.filename or exc.name or "template", root), exc.lineno or 0, 1 if exc.lineno else 0)
        return Failure((Problem(where, f"template syntax error: {exc.message}", "fix the template and save"),),
                       f"the theme has an error; {outcome}")
    if isinstance(exc, jinja2.TemplateError):
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")]
        where = Location(_shown(frames[-1].filename, root), frames[-1].lineno or 0, 1) if frames else Location("theme")
        return Failure((Problem(where, f"template error: {exc}", "fix the template and save"),),
                       f"a page could not be rendered; {outcome}")
    if isinstance(exc, NoticeboardError):
        message, _, hint = str(exc).partition("; hint: ")
        return Failure((Problem(Location("noticeboard"), message, hint),), outcome)
    return Failure((Problem(Location("noticeboard"), f"internal error: {type(exc).__name__}: {exc}",
                            "this is a bug in Noticeboard; the terminal shows the details"),), outcome)


def _shown(filename: str, root: Path) -> str:
    return display_path(Path(filename), root)


def error_page(failure: Failure) -> bytes:
    """Shown where there is no good build to fall back on; lists the problems, readable without JavaScript."""
    items = "".join(f"<li><code>{escape(str(p.location))}</code> {escape(p.severity)}: {escape(p.message)}"
                    + (f"<br>hint: {escape(p.hint)}" if p.hint else "") + "</li>\n" for p in failure.problems)
    return (f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>Preview: content error</title>'
            f'</head>\n<body>\n<main>\n<h1>The preview cannot show this yet</h1>\n<p>{escape(failure.summary)}. '
            f'Fix these problems and save; this page reloads by itself.</p>\n<ul>\n{items}</ul>\n</main>\n</body>\n'
            f'</html>\n').encode("utf-8")
