"""The one Jinja2 environment and the template search path.

Delimiters that do not fight TeX braces::

    ((* block body *)) ... ((* endblock *))     statements
    ((( value|num )))                           expressions
    ((= a comment =))                           comments

Every expression passes through ``finalize``: LaTeX built by latexfmt (``Tex``) prints as it
is, plain strings (user text) are escaped, integers print exactly, and a raw float, array or
None is refused, so an unformatted number cannot reach a report.

Templates are code from strangers (courses share template folders): every template runs in
Jinja's ``SandboxedEnvironment`` (no attribute walks into Python internals, no unsafe calls, no
``str.format`` escapes), with limits on what it can make: render time (``MAX_RENDER_SECONDS``,
checked on every call, attribute, loop step and output piece), output size (``MAX_OUTPUT``),
range() sizes, and the size of any single string, list or integer an operator, filter or method
builds. Breaking a rule is a ``TemplateError`` naming the template file and line.

Search path: the user's folders first, then the built-in ``templates/``. The built-in files are
also reachable as ``builtin/<name>``, so a user template can extend the built-in template of
the same name and override one block.
"""

from __future__ import annotations

import functools
import re
import threading
import time
import traceback
import types
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any

import jinja2
import jinja2.compiler
import jinja2.ext
import jinja2.filters
import jinja2.nodes
import jinja2.sandbox
import jinja2.utils
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
        return _escape_breakable(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return latexfmt.integer(value)
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
        return latexfmt.escape(text)
    out, last = [], 0
    for m in _LONG_WORD.finditer(text):
        word = m.group()
        out.append(latexfmt.escape(text[last:m.start()]))
        pieces = [word[i:i + BREAK_EVERY] for i in range(0, len(word), BREAK_EVERY)]
        out.append(r"\allowbreak{}".join(latexfmt.escape(p) for p in pieces))
        last = m.end()
    out.append(latexfmt.escape(text[last:]))
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


MAX_RENDER_SECONDS = 20.0  # a real report renders in about 0.1 s
MAX_OUTPUT = 8_000_000  # characters of .tex (a real report: under 100,000)
MAX_ARG = 100_000  # integer arguments of str/list methods and built-in filters (widths, counts)
MAX_INT_BITS = 100_000  # integers a template computes with * or **
_WIDTH_RE = re.compile(r"\d{6,}")  # a width or precision of 100,000 or more in a format string
_PATH_OK = frozenset({"name", "stem", "suffix", "suffixes", "as_posix"})
_ARRAY_REFUSED = frozenset({"tofile", "dump", "dumps", "ctypes", "base", "data", "setflags", "resize", "fill",
                            "put", "sort", "partition", "itemset", "byteswap", "newbyteorder"})
_limits = threading.local()  # deadline of the render running in this thread (builds use threads)


class RenderLimit(jinja2.sandbox.SecurityError):
    """A template exceeded a render limit (time, size)."""


def _tick() -> None:
    deadline = getattr(_limits, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise RenderLimit(f"rendering took longer than {MAX_RENDER_SECONDS:g} s (an endless or huge loop?)")


def _check_size(value: Any) -> Any:
    if isinstance(value, (str, list, tuple, dict)) and len(value) > MAX_OUTPUT:
        raise RenderLimit(f"a value of {len(value):,} items is larger than the {MAX_OUTPUT:,} allowed")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise RenderLimit(f"an integer of {value.bit_length():,} bits is larger than allowed")
    return value


def _check_args(args: Sequence[Any], kwargs: dict[str, Any]) -> None:
    for a in (*args, *kwargs.values()):
        if isinstance(a, int) and abs(a) > MAX_ARG:
            raise RenderLimit(f"argument {a} is larger than the {MAX_ARG:,} allowed")
        if isinstance(a, str) and _WIDTH_RE.search(a) and ("%" in a or "{" in a):
            raise RenderLimit("a format string with a width of 100,000 or more")


def _bounded_iter(iterable: Any) -> Any:
    """Every for loop iterates through this: the time limit holds inside loops that call nothing."""
    for i, item in enumerate(iterable):
        if not i & 255:
            _tick()
        yield item


class _LoopChecks(jinja2.compiler.CodeGenerator):
    def visit_Template(self, node: jinja2.nodes.Template, frame: Any = None) -> None:
        for loop in node.find_all(jinja2.nodes.For):  # before code generation collects the filters
            loop.iter = jinja2.nodes.Filter(loop.iter, "_bounded_iter", [], [], None, None, lineno=loop.lineno)
        super().visit_Template(node, frame)

    def visit_Concat(self, node: jinja2.nodes.Concat, frame: Any) -> None:
        self.write("environment.checked(")
        super().visit_Concat(node, frame)
        self.write(")")


class LimitedSandbox(jinja2.sandbox.SandboxedEnvironment):
    """Jinja's sandbox, plus limits on time and on the size of what a template builds."""

    code_generator_class = _LoopChecks
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's rules (nothing starting with _), and no file access or raw memory through the
        objects a report passes in: paths show only their name, arrays cannot write files."""
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, types.ModuleType) or isinstance(value, types.ModuleType):
            return False
        if isinstance(obj, PurePath):
            return attr in _PATH_OK
        if isinstance(obj, (np.ndarray, np.generic)):
            return attr not in _ARRAY_REFUSED
        return True

    @staticmethod
    def checked(value: Any) -> Any:
        _tick()
        return _check_size(value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _tick()
        if operator == "*" and isinstance(right, int) and isinstance(left, (str, list, tuple)):
            left, right = right, left
        if operator == "*" and isinstance(left, int) and isinstance(right, (str, list, tuple)):
            if left * len(right) > MAX_OUTPUT:
                raise RenderLimit(f"{len(right)} items times {left} is larger than the {MAX_OUTPUT:,} allowed")
        elif operator == "*" and isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise RenderLimit("an integer product larger than allowed")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            if left.bit_length() * right > MAX_INT_BITS:
                raise RenderLimit(f"{left} ** {right} is larger than allowed")
        elif operator == "%" and isinstance(left, str):
            _check_args((left,), {})
        return _check_size(super().call_binop(context, operator, left, right))

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _tick()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Any:
        wrapper = super().wrap_str_format(value)
        if wrapper is not None:
            _check_args((value.__self__,), {})
        return wrapper

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _tick()
        if isinstance(__obj, (types.BuiltinMethodType, types.MethodWrapperType)):
            _check_args(args, kwargs)  # 'x'.center(10**9), '%s'.ljust(...)
        return _check_size(super().call(__context, __obj, *args, **kwargs))


def _limited_filter(fn: Any) -> Any:
    """A built-in Jinja filter with its arguments (widths, counts) and result bounded."""
    skip = 2 if jinja2.utils._PassArg.from_obj(fn) else 1  # context/environment, then the value

    @functools.wraps(fn)
    def limited(*args: Any, **kwargs: Any) -> Any:
        _tick()
        _check_args(args[skip:], kwargs)
        if fn is jinja2.filters.do_format:
            _check_args(args[:1], {})
        return _check_size(fn(*args, **kwargs))

    return limited


def environment(user_dirs: Sequence[Path] = (), fmt: FormatSettings = latexfmt.DEFAULT,
                trace: bool = False) -> jinja2.Environment:
    for d in user_dirs:
        if not Path(d).is_dir():
            raise TemplateError(f"template folder {d} does not exist")
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader([str(p) for p in search_path(user_dirs)]),
        jinja2.PrefixLoader({"builtin": jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES))}),
    ])
    env = LimitedSandbox(
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
    env.filters = {name: _limited_filter(fn) for name, fn in env.filters.items()}
    env.filters["_bounded_iter"] = _bounded_iter
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
    outer = getattr(_limits, "deadline", None)  # a render inside a render keeps the outer limit
    try:
        _limits.deadline = outer or time.monotonic() + MAX_RENDER_SECONDS
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
        what = "render limit" if isinstance(exc, RenderLimit) else "refused by the template sandbox"
        raise TemplateError(f"{where}: {what}: {_one_line(exc)}") from None
    except (RecursionError, MemoryError) as exc:
        where = _template_frame(exc) or "template"
        what = f"{type(exc).__name__} (endless recursion or a huge value?)"
        raise TemplateError(f"{where}: render limit: {what}") from None
    except (jinja2.UndefinedError, jinja2.TemplateRuntimeError, FormatError, TypeError, ValueError, AttributeError,
            LookupError, ArithmeticError) as exc:
        where = _template_frame(exc) or "template"
        raise TemplateError(f"{where}: {type(exc).__name__}: {_one_line(exc)}") from None
    finally:
        _limits.deadline = outer


def _collect(pieces: Any) -> str:
    """Join the output of a render, holding the output size and time limits piece by piece. A
    limit is raised inside the template (``throw``), so the error names the template line."""
    out, size = [], 0
    for piece in pieces:
        size += len(piece)
        out.append(piece)
        try:
            if size > MAX_OUTPUT:
                raise RenderLimit(f"the output is larger than {MAX_OUTPUT:,} characters")
            if not len(out) & 255:
                _tick()
        except RenderLimit as exc:
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
