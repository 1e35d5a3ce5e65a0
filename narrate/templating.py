"""The one Jinja environment: autoescape for XML/HTML, StrictUndefined, shipped templates.

Templates get ready-made values: dates, durations, byte lengths and URLs are computed in Python.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from narrate.errors import ConfigError

NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)
"""Characters XML 1.0 forbids and HTML calls errors: control codes but tab and line ends,
lone surrogates, noncharacters. The one definition: templates drop them from every value
they print, and ``narrate.text.sources.clean_text`` drops them from what it reads (after turning
the control codes that are white space into spaces)."""


def _printable(value: Any) -> Any:
    """Every value a template prints loses what no XML or HTML reader accepts.

    Runs for every ``{{ }}`` of every page, so the common case skips the (slow) regular
    expression: each character ``NOT_TEXT`` matches is one ``str.isprintable`` refuses
    (tests/test_templating.py), and so are tabs and line breaks, which are allowed.
    """
    if not isinstance(value, str) or value.isprintable():
        return value
    if type(value) is _fragment_type() or _plain(value):  # a fragment: cleaned as rendered
        return value
    from markupsafe import Markup

    cleaned = NOT_TEXT.sub("", value)
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


def _plain(text: str) -> bool:
    """Whether ``text`` is printable but for tabs and line breaks: then it holds nothing
    ``NOT_TEXT`` matches (found at C speed, where the expression takes ~35 ns a character)."""
    for allowed in "\t\n\r":
        text = str.replace(text, allowed, "")
    return text.isprintable()


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        finalize=_printable,
        loader=jinja2.PackageLoader("narrate", "templates"),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("xml", "html"), default_for_string=False
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # shipped templates do not change while narrate runs
    )


def render_template(name: str, **values: Any) -> str:
    """Render a shipped template (``feed.xml``...) with autoescaping."""
    template = _environment().get_template(name)
    # What Template.render does, but handing Jinja one dict: its own way copies the globals
    # (range, dict...) out of a ChainMap for every render: half the time of the show notes.
    context = template.new_context({**_globals(), **values}, shared=True)
    try:
        return str(template.environment.concat(template.root_render_func(context)))
    except Exception:
        template.environment.handle_exception()
        raise  # not reached: handle_exception raises, with the template's lines in the traceback


@lru_cache(maxsize=1)
def _globals() -> dict[str, Any]:
    """Jinja's default globals (range, dict...), copied once: narrate adds none."""
    return dict(_environment().globals)


def render_fragment(name: str, **values: Any) -> str:
    """Render a shipped partial once, for other templates to print as it is (no escaping
    again), each time on a line of its own: hence without its final line break."""
    fragment: str = _fragment_type()(render_template(name, **values).removesuffix("\n"))
    return fragment


@lru_cache(maxsize=1)
def _fragment_type() -> Any:
    from markupsafe import Markup

    class Fragment(Markup):
        """Markup rendered by this environment: every value in it is printable already."""

        __slots__ = ()

    return Fragment


def render_text(source: str, key: str, **values: Any) -> str:
    """Render a show-supplied plain-text template (spoken intro/outro); errors name ``key``."""
    import jinja2

    try:
        return str(_environment().from_string(source).render(**values))
    except jinja2.TemplateSyntaxError as error:
        raise ConfigError(
            [f"{key}: template syntax error ({error.message}); fix the {{{{ }}}}"]
        ) from None
    except jinja2.UndefinedError as error:
        known = ", ".join(sorted(values))
        raise ConfigError([f"{key}: {error.message}; the names you can use are {known}"]) from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as error:
        # What the show's own template does with the values (``{{ title + 1 }}``) fails there.
        raise ConfigError(
            [f"{key}: the template cannot be rendered ({error}); fix the {{{{ }}}}"]
        ) from None


def static_asset(name: str) -> str:
    """A shipped static file (CSS, JavaScript) from ``templates/assets``, as text."""
    from importlib.resources import files

    return (files("narrate") / "templates" / "assets" / name).read_text(encoding="utf-8")
