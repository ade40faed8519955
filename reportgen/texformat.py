"""Fast LaTeX: a precompiled preamble format, and only the pdflatex passes a document needs.

**The format.** The preamble (everything before ``\\begin{document}``, or before a line
``%% reportgen: end of the precompiled preamble`` when the template marks one) is dumped once
with ``pdflatex -ini "&pdflatex" <preamble>.tex`` ending in ``\\dump``, and every report with that
preamble is compiled with ``-fmt``. Reports whose preambles are equal share one format; a
template that changes the preamble gets its own. The format lives in ``<cache>/formats/`` (or in
the folder REPORTGEN_FORMAT_CACHE names), keyed by the preamble's bytes, the TeX version and
reportgen's version; it is written with a temp file and os.replace under a lock, and described by
a manifest (its SHA-256 and the size and mtime of every file the dump read): a truncated or
altered format, or an updated package, is rebuilt, never trusted. A compile that fails to load the
format is retried without it.

What a dump does not keep, the document replays on its first line (so PDFs are byte-identical
with and without the format): ``\\pdftrailerid`` (not dumped by pdfTeX) and pdfTeX's colour
stack, which xcolor's ``\\color{black}`` at load time pushes to. Lines of the preamble become
empty lines in the document, so error line numbers stay those of the generated .tex.

**The passes.** Instead of latexmk, pdflatex runs directly (with the same flags and the same
hardened environment, through compile.py's runner) until the files it reads back (.aux, .out,
.toc, ...; those named in its -recorder list or reported as "No file") no longer change: the
rule latexmk follows. The files of the last build are kept in the cache and seeded into the
next one, so an unchanged cross-reference state costs one pass; a first build whose .aux holds
nothing that changes the output (no labels, no table widths, no contents lines) costs one pass
too.
"""

from __future__ import annotations

import base64
import fcntl
import functools
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .atomic import publish

PDFLATEX_ARGS = ("-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "-no-shell-escape",
                 "-recorder")
MAX_PASSES = 5
MAX_FORMATS = 6  # formats kept in the cache (the newest)
RECIPE = "1"  # bump when the way formats are made changes: old formats are then never used
END_MARK = "%% reportgen: end of the precompiled preamble"
_PRELUDE_CS = "reportgen@prelude"
# Run after the preamble, before \dump: what the document must replay (see the module docstring).
_BEFORE_DUMP = (
    "\\begingroup\\expandafter\\ifx\\csname ver@xcolor.sty\\endcsname\\relax"
    f"\\global\\expandafter\\let\\csname {_PRELUDE_CS}\\endcsname\\relax"
    f"\\else\\global\\expandafter\\let\\csname {_PRELUDE_CS}\\endcsname\\set@color\\fi\\endgroup\n"
)
_TRAILER_ID = re.compile(r"\\pdftrailerid\s*\{[^{}]*\}")
_FORMAT_FAILURE = re.compile(r"Fatal format file error|Could not undump|can't find the format file|was written by|"
                             r"format file .* (?:is|was) (?:corrupt|not)", re.I)
# .aux lines that change nothing in the output when read back (first-pass rule, see needs_rerun)
_INERT_AUX = re.compile(r"\\relax|\\providecommand\\(?:hyper@newdestlabel\[2\]|HyField@AuxAddToFields\[1\]|"
                        r"HyField@AuxAddToCoFields\[2\])\{\}|\\gdef \\@abspage@last\{\d+\}")
_HYPERREF_AUX = {  # hyperref's fallback for documents that drop it; no effect while it is loaded
    "\\providecommand\\HyperFirstAtBeginDocument{\\AtBeginDocument}",
    "\\HyperFirstAtBeginDocument{\\ifx\\hyper@anchor\\@undefined", "\\global\\let\\oldnewlabel\\newlabel",
    "\\gdef\\newlabel#1#2{\\newlabelxx{#1}#2}", "\\gdef\\newlabelxx#1#2#3#4#5#6{\\oldnewlabel{#1}{{#2}{#3}}}",
    "\\AtEndDocument{\\ifx\\hyper@anchor\\@undefined", "\\let\\newlabel\\oldnewlabel", "\\fi}",
    "\\global\\let\\hyper@last\\relax", "\\gdef\\HyperFirstAtBeginDocument#1{#1}",
}
_UNDEFINED = re.compile(r"[Rr]eference `[^']*' on page \d+ undefined|There were undefined references|Citation `")
_GENERIC_RERUN = re.compile(r"Label\(s\) may have changed\. Rerun|^\(rerunfilecheck\)|Package rerunfilecheck")
# A document that will likely need a second pass: its first pass then skips writing the PDF
_EXPECTS_RERUN = re.compile(r"\\(?:ref|pageref|eqref|autoref|nameref|cref|cite|tableofcontents|listoffigures|"
                            r"listoftables)\b|\\begin\{longtable\}|legend to name")
_OUTPUTS = {".log", ".pdf", ".fls", ".fmt", ".tex"}  # written by a pass but never read back


# What compile.py hands in: run ``argv`` (pdflatex and its arguments) in folder ``cwd`` with the
# hardened environment and the time limit; return (exit code, terminal output).
Runner = Callable[[list[str], Path], tuple[int, str]]


@dataclass(frozen=True)
class Split:
    preamble: str  # what is dumped
    body: str  # what is compiled with the format: same line numbers as the whole document


def split(tex: str) -> Split | None:
    """The document cut at the end of its preamble, or None when it has no clear one."""
    lines = tex.splitlines(keepends=True)
    ends = (i for i, line in enumerate(lines)
            if line.strip() == END_MARK or line.strip().startswith("\\begin{document}"))
    i = next(ends, None)
    if i is None:
        return None
    preamble = "".join(lines[:i])
    if i == 0 or "\\documentclass" not in preamble or "\\dump" in preamble:
        return None
    replay = "".join(_TRAILER_ID.findall(preamble)) + f"\\csname {_PRELUDE_CS}\\endcsname"
    return Split(preamble, replay + "\n" * i + "".join(lines[i:]))


@functools.lru_cache(maxsize=4)
def tex_version(pdflatex: str) -> str:
    """``pdflatex --version`` and the base format's size and mtime (a TeX Live update changes them)."""
    def output(*argv: str) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30,
                                  env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    base = output("kpsewhich", "-engine=pdftex", "pdflatex.fmt").strip()
    try:
        st = os.stat(base)
        stamp = f"{base} {st.st_size} {st.st_mtime_ns}"
    except OSError:
        stamp = ""
    return f"{output(pdflatex, '--version')}\n{stamp}"


def format_key(preamble: str, version: str) -> str:
    h = hashlib.sha256()
    for part in (RECIPE, __version__, version, preamble):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _inputs(fls: Path, work: Path) -> list[list]:
    """Files outside ``work`` that a run read (its -recorder list), with size and mtime."""
    seen, out = set(), []
    for line in fls.read_text(errors="replace").splitlines():
        if line.startswith("INPUT "):
            path = os.path.normpath(os.path.join(work, line[6:]))
            if path not in seen and not path.startswith(str(work) + os.sep) and os.path.isfile(path):
                seen.add(path)
                st = os.stat(path)
                out.append([path, st.st_size, st.st_mtime_ns])
    return out


_HASHED: dict[tuple, str] = {}  # (path, inode, size, mtime) of a format -> its hash, this process


def valid_format(fmt: Path) -> bool:
    """The format at ``fmt`` is whole (its manifest's hash) and no file it was made from changed.
    The hash of a format file is computed once per process while the file stays the same one
    (formats are published by rename: a new format is a new inode)."""
    try:
        manifest = json.loads(fmt.with_suffix(".json").read_text())
        st = fmt.stat()
        if st.st_size != manifest["size"]:
            return False
        stamp = (str(fmt), st.st_ino, st.st_size, st.st_mtime_ns)
        if stamp not in _HASHED:
            _HASHED[stamp] = _sha256(fmt)
        if _HASHED[stamp] != manifest["sha256"]:
            return False
        for path, size, mtime in manifest["inputs"]:
            st = os.stat(path)
            if (st.st_size, st.st_mtime_ns) != (size, mtime):
                return False
        return True
    except (OSError, ValueError, KeyError, TypeError):
        return False


def formats_folder(cache: Path) -> Path:
    """``<cache>/formats``, or the folder named by REPORTGEN_FORMAT_CACHE: one set of formats for
    builds into many output folders (the test suite's, each test with its own build folder)."""
    shared = os.environ.get("REPORTGEN_FORMAT_CACHE", "")
    return Path(shared) if shared else cache / "formats"


def ensure_format(preamble: str, cache: Path, work: Path, run: Runner, pdflatex: str) -> Path | None:
    """The cached format for ``preamble`` (built now if missing or not valid); None when the
    preamble cannot be dumped (the document is then compiled whole)."""
    folder = formats_folder(cache)
    folder.mkdir(parents=True, exist_ok=True)
    key = format_key(preamble, tex_version(pdflatex))
    fmt = folder / f"{key}.fmt"
    if valid_format(fmt):
        return fmt
    with (folder / f"{key}.lock").open("w") as lock:  # one build makes it; the others wait, then reuse it
        fcntl.flock(lock, fcntl.LOCK_EX)
        if valid_format(fmt):
            return fmt
        failed = fmt.with_suffix(".failed")  # this preamble does not dump with this TeX: compile whole
        if failed.exists():
            return None
        made = dump(preamble, work / "format", run, pdflatex)
        if made is None:
            publish(b"", failed)
            return None
        dumped, inputs = made
        fmt.with_suffix(".json").unlink(missing_ok=True)  # no manifest until the new format is in place
        publish(dumped.read_bytes(), fmt)
        manifest = {"sha256": _sha256(fmt), "size": fmt.stat().st_size, "inputs": inputs}
        publish(json.dumps(manifest).encode(), fmt.with_suffix(".json"))
    prune(folder, keep=fmt)
    return fmt


def prune(folder: Path, keep: Path, limit: int = MAX_FORMATS) -> None:
    """Delete the oldest formats beyond ``limit`` (a few MB each; one per preamble ever built).
    A build that is about to use one that goes compiles without it."""
    found = sorted(folder.glob("*.fmt"), key=lambda p: p.stat().st_mtime_ns if p.exists() else 0, reverse=True)
    for old in (p for p in found[limit:] if p != keep):
        for suffix in (".json", ".fmt", ".lock", ".failed"):
            old.with_suffix(suffix).unlink(missing_ok=True)


def dump(preamble: str, folder: Path, run: Runner, pdflatex: str) -> tuple[Path, list[list]] | None:
    """``pdflatex -ini`` on the preamble: the .fmt file and the files it read, or None on failure."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "preamble.tex").write_text(preamble + "\n\\makeatletter\n" + _BEFORE_DUMP + "\\makeatother\n\\dump\n",
                                         encoding="utf-8")
    code, _ = run([pdflatex, "-ini", "-jobname=preamble", *PDFLATEX_ARGS, "&pdflatex", "preamble.tex"], folder)
    fmt = folder / "preamble.fmt"
    if code != 0 or not fmt.is_file():
        return None
    return fmt, _inputs(folder / "preamble.fls", folder)


def _state(work: Path, jobname: str) -> dict[str, bytes]:
    """The files a pass wrote that a later pass may read back (.aux, .out, .toc, ...)."""
    return {p.name: p.read_bytes() for p in work.glob(f"{jobname}.*")
            if p.is_file() and p.suffix not in _OUTPUTS}


def _read_back(work: Path, jobname: str) -> set[str]:
    """Names of our own files the last pass read, or looked for and missed ("No file x.toc.")."""
    names = set()
    try:
        for line in (work / f"{jobname}.fls").read_text(errors="replace").splitlines():
            if line.startswith("INPUT "):
                names.add(os.path.basename(line[6:]))
    except OSError:
        pass
    log = _read(work / f"{jobname}.log")
    names.update(re.findall(r"^No file (\S+)\.$", log, re.M))
    return names


def _lines_inert(aux: str) -> bool:
    """Every line of a first pass's .aux is one that changes nothing when read back at
    \\begin{document}: fixed hyperref lines, the page total, \\@writefile (ignored there: the
    .toc/.lof files are compared themselves), \\newlabel (see needs_rerun)."""
    for line in aux.splitlines():
        line = line.strip()
        if not line or _INERT_AUX.fullmatch(line) or line in _HYPERREF_AUX:
            continue
        if line.startswith(("\\@writefile{", "\\newlabel{")) and line.count("{") == line.count("}"):
            continue
        return False
    return True


def first_pass_suffices(aux: bytes, log: str) -> bool:
    """A first pass (no .aux before it) is final when its .aux is inert (_lines_inert), no label
    was referenced before it was defined (every \\ref of a first pass is undefined, and LaTeX says
    so), and no package asks for a rerun (longtable widths, the last-page hook, ...; rerunfilecheck
    is left to the file comparison)."""
    if not _lines_inert(aux.decode("utf-8", "replace")) or _UNDEFINED.search(log):
        return False
    rerun = [line for line in log.splitlines() if "Rerun" in line]
    return all(_GENERIC_RERUN.search(line) for line in rerun)


def needs_rerun(before: dict[str, bytes], after: dict[str, bytes], read: set[str], jobname: str,
                log: str | None = None) -> bool:
    """Another pass is needed when a file this pass read (or looked for) differs now; a new
    .aux is judged by first_pass_suffices (given the pass's ``log``; None: any new .aux reruns)."""
    for name in (set(before) | set(after)) & (read | {f"{jobname}.aux"}):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None and name == f"{jobname}.aux" and log is not None and first_pass_suffices(new or b"", log):
            continue
        if old is None and not new:  # an empty .out or .toc where there was none reads the same
            continue
        return True
    return False


def load_seed(cache: Path, jobname: str) -> dict[str, bytes]:
    try:
        saved = json.loads((cache / "aux" / f"{jobname}.json").read_text())
        return {name: base64.b64decode(data) for name, data in saved.items() if name.startswith(f"{jobname}.")
                and "/" not in name}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def save_seed(cache: Path, jobname: str, state: dict[str, bytes]) -> None:
    text = json.dumps({name: base64.b64encode(data).decode() for name, data in sorted(state.items())})
    publish(text.encode(), cache / "aux" / f"{jobname}.json")


@dataclass(frozen=True)
class Passes:
    code: int  # exit code of the last pass
    output: str  # its terminal output
    passes: int
    with_format: bool


def compile_passes(tex: str, jobname: str, work: Path, run: Runner, pdflatex: str, cache: Path | None) -> Passes:
    """Compile ``tex`` in ``work`` (with a format and seeded files when ``cache`` is given)."""
    parts = split(tex) if cache is not None else None
    fmt = ensure_format(parts.preamble, cache, work, run, pdflatex) if parts and cache is not None else None
    seed = load_seed(cache, jobname) if cache is not None else {}
    result = _passes(tex, parts, fmt, jobname, work, run, pdflatex, seed)
    if result.code != 0 and (seed or fmt):
        log = _read(work / f"{jobname}.log")
        if fmt and _FORMAT_FAILURE.search(result.output + log):
            fmt.with_suffix(".json").unlink(missing_ok=True)  # never trusted again: rebuilt next time
            result = _afresh(tex, None, None, jobname, work, run, pdflatex)
        elif seed and re.search(rf"^\./{re.escape(jobname)}\.aux:\d+: ", log, re.M):  # a stale .aux of ours
            result = _afresh(tex, parts, fmt, jobname, work, run, pdflatex)
    if result.code == 0 and cache is not None:
        save_seed(cache, jobname, _state(work, jobname))
    return result


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _afresh(tex: str, parts: Split | None, fmt: Path | None, jobname: str, work: Path, run: Runner,
            pdflatex: str) -> Passes:
    """Again from a clean folder and no seeded files."""
    for p in work.glob(f"{jobname}*"):
        if p.is_file():
            p.unlink()
    return _passes(tex, parts, fmt, jobname, work, run, pdflatex, {})


def _passes(tex: str, parts: Split | None, fmt: Path | None, jobname: str, work: Path, run: Runner,
            pdflatex: str, seed: dict[str, bytes]) -> Passes:
    argv = [pdflatex, *PDFLATEX_ARGS]
    if fmt is not None and parts is not None:
        local = work / f"{jobname}-preamble.fmt"
        try:
            os.link(fmt, local)  # no copy of a few MB; the cache may be replaced meanwhile, the link stays
        except OSError:
            try:
                local.write_bytes(fmt.read_bytes())
            except OSError:  # pruned meanwhile: the whole document, without a format
                fmt = None
        if fmt is not None:
            argv.append(f"-fmt={local.stem}")
            tex = parts.body
    (work / f"{jobname}.tex").write_text(tex, encoding="utf-8")
    for name, data in seed.items():
        (work / name).write_bytes(data)
    argv.append(f"{jobname}.tex")
    # with no .aux to start from, a document with references will need two passes: the first
    # then only has to write the .aux, not the PDF (-draftmode; the same typesetting, less work)
    draft = not seed and bool(_EXPECTS_RERUN.search(tex))
    lenient = "PreviousTotalPages" not in tex  # the one kernel use of the page total in the .aux
    n = 0
    while True:
        n += 1
        before = _state(work, jobname)
        code, output = run([*argv[:-1], "-draftmode", argv[-1]] if draft else argv, work)
        if code != 0:
            return Passes(code, output, n, fmt is not None)
        if draft:  # no PDF yet: one more pass in any case
            draft = False
            continue
        log = _read(work / f"{jobname}.log") if lenient else None
        if n >= MAX_PASSES or not needs_rerun(before, _state(work, jobname), _read_back(work, jobname), jobname, log):
            return Passes(code, output, n, fmt is not None)
