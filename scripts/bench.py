"""make bench: how much does reportgen add on top of LaTeX?

In one run, on every report in assignments/:
  1. a cold `reportgen build --force --jobs 1` in a new process (imports, solve, verify, render,
     sandboxed latexmk, atomic publish) into a fresh folder;
  2. bare latexmk with the same flags on the .tex files that build generated, each in a fresh
     folder, one after the other;
(alternately, --repeat times, keeping the fastest of each) and prints the ratio of the totals.
For context it also times the same cold build with --jobs 0 (one report per CPU) and a second
build with nothing changed (the stamp skips LaTeX).

    python3 scripts/bench.py [--templates DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen import compile, pipeline  # noqa: E402


def timed(cmd: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd[:4])}... failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return elapsed, proc.stdout


def reportgen(out: Path, *extra: str) -> tuple[float, dict[str, float]]:
    """Wall time of one CLI run, and the per-report times it printed."""
    elapsed, stdout = timed([sys.executable, "-m", "reportgen", "build", "--out", str(out), *extra], ROOT)
    per_report = {m.group(1): float(m.group(2))
                  for m in re.finditer(r"^(?:built|up to date)\s+(\S+).*\((\d+\.\d+) s,", stdout, re.M)}
    return elapsed, per_report


def bare_latexmk(tex: Path, scratch: Path) -> float:
    work = scratch / tex.stem
    work.mkdir(parents=True)
    shutil.copy(tex, work / tex.name)
    elapsed, _ = timed([compile.find_latexmk(), *compile.LATEXMK_ARGS, tex.name], work)
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--templates", action="append", default=[], help="template folder searched first")
    ap.add_argument("--repeat", type=int, default=3, help="measure N times, report the fastest (default 3)")
    args = ap.parse_args()
    extra = [a for t in args.templates for a in ("--templates", t)]
    ids = pipeline.report_ids()
    if not ids:
        sys.exit("bench: no reports in assignments/")
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-") as tmp:
        scratch = Path(tmp)
        runs = []  # alternate the two, keep the fastest of each: other load on the machine only adds
        for i in range(args.repeat):
            cold, per_report = reportgen(scratch / f"cold-{i}", "--force", "--jobs", "1", *extra)
            latexmk = {rid: bare_latexmk(scratch / f"cold-{i}" / f"{rid}.tex", scratch / f"latexmk-{i}")
                       for rid in ids}
            runs.append((cold, per_report, latexmk))
        cold = min(r[0] for r in runs)
        per_report = {rid: min(r[1].get(rid, float("nan")) for r in runs) for rid in ids}
        latexmk = {rid: min(r[2][rid] for r in runs) for rid in ids}
        parallel, _ = reportgen(scratch / "parallel", "--force", "--jobs", "0", *extra)
        noop, _ = reportgen(scratch / "cold-0", *extra)

    width = max(len(r) for r in ids)
    print(f"{'report':{width}}  reportgen  bare latexmk  ratio")
    for rid in ids:
        print(f"{rid:{width}}  {per_report.get(rid, float('nan')):8.2f} s  {latexmk[rid]:10.2f} s"
              f"  {per_report.get(rid, float('nan')) / latexmk[rid]:5.2f}")
    total = sum(latexmk.values())
    print(f"{'total':{width}}  {cold:8.2f} s  {total:10.2f} s  {cold / total:5.2f}"
          f"   (reportgen: whole cold process, --jobs 1; fastest of {args.repeat})")
    print(f"\ncold build, all reports, --jobs 0 (one per CPU): {parallel:.2f} s")
    print(f"second build, nothing changed (stamp, no LaTeX):  {noop:.2f} s")
    print(f"\nratio reportgen / bare latexmk = {cold / total:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
