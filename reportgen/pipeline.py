"""assignments/<id>.toml -> spec -> solve -> verify -> render -> compile -> build/<id>.pdf

``build_report`` names the stages in order. Everything before ``compile`` is a pure function
returning values; only reportgen.compile runs processes and writes the output folder. The CLI
and ``make pdf`` both come through here.
"""

from __future__ import annotations

import calendar
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__, compile, render, spec
from .errors import LatexError, SpecError, VerificationError
from .problems import kind_module
from .settings import Settings
from .verify import Check

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"


@dataclass(frozen=True)
class Solved:
    spec: spec.ProblemSpec
    result: Any
    checks: tuple[Check, ...]

    @property
    def template(self) -> str:
        return f"sections/{self.spec.kind}.tex.j2"


@dataclass(frozen=True)
class Outcome:
    report_id: str
    pdf: Path
    status: str  # "built" or "up to date"
    seconds: float
    checks: int


def report_ids() -> list[str]:
    return sorted(p.stem for p in ASSIGNMENTS.glob("*.toml"))


def resolve(name: str) -> Path:
    """A report id (assignments/<id>.toml) or a path to a TOML file."""
    path = Path(name)
    if name.endswith(".toml") or path.is_file():
        return path
    candidate = ASSIGNMENTS / f"{name}.toml"
    if not candidate.is_file():
        known = ", ".join(report_ids()) or "none"
        raise SpecError(name, "", f"no such report; known ids: {known} (or give a path to a .toml file)")
    return candidate


def load(name: str | Path) -> spec.ReportSpec:
    path = resolve(str(name))
    report = spec.load(path)
    if path.resolve().parent == ASSIGNMENTS and report.id != path.stem:
        # make builds build/<file name>.pdf, so the two must agree for files in assignments/
        raise SpecError(path, "report.id", f"{report.id!r} must match the file name {path.stem!r}")
    return report


def solve(report: spec.ReportSpec, known_checks: list[tuple[Check, ...]] | None = None) -> list[Solved]:
    """Solve every problem, then cross-check each result independently. ``known_checks`` are
    the results of an earlier verification of the very same inputs and code (see check_cache)."""
    out = []
    for i, p in enumerate(report.problems):
        module = kind_module(p.kind)
        try:
            result = module.solve(p.params)
        except (ValueError, ArithmeticError) as exc:  # data that parses but has no solution
            raise SpecError(report.path, f"problems[{p.number - 1}]", f"{p.kind}: {exc}") from None
        checks = known_checks[i] if known_checks else tuple(module.verify(p.params, result))
        out.append(Solved(p, result, checks))
    return out


def code_fingerprint() -> str:
    """Everything verification results depend on besides the data: our code and the libraries."""
    from importlib.metadata import version  # not `import sympy`: a plain report never loads it

    files = sorted(Path(__file__).resolve().parent.rglob("*.py"))
    return compile.digest(version("numpy"), version("sympy"), *(f.read_bytes() for f in files))


def check_cache(report: spec.ReportSpec, out: Path) -> tuple[Path, str]:
    """Where verification results of this report are kept, and the key they are valid for."""
    return out / ".cache" / f"{report.id}.checks.json", compile.digest(report.path.read_bytes(), code_fingerprint())


def solve_verified(report: spec.ReportSpec, settings: Settings) -> list[Solved]:
    """solve(), reusing the verification of identical inputs and code from an earlier build
    (verification is deterministic: fixed seeds, exact or symbolic checks). --force and
    ``reportgen check`` always verify afresh."""
    import json

    path, key = check_cache(report, settings.out_dir)
    known = None
    if not settings.force:
        try:
            saved = json.loads(path.read_text())
            if saved["key"] == key and len(saved["problems"]) == len(report.problems):
                known = [tuple(Check(**c) for c in checks) for checks in saved["problems"]]
        except (OSError, ValueError, KeyError, TypeError):
            known = None
    solved = solve(report, known)
    require_checks_pass(report, solved)
    if known is None:
        problems = [[dataclasses.asdict(c) for c in s.checks] for s in solved]
        compile.publish(json.dumps({"key": key, "problems": problems}).encode(), path)
    return solved


def require_checks_pass(report: spec.ReportSpec, solved: list[Solved]) -> None:
    failed = [(s.spec.number, c) for s in solved for c in s.checks if not c.passed]
    if failed:
        lines = "\n".join(f"  problem {n}: {c.name}: deviation {c.deviation:.3g} > {c.tolerance:g} ({c.method})"
                          for n, c in failed)
        raise VerificationError(f"{report.path}: {len(failed)} verification check(s) failed:\n{lines}")


def render_tex(report: spec.ReportSpec, solved: list[Solved], settings: Settings, trace: bool = False,
               used: list[Path] | None = None) -> str:
    """The report's LaTeX. ``trace=True`` adds origin markers (see render.line_origins).
    ``used`` (if given) receives the files the output depends on: every template loaded, and
    the template folders searched for a report-specific template."""
    env = render.environment(settings.templates, settings.fmt, trace=trace)
    context = {
        "report": report,
        "problems": solved,
        "checks": [(s.spec.number, c) for s in solved for c in s.checks],
        "author": settings.author,
        "student_id": settings.student_id,
        "course": settings.course or report.course,
        "date": settings.date or report.date,
        "fmt": settings.fmt,
    }
    tex = render.render(env, [f"{report.id}.tex.j2", "report.tex.j2"], context)
    if used is not None:
        used.extend(render.loaded_files(env))
        # <id>.tex.j2 is optional, and an override may appear in a folder later: depend on the folders
        used.extend(d for d in render.search_path(settings.templates) if d.is_dir())
    return tex


def source_date_epoch(report: spec.ReportSpec) -> int:
    """The report's own date at 00:00 UTC (reproducible bytes); 2000-01-01 when it has none."""
    try:
        return calendar.timegm(time.strptime(report.date, "%Y-%m-%d"))
    except ValueError:
        return 946684800


def build_report(name: str | Path, settings: Settings) -> Outcome:
    start = time.perf_counter()
    report = load(name)
    solved = solve_verified(report, settings)
    used: list[Path] = []
    tex = render_tex(report, solved, settings, used=used)
    out = settings.out_dir
    sources = [report.path, *used, *([settings.source] if settings.source else [])]
    compile.publish_deps(out, report.id, sources)
    stamp = compile.digest(__version__, tex, " ".join(compile.texformat.PDFLATEX_ARGS))
    n_checks = sum(len(s.checks) for s in solved)
    if not settings.force and compile.is_up_to_date(out, report.id, stamp):
        return Outcome(report.id, out / f"{report.id}.pdf", "up to date", time.perf_counter() - start, n_checks)
    try:
        compiled = compile.compile_tex(tex, report.id, source_date_epoch(report), settings.timeout, out / ".cache")
    except compile.LatexCompileFailure as exc:
        tex_path, log_path = compile.publish_failure(out, report.id, tex, exc.log)
        origins = template_lines(report, solved, settings, tex)
        raise LatexError(latex_failure_message(exc, tex, tex_path, log_path, origins)) from None
    pdf = compile.publish_build(out, report.id, tex, compiled, stamp)
    return Outcome(report.id, pdf, "built", time.perf_counter() - start, n_checks)


def export_zip(name: str | Path, settings: Settings) -> Outcome:
    """An Overleaf-ready ``<id>.zip``: main.tex (self-contained: data and figures inline) and a
    latexmkrc selecting pdflatex. Nothing else is needed on a standard TeX Live."""
    start = time.perf_counter()
    report = load(name)
    solved = solve(report)
    require_checks_pass(report, solved)
    tex = render_tex(report, solved, settings)
    files = {"main.tex": tex.encode(), "latexmkrc": b"$pdf_mode = 1;\n"}
    path = compile.write_zip(settings.out_dir / f"{report.id}.zip", files, source_date_epoch(report))
    return Outcome(report.id, path, "exported", time.perf_counter() - start, sum(len(s.checks) for s in solved))


def template_lines(report: spec.ReportSpec, solved: list[Solved], settings: Settings, tex: str) -> list[str]:
    """'template:line' for every line of ``tex`` (empty when the traced render does not match)."""
    traced = render_tex(report, solved, settings, trace=True)
    return render.line_origins(traced) if render.strip_markers(traced) == tex else []


def latex_failure_message(exc: compile.LatexCompileFailure, tex: str, tex_path: Path, log_path: Path,
                          origins: list[str]) -> str:
    """A few lines: the LaTeX message, the template file:line it came from, the .tex line, the log."""
    lines = [exc.summary]
    tex_lines = tex.splitlines()
    for e in exc.errors:
        origin = origins[e.line - 1] if e.line and e.line <= len(origins) else ""
        lines.append(f"  {origin or tex_path}: {e.message}" if origin else f"  {tex_path}:{e.line or '?'}: {e.message}")
        if e.line and 0 < e.line <= len(tex_lines):
            lines.append(f"    generated line {tex_path}:{e.line}: {tex_lines[e.line - 1].strip()[:160]}")
    lines.append(f"  full log: {log_path}")
    return "\n".join(lines)


