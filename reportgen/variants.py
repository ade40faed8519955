"""Per-student variants: which keys of a problem vary, how a draw is made, when it is well posed.

An assignment file declares, per problem, the keys that vary and where their values come from::

    [[problems]]
    kind = "mlp_gradients"
    W1 = [[-0.6, 0.7, 0.9, -0.3], [0.4, 0.5, -1.0, 0.1]]
    ...
    [problems.variants]
    W1 = { range = [-1.0, 1.0], step = 0.1 }     # every entry from {-1.0, -0.9, ..., 1.0}
    A = { range = [1, 6], step = 1, symmetric = true }   # integers; a symmetric matrix
    in_size = { choices = [28, 32, 64] }        # one of these (per entry for arrays)
    example = { choices = [[784, 100, 10], [3072, 200, 10]] }   # one whole value
    y = { permute = true }                       # the given entries in a random order
    "design.out_size" = { choices = [4, 6, 8] }  # a key inside a sub-table or a list
    rules = { kink_margin = 0.05 }               # well-posedness thresholds (see Rules)

The drawn value keeps the given value's shape; the kind's own ``parse`` then checks it like any
hand-written file. ``reportgen.variant_run`` selects, stresses and builds the variants.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from . import printer
from .errors import SpecError
from .spec import Table

MAX_GRID = 100_000
_PATH_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


@dataclass(frozen=True)
class Vary:
    """One varying key. Exactly one source: ``grid`` or ``choices`` per entry, ``whole``, ``permute``."""

    key: str  # path inside the problem table: "W1", "design.out_size", "layers[0].filters"
    grid: tuple[tuple[float, ...], ...] = ()  # entry i drawn from grid[i] (or grid[0] for every entry)
    whole: tuple[Any, ...] = ()  # the whole value drawn from these
    permute: bool = False
    symmetric: bool = False


@dataclass(frozen=True)
class Rules:
    """Well-posedness thresholds; a draw that breaks one is redrawn."""

    kink_margin: float = 0.05  # ReLU pre-activations at least this far from 0
    min_active: int = 1  # ReLU units active (sample, unit pairs): gradients do not all vanish
    min_probability: float = 1e-3  # softmax outputs at least this (no underflow, readable logs)
    min_curvature: float = 0.5  # smallest eigenvalue of A + A^T (strictly convex, well away from 0)
    max_condition: float = 50.0  # lambda_max / lambda_min of A + A^T (trajectories stay readable)
    min_condition: float = 1.5  # ... and at least this (not nearly isotropic: directions differ)
    min_angle: float = 10.0  # degrees between the start and every eigenvector (no 1-D descent in 2-D)
    max_denominator: int = 100  # the bound 2 / lambda_max must be a fraction with at most this denominator
    max_chars: int = 10  # every answer typesets in at most this many characters, without 10^k


RULE_KEYS = tuple(f.name for f in dataclasses.fields(Rules))


@dataclass(frozen=True)
class ProblemVariants:
    index: int  # 0-based position in [[problems]]
    varies: tuple[Vary, ...]
    rules: Rules


def parse_path(key: str) -> list[str | int]:
    """'layers[0].filters' -> ['layers', 0, 'filters']; ValueError when malformed."""
    parts: list[str | int] = []
    for piece in key.split("."):
        if not piece:
            raise ValueError("empty name")
        start = 0
        for m in _PATH_RE.finditer(piece):
            if m.start() != start or (start == 0) != (m.group(1) is not None):
                raise ValueError(f"cannot read {piece!r}")
            parts.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
            start = m.end()
        if start != len(piece):
            raise ValueError(f"cannot read {piece!r}")
    return parts


def get_path(data: Any, path: list[str | int]) -> Any:
    for p in path:
        data = data[p]
    return data


def set_path(data: Any, path: list[str | int], value: Any) -> None:
    get_path(data, path[:-1])[path[-1]] = value


def _grid(t: Table, name: str, lo: Any, hi: Any, step: Any) -> tuple[float, ...]:
    nums = (lo, hi, step)
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in nums):
        raise t.error(name, "range = [low, high] and step must be numbers")
    if step <= 0 or hi < lo:
        raise t.error(name, f"expected low <= high and a positive step, got range [{lo}, {hi}], step {step}")
    exact = [Decimal(repr(v)) for v in nums]  # the decimals as written: 0.1 is one tenth
    count = (exact[1] - exact[0]) / exact[2]
    if count != count.to_integral_value():
        raise t.error(name, f"the step {step} does not divide the range [{lo}, {hi}]")
    if count + 1 > MAX_GRID:
        raise t.error(name, f"{int(count) + 1} values; at most {MAX_GRID} allowed")
    if all(isinstance(v, int) for v in nums):
        return tuple(lo + k * step for k in range(int(count) + 1))
    return tuple(float(exact[0] + k * exact[2]) for k in range(int(count) + 1))


def _grids(vt: Table, base: Any, step: Any) -> tuple[tuple[float, ...], ...]:
    """``range = [low, high]``: numbers, or arrays shaped like the value (a range per entry)."""
    bounds = vt._get("range", None)  # raw: integers must stay integers
    if not isinstance(bounds, list) or len(bounds) != 2:
        raise vt.error("range", "expected [low, high]")
    if not any(isinstance(b, list) for b in bounds):
        return (_grid(vt, "range", bounds[0], bounds[1], step),)
    if any(_shape(b) != _shape(base) for b in bounds):
        raise vt.error("range", f"per-entry bounds must both have the shape {_shape(base)} of the given value")
    return tuple(_grid(vt, "range", lo, hi, step) for lo, hi in zip(_entries(bounds[0]), _entries(bounds[1]),
                                                                       strict=True))


def _entries(value: Any) -> list[Any]:
    return [x for row in value for x in _entries(row)] if isinstance(value, list) else [value]


def parse_vary(t: Table, name: str, base: Any) -> Vary:
    """One ``key = { ... }`` entry of a variants table, checked against the given value ``base``."""
    vt = t.table(name)
    given = _entries(base)
    if isinstance(base, dict) or any(isinstance(x, (dict, str, bool)) for x in given):
        raise t.error(name, "only numbers and arrays of numbers can vary")
    sources = [k for k in ("range", "choices", "permute") if vt.has(k)]
    if len(sources) != 1:
        raise t.error(name, "give exactly one of range (with step), choices or permute")
    ints = all(isinstance(x, int) for x in given)
    vary = Vary(name)
    if sources == ["range"]:
        vary = Vary(name, grid=_grids(vt, base, vt._get("step", None)))
    elif sources == ["choices"]:
        choices = vt._get("choices", None)
        if not isinstance(choices, list) or not choices or len(choices) > MAX_GRID:
            raise vt.error("choices", "expected a non-empty array of values")
        if all(isinstance(c, list) for c in choices):
            if any(_shape(c) != _shape(base) for c in choices):
                raise vt.error("choices", f"every whole value must have the shape of the given {name}")
            vary = Vary(name, whole=tuple(choices))
        elif any(isinstance(c, (bool, list, dict, str)) or not isinstance(c, (int, float)) for c in choices):
            raise vt.error("choices", "expected numbers (one per entry) or arrays (whole values)")
        else:
            vary = Vary(name, grid=(tuple(choices),))
    elif vt._get("permute", None) is not True:
        raise vt.error("permute", "expected true")
    else:
        vary = Vary(name, permute=True)
    if ints and vary.grid and not all(isinstance(v, int) for g in vary.grid for v in g):
        raise t.error(name, f"the given {name} holds integers; the values drawn must be integers too")
    if vt.has("symmetric"):
        shape = _shape(base)
        if vt._get("symmetric", None) is not True or len(shape) != 2 or shape[0] != shape[1] or not vary.grid:
            raise vt.error("symmetric", "expected true, for a square matrix drawn from a range or choices")
        vary = dataclasses.replace(vary, symmetric=True)
    vt.done()
    return vary


def _shape(value: Any) -> tuple[int, ...]:
    return (len(value), *_shape(value[0])) if isinstance(value, list) and value else ()


def parse_rules(t: Table) -> Rules:
    rt = t.table("rules")
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Rules):
        if rt.has(f.name):
            values[f.name] = rt.integer(f.name, lo=1) if f.type == "int" else rt.real(f.name, positive=True)
    rt.done()
    return Rules(**values)


def declarations(raw: dict[str, Any], file: object) -> list[ProblemVariants]:
    """Every problem's ``variants`` table, checked: keys exist and hold numbers, sources are sound."""
    out = []
    problems = raw.get("problems")
    for i, problem in enumerate(problems if isinstance(problems, list) else []):
        if not isinstance(problem, dict) or "variants" not in problem:
            continue
        t = Table(problem, file, f"problems[{i}]").table("variants")
        varies = []
        for name in t.data:
            if name == "rules":
                continue
            try:
                path = parse_path(name)
                base = get_path(problem, path)
            except ValueError as exc:
                raise t.error(name, f"not a key path ({exc}); e.g. W1, design.out_size, layers[0].filters") from None
            except (KeyError, IndexError, TypeError):
                raise t.error(name, f"problem {i + 1} has no key {name} to vary") from None
            if path[0] == "variants":
                raise t.error(name, "the variants table itself cannot vary")
            varies.append(parse_vary(t, name, base))
        rules = parse_rules(t) if t.has("rules") else Rules()
        t.done()
        out.append(ProblemVariants(i, tuple(varies), rules))
    return out


def require_declared(decls: list[ProblemVariants], file: object) -> None:
    if not any(d.varies for d in decls):
        raise SpecError(file, "problems", "no [problems.variants] table declares a key to vary")


# --- drawing --------------------------------------------------------------------------------------


def _reshape(flat: list[Any], like: Any) -> Any:
    if not isinstance(like, list):
        return flat.pop(0)
    return [_reshape(flat, row) for row in like]


def _python(v: Any) -> Any:
    return int(v) if isinstance(v, (int, np.integer)) else float(v)


def draw_value(v: Vary, base: Any, rng: np.random.Generator) -> Any:
    if v.whole:
        return v.whole[int(rng.integers(len(v.whole)))]
    entries = _entries(base)
    if v.permute:
        return _reshape([entries[k] for k in rng.permutation(len(entries))], base)
    grids = v.grid if len(v.grid) == len(entries) else v.grid * len(entries)
    picks = [_python(g[int(k)]) for g, k in zip(grids, rng.integers([len(g) for g in grids]), strict=True)]
    value = _reshape(picks, base)
    if v.symmetric:
        value = [[value[min(r, c)][max(r, c)] for c in range(len(value))] for r in range(len(value))]
    return value


def draw(raw: dict[str, Any], decls: list[ProblemVariants], rng: np.random.Generator) -> dict[str, Any]:
    """A copy of the assignment data with every declared key drawn afresh (declaration order)."""
    import copy

    data = copy.deepcopy(raw)
    for d in decls:
        problem = data["problems"][d.index]
        for v in d.varies:
            path = parse_path(v.key)
            set_path(problem, path, draw_value(v, get_path(problem, path), rng))
    for problem in data["problems"]:
        problem.pop("variants", None)
    return data


# --- answers and well-posedness -------------------------------------------------------------------

ANSWERS = {  # what an autograder compares, per kind: attribute paths on the kind's Result
    "mlp_gradients": ("y", "loss", "dL_dW1", "dL_db1", "dL_dW2", "dL_db2"),
    "gd_step_size": ("range.eigenvalues", "range.eta_max", "range.eta_opt"),
    "cnn_design": ("search.chosen.signature", "search.chosen.params", "n_valid"),
    "smoothed_ce_step": ("h", "z", "yhat", "loss", "dL_dz", "dL_dW2", "dL_db2", "dL_dh", "dL_dW1", "dL_db1",
                         "W1_new", "b1_new", "W2_new", "b2_new", "loss_new"),
    "activation_calculus": ("scaling",),
    "sine_mlp_theory": ("n_theta_example",),
    "conv_arithmetic": ("stages", "designs"),
    "softmax_ce_gradient": (),  # derivations without numbers to grade
    "smoothed_ce_derivation": (),
}
_ANSWER_FIELDS = {"Stage": ("size", "channels", "weights", "biases"), "Design": ("chosen",),
                  "Config": ("k", "s"), "ScaleRow": ("c", "probs")}


def _flatten(name: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, np.ndarray):
        return [(name + "".join(f"[{k}]" for k in i), value[i].item()) for i in np.ndindex(value.shape)]
    if isinstance(value, (list, tuple)):
        return [pair for i, x in enumerate(value) for pair in _flatten(f"{name}[{i}]", x)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = _ANSWER_FIELDS.get(type(value).__name__) or tuple(f.name for f in dataclasses.fields(value))
        return [pair for f in fields for pair in _flatten(f"{name}.{f}".lstrip("."), getattr(value, f))]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction, str)):
        return []  # symbolic derivation steps and the like are shown, not graded
    return [(name, value)]


def answers(kind: str, result: Any) -> list[tuple[str, Any]]:
    """(quantity, value) pairs: floats, ints, Fractions or strings, in a fixed order. What is
    graded: ANSWERS[kind], else the kind's own ``answers`` tuple of attribute paths, else every
    number in its result."""
    from . import kinds

    paths = ANSWERS[kind] if kind in ANSWERS else getattr(kinds.get(kind), "answers", None)
    if paths is None:
        return _flatten("", result)
    out: list[tuple[str, Any]] = []
    for path in paths:
        value = result
        for attr in path.split("."):
            value = getattr(value, attr)
        out += _flatten(path, value)
    return out


def value_text(v: Any) -> str:
    """Full precision, machine-readable: repr of floats round-trips; fractions as 'p/q'."""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def broken_rules(kind: str, params: Any, result: Any, found: list[tuple[str, Any]], rules: Rules,
                 fmt: printer.FormatSettings) -> list[str]:
    """Why a solved draw is not well posed (empty: it is)."""
    why = []
    relu = kind == "smoothed_ce_step" or (kind == "mlp_gradients" and params.activation == "relu")
    if relu:
        pre = result.h if kind == "smoothed_ce_step" else result.Z
        if np.min(np.abs(pre)) < rules.kink_margin:
            why.append(f"a ReLU pre-activation within {rules.kink_margin:g} of the kink")
        if np.count_nonzero(result.mask) < rules.min_active:
            why.append(f"fewer than {rules.min_active} active ReLU unit(s)")
    if kind == "smoothed_ce_step":
        if np.min(result.yhat) < rules.min_probability:
            why.append(f"a softmax probability below {rules.min_probability:g} (underflow)")
    if relu and np.all(np.abs(result.dL_dW1) <= fmt.noise):  # false for nan: underflow is reported above
        why.append("the gradient with respect to W1 vanishes entirely (nothing to compute)")
    if kind == "gd_step_size":
        lam, r = result.range.eigenvalues, result.range
        if lam[0] < rules.min_curvature:
            why.append(f"A + A^T not positive definite with eigenvalues >= {rules.min_curvature:g}")
        elif lam[-1] / lam[0] > rules.max_condition:
            why.append(f"condition number of A + A^T above {rules.max_condition:g}")
        elif len(lam) > 1 and lam[-1] / lam[0] < rules.min_condition:
            why.append(f"condition number of A + A^T below {rules.min_condition:g} (nearly isotropic)")
        elif r.eta_max_exact is None or r.eta_max_exact.denominator > rules.max_denominator:
            why.append(f"the bound 2/lambda_max is no fraction with denominator <= {rules.max_denominator}")
        why += _trajectory_rules(params, result, rules)
    for name, v in found:
        if isinstance(v, float) and not _typesets_short(v, rules.max_chars, fmt):
            why.append(f"an answer that typesets long ({name.split('[')[0]})")
            break
    return why


def _trajectory_rules(params: Any, result: Any, rules: Rules) -> list[str]:
    why = []
    u = params.start / np.linalg.norm(params.start)
    cosines = np.abs(result.range.eigenvectors.T @ u)
    if len(u) > 1 and np.max(cosines) > math.cos(math.radians(rules.min_angle)):
        why.append(f"the start within {rules.min_angle:g} degrees of an eigenvector (a 1-D descent)")
    if any(np.min(t.distance) < 1e-9 for t in result.trajectories):
        why.append("a plotted trajectory reaches the minimum exactly (the log plot cannot show it)")
    return why


def _typesets_short(v: float, max_chars: int, fmt: printer.FormatSettings) -> bool:
    if not math.isfinite(v):
        return False
    text = printer.num(v, fmt)
    return r"\times" not in text and len(text.replace(r"\,", "")) <= max_chars


def answer_key(found: list[tuple[int, str, Any]]) -> tuple[Any, ...]:
    """What makes two variants the same for a grader: every answer, exactly."""
    return tuple((p, q, Fraction(v) if isinstance(v, float) else v) for p, q, v in found)
