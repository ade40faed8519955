"""A filesystem jail for TeX: the second layer after TeX's own switches (HARDENING.md).

pdfTeX reads any file despite ``openin_any=p`` (``\\pdfobj file {/etc/passwd}``), so latexmk runs
in bubblewrap (``bwrap``) where only the system's programs and libraries, the TeX tree and the
temporary build folder exist: no /etc/passwd, no /root or /home, no project tree, no other /tmp,
no network (``--unshare-all``), a new session (no terminal to inject into) and ending with its
parent (``--die-with-parent``).

Whether the jail works is probed once per process (a tiny command that must not see /etc/passwd).
When it cannot start (no bwrap; user namespaces denied, as on GitHub's Ubuntu runners without the
sysctl step), builds say so in one warning line and fall back to TeX's own switches, or fail
when REPORTGEN_REQUIRE_JAIL=1 (CI). REPORTGEN_JAIL=off turns the jail off on purpose.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from .errors import LatexError

# Read-only: programs, libraries, Perl (latexmk) and Debian's TeX tree (/usr/share/texlive,
# /usr/share/texmf); Debian's TeX configuration and generated formats/ls-R files; the dynamic
# loader's cache and the alternatives symlinks some programs resolve through.
READ_ONLY = ("/usr", "/etc/texmf", "/var/lib/texmf", "/etc/ld.so.cache", "/etc/alternatives")
MERGED_USR = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


_lock = threading.Lock()
_problem: list[str] = []  # [] until probed; [""] when the jail works; else [why not]
_warned: list[str] = []


def bwrap() -> str | None:
    return shutil.which("bwrap")


def _tex_roots(programs: Sequence[str]) -> list[str]:
    """TeX installed outside /usr (e.g. /opt/texlive/2024/bin/x86_64-linux/pdflatex): its tree."""
    roots = []
    for name in programs:
        found = shutil.which(name)
        if not found:
            continue
        real = Path(found).resolve()
        if not any(real.is_relative_to(r) for r in ("/usr", "/bin", "/sbin", "/lib", "/lib64")):
            roots.append(str(real.parents[2]) if len(real.parents) > 3 else str(real.parent))
    return roots


def jail_argv(argv: Sequence[str], build_dir: Path, extra_read_only: Sequence[Path] = ()) -> list[str]:
    """``argv`` wrapped in bwrap: the build folder read-write (at the same path, as the working
    folder), the TeX tree and system files read-only, nothing else visible."""
    path = bwrap()
    if path is None:
        raise FileNotFoundError("bwrap")
    build = str(Path(build_dir).resolve())
    # --as-pid-1 with a waiting shell as pid 1: bwrap waits for that shell directly and the shell
    # for TeX, so TeX's CPU time reaches our RUSAGE_CHILDREN (with bwrap's own init in between it
    # is lost and make bench would undercount the jailed compile). TeX itself must not be pid 1:
    # pid 1 ignores signals it has no handler for, SIGXFSZ from the file-size limit included.
    out = [path, "--unshare-all", "--as-pid-1", "--die-with-parent", "--new-session"]
    for link in MERGED_USR:  # Debian: /bin -> usr/bin; older systems: real folders
        if os.path.islink(link):
            out += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            out += ["--ro-bind", link, link]
    ro = [*READ_ONLY, *_tex_roots(("pdflatex", "latexmk", "kpsewhich")), *map(str, extra_read_only)]
    for p in dict.fromkeys(ro):
        out += ["--ro-bind-try", p, p]
    out += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--bind", build, build, "--chdir", build]
    return [*out, "--", "/bin/sh", "-c", '"$@"; exit $?', "sh", *argv]


def _probe_jail() -> str:
    """'' when bwrap starts and hides the host (no /etc/passwd inside, build folder writable)."""
    if os.environ.get("REPORTGEN_JAIL", "").lower() in ("0", "off", "no"):
        return "REPORTGEN_JAIL=off"
    if bwrap() is None:
        return "bwrap not found; install the bubblewrap package"
    with tempfile.TemporaryDirectory(prefix="reportgen-probe-") as tmp:
        probe = ["sh", "-c", "test ! -e /etc/passwd && test ! -e /root && touch probe"]
        try:
            r = subprocess.run(jail_argv(probe, Path(tmp)), stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=30, env={"PATH": "/usr/bin:/bin"})
        except (OSError, subprocess.SubprocessError) as exc:
            return f"bwrap cannot start: {exc}"
        if r.returncode != 0 or not (Path(tmp) / "probe").exists():
            why = (r.stderr.decode(errors="replace").strip().splitlines() or [f"exit {r.returncode}"])[-1]
            return f"bwrap cannot start: {why[:200]}"
    return ""


def jail_problem() -> str:
    """Why TeX cannot run in its jail ('' when it can); probed once per process."""
    with _lock:
        if not _problem:
            _problem.append(_probe_jail())
        return _problem[0]


def jailed(argv: Sequence[str], work: Path, extra_read_only: Sequence[Path] = ()) -> list[str]:
    """``argv`` in the jail (``extra_read_only``: more folders TeX may read, e.g. a cached
    format); without one, say so once (or fail when REPORTGEN_REQUIRE_JAIL=1)."""
    problem = jail_problem()
    if not problem:
        return jail_argv(argv, work, extra_read_only)
    if os.environ.get("REPORTGEN_REQUIRE_JAIL", "") not in ("", "0"):
        raise LatexError(f"TeX's filesystem jail cannot start ({problem}) and REPORTGEN_REQUIRE_JAIL is set; "
                         "see README, 'TeX runs in a jail'")
    with _lock:
        if not _warned:
            _warned.append(problem)
            print(f"warning: TeX runs without its filesystem jail ({problem}); only TeX's own "
                  "switches protect this build", file=sys.stderr, flush=True)
    return list(argv)
