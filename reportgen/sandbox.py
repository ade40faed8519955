"""The template sandbox: Jinja's SandboxedEnvironment with limits, and a folder loader that
stays inside its folders. Templates are code from strangers (courses share template folders),
so a template can neither reach Python internals, files or processes, nor run or grow without
bound: render time (checked on every call, attribute, loop step and output piece), output size,
range() sizes, and the size of any single string, list or integer an operator, filter or
method builds are all capped. reportgen.render builds the one environment from this class.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import secrets
import threading
import time
import types
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.compiler
import jinja2.filters
import jinja2.loaders
import jinja2.nodes
import jinja2.sandbox
import jinja2.utils
import numpy as np

from .atomic import publish
from .errors import OutputError, TemplateError

MAX_RENDER_SECONDS = 20.0  # a real report renders in about 0.1 s
MAX_OUTPUT = 8_000_000  # characters of .tex (a real report: under 100,000)
MAX_BUILT = 10_000_000  # items (characters, list entries) of all values built in one render
MAX_ARG = 100_000  # integer arguments of str/list methods and built-in filters (widths, counts)
MAX_INT_BITS = 100_000  # integers a template computes with * or **
_WIDTH_RE = re.compile(r"\d{6,}")  # a width or precision of 100,000 or more in a format string
_PATH_OK = frozenset({"name", "stem", "suffix", "suffixes", "as_posix"})
_ARRAY_REFUSED = frozenset({"tofile", "dump", "dumps", "ctypes", "base", "data", "setflags", "resize", "fill",
                            "put", "sort", "partition", "itemset", "byteswap", "newbyteorder"})
limits = threading.local()  # deadline of the render running in this thread (builds use threads)


class RenderLimit(jinja2.sandbox.SecurityError):
    """A template exceeded a render limit (time, size)."""


def tick() -> None:
    deadline = getattr(limits, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise RenderLimit(f"rendering took longer than {MAX_RENDER_SECONDS:g} s (an endless or huge loop?)")


def _check_size(value: Any) -> Any:
    """One value a template built: not too large itself, and within the render's total budget
    (many values just under the size limit, kept in a list, would otherwise fill the memory)."""
    if isinstance(value, (str, list, tuple, dict)):
        if len(value) > MAX_OUTPUT:
            raise RenderLimit(f"a value of {len(value):,} items is larger than the {MAX_OUTPUT:,} allowed")
        limits.built = getattr(limits, "built", 0) + len(value)
        if limits.built > MAX_BUILT:
            raise RenderLimit(f"the template built more than {MAX_BUILT:,} items in all")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise RenderLimit(f"an integer of {value.bit_length():,} bits is larger than allowed")
    return value


def _check_args(args: Sequence[Any], kwargs: dict[str, Any]) -> None:
    for a in (*args, *kwargs.values()):
        if isinstance(a, int) and abs(a) > MAX_ARG:
            raise RenderLimit(f"argument {a} is larger than the {MAX_ARG:,} allowed")
        if isinstance(a, str) and _WIDTH_RE.search(a) and ("%" in a or "{" in a):
            raise RenderLimit("a format string with a width of 100,000 or more")


def bounded_iter(iterable: Any) -> Any:
    """Every for loop iterates through this: the time limit holds inside loops that call nothing."""
    for i, item in enumerate(iterable):
        if not i & 255:
            tick()
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

    def is_safe_callable(self, obj: Any) -> bool:
        """No SymPy methods or constructors (``expr.expand()`` can run for hours in one call)."""
        owner = getattr(obj, "__self__", obj)
        module = getattr(owner if isinstance(owner, type) else type(owner), "__module__", "") or ""
        return super().is_safe_callable(obj) and not module.startswith(("sympy", "mpmath"))

    @staticmethod
    def checked(value: Any) -> Any:
        tick()
        return _check_size(value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        tick()
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
        tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        tick()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Any:
        wrapper = super().wrap_str_format(value)
        if wrapper is not None:
            _check_args((value.__self__,), {})
        return wrapper

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        tick()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, (str, bytes, list, tuple, np.ndarray, np.generic)):
            _check_args(args, kwargs)  # 'x'.center(10**9), '%s'.ljust(...), array.repeat(10**9)
            if isinstance(owner, str) and __obj.__name__ == "replace" and len(args) >= 2:
                _check_replace(owner, *args[:2])
            elif isinstance(owner, str) and __obj.__name__ == "join" and args:
                args = (_check_join(args[0], owner), *args[1:])
        return _check_size(super().call(__context, __obj, *args, **kwargs))


def _check_replace(s: Any, old: Any, new: Any) -> None:
    """Refuse a replace whose result would be too large, before it is built."""
    if isinstance(s, str) and isinstance(old, str) and isinstance(new, str):
        count = len(s) + 1 if not old else s.count(old)
        if len(s) + count * (len(new) - len(old)) > MAX_OUTPUT:
            raise RenderLimit(f"replacing would make {len(s) + count * (len(new) - len(old)):,} characters; "
                              f"at most {MAX_OUTPUT:,} allowed")


def _check_join(items: Any, sep: Any) -> list[Any]:
    """The items of a join as a list, refusing a result that would be too large."""
    items = list(items)
    size = len(str(sep)) * max(len(items) - 1, 0) + sum(len(x) if isinstance(x, str) else 20 for x in items)
    if size > MAX_OUTPUT:
        raise RenderLimit(f"joining would make about {size:,} characters; at most {MAX_OUTPUT:,} allowed")
    return items


def limited_filter(fn: Any) -> Any:
    """A built-in Jinja filter with its arguments (widths, counts) and result bounded."""
    skip = 2 if jinja2.utils._PassArg.from_obj(fn) else 1  # context/environment, then the value

    @functools.wraps(fn)
    def limited(*args: Any, **kwargs: Any) -> Any:
        tick()
        _check_args(args[skip:], kwargs)
        if fn is jinja2.filters.do_format:
            _check_args(args[:1], {})
        elif fn is jinja2.filters.do_replace and len(args) >= 4:
            _check_replace(*args[1:4])
        elif fn is jinja2.filters.do_join and len(args) >= 2:
            args = (args[0], _check_join(args[1], args[2] if len(args) > 2 else kwargs.get("d", "")), *args[2:])
        return _check_size(fn(*args, **kwargs))

    return limited


MAX_TEMPLATE_BYTES = 1_000_000


class FolderLoader(jinja2.FileSystemLoader):
    """Jinja's folder loader, refusing a template that is a symlink out of its folder (a shared
    template folder linking to ~/.ssh/id_rsa or /etc/passwd) or larger than 1 MB. Jinja already
    refuses '..' and skips anything that is not a regular file (FIFOs, devices)."""

    def get_source(self, environment: jinja2.Environment, template: str) -> Any:
        pieces = jinja2.loaders.split_template_path(template)
        for folder in self.searchpath:
            path = os.path.join(folder, *pieces)
            if os.path.isfile(path):
                real, root = os.path.realpath(path), os.path.realpath(folder)
                if os.path.commonpath([real, root]) != root:
                    raise TemplateError(f"{path}: links to {real}, outside the template folder {folder}; refused")
                if os.path.getsize(path) > MAX_TEMPLATE_BYTES:
                    raise TemplateError(f"{path}: larger than {MAX_TEMPLATE_BYTES:,} bytes; refused")
                break
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            raise TemplateError(f"{template}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002 (Jinja's names)
    """Jinja's lorem-ipsum global, bounded (n=10**6 would build hundreds of megabytes)."""
    if not (isinstance(n, int) and isinstance(max, int) and n <= 100 and max <= 1000):
        raise RenderLimit("lipsum() is limited to n <= 100 paragraphs of max <= 1000 words")
    return jinja2.utils.generate_lorem_ipsum(n=n, html=html, min=min, max=max)



class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept on disk between builds (Jinja's bytecode cache), so that a build
    compiles only the templates that changed since the last one. An entry is used only for the
    same template file with the same source (Jinja's checksum), the same Python (Jinja's magic)
    and the same code generator and environment options (``salt``, a hash of the modules that
    define them, is part of every key). Each file starts with an HMAC-SHA-256 of the rest under
    this user's secret (``cache_secret``): a truncated or altered entry, or one written by
    anybody else (an output folder from another machine or person: the entry is Python code,
    run outside the sandbox), is ignored and written anew. Not for traced renders (their
    source is preprocessed)."""

    def __init__(self, directory: Path, salt: str) -> None:
        self.directory, self.salt = directory, salt

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.directory / f"{hashlib.sha256(f'{self.salt}|{bucket.key}'.encode()).hexdigest()[:32]}.cache"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            data = self._path(bucket).read_bytes()
            if hmac.compare_digest(_seal(data[32:]), data[:32]):
                bucket.bytecode_from_string(data[32:])
        except Exception:  # noqa: BLE001 (unreadable or not Jinja's: compile afresh)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        payload = bucket.bytecode_to_string()
        try:
            publish(_seal(payload) + payload, self._path(bucket))
        except (OSError, OutputError):  # a read-only or full disk: the next build compiles again
            pass


def _seal(payload: bytes) -> bytes:
    return hmac.new(cache_secret(), payload, hashlib.sha256).digest()


@functools.cache
def cache_secret() -> bytes:
    """This user's secret for compiled templates: 32 random bytes in
    $XDG_CACHE_HOME/reportgen/template-secret (~/.cache/...), made on first use (readable by the
    user only); a secret of this process alone where that file cannot be kept (entries are then
    used only by the process that wrote them)."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reportgen"
    path = folder / "template-secret"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            tmp = folder / f".template-secret.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
            try:
                os.link(tmp, path)  # atomic, and never replaces another process's secret
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except (OSError, RuntimeError):  # no home folder, a read-only one
        pass
    return secrets.token_bytes(32)
