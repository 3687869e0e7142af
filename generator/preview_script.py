"""The script the preview adds to every page it serves (never to `build` output).

It listens to the server's reload stream: a new build reloads the page; a failed one shows the
problems in a panel over the page (role="alert", so screen readers announce it) while the last
good content stays readable underneath. Texts from the content are set with textContent, never
parsed as HTML. The page's build id is in the tag, so a tab that missed a build (the stream was
down, the server restarted) reloads as soon as it reconnects.
"""

from __future__ import annotations

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
