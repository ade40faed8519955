"""``reportgen variants``: select N well-posed, distinct variants, build their sheets and
solutions, write the answer key; or stress-test the declared ranges without building.

Variant ``i`` of seed ``S`` draws from ``numpy.random.default_rng([S, i])``: its first draw, then
redraws from the same generator until one is accepted. A draw is accepted when its assignment
file parses, every problem solves and verifies, the well-posedness rules hold
(reportgen.variants.broken_rules) and its answers differ from every earlier variant's. So a
variant depends only on (S, i) and the variants before it: every shard of a run selects the
same variants, and builds only its own.
"""

from __future__ import annotations

import csv
import io
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from . import compile, kinds, pipeline, spec, tomlout, variants
from .errors import ReportError, SpecError
from .settings import Settings

MAX_ATTEMPTS = 200  # draws per variant before giving up


@dataclass(frozen=True)
class Source:
    """An assignment file and its variant declarations."""

    report: spec.ReportSpec
    raw: dict[str, Any]
    decls: list[variants.ProblemVariants]
    fixed: dict[int, list[tuple[int, str, Any]]] = field(default_factory=dict)  # answers of problems that do not vary

    @property
    def rules(self) -> dict[int, variants.Rules]:
        return {d.index: d.rules for d in self.decls}


@dataclass(frozen=True)
class Variant:
    number: int  # 1-based
    redraws: int  # draws rejected before this one
    toml: str  # the variant's own assignment file
    data: dict[int, dict[str, Any]]  # problem number -> drawn key -> value
    answers: list[tuple[int, str, Any]]  # (problem number, quantity, value)


def load(name: str) -> Source:
    report = pipeline.load(name)
    raw = spec.read_toml(report.path)
    decls = variants.declarations(raw, report.path)
    variants.require_declared(decls, report.path)
    return Source(report, raw, decls)


def variant_id(report_id: str, number: int, count: int) -> str:
    return f"{report_id}-v{number:0{max(2, len(str(count)))}d}"


def evaluate(src: Source, data: dict[str, Any], path: Path, settings: Settings,
             seen: dict[tuple[Any, ...], int] | None = None) -> list[tuple[int, str, Any]] | str:
    """The answers of one drawn assignment, or why the draw is rejected (a short, countable reason):
    invalid data, no solution, a broken rule, the answers of an earlier variant (``seen``), a failed
    verification, checked in this order (cheapest first). Problems that do not vary are solved and
    verified once per run (``src.fixed``)."""
    path.write_text(tomlout.dumps(data), encoding="utf-8")
    try:
        report = spec.load(path, kinds.parse)
    except SpecError as exc:
        return f"invalid data at {exc.key}: {exc.detail.split(',')[0][:70]}"
    found: list[tuple[int, str, Any]] = []
    todo = []
    for p in report.problems:  # solve and apply the cheap rules first: most rejections are there
        if p.number in src.fixed:
            found += src.fixed[p.number]
            continue
        module = kinds.get(p.kind)
        try:
            with np.errstate(all="ignore"):  # a draw that overflows is rejected by the rules below
                result = module.solve(p.params)
        except (ValueError, ArithmeticError) as exc:
            return f"problem {p.number}: no solution: {str(exc).split(',')[0][:70]}"
        mine = variants.answers(p.kind, result)
        rules = src.rules.get(p.number - 1, variants.Rules())
        why = variants.broken_rules(p.kind, p.params, result, mine, rules, settings.fmt)
        if why:
            return f"problem {p.number}: {why[0]}"
        found += [(p.number, q, v) for q, v in mine]
        todo.append((p, module, result))
    if seen is not None and variants.answer_key(sorted(found, key=lambda a: a[0])) in seen:
        return "the same answers as an earlier variant"
    for p, module, result in todo:
        failed = [c.name for c in module.verify(p.params, result) if not c.passed]
        if failed:
            return f"problem {p.number}: verification failed: {failed[0]}"
        if p.number - 1 not in src.rules:
            src.fixed[p.number] = [(n, q, v) for n, q, v in found if n == p.number]
    found.sort(key=lambda a: a[0])
    return found


def _drawn(src: Source, data: dict[str, Any]) -> dict[int, dict[str, Any]]:
    out = {}
    for d in src.decls:
        problem = data["problems"][d.index]
        out[d.index + 1] = {v.key: variants.get_path(problem, variants.parse_path(v.key)) for v in d.varies}
    return out


def draw_data(src: Source, rng: np.random.Generator, vid: str, title: str) -> dict[str, Any]:
    data = variants.draw(src.raw, src.decls, rng)
    data["report"]["id"], data["report"]["title"] = vid, title
    return data


def select(src: Source, seed: int, count: int, upto: int, settings: Settings,
           rejected: Counter[str]) -> list[Variant]:
    """Variants 1..upto of a run of ``count``, in order (each must differ from all before it)."""
    seen: dict[tuple[Any, ...], int] = {}
    out = []
    with tempfile.TemporaryDirectory(prefix="reportgen-variants-") as tmp:
        for number in range(1, upto + 1):
            vid = variant_id(src.report.id, number, count)
            title = f"{src.report.title} (Variant {number})"
            rng = np.random.default_rng([seed, number])
            why = ""
            for attempt in range(MAX_ATTEMPTS):
                data = draw_data(src, rng, vid, title)
                found = evaluate(src, data, Path(tmp) / f"{vid}.toml", settings, seen)
                if isinstance(found, list):
                    seen[variants.answer_key(found)] = number
                    out.append(Variant(number, attempt, tomlout.dumps(data), _drawn(src, data), found))
                    break
                why = found
                rejected[found] += 1
            else:
                raise ReportError(
                    f"{src.report.path}: variant {number}: no acceptable draw in {MAX_ATTEMPTS} attempts "
                    f"(last: {why}); widen the ranges or relax the rules in [problems.variants]")
    return out


# --- answer files ---------------------------------------------------------------------------------


def _json_value(v: Any) -> Any:
    return str(v) if isinstance(v, Fraction) else v


def answers_doc(src: Source, mine: list[Variant], seed: int, count: int, shard: tuple[int, int]) -> dict[str, Any]:
    return {
        "report": src.report.id, "seed": seed, "count": count, "shard": f"{shard[0]}/{shard[1]}",
        "variants": [{
            "variant": v.number, "id": variant_id(src.report.id, v.number, count), "seed": seed,
            "redraws": v.redraws,
            "data": [{"problem": p, "key": k, "value": x} for p, keys in v.data.items() for k, x in keys.items()],
            "answers": [{"problem": p, "quantity": q, "value": _json_value(x)} for p, q, x in v.answers],
        } for v in mine],
    }


def answers_json(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, indent=1, allow_nan=False) + "\n").encode()


def answers_csv(doc: dict[str, Any]) -> bytes:
    """variant, seed, problem, quantity, value: floats as repr (full precision), fractions as p/q."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["variant", "seed", "problem", "quantity", "value"])
    for v in doc["variants"]:
        w.writerows([v["variant"], v["seed"], a["problem"], a["quantity"], variants.value_text(a["value"])]
                    for a in v["answers"])
    return buf.getvalue().encode()


def combine(name: str, folder: Path, say: Callable[[str], None]) -> None:
    """answers.shard-K-of-M.{json,csv} of every shard in ``folder`` -> answers.json and answers.csv,
    the same bytes a run without --shard writes."""
    report_id = pipeline.load(name).id
    files = sorted(folder.glob("answers.shard-*-of-*.json"))
    try:
        docs = [json.loads(f.read_text()) for f in files]
        head = {k: docs[0][k] for k in ("report", "seed", "count")} if docs else {}
        m = int(docs[0]["shard"].split("/")[1]) if docs else 0
        shards = sorted(d["shard"] for d in docs)
        same = all({k: d[k] for k in head} == head for d in docs) and head.get("report") == report_id
        found = [v for d in docs for v in d["variants"]]
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise ReportError(f"{folder}: unreadable shard answer file: {exc}") from None
    need = sorted(f"{k}/{m}" for k in range(1, m + 1))
    if not docs or not same or shards != need:
        raise ReportError(f"{folder}: need answers.shard-K-of-M.json of one {report_id} run for every K in 1..M; "
                          f"found shards {', '.join(shards) or 'none'}")
    doc = {**head, "shard": "1/1", "variants": sorted(found, key=lambda v: v["variant"])}
    compile.publish(answers_json(doc), folder / "answers.json")
    compile.publish(answers_csv(doc), folder / "answers.csv")
    say(f"combined {len(files)} shards, {len(found)} variants: {folder / 'answers.csv'}, {folder / 'answers.json'}")


def answer_files(out: Path, shard: tuple[int, int]) -> tuple[Path, Path]:
    tag = "" if shard == (1, 1) else f".shard-{shard[0]}-of-{shard[1]}"
    return out / f"answers{tag}.csv", out / f"answers{tag}.json"


# --- the command ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    name: str
    count: int
    seed: int
    shard: tuple[int, int] = (1, 1)
    jobs: int = 1
    answers_only: bool = False


def run(r: Run, settings: Settings, say: Callable[[str], None]) -> None:
    start = time.perf_counter()
    src = load(r.name)
    k, m = r.shard
    numbers = list(range(k, r.count + 1, m))
    rejected: Counter[str] = Counter()
    chosen = select(src, r.seed, r.count, max(numbers, default=0), settings, rejected)
    mine = [chosen[n - 1] for n in numbers]
    out = settings.out_dir
    csv_path, json_path = answer_files(out, r.shard)
    shard_note = f", shard {k}/{m}" if m > 1 else ""
    say(f"{src.report.id}: {len(mine)} of {r.count} variants (seed {r.seed}{shard_note}) selected in "
        f"{time.perf_counter() - start:.1f} s; {sum(rejected.values())} redraws")
    for why, n in rejected.most_common():
        say(f"  {n:5} redrawn: {why}")
    if r.answers_only:
        for v in mine:
            say(f"variant {v.number:>3}/{r.count}  {variant_id(src.report.id, v.number, r.count)}  "
                f"redraws {v.redraws:<3} (answers only)")
    failed = 0
    if not r.answers_only:
        for ok, line in _build_all(src, mine, r, settings):
            failed += not ok
            say(line)
    doc = answers_doc(src, mine, r.seed, r.count, r.shard)
    compile.publish(answers_csv(doc), csv_path)
    compile.publish(answers_json(doc), json_path)
    say(f"answers: {csv_path}, {json_path}")
    say(f"total {time.perf_counter() - start:.1f} s")
    if failed:
        raise ReportError(f"{failed} of {len(mine)} variants failed to build (see above); "
                          "the answer files are complete")


def _build_all(src: Source, mine: list[Variant], r: Run, settings: Settings) -> Iterator[tuple[bool, str]]:
    """Each variant's sheet and solution through pipeline.build_report, ``jobs`` variants at a
    time: (built, progress line) in variant order; a failed variant does not stop the others."""

    def one(v: Variant) -> tuple[bool, str]:
        t = time.perf_counter()
        vid = variant_id(src.report.id, v.number, r.count)
        path = settings.out_dir / f"{vid}.toml"
        compile.publish(v.toml.encode(), path)
        try:
            sheet = pipeline.build_report(path, settings, sheet=True)
            solution = pipeline.build_report(path, settings)
        except ReportError as exc:
            return False, f"variant {v.number:>3}/{r.count}  {vid}  error: {exc}"
        return True, (f"variant {v.number:>3}/{r.count}  {vid}  redraws {v.redraws:<3} -> {sheet.pdf.name}, "
                      f"{solution.pdf.name}  ({time.perf_counter() - t:.1f} s)")

    jobs = min(r.jobs or os.cpu_count() or 1, max(1, len(mine)))
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="variant")
    try:
        yield from pool.map(one, mine)
    finally:  # on an error or Ctrl-C: start nothing new; running builds publish whole files
        pool.shutdown(wait=True, cancel_futures=True)


# --- stress test ----------------------------------------------------------------------------------


def stress(name: str, draws: int, seed: int, settings: Settings, say: Callable[[str], None]) -> float:
    """Draw ``draws`` variants (first draws of variants 1..draws), report the acceptance rate, the
    reasons for rejection and each answer's min/median/max. Returns the acceptance rate."""
    start = time.perf_counter()
    src = load(name)
    rejected: Counter[str] = Counter()
    values: dict[tuple[int, str], list[Any]] = {}
    keys = set()
    with tempfile.TemporaryDirectory(prefix="reportgen-stress-") as tmp:
        for i in range(1, draws + 1):
            data = draw_data(src, np.random.default_rng([seed, i]), f"{src.report.id}-stress", src.report.title)
            found = evaluate(src, data, Path(tmp) / "stress.toml", settings)
            if isinstance(found, str):
                rejected[found] += 1
                continue
            keys.add(variants.answer_key(found))
            for p, q, v in found:
                values.setdefault((p, q), []).append(v)
    accepted = draws - sum(rejected.values())
    rate = accepted / draws if draws else 0.0
    say(f"{src.report.id}: {draws} draws (seed {seed}): {accepted} accepted ({100 * rate:.1f} %), "
        f"{len(keys)} distinct answer sets, {time.perf_counter() - start:.1f} s")
    for why, n in rejected.most_common():
        say(f"  {n:6} rejected: {why}")
    if values:
        say(f"  {'problem':>7}  {'quantity':32} {'min':>12} {'median':>12} {'max':>12}")
    for (p, q), vs in values.items():
        say(f"  {p:>7}  {q:32} {_stats(vs)}")
    return rate


def _stats(vs: list[Any]) -> str:
    if all(isinstance(v, str) for v in vs):
        common = Counter(vs).most_common(1)[0]
        return f"{len(set(vs))} distinct values; most common {common[0]} ({common[1]}x)"
    xs = sorted(float(v) for v in vs)
    return " ".join(f"{x:12.6g}" for x in (xs[0], statistics.median(xs), xs[-1]))


def settings_for(settings: Settings, out: Path | None) -> Settings:
    return replace(settings, out_dir=out) if out is not None else settings
