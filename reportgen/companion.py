"""The verification companion: ``<id>.checks.pdf``, every check of a report, one table per problem.

The solution PDF holds the solution only; this data document lists what ``reportgen check``
ran: problem, quantity, method, deviation, tolerance and result. It is generated from data
and never customised, so it is built with PyLaTeX rather than a template. Every string is
escaped by our own escaper (printer.escape) and passed to PyLaTeX as ``NoEscape``; numbers
come from reportgen.printer. PyLaTeX only writes the ``.tex``: it is compiled by reportgen.compile
(sandboxed latexmk, atomic publishing), never by PyLaTeX's own ``generate_pdf``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from pylatex import Command, Document, LongTable, NoEscape, Package

from . import __version__, compile
from .errors import LatexError
from .printer import FormatSettings, escape, num
from .verify import Check

if TYPE_CHECKING:
    from .pipeline import Solved
    from .settings import Settings
    from .spec import ReportSpec

# Deviations and tolerances in scientific notation, two significant digits, nothing rounded to 0.
SCI = FormatSettings(digits=0, noise=1e-300, sci_large=0.5, sci_digits=2)
COLUMNS = r"@{}r>{\raggedright\arraybackslash}p{0.29\linewidth}>{\raggedright\arraybackslash}p{0.28\linewidth}rrl@{}"
HEADER = ("", "Quantity", "Method", "Deviation", "Tolerance", "Result")
# What the numbers mean; true of verify.close, which most numerical checks use (the others say in
# their method what they compare).
EXPLANATION = (
    "Each check recomputes a quantity of the solution by an independent method. The deviation is the "
    "largest difference, entry by entry, between the solution's value and the recomputed one, in the "
    "quantity's own units. The tolerance is relative to the quantity's size: a small fraction of its "
    "largest entry in magnitude (for a quantity near zero, of the size its terms have before they "
    "cancel), so large and small quantities are held to the same number of correct digits. A check "
    "passes when the deviation is at most the tolerance; where the method names another comparison, "
    "that is the one made. Exact checks compare integers, fractions, sets or symbolic expressions.")
# A heading's lines balanced, flush left (finite stretch on the right, none between words), so a
# long title never leaves its last word alone on a line.
BALANCED = (r"\rightskip=0pt plus 0.5\linewidth\parfillskip=0pt\spaceskip=\fontdimen2\font"
            r"\xspaceskip=\spaceskip\hyphenpenalty=10000 ")


def jobname(report_id: str) -> str:
    return f"{report_id}.checks"


def _value(x: float) -> str:
    return r"$\infty$" if math.isinf(x) else f"${num(x, SCI)}$"


def _row(i: int, c: Check) -> list[NoEscape]:
    if c.exact:
        deviation, tolerance = ("exact" if c.passed else "differs"), "exact"
    else:
        deviation, tolerance = _value(c.deviation), _value(c.tolerance)
    result = "passed" if c.passed else r"\textbf{FAILED}"
    return [NoEscape(s) for s in (str(i), escape(c.name), escape(c.method), deviation, tolerance, result)]


def _document(report: ReportSpec) -> Document:
    doc = Document(documentclass="article", document_options=["11pt", "a4paper"], fontenc="T1", inputenc="utf8",
                   lmodern=True, textcomp=True, microtype=True, indent=False, geometry_options={"margin": "2cm"},
                   page_numbers=False)  # True loads lastpage.sty, which TeX Live's recommended set lacks
    doc.preamble.append(NoEscape(r"\pagestyle{plain}\input{glyphtounicode}\pdfgentounicode=1"))
    for name in ("array", "booktabs"):
        doc.packages.append(Package(name))
    doc.packages.append(Package("hyperref", options=[NoEscape(o) for o in (
        "hidelinks", "pdfcreator={reportgen}", "pdfproducer={reportgen}")]))
    title = escape(f"Verification: {report.title}", "report.title")
    doc.preamble.append(NoEscape(rf"\hypersetup{{pdftitle={{{title}}}, pdfsubject={{{escape(report.course)}}}}}"))
    # no hyphens: a check's name copies out of the PDF as it is written
    doc.preamble.append(NoEscape(r"\hyphenpenalty=10000\exhyphenpenalty=10000\emergencystretch=2em"))
    return doc


def _table(heading: str, rows: list[list[NoEscape]]) -> LongTable:
    """One problem's checks. The problem's heading is the table's first head, so a page break
    never separates it from the first rows; later pages repeat the column header."""
    table = LongTable(COLUMNS)
    header = [NoEscape(rf"\textbf{{{h}}}") if h else "" for h in HEADER]
    table.append(NoEscape(rf"\multicolumn{{{len(HEADER)}}}{{@{{}}l}}{{\normalsize\bfseries {heading}}}\\[6pt]"))
    for end in (lambda: table.append(NoEscape(r"\endfirsthead")), table.end_table_header):
        table.append(NoEscape(r"\toprule"))
        table.add_row(header)
        table.append(NoEscape(r"\midrule"))
        end()
    for end in (table.end_table_footer, table.end_table_last_footer):  # every page's part closes
        table.append(NoEscape(r"\bottomrule"))
        end()
    for row in rows:
        table.add_row(row)
    return table


def companion_tex(report: ReportSpec, solved: list[Solved]) -> str:
    """The companion's LaTeX (PyLaTeX ``dumps``), with ``\\pdftrailerid{}`` first for reproducible bytes."""
    doc = _document(report)
    checks = [c for s in solved for c in s.checks]
    failed = [i for i, c in enumerate(checks, start=1) if not c.passed]
    doc.append(Command("section*", NoEscape(BALANCED + escape(f"Verification: {report.title}", "report.title"))))
    summary = f"{len(checks)} checks, {len(checks) - len(failed)} passed, {len(failed)} failed"
    if failed:
        summary += f" (number {', '.join(map(str, failed))})"
    doc.append(NoEscape(escape(f"Report {report.id}: {summary}.") + "\n\n"))
    doc.append(NoEscape(escape(EXPLANATION) + "\n\n"))
    n = 0
    for s in solved:
        heading = escape(f"{report.label} {s.spec.number}: {s.spec.title}")
        if not s.checks:
            doc.append(Command("subsection*", NoEscape(heading)))
            doc.append(NoEscape("No checks.\n\n"))
            continue
        doc.append(NoEscape(r"{\small"))
        doc.append(_table(heading, [_row(i, c) for i, c in enumerate(s.checks, start=n + 1)]))
        doc.append(NoEscape("}\n"))
        n += len(s.checks)
    return "\\pdftrailerid{}\n" + doc.dumps() + "\n"


def build_companion(report: ReportSpec, solved: list[Solved], settings: Settings, epoch: int) -> Path:
    """Compile the companion in the sandbox and publish ``<out>/<id>.checks.pdf`` atomically
    (with its .tex and .log); an unchanged .tex is not compiled again."""
    tex = companion_tex(report, solved)
    out, job = settings.out_dir, jobname(report.id)
    stamp = compile.digest(__version__, tex, " ".join(compile.texformat.PDFLATEX_ARGS))
    if not settings.force and compile.is_up_to_date(out, job, stamp):
        return out / f"{job}.pdf"
    try:
        compiled = compile.compile_tex(tex, job, epoch, settings.timeout, out / ".cache")
    except compile.LatexCompileFailure as exc:
        tex_path, log_path = compile.publish_failure(out, job, tex, exc.log)
        lines = [f"{exc.summary} building the verification document {out / (job + '.pdf')}"]
        lines += [f"  {tex_path}:{e.line or '?'}: {e.message}" for e in exc.errors]
        raise LatexError("\n".join([*lines, f"  full log: {log_path}"])) from None
    return compile.publish_build(out, job, tex, compiled, stamp)

