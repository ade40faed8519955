"""pdflatex in a sandbox, and atomic publishing. The only module that runs processes or writes
into the output folder (reportgen.texformat decides the passes and the preamble format; every
TeX command it runs goes through ``tex_runner`` here).

* A fresh temporary folder that holds only the files we wrote (no latexmk runs, so no
  latexmkrc either; ``LATEXMK_ARGS`` are kept for ``make bench``'s bare-latexmk baseline).
* No shell escape at all (``-no-shell-escape`` and ``shell_escape=f``), paranoid
  ``openin_any``/``openout_any``, a clean environment with HOME inside the temp folder,
  stdin from /dev/null, TZ=UTC and a fixed SOURCE_DATE_EPOCH (with FORCE_SOURCE_DATE=1).
* A time limit that kills the whole process group, so no pdflatex is left behind; a
  ``timeout -s KILL`` watchdog enforces it even if this process is killed.
* Success means exit 0, no ``!`` error in the log, and a PDF that starts with %PDF and ends
  with %%EOF. Only then is it published with os.replace from a temp file in the output
  folder: a failed or killed build leaves the previous PDF untouched.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import texformat
from .errors import LatexError

INSTALL_HINT = (
    "sudo apt-get install texlive-latex-recommended texlive-pictures texlive-science latexmk"
)
LATEXMK_ARGS = (
    "-pdf", "-norc", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
    "-no-shell-escape",
)
DEFAULT_TIMEOUT = 180.0
WATCHDOG_GRACE = 2.0  # seconds after the limit; normally our own kill comes first


def find_latexmk() -> str:
    path = shutil.which("latexmk")
    if path is None or shutil.which("pdflatex") is None:
        raise LatexError(f"latexmk/pdflatex not found on PATH; install TeX Live:\n  {INSTALL_HINT}")
    return path


def watchdog(timeout: float) -> list[str]:
    """``timeout -s KILL`` a little after our own limit: it kills the whole process group even
    when this Python process is gone (killed with SIGKILL), so no pdflatex loops on forever."""
    path = shutil.which("timeout")
    return [path, "-s", "KILL", f"{timeout + WATCHDOG_GRACE:g}"] if path else []


def tex_environment(workdir: Path, source_date_epoch: int) -> dict[str, str]:
    """A clean child environment: nothing of the caller's but PATH."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "TEXMFHOME": str(workdir / "texmf"),
        "TEXMFVAR": str(workdir / "texmf-var"),
        "TEXMFCONFIG": str(workdir / "texmf-config"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "SOURCE_DATE_EPOCH": str(int(source_date_epoch)),
        "FORCE_SOURCE_DATE": "1",
        "openin_any": "p",
        "openout_any": "p",
        "shell_escape": "f",
        "max_print_line": "10000",
        "error_line": "254",
        "half_error_line": "238",
    }


_ERROR_RE = re.compile(r"^(?:(?P<file>[^:\n]+):(?P<line>\d+): |! )(?P<msg>.*)$", re.M)


@dataclass(frozen=True)
class LogError:
    line: int | None  # line of the .tex file, when the log names it
    message: str
    context: str  # the "l.NN ..." line TeX shows, if any


def first_errors(log: str, limit: int = 3) -> list[LogError]:
    """The first ``file:line: message`` (or ``! message``) errors of a TeX log."""
    out = []
    for m in _ERROR_RE.finditer(log):
        if m.group("msg").strip().startswith("==> Fatal error"):
            continue
        after = log[m.end() : m.end() + 600]
        ctx = re.search(r"^l\.(\d+) (.*)$", after, re.M)
        line = int(m.group("line")) if m.group("line") else (int(ctx.group(1)) if ctx else None)
        out.append(LogError(line, m.group("msg").strip(), ctx.group(2).strip() if ctx else ""))
        if len(out) == limit:
            break
    return out


def pdf_is_complete(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(5)
            f.seek(max(0, path.stat().st_size - 1024))
            tail = f.read()
    except OSError:
        return False
    return head == b"%PDF-" and b"%%EOF" in tail


def publish(data: bytes, dest: Path) -> None:
    """Write ``dest`` atomically: a temp file in the same folder, fsync, os.replace."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Compiled:
    pdf: bytes
    log: str
    passes: int = 1  # pdflatex runs
    with_format: bool = False  # compiled with a precompiled preamble


def find_pdflatex() -> str:
    """The command name (run through the clean environment's PATH, as latexmk runs it)."""
    if shutil.which("pdflatex") is None:
        raise LatexError(f"pdflatex not found on PATH; install TeX Live:\n  {INSTALL_HINT}")
    return "pdflatex"


def tex_runner(env: dict[str, str], deadline: float) -> texformat.Runner:
    """Run one TeX command in a folder: environment ``env`` (tex_environment), stdin from
    /dev/null, its own process group, killed whole at ``deadline`` (time.monotonic())."""

    def run(argv: list[str], cwd: Path) -> tuple[int, str]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        proc = subprocess.Popen(
            [*watchdog(remaining), *argv],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            output, _ = proc.communicate(timeout=remaining)
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
        return proc.returncode, output.decode("utf-8", "replace")

    return run


def compile_tex(tex: str, jobname: str, source_date_epoch: int, timeout: float = DEFAULT_TIMEOUT,
                cache: Path | None = None) -> Compiled:
    """Compile ``tex`` in a fresh temp folder; return the PDF bytes and the log, or raise
    LatexError. With ``cache`` (a folder), use a precompiled preamble format and the previous
    build's .aux there, and run only the passes needed (reportgen.texformat)."""
    pdflatex = find_pdflatex()
    with tempfile.TemporaryDirectory(prefix=f"reportgen-{jobname}-") as tmp:
        work = Path(tmp)
        run = tex_runner(tex_environment(work, source_date_epoch), time.monotonic() + timeout)
        try:
            result = texformat.compile_passes(tex, jobname, work, run, pdflatex, cache)
        except (TimeoutError, subprocess.TimeoutExpired):
            raise LatexCompileFailure(
                f"LaTeX did not finish within {timeout:g} s (killed); an endless macro loop?",
                _read(work / f"{jobname}.log"),
            ) from None
        log = _read(work / f"{jobname}.log")
        pdf_path = work / f"{jobname}.pdf"
        errors = first_errors(log)
        if result.code != 0 or errors or not pdf_is_complete(pdf_path):
            raise LatexCompileFailure("LaTeX failed", log or result.output, errors)
        return Compiled(pdf_path.read_bytes(), log, result.passes, result.with_format)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


class LatexCompileFailure(LatexError):
    """Carries the log so the caller can keep it beside the output and point to it."""

    def __init__(self, summary: str, log: str, errors: list[LogError] | None = None) -> None:
        self.summary, self.log = summary, log
        self.errors = errors if errors is not None else first_errors(log)
        super().__init__(summary)


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def publish_build(out_dir: Path, jobname: str, tex: str, compiled: Compiled, stamp: str) -> Path:
    """Publish PDF, log, .tex and the input stamp; clear stale failure files."""
    pdf = out_dir / f"{jobname}.pdf"
    publish(compiled.pdf, pdf)
    publish(tex.encode(), out_dir / f"{jobname}.tex")
    publish(compiled.log.encode(), out_dir / f"{jobname}.log")
    publish(stamp.encode(), out_dir / f".{jobname}.stamp")
    for stale in (f"{jobname}.error.log", f"{jobname}.error.tex"):
        (out_dir / stale).unlink(missing_ok=True)
    return pdf


def publish_failure(out_dir: Path, jobname: str, tex: str, log: str) -> tuple[Path, Path]:
    """Keep the failing .tex and its full log beside the (untouched) last good PDF."""
    tex_path, log_path = out_dir / f"{jobname}.error.tex", out_dir / f"{jobname}.error.log"
    publish(tex.encode(), tex_path)
    publish(log.encode(), log_path)
    return tex_path, log_path


def _make_escape(text: str) -> str:
    return text.replace("$", "$$").replace("#", r"\#").replace(" ", r"\ ").replace(":", r"\:")


def _make_path(path: Path) -> str:
    """A prerequisite as make should read it: relative to the working folder when inside it."""
    rel = os.path.relpath(path)
    return _make_escape(str(Path(path).resolve()) if rel.startswith("..") else rel)


def publish_deps(out_dir: Path, jobname: str, sources: list[Path]) -> Path:
    """Write ``<out>/<id>.d``: a make rule saying the PDF depends on exactly these files (the
    templates the report loaded, its assignment file, the settings file). Each file also gets an
    empty rule, so deleting one makes the report rebuild instead of stopping make."""
    seen = list(dict.fromkeys(_make_path(p) for p in sources))
    target = _make_escape(str(out_dir / f"{jobname}.pdf"))  # as given, like make's $(OUT)/<id>.pdf
    text = f"{target}:" + "".join(f" \\\n  {p}" for p in seen) + "\n" + "".join(f"{p}:\n" for p in seen)
    dest = out_dir / f"{jobname}.d"
    if _read(dest) != text:  # unchanged: leave it (and its mtime) alone
        publish(text.encode(), dest)
    return dest


def write_zip(dest: Path, files: dict[str, bytes], epoch: int) -> Path:
    """A reproducible zip (fixed timestamps, sorted names), published atomically."""
    import io
    import time
    import zipfile

    stamp = time.gmtime(max(epoch, 315532800))[:6]  # zip dates start in 1980
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    publish(buf.getvalue(), dest)
    return dest


def is_up_to_date(out_dir: Path, jobname: str, stamp: str) -> bool:
    pdf, stamp_file = out_dir / f"{jobname}.pdf", out_dir / f".{jobname}.stamp"
    try:
        return stamp_file.read_text() == stamp and pdf_is_complete(pdf)
    except OSError:
        return False


