"""Helpers for the build-hardening tests: tiny assignment files, tiny template folders, running
the CLI in a subprocess, and finding processes a build left behind.

The TeX tests compile small documents (a template folder that replaces the report body, or a
whole-document ``report.tex.j2``) so each compile takes about a second.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# A cnn_design problem that solves in milliseconds: 10x10 -conv3-> 8 -pool-> 4 -conv3-> 2.
TINY_CNN: dict[str, Any] = {
    "kind": "cnn_design", "title": "Tiny stack", "in_size": 10, "in_channels": 1,
    "target_size": 2, "target_channels": 2, "kernels": [3],
}
# A one-hidden-layer network with two samples, three inputs and two hidden units.
TINY_MLP: dict[str, Any] = {
    "kind": "mlp_gradients", "title": "Tiny network", "layout": "column",
    "X": [[0.2, -0.4, 0.1], [0.8, 1.0, -0.1]], "t": [-0.5, 0.1],
    "W1": [[-0.6, 0.7, 0.9], [0.4, 0.5, -1.0]], "b1": [-0.4, -0.5], "W2": [0.2, 0.6], "b2": -0.7,
}


def toml_str(s: str) -> str:
    """A TOML basic string holding exactly ``s`` (control characters as \\uXXXX escapes)."""
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(v: Any) -> str:
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):  # an inline table
        return "{" + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + "}"
    return repr(v)


def assignment_toml(report: dict[str, Any], problems: list[dict[str, Any]]) -> str:
    lines = ["[report]"] + [f"{k} = {toml_value(v)}" for k, v in report.items()]
    for p in problems:
        lines += ["", "[[problems]]"] + [f"{k} = {toml_value(v)}" for k, v in p.items()]
    return "\n".join(lines) + "\n"


def write_assignment(folder: Path, report_id: str, problems: list[dict[str, Any]] | None = None,
                     **report: Any) -> Path:
    """folder/<id>.toml with a [report] table (title/course/date defaults) and the problems."""
    meta = {"id": report_id, "title": "Tiny report", "course": "Testing", "date": "2024-03-15", **report}
    path = folder / f"{report_id}.toml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(assignment_toml(meta, problems if problems is not None else [TINY_CNN]), encoding="utf-8")
    return path


def document_templates(folder: Path, body: str, preamble: str = "") -> Path:
    """A template folder whose report.tex.j2 is a whole small document (no built-in preamble):
    template text is trusted, so ``body`` is raw TeX (the hostile-template tests put their TeX here)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.tex.j2").write_text(
        "\\pdftrailerid{}\n\\documentclass{article}\n" + preamble + "\n\\begin{document}\n" + body
        + "\n\\end{document}\n", encoding="utf-8")
    return folder


def run_cli(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python3 -m reportgen ARGS`` in a subprocess, with the worktree importable from any cwd."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "reportgen", *map(str, args)], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def cli_here(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``reportgen ARGS`` in this process (cli.main), its output captured: for the tests about what
    a command produces rather than about the process (no interpreter start, no second import)."""
    from reportgen import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def processes_with(marker: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live process whose command line mentions ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmd and state != "Z":  # zombies are dead already
            found.append((int(entry.name), cmd.strip()))
    return found


def kill_all(found: list[tuple[int, str]]) -> None:
    """SIGKILL processes this test started (found by their unique job name), one pid at a time."""
    for pid, _ in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def pdf_is_valid(path: Path) -> bool:
    """A complete PDF that a PDF reader opens, with at least one page."""
    from pypdf import PdfReader

    data = path.read_bytes()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        return False
    return len(PdfReader(path).pages) >= 1
