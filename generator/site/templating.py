"""How a theme's templates run: Jinja, with two shortcuts through its most repeated steps, and
`{% cache %}` for the parts every page of a view repeats.

A page runs about 100 calls and 110 `{{ … }}` outputs; Jinja's general handling of each (for
callables that might want the context, for values that might be Markup, numbers or undefined)
was about a third of rendering an incident page. Both shortcuts do exactly what Jinja does for
the common case and hand every other case to Jinja.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from types import CodeType, FunctionType, MethodType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context, Macro
from jinja2.utils import missing
from markupsafe import Markup, escape

from generator.state.reads import RECORDER, Fact, Recorder, current_recorder, recording

try:  # MarkupSafe 3 escapes in C, then wraps the result in a new Markup: the C part alone will do
    from markupsafe import _escape_inner  # type: ignore[attr-defined]
except ImportError:  # MarkupSafe 2, all C, has no such part
    _escape_inner = escape


class PageContext(Context):
    """Jinja's context, which notes the names a recorded page resolves, with a quicker way to call
    a function or macro from a template.

    Every call in a template (`_('home')`, `t(x)`, `m.status_badge(s)`) goes through
    `Context.call`, which asks each callable, with three `hasattr`s, whether it wants the context
    passed; that was about a tenth of rendering a page, some 100 calls each. Plain functions and
    methods that carry no `jinja_pass_arg` mark, and macros (which always take the evaluation
    context), are called here directly, exactly as `Context.call` would; anything else goes to it.
    """

    def resolve_or_missing(self, key: str) -> Any:
        """Jinja's lookup of a name a template mentions (its documented place for custom lookups:
        the page's variables, then the globals), noted by the page's recorder if its reads are
        recorded (state/reads.py) and the name is one of the values recorded whole. Written out
        rather than calling Jinja's own: pages resolve about fifty names each."""
        if key in self.vars:
            value = self.vars[key]
        elif key in self.parent:
            value = self.parent[key]
        else:
            return missing
        recorder = RECORDER.get()
        if recorder is not None and key in recorder.plain:
            recorder.facts[(key,)] = value
        return value

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's own spelling)
        kind = type(__obj)
        if kind is Macro:
            args = (__self.eval_ctx, *args)
        elif not ((kind is FunctionType or kind is MethodType) and "jinja_pass_arg" not in __obj.__dict__):
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")


def escape_output(value: Any) -> Any:
    """What a `{{ value }}` writes with autoescaping on: a plain string escaped, Markup as it is.

    Jinja compiles each output to `escape(value)`, which always returns a new Markup (a second
    copy of the text); the pieces of an output are only ever joined (and the joined text marked
    safe where a macro or `{% set %}` block returns it), so the escaped text itself will do."""
    kind = type(value)
    if kind is str:
        return _escape_inner(value)
    if kind is Markup:
        return value
    return escape(value)


class InLanguage(str):
    """A text shown in another language than its page's, because it lacks the page's: `t()` and
    `name()` return one then, so that `|lang` can say which language it is in."""

    lang: str

    def __new__(cls, text: str, lang: str) -> InLanguage:
        made = super().__new__(cls, text)
        made.lang = lang
        return made


def mark_language(value: Any) -> Any:
    """The `|lang` filter, for a text in element content: one that fell back to another language
    is wrapped in `<span lang="…">`, so a screen reader pronounces it in that language; any other
    value is left as it is. (In an attribute or `<title>`, where no element can carry it, the text
    goes without the filter.)"""
    if type(value) is InLanguage:
        return Markup('<span lang="{}">{}</span>').format(value.lang, str(value))
    return value


class PageTemplate(jinja2.Template):
    """A template whose outputs are escaped by `escape_output`.

    Jinja calls `escape` only to write an output; the name is looked up in the compiled module's
    globals (shared by the template's blocks and macros), where it is replaced here. Were a Jinja
    version to name it otherwise, templates would merely keep Jinja's own, slower escape."""

    @classmethod
    def from_code(cls, environment: jinja2.Environment, code: CodeType, globals: MutableMapping[str, Any],
                  uptodate: Callable[[], bool] | None = None) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        namespace = template.root_render_func.__globals__
        if namespace.get("escape") is escape:
            namespace["escape"] = escape_output
        return template


class CachedParts(Extension):
    """`{% cache "name" %}…{% endcache %}`: a part of the page rendered once and reused on every
    page of the same view, in the same language, whose relative links are the same (the same
    folder depth and section), like Hugo's `partialCached`. Further values after the name
    (`{% cache "nav", page.key == "index.html" %}`) make separate copies for each of their values.

    A cached part must not show anything of the page itself (`page`, `canonical`, the page's
    own variables) beyond those values. Where reads are recorded (state/reads.py), a part's reads
    are recorded once, as it is rendered, and handed to every page that shows it."""

    tags = {"cache"}

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        self.parts: dict[tuple[Any, ...], tuple[Any, Any, Markup, dict[Fact, Any]]] = {}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_part", [nodes.ContextReference(), nodes.Tuple(key, "load")])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _part(self, context: Context, key: tuple[Any, ...], caller: Callable[[], Markup]) -> Markup:
        content, snap = context.resolve_or_missing("content"), context.resolve_or_missing("snap")
        scope = (id(content), id(snap), context.resolve_or_missing("lang"),
                 context.call(context.resolve_or_missing("url"), ""),
                 context.call(context.resolve_or_missing("group_url"), ""))
        page = current_recorder()
        found = self.parts.get(scope + key)
        if found is None or found[0] is not content or found[1] is not snap:
            part = Recorder(page.plain if page is not None else frozenset())
            with recording(part):
                found = self.parts[scope + key] = (content, snap, caller(), part.facts)
        if page is not None:
            page.facts.update(found[3])
        return found[2]
