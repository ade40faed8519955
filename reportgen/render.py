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
import re
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
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


def export_templates(dest: Path, force: bool = False) -> list[Path]:
    """Copy the built-in templates into ``dest`` (a starting point for overrides)."""
    sources = sorted(p for p in BUILTIN_TEMPLATES.rglob("*.j2") if p.is_file())
    targets = [dest / p.relative_to(BUILTIN_TEMPLATES) for p in sources]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise TemplateError(f"{existing[0]} already exists ({len(existing)} file(s) would be overwritten); "
                            "use --force to overwrite, or export into an empty folder")
    for src, dst in zip(sources, targets, strict=True):
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(src.read_bytes())
    return targets


_MARK = "\x00@"  # origin markers of a traced render; NUL never occurs in real output
_MARK_RE = re.compile("\x00@([^\x00]*):(\\d+)\x00")


class _OriginMarkers(jinja2.ext.Extension):
    """Prefix every template line that starts with text or an expression by a marker naming
    template and line. Lines starting with a statement or comment tag are left alone, so that
    whitespace control (lstrip_blocks/trim_blocks) works exactly as in a normal render and the
    traced output minus the markers equals the real output."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        out, depth = [], 0
        for n, line in enumerate(source.splitlines(keepends=True), start=1):
            stripped = line.lstrip()
            if depth == 0 and stripped.strip() and not stripped.startswith(("((*", "((=")):
                line = f"{_MARK}{filename or name}:{n}\x00" + line
            depth += sum(line.count(o) for o in ("((*", "((=")) - sum(line.count(c) for c in ("*))", "=))"))
            depth = max(depth, 0)
            out.append(line)
        return "".join(out)


def environment(user_dirs: Sequence[Path] = (), fmt: FormatSettings = latexfmt.DEFAULT,
                trace: bool = False) -> jinja2.Environment:
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
        extensions=[_OriginMarkers] if trace else [],
    )
    takes_settings = {"num", "eq", "frac", "ratio", "mat", "vec", "rowvec"}
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
        names = getattr(exc, "templates", None) or [exc.name]
        wanted = " or ".join(repr(str(n)) for n in names)
        raise TemplateError(f"template {wanted} not found; searched: {folders}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except (jinja2.UndefinedError, FormatError, TypeError, ValueError, AttributeError) as exc:
        where = _template_frame(exc) or "template"
        raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None


def loaded_files(env: jinja2.Environment) -> list[Path]:
    """The template files a render loaded (Jinja keeps every loaded template in its cache)."""
    return sorted({Path(t.filename) for t in (env.cache or {}).values() if t.filename})


def line_origins(traced: str) -> list[str]:
    """For each line of the real output, 'template:line' of the template line that produced it:
    the last marker seen before the line's newline."""
    parts = _MARK_RE.split(traced)  # text, name, line, text, name, line, ..., text
    origins, current = [], ""
    for i in range(0, len(parts), 3):
        origins.extend([current] * parts[i].count("\n"))
        if i + 2 < len(parts):
            current = f"{parts[i + 1]}:{parts[i + 2]}"
    return origins


def strip_markers(traced: str) -> str:
    return _MARK_RE.sub("", traced)
