"""The one Jinja2 environment and the template search path.

Delimiters that do not fight TeX braces::

    ((* block body *)) ... ((* endblock *))     statements
    ((( value|num )))                           expressions
    ((= a comment =))                           comments

Every expression passes through ``finalize``: LaTeX built by latexfmt (``Tex``) prints as it
is, plain strings (user text) are escaped, integers print exactly, and a raw float, array or
None is refused, so an unformatted number cannot reach a report.

Search path: the user's folders first, then the built-in ``templates/``. The built-in files are
also reachable as ``builtin/<name>``, so a user template can extend the built-in template of
the same name and override one block.
"""

from __future__ import annotations

import functools
import traceback
from pathlib import Path
from typing import Any, Sequence

import jinja2
import numpy as np

from . import latexfmt
from .errors import TemplateError
from .latexfmt import FormatError, FormatSettings, Tex

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
if not BUILTIN_TEMPLATES.is_dir():  # installed as a wheel: templates ship inside the package
    BUILTIN_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _finalize(value: Any) -> str:
    if isinstance(value, Tex):
        return value
    if isinstance(value, str):
        return latexfmt.escape(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return latexfmt.integer(value)
    kind = type(value).__name__
    raise FormatError(
        f"a raw {kind} ({str(value)[:40]!r}) reached the output; format it with a filter "
        "such as |num, |mat, |frac or |int"
    )


def search_path(user_dirs: Sequence[Path] = ()) -> list[Path]:
    return [Path(d) for d in user_dirs] + [BUILTIN_TEMPLATES]


def environment(user_dirs: Sequence[Path] = (), fmt: FormatSettings = latexfmt.DEFAULT) -> jinja2.Environment:
    for d in user_dirs:
        if not Path(d).is_dir():
            raise TemplateError(f"template folder {d} does not exist")
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader([str(p) for p in search_path(user_dirs)]),
        jinja2.PrefixLoader({"builtin": jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES))}),
    ])
    env = jinja2.Environment(
        loader=loader,
        block_start_string="((*",
        block_end_string="*))",
        variable_start_string="(((",
        variable_end_string=")))",
        comment_start_string="((=",
        comment_end_string="=))",
        line_statement_prefix=None,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
    )
    takes_settings = {"num", "eq", "frac", "mat", "vec", "rowvec"}
    env.filters.update({
        name: functools.partial(fn, s=fmt) if name in takes_settings else fn
        for name, fn in latexfmt.FILTERS.items()
    })
    env.globals["tex"] = Tex  # template text that builds LaTeX strings marks them trusted
    return env


def _template_frame(exc: BaseException) -> str:
    """'file.tex.j2:LINE' of the innermost template frame in a rendering traceback."""
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(".j2"):
            where = f"{frame.filename}:{frame.lineno}"
    return where


def render(env: jinja2.Environment, name: str | Sequence[str], context: dict[str, Any]) -> str:
    """Render a template; any failure becomes a TemplateError naming template file and line."""
    try:
        template = env.select_template([name] if isinstance(name, str) else list(name))
        return template.render(context)
    except jinja2.TemplateNotFound as exc:
        folders = ", ".join(str(p) for p in getattr(env.loader.loaders[0], "searchpath", []))  # type: ignore[union-attr]
        raise TemplateError(f"template {exc.name!r} not found; searched: {folders}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except (jinja2.UndefinedError, FormatError, TypeError, ValueError, AttributeError) as exc:
        where = _template_frame(exc) or "template"
        raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None
