"""assignments/<id>.toml -> spec -> solve -> verify -> render -> compile -> build/<id>.pdf

``build_report`` names the stages in order: ``load`` (the assignment file, each problem parsed
by its kind from reportgen.kinds), ``solve``, ``verify`` (the independent checks;
``verify_cached`` reuses an earlier build's), ``render_tex``, ``compile_pdf``. Everything before
compile returns values; only reportgen.compile runs processes and writes the output folder.
The CLI and ``make pdf`` both come through here.
"""

from __future__ import annotations

import calendar
import dataclasses
import functools
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__, compile, kinds, render, spec
from .errors import LatexError, SpecError, VerificationError
from .settings import Settings
from .verify import Check

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"


@dataclass(frozen=True)
class Solved:
    spec: spec.ProblemSpec
    result: Any
    checks: tuple[Check, ...] | None = None  # None until verify() has run

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
    if name.endswith(".toml") or os.sep in name or path.exists():  # a path (even to a FIFO: spec refuses it)
        return path
    candidate = ASSIGNMENTS / f"{name}.toml"
    if not candidate.is_file():
        known = ", ".join(report_ids()) or "none"
        raise SpecError(name, "", f"no such report; known ids: {known} (or give a path to a .toml file)")
    return candidate


def load(name: str | Path) -> spec.ReportSpec:
    path = resolve(str(name))
    report = spec.load(path, kinds.parse)
    if path.resolve().parent == ASSIGNMENTS and report.id != path.stem:
        # make builds build/<file name>.pdf, so the two must agree for files in assignments/
        raise SpecError(path, "report.id", f"{report.id!r} must match the file name {path.stem!r}")
    return report


def solve(report: spec.ReportSpec) -> list[Solved]:
    """Solve every problem (no verification: see verify)."""
    out = []
    for p in report.problems:
        try:
            result = kinds.get(p.kind).solve(p.params)
        except (ValueError, ArithmeticError) as exc:  # data that parses but has no solution
            raise SpecError(report.path, f"problems[{p.number - 1}]", f"{p.kind}: {exc}") from None
        out.append(Solved(p, result))
    return out


def verify(report: spec.ReportSpec, solved: list[Solved]) -> list[Solved]:
    """Cross-check every result by the kind's independent methods: the problems with their
    checks. Failed checks are recorded, not raised (see require_checks_pass)."""
    return [dataclasses.replace(s, checks=tuple(kinds.get(s.spec.kind).verify(s.spec.params, s.result)))
            for s in solved]


def require_checks_pass(report: spec.ReportSpec, verified: list[Solved]) -> None:
    failed = [(s.spec.number, c) for s in verified for c in s.checks or () if not c.passed]
    if failed:
        lines = "\n".join(f"  problem {n}: {c.name}: deviation {c.deviation:.3g} > {c.tolerance:g} ({c.method})"
                          for n, c in failed)
        raise VerificationError(f"{report.path}: {len(failed)} verification check(s) failed:\n{lines}")


def code_fingerprint() -> str:
    """Everything verification results depend on besides the data: our code and the libraries."""
    files = sorted(Path(__file__).resolve().parent.rglob("*.py"))
    return compile.digest(*_library_versions(), *(f.read_bytes() for f in files))


@functools.cache
def _library_versions() -> tuple[str, str]:
    """numpy's and SymPy's installed versions, looked up once per process (not from the modules:
    another thread of a parallel build may be importing SymPy halfway; and not `import sympy`:
    a plain report never loads it)."""
    from importlib.metadata import version

    return version("numpy"), version("sympy")


def check_cache(report: spec.ReportSpec, out: Path) -> tuple[Path, str]:
    """Where verification results of this report are kept, and the key they are valid for: the
    data, our code, and the source of kinds registered from outside reportgen (plug-ins)."""
    package = Path(__file__).resolve().parent
    files = {Path(f).resolve() for f in map(kinds.source_file, {p.kind for p in report.problems}) if f}
    plugins = [f.read_bytes() for f in sorted(files) if package not in f.parents]
    return (out / ".cache" / f"{report.id}.checks.json",
            compile.digest(report.path.read_bytes(), code_fingerprint(), *plugins))


def verify_cached(report: spec.ReportSpec, solved: list[Solved], settings: Settings) -> list[Solved]:
    """verify(), reusing the checks of identical inputs and code from an earlier build into the
    same folder (verification is deterministic: fixed seeds, exact or symbolic checks); raises
    if a check fails. --force and ``reportgen check`` always verify afresh."""
    import json

    path, key = check_cache(report, settings.out_dir)
    known = None
    if not settings.force:
        try:
            saved = json.loads(path.read_text())
            if saved["key"] == key and len(saved["problems"]) == len(solved):
                known = [tuple(Check(**c) for c in checks) for checks in saved["problems"]]
        except (OSError, ValueError, KeyError, TypeError):
            known = None
    if known is None:
        verified = verify(report, solved)
    else:
        verified = [dataclasses.replace(s, checks=checks) for s, checks in zip(solved, known, strict=True)]
    require_checks_pass(report, verified)
    if known is None:
        saved_checks = [[dataclasses.asdict(c) for c in s.checks or ()] for s in verified]
        compile.publish(json.dumps({"key": key, "problems": saved_checks}).encode(), path)
    return verified


def render_tex(report: spec.ReportSpec, solved: list[Solved], settings: Settings, trace: bool = False,
               used: list[Path] | None = None, sheet: bool = False) -> str:
    """The report's LaTeX. ``trace=True`` adds origin markers (see render.line_origins).
    ``used`` (if given) receives the files the output depends on: every template loaded, and
    the template folders searched for a report-specific template. ``sheet=True``: the exercise
    sheet (each section's task block only)."""
    if any(s.checks is None for s in solved):
        raise ValueError("render_tex needs verified problems: pass the result of pipeline.verify")
    env = render.environment(settings.templates, settings.fmt, trace=trace,
                             kinds=[p.kind for p in report.problems], cache=settings.out_dir / ".cache" / "templates")
    context = {
        "report": report,
        "problems": solved,
        "people": settings.people,  # authors paired with their student ids
        "author": ", ".join(settings.author),
        "student_id": ", ".join(settings.student_id),
        "course": settings.course or report.course,
        "date": settings.date or report_date(report),
        "keywords": "; ".join(s.spec.title for s in solved),
        "fmt": settings.fmt,
        "sheet": sheet,  # True: task statements with data, no solutions (exercise sheets)
    }
    tex = render.render(env, [f"{report.id}.tex.j2", "report.tex.j2"], context)
    if used is not None:
        used.extend(render.loaded_files(env))
        # <id>.tex.j2 is optional, and an override may appear in a folder later: depend on the folders
        used.extend(d for d in render.search_path(settings.templates) if d.is_dir())
    return tex


def source_date_epoch(report: spec.ReportSpec) -> int:
    """The report's own date at 00:00 UTC (reproducible bytes). A report without a date
    (or with a date that is not YYYY-MM-DD) is dated by the build: the caller's
    SOURCE_DATE_EPOCH when set (reproducible builds), else today, at 00:00 UTC."""
    try:
        return calendar.timegm(time.strptime(report.date, "%Y-%m-%d"))
    except ValueError:
        pass
    given = os.environ.get("SOURCE_DATE_EPOCH", "")
    now = int(given) if given.isdigit() and len(given) <= 11 else int(time.time())
    return now - now % 86400


def report_date(report: spec.ReportSpec) -> str:
    """The date shown on the report: its own, else the build's (see source_date_epoch)."""
    return report.date or time.strftime("%Y-%m-%d", time.gmtime(source_date_epoch(report)))


def as_sheet(report: spec.ReportSpec, solved: list[Solved]) -> tuple[spec.ReportSpec, list[Solved]]:
    """The exercise sheet's report: its problems solved (a statement may show derived sizes) but
    not cross-checked, since no result is printed. The title stays the assignment's; the title
    block (base.tex.j2, ``sheet``) says "Exercise sheet" above it."""
    return report, [dataclasses.replace(s, checks=()) for s in solved]


def build_report(name: str | Path, settings: Settings, sheet: bool = False) -> Outcome:
    """load -> solve -> verify -> render -> compile: one report into ``settings.out_dir``;
    ``sheet=True``: the exercise sheet ``<id>.sheet.pdf`` instead of the solution ``<id>.pdf``."""
    start = time.perf_counter()
    report = load(name)
    solved = solve(report)
    if sheet:
        report, verified = as_sheet(report, solved)
    else:
        verified = verify_cached(report, solved, settings)
    used: list[Path] = []
    tex = render_tex(report, verified, settings, used=used, sheet=sheet)
    job = f"{report.id}.sheet" if sheet else report.id
    pdf, status = compile_pdf(report, verified, tex, used, settings, job, sheet)
    return Outcome(job, pdf, status, time.perf_counter() - start, sum(len(s.checks or ()) for s in verified))


def compile_pdf(report: spec.ReportSpec, verified: list[Solved], tex: str, used: list[Path],
                settings: Settings, job: str = "", sheet: bool = False) -> tuple[Path, str]:
    """Compile and publish ``tex`` as ``<job>.pdf`` (default: the report id) unless the published
    PDF already comes from the same .tex; ``used`` are the files it depends on (written to
    <job>.d for make)."""
    out, job = settings.out_dir, job or report.id
    sources = [report.path, *used, *([settings.source] if settings.source else [])]
    compile.publish_deps(out, job, sources)
    stamp = compile.digest(__version__, tex, " ".join(compile.texformat.PDFLATEX_ARGS))
    if not settings.force and compile.is_up_to_date(out, job, stamp):
        return out / f"{job}.pdf", "up to date"
    try:
        compiled = compile.compile_tex(tex, job, source_date_epoch(report), settings.timeout, out / ".cache")
    except compile.LatexCompileFailure as exc:
        tex_path, log_path = compile.publish_failure(out, job, tex, exc.log)
        origins = template_lines(report, verified, settings, tex, sheet)
        raise LatexError(latex_failure_message(exc, tex, tex_path, log_path, origins)) from None
    return compile.publish_build(out, job, tex, compiled, stamp), "built"


def export_zip(name: str | Path, settings: Settings, sheet: bool = False) -> Outcome:
    """An Overleaf-ready ``<id>.zip`` (``<id>.sheet.zip`` for the exercise sheet): main.tex
    (self-contained: data and figures inline) and a latexmkrc selecting pdflatex. Nothing else
    is needed on a standard TeX Live."""
    start = time.perf_counter()
    report = load(name)
    if sheet:
        report, verified = as_sheet(report, solve(report))
    else:
        verified = verify(report, solve(report))
        require_checks_pass(report, verified)
    tex = render_tex(report, verified, settings, sheet=sheet)
    job = f"{report.id}.sheet" if sheet else report.id
    files = {"main.tex": tex.encode(), "latexmkrc": b"$pdf_mode = 1;\n"}
    path = compile.write_zip(settings.out_dir / f"{job}.zip", files, source_date_epoch(report))
    return Outcome(job, path, "exported", time.perf_counter() - start,
                   sum(len(s.checks or ()) for s in verified))


def template_lines(report: spec.ReportSpec, solved: list[Solved], settings: Settings, tex: str,
                   sheet: bool = False) -> list[str]:
    """'template:line' for every line of ``tex`` (empty when the traced render does not match)."""
    traced = render_tex(report, solved, settings, trace=True, sheet=sheet)
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


