"""The one Jinja2 environment and the template search path.

Delimiters that do not fight TeX braces::

    ((* block body *)) ... ((* endblock *))     statements
    ((( value|num )))                           expressions
    ((= a comment =))                           comments

Every expression passes through ``finalize``: LaTeX built by the printer (``Tex``) prints as it
is, plain strings (user text) are escaped, integers print exactly, and a raw float, array or
None is refused, so an unformatted number cannot reach a report.

Templates are code from strangers (courses share template folders): every template runs in
reportgen.sandbox (Jinja's ``SandboxedEnvironment`` with limits on time and size, and a loader
that stays inside its folders). Breaking a rule is a ``TemplateError`` naming file and line.

Search path: the user's folders first, then the built-in ``templates/``. The built-in files are
also reachable as ``builtin/<name>``, so a user template can extend the built-in template of
the same name and override one block.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
import jinja2.sandbox
import numpy as np

from . import sandbox
from .errors import TemplateError
from .printer import DEFAULT, FormatError, FormatSettings, Tex, escape, integer, notation
from .printer.style import StylePrinter

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
if not BUILTIN_TEMPLATES.is_dir():  # installed as a wheel: templates ship inside the package
    BUILTIN_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _finalize(value: Any) -> str:
    if isinstance(value, Tex):
        return value
    if isinstance(value, str):
        return _escape_breakable(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return integer(value)
    kind = type(value).__name__
    raise FormatError(
        f"a raw {kind} ({str(value)[:40]!r}) reached the output; format it with a filter "
        "such as |num, |mat, |frac or |int"
    )


_LONG_WORD = re.compile(r"\S{41,}")
BREAK_EVERY = 20


def _escape_breakable(text: str) -> str:
    """Escape user text; a word of over 40 characters (a URL, a pasted hash) may break every 20
    characters, so that it wraps instead of running off the page."""
    if not _LONG_WORD.search(text):
        return escape(text)
    out, last = [], 0
    for m in _LONG_WORD.finditer(text):
        word = m.group()
        out.append(escape(text[last:m.start()]))
        pieces = [word[i:i + BREAK_EVERY] for i in range(0, len(word), BREAK_EVERY)]
        out.append(r"\allowbreak{}".join(escape(p) for p in pieces))
        last = m.end()
    out.append(escape(text[last:]))
    return Tex("".join(out))


def search_path(user_dirs: Sequence[Path] = ()) -> list[Path]:
    return [Path(d) for d in user_dirs] + [BUILTIN_TEMPLATES]


def export_templates(dest: Path, force: bool = False) -> list[Path]:
    """Copy the built-in templates into ``dest`` (a starting point for overrides)."""
    from .compile import publish

    if dest.exists() and not dest.is_dir():
        raise TemplateError(f"{dest} is a file; give a folder to export the templates into")
    sources = sorted(p for p in BUILTIN_TEMPLATES.rglob("*.j2") if p.is_file())
    targets = [dest / p.relative_to(BUILTIN_TEMPLATES) for p in sources]
    existing = [t for t in targets if t.exists() or t.is_symlink()]
    if existing and not force:
        raise TemplateError(f"{existing[0]} already exists ({len(existing)} file(s) would be overwritten); "
                            "use --force to overwrite, or export into an empty folder")
    for src, dst in zip(sources, targets, strict=True):
        publish(src.read_bytes(), dst)  # atomic; a read-only or full disk is one clear line
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


@functools.cache
def _code_salt() -> str:
    """The code compiled templates depend on besides their source: this module's environment
    options and the sandbox's code generator (see sandbox.CompiledTemplates)."""
    h = hashlib.sha256(jinja2.__version__.encode())
    for module in (__file__, sandbox.__file__):
        h.update(Path(module).read_bytes())
    return h.hexdigest()


def _bytecode_cache(folder: Path, env: jinja2.Environment) -> sandbox.CompiledTemplates | None:
    """Compiled templates in ``folder``, for templates compiled by ``env``: the salt also holds
    the names of its filters and tests and how each is called (Jinja compiles that in)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only output folder: compile every template
        return None
    calls = sorted(f"{kind} {name} {getattr(fn, 'jinja_pass_arg', None)}"
                   for kind, table in (("filter", env.filters), ("test", env.tests)) for name, fn in table.items())
    salt = hashlib.sha256("\n".join([_code_salt(), *calls]).encode()).hexdigest()
    return sandbox.CompiledTemplates(folder, salt)


def environment(user_dirs: Sequence[Path] = (), fmt: FormatSettings = DEFAULT,
                trace: bool = False, kinds: Sequence[str] = (), cache: Path | None = None) -> jinja2.Environment:
    """The environment of one render. ``kinds``: the report's problem kinds, whose notation
    (reportgen.printer.notation) |sym uses where a template gives no problem (``prob``).
    ``cache``: a folder for compiled templates (not used for a traced render)."""
    for d in user_dirs:
        if not Path(d).is_dir():
            raise TemplateError(f"template folder {d} does not exist")
    loader = jinja2.ChoiceLoader([
        sandbox.FolderLoader([str(p) for p in search_path(user_dirs)]),
        jinja2.PrefixLoader({"builtin": sandbox.FolderLoader(str(BUILTIN_TEMPLATES))}),
    ])
    env = sandbox.LimitedSandbox(
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
        # no constant folding before code generation: each template is rendered about once per
        # compile, and the pass costs more than it saves (0.016 s of a cold build's 0.135 s compiling)
        optimized=False,
    )
    env.filters = {name: sandbox.limited_filter(fn) for name, fn in env.filters.items()}
    env.filters["_bounded_iter"] = sandbox.bounded_iter
    # one printer per render, its settings bound; SymPy's printer (and SymPy) only once a
    # template prints a SymPy expression (StylePrinter.symbolic)
    printer = StylePrinter(fmt, notation.for_kinds(kinds), _symbolic_printer)
    env.filters.update(printer.filters())
    env.filters["sym"] = _sym_in_notation(printer)
    env.globals["tex"] = Tex  # template text that builds LaTeX strings marks them trusted
    env.globals["lipsum"] = sandbox.lipsum
    if cache is not None and not trace:
        env.bytecode_cache = _bytecode_cache(cache, env)
    return env


def _symbolic_printer(fmt: FormatSettings, notes: notation.Notation) -> Any:
    """SymPy's printer in the house style: imported (with SymPy) on a render's first |sym."""
    from .printer.latex import ReportPrinter

    return ReportPrinter(fmt, notes)


def _sym_in_notation(printer: StylePrinter) -> Any:
    """|sym in the notation of the problem being rendered: ``prob`` in the template's context
    (report.tex.j2's loop; macros see it when imported ``with context``)."""

    @jinja2.pass_context
    def sym(context: Any, expr: object, as_written: bool = False, ln: bool = False) -> Tex:
        spec = getattr(context.get("prob"), "spec", None)
        return printer.for_kind(getattr(spec, "kind", None)).sym(expr, as_written, ln)

    return sym


def _template_frame(exc: BaseException) -> str:
    """'file.tex.j2:LINE' of the innermost template frame in a rendering traceback; where that is
    a built-in template (a macro of derivation.tex.j2) called from a user's template, also the
    user's line: '.../derivation.tex.j2:14 (called from mine.tex.j2:2)'."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if not frames:
        return ""
    where = f"{frames[-1].filename}:{frames[-1].lineno}"
    builtin = str(BUILTIN_TEMPLATES) + os.sep
    callers = [f for f in frames if not f.filename.startswith(builtin)]
    if frames[-1].filename.startswith(builtin) and callers:
        where += f" (called from {callers[-1].filename}:{callers[-1].lineno})"
    return where


def render(env: jinja2.Environment, name: str | Sequence[str], context: dict[str, Any]) -> str:
    """Render a template; any failure becomes a TemplateError naming template file and line."""
    outer = getattr(sandbox.limits, "deadline", None)  # a render inside a render keeps the outer limit
    try:
        sandbox.limits.deadline = outer or time.monotonic() + sandbox.MAX_RENDER_SECONDS
        if outer is None:
            sandbox.limits.built = 0
        template = env.select_template([name] if isinstance(name, str) else list(name))
        return _collect(template.generate(context))
    except jinja2.TemplateNotFound as exc:
        folders = ", ".join(str(p) for p in getattr(env.loader.loaders[0], "searchpath", []))  # type: ignore[union-attr]
        names = getattr(exc, "templates", None) or [exc.name]
        wanted = " or ".join(repr(str(n)) for n in names)
        raise TemplateError(f"template {wanted} not found; searched: {folders}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.sandbox.SecurityError as exc:
        where = _template_frame(exc) or "template"
        what = "render limit" if isinstance(exc, sandbox.RenderLimit) else "refused by the template sandbox"
        raise TemplateError(f"{where}: {what}: {_one_line(exc)}") from None
    except (RecursionError, MemoryError) as exc:
        where = _template_frame(exc) or "template"
        what = f"{type(exc).__name__} (endless recursion or a huge value?)"
        raise TemplateError(f"{where}: render limit: {what}") from None
    except (jinja2.UndefinedError, jinja2.TemplateRuntimeError, FormatError, TypeError, ValueError, AttributeError,
            LookupError, ArithmeticError, NameError) as exc:  # NameError: a literal such as 1e400 compiles to inf
        where = _template_frame(exc) or "template"
        raise TemplateError(f"{where}: {type(exc).__name__}: {_one_line(exc)}") from None
    finally:
        sandbox.limits.deadline = outer


def _collect(pieces: Any) -> str:
    """Join the output of a render, holding the output size and time limits piece by piece. A
    limit is raised inside the template (``throw``), so the error names the template line."""
    out, size = [], 0
    for piece in pieces:
        size += len(piece)
        out.append(piece)
        try:
            if size > sandbox.MAX_OUTPUT:
                raise sandbox.RenderLimit(f"the output is larger than {sandbox.MAX_OUTPUT:,} characters")
            if not len(out) & 255:
                sandbox.tick()
        except sandbox.RenderLimit as exc:
            pieces.throw(exc)
            raise
    return "".join(out)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


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
