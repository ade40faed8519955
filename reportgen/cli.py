"""Command line: argument parsing only; the work happens in reportgen.pipeline.

    reportgen list                         report ids and titles
    reportgen build [ID|PATH ...]          build reports (all when none named)
    reportgen solve ID --json              every computed quantity as JSON (no verification)
    reportgen check [ID ...] [--pdf]       run the verification alone (--pdf: DIR/<id>.checks.pdf)
    reportgen kinds                        the problem kinds, with what each solves
    reportgen variants ID --count N --seed S   per-student sheets, solutions and answer key
    reportgen variants ID --stress N       acceptance rate and answer ranges of N draws
"""

from __future__ import annotations

import argparse
import functools
import gc
import math
import os
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TextIO

from . import compile, pipeline
from . import settings as settings_mod
from .errors import OutputError, ReportError, SpecError

MAX_TIMEOUT = 3600.0


def _timeout(text: str) -> float:
    """--timeout: seconds, more than 0 and at most an hour (nan, inf and 1e7 are usage errors)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise argparse.ArgumentTypeError(f"expected seconds in (0, {MAX_TIMEOUT:g}], got {text!r}")
    return value


def _out_dir(text: str) -> Path:
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file; give a folder (it is created if missing)")
    return path


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="reportgen",
                                 description="Solved ML assignments -> checked, typeset PDFs.")
    ap.add_argument("--settings", type=Path, help="settings file (default: ./reportgen.toml when present)")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", help="list the report ids with their titles")
    sub.add_parser("kinds", help="list the problem kinds with their descriptions")

    b = sub.add_parser("build", help="build reports into PDFs")
    b.add_argument("reports", nargs="*", metavar="ID|PATH", help="report ids or .toml files (default: all)")
    b.add_argument("--out", type=_out_dir, help="output folder (default: build)")
    b.add_argument("--templates", type=Path, action="append", help="template folder searched first (repeatable)")
    b.add_argument("--force", action="store_true", help="rebuild even when the output is up to date")
    b.add_argument("--timeout", type=_timeout,
                   help=f"seconds allowed per LaTeX run, up to {MAX_TIMEOUT:g} (default 180)")
    b.add_argument("-j", "--jobs", type=int, metavar="N",
                   help="build up to N reports at once (0: one per CPU; default 1)")
    for name in settings_mod.TEXT_FIELDS:
        flag, words = name.replace("_", "-"), name.replace("_", " ")
        several = " (several: separate them with ';')" if name in settings_mod.LIST_FIELDS else ""
        b.add_argument(f"--{flag}", dest=name, help=f"{words} shown in the title block{several}")
    b.add_argument("--digits", type=int, help="decimals shown for computed values (default 4)")
    b.add_argument("--zip", action="store_true", help="write an Overleaf-ready ID.zip instead of compiling")
    b.add_argument("--sheet", action="store_true",
                   help="the exercise sheet (tasks and data, no solutions) as ID.sheet.pdf")

    t = sub.add_parser("templates", help="work with the LaTeX templates")
    tsub = t.add_subparsers(dest="templates_command", required=True, metavar="ACTION")
    te = tsub.add_parser("export", help="copy the built-in templates into DIR, to customise them")
    te.add_argument("dir", type=Path, metavar="DIR")
    te.add_argument("--force", action="store_true", help="overwrite files that exist in DIR")

    s = sub.add_parser("solve", help="print every computed quantity of a report (not verified: see check)")
    s.add_argument("report", metavar="ID|PATH")
    s.add_argument("--json", action="store_true", required=True, help="as JSON (the only format)")

    c = sub.add_parser("check", help="run the independent verification; exit 1 if a check fails")
    c.add_argument("reports", nargs="*", metavar="ID|PATH")
    c.add_argument("--pdf", action="store_true", help="also write the list of checks as DIR/<id>.checks.pdf")
    c.add_argument("--out", type=Path, metavar="DIR", help="output folder for --pdf (default: build)")
    c.add_argument("--timeout", type=float, help="seconds allowed per LaTeX run (default 180)")
    _variants_parser(sub)
    return ap


def _shard(text: str) -> tuple[int, int]:
    k, sep, m = text.partition("/")
    if not (sep and k.isdigit() and m.isdigit() and 1 <= int(k) <= int(m)):
        raise argparse.ArgumentTypeError(f"expected K/M with 1 <= K <= M, e.g. 2/4; got {text!r}")
    return int(k), int(m)


def _natural(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


def _variants_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    v = sub.add_parser("variants", help="per-student variants: sheets, solutions and the answer key")
    v.add_argument("report", metavar="ID|PATH")
    what = v.add_mutually_exclusive_group(required=True)
    what.add_argument("--count", type=_natural, metavar="N", help="build N variants")
    what.add_argument("--stress", type=_natural, metavar="N",
                      help="draw N variants, report the acceptance rate and answer ranges; build nothing")
    what.add_argument("--combine", type=Path, metavar="DIR",
                      help="merge the answers.shard-K-of-M files in DIR into answers.json and answers.csv")
    v.add_argument("--seed", type=_natural, default=0, help="the run's seed (default 0); same seed, same bytes")
    v.add_argument("--out", type=Path, help="output folder (default: build/variants/ID)")
    v.add_argument("-j", "--jobs", type=_natural, default=1, metavar="J",
                   help="variants built at once (0: one per CPU; default 1)")
    v.add_argument("--shard", type=_shard, default=(1, 1), metavar="K/M",
                   help="build only variants K, K+M, K+2M, ... (for a CI matrix of M runners)")
    v.add_argument("--answers-only", action="store_true", help="write the answer key only, no PDFs")
    v.add_argument("--templates", type=Path, action="append", help="template folder searched first (repeatable)")
    v.add_argument("--force", action="store_true", help="rebuild PDFs even when up to date")


def _os_error(exc: OSError) -> OutputError:
    where = f"{exc.filename}: " if exc.filename else ""
    return OutputError(f"{where}{exc.strerror or exc}")


def _on_signal(signum: int, frame: object) -> None:
    """SIGTERM/SIGHUP: stop every TeX child and unwind (temp folders are removed on the way)."""
    compile.abort_all()
    raise compile.Interrupted(signum)


# The cyclic garbage collector less often than Python's default (700 new objects): SymPy makes
# and drops objects by the hundred thousand, few of them in cycles, and the collections cost
# about 5% of a cold build's Python time. Memory stays bounded (a collection every 100,000).
GC_THRESHOLDS = (100_000, 50, 100)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    previous = {signum: signal.signal(signum, _on_signal) for signum in (signal.SIGTERM, signal.SIGHUP)}
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        code = _run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `reportgen solve ID --json | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"error: {_os_error(exc)}", file=sys.stderr)
        return 1
    except MemoryError:  # data the validators let through but this machine cannot hold
        print("error: out of memory; the assignment's sizes are too large for this machine "
              "(make them smaller)", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        compile.abort_all()
        signum = getattr(exc, "signum", signal.SIGINT)
        print(f"interrupted ({signal.Signals(signum).name}); published files are complete (old or new)",
              file=sys.stderr)
        return 128 + signum
    finally:
        gc.set_threshold(*thresholds)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _run(args: argparse.Namespace) -> int:
    if args.command == "list":
        for rid in pipeline.report_ids():
            print(f"{rid:24} {pipeline.load(rid).title}")
        return 0
    if args.command == "kinds":
        from . import kinds

        for name in kinds.names():
            print(f"{name:24} {kinds.get(name).description}")
        return 0
    if args.command == "solve":
        from . import jsonout

        report = pipeline.load(args.report)
        print(jsonout.dumps(jsonout.solution(report, pipeline.solve(report))))
        return 0
    if args.command == "check":
        return _check(args)
    if args.command == "variants":
        return _variants(args)
    if args.command == "templates":
        from .render import BUILTIN_TEMPLATES, export_templates

        written = export_templates(args.dir, args.force)
        print(f"copied {len(written)} templates from {BUILTIN_TEMPLATES} to {args.dir}")
        print(f"use them with: reportgen build --templates {args.dir}"
              f'   (or templates = "{args.dir}" in reportgen.toml)')
        return 0
    return _build(args)


def _check(args: argparse.Namespace) -> int:
    """Verify afresh and print every check; with --pdf also write each report's companion PDF
    (failed checks included). Exit 1 when any check failed."""
    cfg = settings_mod.load(args.settings).with_overrides(out_dir=args.out, timeout=args.timeout)
    failed = 0
    for name in args.reports or pipeline.report_ids():
        report = pipeline.load(name)
        solved = pipeline.verify(report, pipeline.solve(report))
        for s in solved:
            for c in s.checks or ():
                status = "ok  " if c.passed else "FAIL"
                failed += not c.passed
                dev = "exact" if c.exact and c.passed else f"{c.deviation:.2e}"
                print(f"{status} {report.id} P{s.spec.number} {c.name} [{c.method}] {dev}")
        if args.pdf:
            from .companion import build_companion

            pdf = build_companion(report, solved, cfg, pipeline.source_date_epoch(report))
            _say(f"wrote {pdf}")
    print(f"{'all checks passed' if not failed else f'{failed} check(s) failed'}")
    return 1 if failed else 0


def _variants(args: argparse.Namespace) -> int:
    from . import variant_run

    cfg = settings_mod.load(args.settings).with_overrides(
        templates=tuple(args.templates) if args.templates else None, force=args.force or None)

    if args.stress is not None:
        variant_run.stress(args.report, args.stress, args.seed, cfg, _say)
        return 0
    if args.combine is not None:
        variant_run.combine(args.report, args.combine, _say)
        return 0
    report_id = pipeline.load(args.report).id
    cfg = variant_run.settings_for(cfg, args.out or Path("build") / "variants" / report_id)
    variant_run.run(variant_run.Run(args.report, args.count, args.seed, args.shard, args.jobs, args.answers_only),
                    cfg, _say)
    return 0


def _build(args: argparse.Namespace) -> int:
    base = settings_mod.load(args.settings)
    overrides = {name: getattr(args, name) for name in settings_mod.TEXT_FIELDS}
    cfg = base.with_overrides(
        **overrides,
        digits=args.digits,
        out_dir=args.out,
        force=args.force or None,
        timeout=args.timeout,
        templates=tuple(args.templates) if args.templates else None,
        jobs=args.jobs,
    )
    names = args.reports or pipeline.report_ids()
    if cfg.jobs < 0:
        raise SpecError("command line", "jobs", f"expected 0 or more, got {cfg.jobs}")
    jobs = cfg.jobs or os.cpu_count() or 1
    failures = 0
    build = functools.partial(pipeline.export_zip if args.zip else pipeline.build_report, sheet=args.sheet)
    for outcome in _build_all(build, names, cfg, min(jobs, len(names))):
        if isinstance(outcome, ReportError):
            failures += 1
            _say(f"error: {outcome}", sys.stderr)
        else:
            o = outcome
            checked = "not cross-checked: no results shown" if args.sheet else f"{o.checks} checks passed"
            _say(f"{o.status:10} {o.report_id:24} -> {o.pdf}  ({o.seconds:.1f} s, {checked})")
    return 1 if failures else 0


def _say(line: str, stream: TextIO | None = None) -> None:
    """One line in one write: builds run by `make -j` share a pipe, and with PYTHONUNBUFFERED
    print() writes the text and its newline separately, so two reports' lines could interleave."""
    stream = stream or sys.stdout
    stream.write(line + "\n")
    stream.flush()


def _build_all(build: Callable[[str, settings_mod.Settings], pipeline.Outcome], names: list[str],
               cfg: settings_mod.Settings, jobs: int) -> Iterator[pipeline.Outcome | ReportError]:
    """Run ``build`` for each report, ``jobs`` at a time (threads: the work is waiting on latexmk);
    yields outcomes or errors as they finish. Builds of different reports never share files."""

    def one(name: str) -> pipeline.Outcome | ReportError:
        try:
            return build(name, cfg)
        except ReportError as exc:
            return exc
        except OSError as exc:  # a fault no stage named (e.g. a full temp folder): still one line
            return _os_error(exc)

    if jobs <= 1:
        yield from map(one, names)
        return
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="build")
    try:
        futures = [pool.submit(one, name) for name in names]
        for future in as_completed(futures):
            yield future.result()
    finally:  # on Ctrl-C: start nothing new; running builds finish or time out, publishing whole files
        pool.shutdown(wait=True, cancel_futures=True)


if __name__ == "__main__":
    sys.exit(main())
