"""make bench: how much does reportgen add on top of LaTeX?

CPU time (user + sys of every child process, from resource.getrusage(RUSAGE_CHILDREN)) is the
figure that counts: the machine is shared, and other load stretches wall time far more than CPU
time. Wall time is printed beside it.

In one run, on every report in assignments/:
  1. cold: `reportgen build --force --jobs 1` in a new process into a fresh folder (imports,
     solve, verify, render, building the preamble format, compiling, atomic publish);
  2. bare latexmk with the same flags on the .tex files that build generated, each in a fresh
     folder, one after the other;
  3. template edit: `make pdfs` with a copy of the templates (TEMPLATES=), then for each report
     one section template only that report loads gets a new comment line, and `make pdfs` runs
     again: only that report must rebuild, and its cost is compared with its bare latexmk.
(1 and 2 alternately, --repeat times, and each edit --repeat times, keeping the fastest of
each: other load on the machine only adds.)
reportgen's own bytecode is compiled first (see main).
For context it also times the cold build with --jobs 0 (one report per CPU) and a second build
with nothing changed.

    python3 scripts/bench.py [--templates DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen import compile, pipeline, render  # noqa: E402


@dataclass(frozen=True)
class Cost:
    wall: float
    cpu: float  # user + sys of the child and everything it waited for

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.wall + other.wall, self.cpu + other.cpu)


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[Cost, str]:
    cpu0, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env)
    cost = Cost(time.perf_counter() - start, _children_cpu() - cpu0)
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd[:4])}... failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return cost, proc.stdout


def reportgen(out: Path, *extra: str) -> Cost:
    cost, _ = timed([sys.executable, "-m", "reportgen", "build", "--out", str(out), *extra], ROOT)
    return cost


def bare_latexmk(tex: Path, scratch: Path) -> Cost:
    work = scratch / tex.stem
    work.mkdir(parents=True)
    shutil.copy(tex, work / tex.name)
    cost, _ = timed([compile.find_latexmk(), *compile.LATEXMK_ARGS, tex.name], work)
    return cost


def fastest(costs: list[Cost]) -> Cost:
    return Cost(min(c.wall for c in costs), min(c.cpu for c in costs))


def make_pdfs(out: Path, templates: Path) -> tuple[Cost, set[str]]:
    """`make pdfs` (JOBS=1) into ``out`` with TEMPLATES=``templates``; the reports it rebuilt."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    cost, stdout = timed(["make", "--no-print-directory", "-C", str(ROOT), "pdfs", f"OUT={out}",
                          f"TEMPLATES={templates}", "JOBS=1"], ROOT, env)
    return cost, {m.group(1) for m in re.finditer(r"^built\s+(\S+)", stdout, re.M)}


def own_template(out: Path, templates: Path, rid: str, ids: list[str]) -> Path | None:
    """A section template in ``templates`` that report ``rid`` loads and no other report does."""
    def loaded(r: str) -> set[Path]:
        deps = (out / f"{r}.d").read_text()
        return {(ROOT / p).resolve() for p in re.findall(r"^\s+(\S+?)(?: \\)?$", deps, re.M)}

    others = set().union(*(loaded(r) for r in ids if r != rid))
    mine = sorted(p for p in loaded(rid) - others if p.parent == (templates / "sections").resolve())
    return mine[0] if mine else None


def template_edits(scratch: Path, ids: list[str], user_templates: list[str],
                   repeat: int) -> dict[str, tuple[Cost, set[str]]]:
    """For each report, ``repeat`` edits of a section template only it loads: the fastest
    rebuild, and the reports each rebuild touched (all of them)."""
    tpl = scratch / "edit-templates"
    shutil.copytree(render.BUILTIN_TEMPLATES, tpl)
    for folder in user_templates:  # the user's own overrides on top, as --templates would search them
        shutil.copytree(folder, tpl, dirs_exist_ok=True)
    out = scratch / "edit-out"
    make_pdfs(out, tpl)
    edits = {}
    for rid in ids:
        path = own_template(out, tpl, rid, ids)
        if path is None:
            continue
        runs = []
        for n in range(repeat):
            time.sleep(0.05)  # file times tick coarsely: the edit must be newer than the PDF make touched
            with path.open("a") as f:
                f.write(f"\n%% bench edit {n}\n")
            runs.append(make_pdfs(out, tpl))
        rebuilt = [r for _, r in runs]
        counted = [c for c, r in runs if r == {rid}] or [c for c, _ in runs]
        edits[rid] = (fastest(counted), set().union(*rebuilt) if all(rebuilt) else set())
    return edits


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--templates", action="append", default=[], help="template folder searched first")
    ap.add_argument("--repeat", type=int, default=3, help="measure N times, report the fastest (default 3)")
    args = ap.parse_args()
    extra = [a for t in args.templates for a in ("--templates", t)]
    ids = pipeline.report_ids()
    if not ids:
        sys.exit("bench: no reports in assignments/")
    # reportgen's bytecode, as the first run of any Python that may write it leaves it: under
    # PYTHONDONTWRITEBYTECODE=1 every run would compile all of reportgen's sources again (0.06 s)
    compileall.compile_dir(ROOT / "reportgen", quiet=1)
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-") as tmp:
        scratch = Path(tmp)
        colds, bares = [], []
        for i in range(args.repeat):
            colds.append(reportgen(scratch / f"cold-{i}", "--force", "--jobs", "1", *extra))
            bares.append({rid: bare_latexmk(scratch / f"cold-{i}" / f"{rid}.tex", scratch / f"latexmk-{i}")
                          for rid in ids})
        cold = fastest(colds)
        bare = {rid: fastest([b[rid] for b in bares]) for rid in ids}
        parallel = reportgen(scratch / "parallel", "--force", "--jobs", "0", *extra)
        noop = reportgen(scratch / "cold-0", *extra)
        edits = template_edits(scratch, ids, args.templates, args.repeat)

    total = sum(bare.values(), Cost(0.0, 0.0))
    width = max(len(r) for r in ids + ["cold build, all reports"])
    print(f"{'':{width}}  {'CPU s':>7} {'wall s':>7}  {'bare CPU':>8} {'bare wall':>9}  "
          f"{'CPU ratio':>9} {'wall ratio':>10}")
    print(f"{'cold build, all reports':{width}}  {cold.cpu:7.2f} {cold.wall:7.2f}  {total.cpu:8.2f} {total.wall:9.2f}"
          f"  {cold.cpu / total.cpu:9.2f} {cold.wall / total.wall:10.2f}")
    print("\ntemplate edit (make pdfs, JOBS=1; one section template only that report loads):")
    for rid in ids:
        if rid not in edits:
            print(f"{rid:{width}}  (no section template of its own)")
            continue
        cost, rebuilt = edits[rid]
        note = "" if rebuilt == {rid} else f"   rebuilt: {', '.join(sorted(rebuilt)) or 'nothing'}"
        print(f"{rid:{width}}  {cost.cpu:7.2f} {cost.wall:7.2f}  {bare[rid].cpu:8.2f} {bare[rid].wall:9.2f}"
              f"  {cost.cpu / bare[rid].cpu:9.2f} {cost.wall / bare[rid].wall:10.2f}{note}")
    print(f"\ncold build, --jobs 0 (one report per CPU): CPU {parallel.cpu:.2f} s, wall {parallel.wall:.2f} s")
    print(f"second build, nothing changed:              CPU {noop.cpu:.2f} s, wall {noop.wall:.2f} s")
    print(f"(fastest of {args.repeat} for the cold build, each template edit and bare latexmk; "
          "bare latexmk runs one report at a time)")
    worst_edit = max((c.cpu / bare[r].cpu for r, (c, _) in edits.items()), default=float("nan"))
    print(f"\nCPU ratio reportgen / bare latexmk: cold {cold.cpu / total.cpu:.2f} (goal <= 0.5), "
          f"template edit worst {worst_edit:.2f} (goal <= 0.35)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
