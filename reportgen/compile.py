"""pdflatex in a sandbox, and atomic publishing. The only module that runs processes or writes
into the output folder (reportgen.texformat decides the passes and the preamble format; every
TeX command it runs goes through ``tex_runner`` here).

* A fresh temporary folder that holds only the files we wrote (no latexmk runs, so no
  latexmkrc either; ``LATEXMK_ARGS`` are kept for ``make bench``'s bare-latexmk baseline).
* No shell escape at all (``-no-shell-escape`` and ``shell_escape=f``), paranoid
  ``openin_any``/``openout_any``, a clean environment with HOME inside the temp folder,
  stdin from /dev/null, TZ=UTC and a fixed SOURCE_DATE_EPOCH (with FORCE_SOURCE_DATE=1).
* A filesystem jail (bubblewrap, reportgen.jail) where only the TeX tree, the system files and
  the build folder exist; probed once per process. Without it: one warning line and TeX's own
  switches, or an error when REPORTGEN_REQUIRE_JAIL=1 (CI).
* A time limit that kills the whole process group, so no pdflatex is left behind; a
  ``timeout -s KILL`` watchdog enforces it even if this process is killed. SIGTERM/SIGHUP
  (``abort_all``) stop TeX and remove the build folder; a later build removes folders that a
  SIGKILLed build left (``sweep_stale``). Each file TeX writes is capped (RLIMIT_FSIZE), and only
  the start and end of a huge log are kept.
* Success means exit 0, no ``!`` error in the log, and a PDF that starts with %PDF and ends
  with %%EOF. Only then is it published with os.replace from a temp file in the output
  folder: a failed or killed build leaves the previous PDF untouched. PDF, .tex, .log and stamp
  are published as one unit under a lock on the output (``output_lock``), and the up-to-date
  check reads under the same lock, so the stamp always describes the PDF beside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import jail, texformat
from .atomic import publish, stage, writing
from .errors import LatexError
from .texlog import LogError, first_errors, past_bottom, read_capped
from .texlog import read_all as _read

INSTALL_HINT = (
    "sudo apt-get install texlive-latex-recommended texlive-pictures texlive-science latexmk"
)
LATEXMK_ARGS = (
    "-pdf", "-norc", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
    "-no-shell-escape",
)
DEFAULT_TIMEOUT = 180.0
WATCHDOG_GRACE = 2.0  # seconds after the limit; normally our own kill comes first
MAX_FILE_BYTES = 64 * 2**20  # any one file TeX writes (log, PDF): a template flooding the log stops here
MAX_FOLDER_BYTES = 256 * 2**20  # all files TeX writes together (\openout of many files)
EPOCH_RANGE = (315532800, 4354819199)  # 1980-01-01 .. 2107-12-31 23:59:59 UTC: zip and PDF dates both fit
OUTPUT_NAME = ".reportgen-latexmk-output"  # latexmk's terminal output, in the build folder


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


def clamp_epoch(epoch: int) -> int:
    """A date that zip (1980-2107) and PDF (4-digit years, no year 1) can both store."""
    return min(max(int(epoch), EPOCH_RANGE[0]), EPOCH_RANGE[1])


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
        "SOURCE_DATE_EPOCH": str(clamp_epoch(source_date_epoch)),
        "FORCE_SOURCE_DATE": "1",
        "openin_any": "p",
        "openout_any": "p",
        "shell_escape": "f",
        "max_print_line": "10000",
        "error_line": "254",
        "half_error_line": "238",
    }


def pdf_is_complete(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(5)
            f.seek(max(0, path.stat().st_size - 1024))
            tail = f.read()
    except OSError:
        return False
    return head == b"%PDF-" and b"%%EOF" in tail


@contextlib.contextmanager
def output_lock(out_dir: Path, jobname: str) -> Iterator[None]:
    """Exclusive use of ``out_dir``'s files of ``jobname`` (flock: between processes and threads)."""
    lock = out_dir / f".{jobname}.lock"
    with writing(out_dir):
        out_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:  # a read-only output folder can still be checked for being up to date
            fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def publish_set(out_dir: Path, jobname: str, files: dict[str, bytes], stamp: str | None = None) -> None:
    """Publish several files as one unit, under the output lock: all are written first (a full
    disk fails here, replacing nothing), then the stamp goes, the files are renamed into place,
    and the new stamp is written last. A stamp therefore always describes the files beside it."""
    stamp_file = out_dir / f".{jobname}.stamp"
    with output_lock(out_dir, jobname), writing(out_dir):
        staged: list[tuple[str, Path]] = []
        try:
            for name, data in files.items():
                staged.append((stage(data, out_dir / name), out_dir / name))
            if stamp is not None:
                stamp_file.unlink(missing_ok=True)
            for tmp, dest in staged:
                os.replace(tmp, dest)
        finally:
            for tmp, _ in staged:
                Path(tmp).unlink(missing_ok=True)
        if stamp is not None:
            publish(stamp.encode(), stamp_file)


@dataclass(frozen=True)
class Compiled:
    pdf: bytes
    log: str
    passes: int = 1  # pdflatex runs
    with_format: bool = False  # compiled with a precompiled preamble


class Interrupted(KeyboardInterrupt):
    """SIGTERM/SIGHUP (see abort_all): TeX is stopped and the build folder removed."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


_abort = threading.Event()


def abort_all() -> None:
    """Stop every running TeX child (each build thread notices within 0.1 s) and start no more."""
    _abort.set()


def limited(argv: Sequence[str]) -> list[str]:
    """Cap the size of every file the child writes (RLIMIT_FSIZE, inherited by all of TeX)."""
    prlimit = shutil.which("prlimit")
    return [prlimit, f"--fsize={MAX_FILE_BYTES}", "--", *argv] if prlimit else list(argv)


def sweep_stale(jobname: str) -> None:
    """Remove build folders of this job that a killed build (SIGKILL) left: their pid is gone."""
    prefix = f"reportgen-{jobname}-"
    for d in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        pid, _, rest = d.name[len(prefix):].partition("-")
        if not pid.isdigit() or not rest or "-" in rest or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass  # alive (another user's process): not ours to remove


def find_pdflatex() -> str:
    """The command name (run through the clean environment's PATH, as latexmk runs it)."""
    if shutil.which("pdflatex") is None:
        raise LatexError(f"pdflatex not found on PATH; install TeX Live:\n  {INSTALL_HINT}")
    return "pdflatex"


def tex_runner(source_date_epoch: int, deadline: float, timeout: float, jobname: str) -> texformat.Runner:
    """Run one TeX command (texformat decides which, and how many passes) in folder ``cwd``:
    jailed, file sizes limited, its own process group, stopped at ``deadline`` (time.monotonic(),
    one limit for the whole compile) or on abort_all()."""

    def run(argv: list[str], cwd: Path) -> tuple[int, str]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        code = run_tex(argv, cwd, source_date_epoch, remaining, jobname, limit=timeout)
        return code, read_capped(cwd / OUTPUT_NAME)

    return run


def compile_tex(tex: str, jobname: str, source_date_epoch: int, timeout: float = DEFAULT_TIMEOUT,
                cache: Path | None = None) -> Compiled:
    """Compile ``tex`` in a fresh temp folder; return the PDF bytes and the log, or raise
    LatexError. With ``cache`` (a folder), use a precompiled preamble format and the previous
    build's .aux there, and run only the passes needed (reportgen.texformat)."""
    pdflatex = find_pdflatex()
    sweep_stale(jobname)
    with tempfile.TemporaryDirectory(prefix=f"reportgen-{jobname}-{os.getpid()}-") as tmp:
        work = Path(tmp)
        run = tex_runner(source_date_epoch, time.monotonic() + timeout, timeout, jobname)
        try:
            result = texformat.compile_passes(tex, jobname, work, run, pdflatex, cache)
        except (TimeoutError, subprocess.TimeoutExpired):
            raise LatexCompileFailure(f"LaTeX did not finish within {timeout:g} s (killed); an endless macro loop?",
                                      _log_after_kill(work, jobname)) from None
        log = read_capped(work / f"{jobname}.log")
        pdf_path = work / f"{jobname}.pdf"
        errors = first_errors(log)
        if result.code != 0 or errors or not pdf_is_complete(pdf_path):
            summary = "LaTeX failed"
            if _flooded(work):
                summary = f"LaTeX failed: a file grew past the {MAX_FILE_BYTES // 2**20} MB limit (a flooded log?)"
            raise LatexCompileFailure(summary, log or result.output, errors)
        if cut := past_bottom(log):
            pages = ", ".join(f"page {page} by {pt:.0f} pt" for page, pt in cut[:3]) + (", ..." if len(cut) > 3 else "")
            raise LatexCompileFailure(f"LaTeX: content runs past the bottom of the paper ({pages}): a display or "
                                      "matrix taller than a page, which the PDF would cut off", log)
        return Compiled(pdf_path.read_bytes(), log, result.passes, result.with_format)


def run_tex(command: list[str], work: Path, source_date_epoch: int, timeout: float, jobname: str,
            limit: float | None = None) -> int:
    """Run ``command`` jailed and limited in ``work``; its exit code. Ends the whole process group
    on the time limit, on abort_all() and on any exception (SIGTERM in the main thread)."""
    if _abort.is_set():
        raise Interrupted(signal.SIGTERM)
    stdbuf = shutil.which("stdbuf")  # TeX's terminal output line by line: a kill loses none of it
    argv = [*watchdog(timeout), *limited(jail.jailed([*([stdbuf, "-oL"] if stdbuf else []), *command], work))]
    with open(work / OUTPUT_NAME, "wb") as output:
        proc = subprocess.Popen(argv, cwd=work, env=tex_environment(work, source_date_epoch),
                                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        polls = 0
        while True:
            polls += 1
            try:
                return proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                if _abort.is_set():
                    raise Interrupted(signal.SIGTERM) from None
                if time.monotonic() > deadline:
                    _stop(proc)
                    raise LatexCompileFailure(f"LaTeX did not finish within {limit or timeout:g} s (killed); "
                                              "an endless macro loop?", _log_after_kill(work, jobname)) from None
                if polls % 5 == 0 and _folder_bytes(work) > MAX_FOLDER_BYTES:
                    _stop(proc)
                    raise LatexCompileFailure(f"LaTeX wrote more than {MAX_FOLDER_BYTES // 2**20} MB into its "
                                              "build folder (killed)", _log_after_kill(work, jobname)) from None
    except BaseException:
        _stop(proc)
        raise


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _log_after_kill(work: Path, jobname: str) -> str:
    """What LaTeX wrote before the kill: the log (TeX's buffer may not have reached it) and the
    terminal output, which TeX flushes line by line."""
    log, output = read_capped(work / f"{jobname}.log"), read_capped(work / OUTPUT_NAME)
    return f"{log}\n\n--- latexmk's terminal output until the kill ---\n{output}" if log.strip() else output


def _folder_bytes(work: Path) -> int:
    total = 0
    for root, _, files in os.walk(work):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def _flooded(work: Path) -> bool:
    return any(p.stat().st_size >= MAX_FILE_BYTES for p in work.iterdir() if p.is_file())


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
    """Publish PDF, log, .tex and the input stamp as one unit; clear stale failure files."""
    files = {f"{jobname}.pdf": compiled.pdf, f"{jobname}.tex": tex.encode(), f"{jobname}.log": compiled.log.encode()}
    publish_set(out_dir, jobname, files, stamp)
    with writing(out_dir):
        for stale in (f"{jobname}.error.log", f"{jobname}.error.tex"):
            (out_dir / stale).unlink(missing_ok=True)
    return out_dir / f"{jobname}.pdf"


def publish_failure(out_dir: Path, jobname: str, tex: str, log: str) -> tuple[Path, Path]:
    """Keep the failing .tex and its full log beside the (untouched) last good PDF."""
    tex_path, log_path = out_dir / f"{jobname}.error.tex", out_dir / f"{jobname}.error.log"
    publish_set(out_dir, jobname, {tex_path.name: tex.encode(), log_path.name: log.encode()})
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
    import zipfile

    stamp = time.gmtime(clamp_epoch(epoch))[:6]  # zip stores the years 1980 to 2107
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
    """The stamp matches and the PDF is whole, read under the output lock (see publish_set)."""
    pdf, stamp_file = out_dir / f"{jobname}.pdf", out_dir / f".{jobname}.stamp"
    if not stamp_file.exists():
        return False
    with output_lock(out_dir, jobname):
        try:
            return stamp_file.read_text() == stamp and pdf_is_complete(pdf)
        except OSError:
            return False
