"""Variant declarations ([problems.variants]): parsing with keyed errors, drawing, TOML output,
the well-posedness rules and distinctness (reportgen/variants.py, reportgen/variant_run.py)."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import numpy as np
import pytest

from reportgen import cli, pipeline, spec, tomlout, variants

ROOT = Path(__file__).resolve().parent.parent
NN24 = ROOT / "assignments" / "nn-assignment2-2024.toml"


def write(tmp_path: Path, data: dict, name: str = "course-x.toml") -> Path:
    data = copy.deepcopy(data)
    data["report"]["id"] = name.removesuffix(".toml")
    path = tmp_path / name
    path.write_text(tomlout.dumps(data))
    return path


def nn24() -> dict:
    return tomllib.loads(NN24.read_text())


def with_variants(problem: int, table: dict) -> dict:
    data = nn24()
    for p in data["problems"]:
        p.pop("variants", None)
    data["problems"][problem]["variants"] = table
    return data


@pytest.mark.parametrize("report_id", pipeline.report_ids())
def test_every_assignment_declares_variants_and_round_trips_as_toml(report_id):
    path = pipeline.resolve(report_id)
    raw = spec.read_toml(path)
    decls = variants.declarations(raw, path)
    assert any(d.varies for d in decls)
    assert tomllib.loads(tomlout.dumps(raw)) == raw
    drawn = variants.draw(raw, decls, np.random.default_rng([0, 1]))
    assert tomllib.loads(tomlout.dumps(drawn)) == drawn
    assert all("variants" not in p for p in drawn["problems"])


def test_a_grid_holds_the_decimals_as_written():
    decls = variants.declarations(with_variants(0, {"W2": {"range": [-1.0, 1.0], "step": 0.1}}), "f")
    grid = decls[0].varies[0].grid[0]
    assert len(grid) == 21 and grid[0] == -1.0 and grid[1] == -0.9 and grid[-1] == 1.0 and 0.3 in grid
    assert [repr(v) for v in grid[:3]] == ["-1.0", "-0.9", "-0.8"]


def test_drawn_values_keep_shape_types_and_symmetry():
    raw = with_variants(1, {"A": {"range": [[[1, -3], [-3, 1]], [[6, 3], [3, 6]]], "step": 1, "symmetric": True}})
    decls = variants.declarations(raw, "f")
    for i in range(50):
        A = variants.draw(raw, decls, np.random.default_rng([7, i]))["problems"][1]["A"]
        assert all(isinstance(x, int) for row in A for x in row)
        assert A[0][1] == A[1][0] and -3 <= A[0][1] <= 3 and 1 <= A[0][0] <= 6 and 1 <= A[1][1] <= 6


def test_permute_and_whole_choices():
    data = tomllib.loads((ROOT / "assignments" / "ml-hw3-2024spring.toml").read_text())
    raw = copy.deepcopy(data)
    decls = variants.declarations(raw, "f")
    classes = {tuple(variants.draw(raw, decls, np.random.default_rng([1, i]))["problems"][1]["y"]) for i in range(40)}
    assert classes == {(1, 0, 0), (0, 1, 0), (0, 0, 1)}
    hw3 = spec.read_toml(ROOT / "assignments" / "hw3-theory.toml")
    d = variants.declarations(hw3, "f")
    draws = [variants.draw(hw3, d, np.random.default_rng([2, i])) for i in range(40)]
    examples = {tuple(x["problems"][1]["example"]) for x in draws}
    assert examples <= {(784, 100, 10), (784, 64, 10), (3072, 256, 10), (1024, 128, 26)} and len(examples) > 1
    layers = variants.draw(hw3, d, np.random.default_rng([3, 0]))["problems"][2]["layers"]
    assert layers[0]["filters"] in (4, 6, 8) and layers[1] == hw3["problems"][2]["layers"][1]


@pytest.mark.parametrize("problem, table, where, message", [
    (0, {"Q": {"range": [0, 1], "step": 1}}, "problems[0].variants.Q", "problem 1 has no key Q to vary"),
    (0, {"W1": {"range": [-1.0, 1.0], "step": 0.3}}, "problems[0].variants.W1.range", "does not divide"),
    (0, {"W1": {"range": [1.0, -1.0], "step": 0.1}}, "problems[0].variants.W1.range", "low <= high"),
    (0, {"W1": {"range": [-1.0, 1.0], "choices": [1.0]}}, "problems[0].variants.W1", "exactly one of"),
    (0, {"W1": {"range": [-1.0, 1.0], "step": 0.1, "stepp": 1}}, "problems[0].variants.W1.stepp", "unknown key"),
    (0, {"W1": {"permute": False}}, "problems[0].variants.W1.permute", "expected true"),
    (0, {"W1": {"choices": [[1.0, 2.0]]}}, "problems[0].variants.W1.choices", "shape"),
    (0, {"W1": {"choices": ["a"]}}, "problems[0].variants.W1.choices", "expected numbers"),
    (0, {"layout": {"choices": [1]}}, "problems[0].variants.layout", "only numbers"),
    (0, {"b1": {"range": [0.0, 1.0], "step": 0.5, "symmetric": True}}, "problems[0].variants.b1.symmetric",
     "square matrix"),
    (0, {"W1[": {"choices": [1.0]}}, 'problems[0].variants.W1[', "not a key path"),
    (0, {"rules": {"kink": 0.1}}, "problems[0].variants.rules.kink", "unknown key"),
    (0, {"rules": {"kink_margin": -0.1}}, "problems[0].variants.rules.kink_margin", "positive"),
    (0, {"W1": 3}, "problems[0].variants.W1", "expected a table"),
    (2, {"in_size": {"range": [16.0, 64.0], "step": 8.0}}, "problems[2].variants.in_size", "integers"),
    (1, {"A": {"range": [[0, 1], [2, 3]], "step": 1}}, "problems[1].variants.A.range", "shape"),
])
def test_bad_declarations_name_file_and_key_path(tmp_path, capsys, problem, table, where, message):
    path = write(tmp_path, with_variants(problem, table))
    assert cli.main(["variants", str(path), "--stress", "1"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {path}: {where}: ") and message in err and "\n" not in err


def test_a_file_without_variants_is_refused(tmp_path, capsys):
    data = nn24()
    for p in data["problems"]:
        p.pop("variants")
    assert cli.main(["variants", str(write(tmp_path, data)), "--count", "1"]) == 1
    assert "no [problems.variants] table" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--count", "2", "--stress", "3"], ["--count", "2", "--shard", "3/2"],
                                  ["--count", "2", "--shard", "0/2"], ["--count", "-1"], [],
                                  ["--count", "2", "--seed", "x"]])
def test_usage_errors_exit_2(args):
    with pytest.raises(SystemExit) as exc:
        cli.main(["variants", "nn-assignment2-2024", *args])
    assert exc.value.code == 2


def test_build_ignores_the_variants_table_but_spec_checks_its_type(tmp_path):
    data = nn24()
    data["problems"][0]["variants"] = 3
    with pytest.raises(spec.SpecError, match=r"problems\[0\]\.variants: expected a table"):
        pipeline.load(write(tmp_path, data))
    assert pipeline.load(NN24).problems[0].kind == "mlp_gradients"


def _gd_only(tmp_path: Path, table: dict) -> Path:
    data = nn24()
    data["problems"] = [data["problems"][1]]
    data["problems"][0]["A"] = [[2]]
    data["problems"][0]["start"] = [1.0]
    data["problems"][0]["factors"] = [0.4, 1.0, 1.1]  # 0.5 x bound would land on the minimum in 1-D
    data["problems"][0]["variants"] = table
    return write(tmp_path, data)


def test_variants_of_a_run_have_distinct_answers_or_a_clear_error(tmp_path, capsys):
    path = _gd_only(tmp_path, {"A": {"range": [1, 3], "step": 1}})  # three possible answer sets
    out = tmp_path / "out"
    assert cli.main(["variants", str(path), "--count", "3", "--seed", "5", "--answers-only", "--out", str(out)]) == 0
    rows = (out / "answers.csv").read_text().splitlines()[1:]
    bounds = {r.split(",")[0]: r.split(",")[4] for r in rows if ",range.eta_max," in r}
    assert sorted(bounds.values()) == sorted(repr(1 / a) for a in (1, 2, 3))
    capsys.readouterr()
    assert cli.main(["variants", str(path), "--count", "4", "--answers-only", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "variant 4: no acceptable draw in 200 attempts (last: the same answers as an earlier variant)" in err


def test_ill_posed_draws_are_rejected_with_their_reason(tmp_path, capsys):
    # X = 0 and b1 = 0: every pre-activation sits on the ReLU kink
    data = with_variants(0, {"X": {"choices": [0.0]}, "b1": {"choices": [0.0]}})
    path = write(tmp_path, data)
    assert cli.main(["variants", str(path), "--stress", "20"]) == 0
    out = capsys.readouterr().out
    assert "20 draws (seed 0): 0 accepted (0.0 %)" in out
    assert "20 rejected: problem 1: a ReLU pre-activation within 0.05 of the kink" in out
    assert cli.main(["variants", str(path), "--count", "1", "--answers-only", "--out", str(tmp_path / "o")]) == 1
    assert "no acceptable draw in 200 attempts (last: problem 1: a ReLU pre-activation" in capsys.readouterr().err


@pytest.mark.parametrize("table, reason", [
    ({"A": {"choices": [[[1, 3], [3, 1]]]}}, "invalid data at problems[0].A: the quadratic must be strictly convex"),
    ({"A": {"choices": [[[0.2, 0], [0, 3]]]}}, "A + A^T not positive definite with eigenvalues >= 0.5"),
    ({"A": {"choices": [[[1, 0], [0, 60]]]}}, "condition number of A + A^T above 50"),
    ({"A": {"choices": [[[2, 1], [1, 3]]]}}, "the bound 2/lambda_max is no fraction"),  # eigenvalues 5 +- sqrt(5)
])
def test_gradient_descent_rules(tmp_path, capsys, table, reason):
    data = nn24()
    data["problems"] = [data["problems"][1]]
    data["problems"][0]["variants"] = table
    assert cli.main(["variants", str(write(tmp_path, data)), "--stress", "3"]) == 0
    out = capsys.readouterr().out
    assert "0 accepted" in out and reason in out


def test_softmax_underflow_and_long_numbers_are_rejected(tmp_path, capsys):
    data = tomllib.loads((ROOT / "assignments" / "ml-hw3-2024spring.toml").read_text())
    # logits spread by 26 to 78: probabilities far below 0.001, dLoss/dyhat still a double (a spread
    # beyond about 700 is refused by the kind itself: dLoss/dyhat = -y^s/yhat would overflow)
    data["problems"][1]["variants"] = {"W2": {"choices": [-1, 1]}, "x": {"choices": [3]},
                                       "W1": {"choices": [2]}, "b1": {"choices": [1]}}
    assert cli.main(["variants", str(write(tmp_path, data)), "--stress", "10"]) == 0
    out = capsys.readouterr().out
    assert "0 accepted" in out and "a softmax probability below 0.001 (underflow)" in out
    data["problems"][1]["variants"] = {"x": {"choices": [1]}, "W1": {"choices": [1]}, "b1": {"choices": [1]},
                                       "W2": {"choices": [0, 1]}, "rules": {"max_chars": 3}}
    assert cli.main(["variants", str(write(tmp_path, data)), "--stress", "5"]) == 0
    assert "an answer that typesets long (yhat)" in capsys.readouterr().out


def test_stress_reports_acceptance_and_each_answers_range(tmp_path, capsys):
    path = _gd_only(tmp_path, {"A": {"range": [1, 9], "step": 1}})  # every draw is well posed
    assert cli.main(["variants", str(path), "--stress", "25", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "25 draws (seed 2): 25 accepted (100.0 %)" in out
    line = next(x for x in out.splitlines() if " range.eta_max " in x)
    lo, median, hi = (float(x) for x in line.split()[-3:])
    assert 1 / 9 - 1e-6 <= lo <= median <= hi <= 1.0 and lo < hi
    assert not list(tmp_path.glob("**/*.pdf"))


def test_build_sheet_is_titled_and_has_no_verification(tmp_path, capsys):
    import zipfile

    assert cli.main(["build", "nn-assignment2-2024", "--sheet", "--zip", "--out", str(tmp_path)]) == 0
    assert "nn-assignment2-2024.sheet" in capsys.readouterr().out
    tex = zipfile.ZipFile(tmp_path / "nn-assignment2-2024.sheet.zip").read("main.tex").decode()
    assert "{\\large Exercise sheet\\par}" in tex and "Exercise Sheet:" not in tex  # not "Sheet: Title: ..."
    assert "(exercise sheet)" in tex  # the PDF title says so too
    assert "appendix.tex.j2" not in tex and r"\section*{Verification}" not in tex
    assert cli.main(["build", "nn-assignment2-2024", "--zip", "--out", str(tmp_path)]) == 0
    solution = zipfile.ZipFile(tmp_path / "nn-assignment2-2024.zip").read("main.tex").decode()
    assert "Exercise sheet" not in solution and "(exercise sheet)" not in solution


def test_the_ci_matrix_example_passes_actionlint_and_shards_then_combines():
    import shutil
    import subprocess
    import sys

    example = ROOT / "docs" / "examples" / "variants-workflow.yml"
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    r = subprocess.run([actionlint, str(example)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    text = example.read_text()
    for step in ("shard: [1, 2, 3, 4]", '--shard "$SHARD/4"', "--combine out", "merge-multiple: true"):
        assert step in text
    assert "docs/examples/variants-workflow.yml" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("A, start, reason", [
    ([[2, 0], [0, 2]], [1.0, -0.5], "below 1.5 (nearly isotropic)"),
    ([[5, 2], [2, 2]], [2.0, 1.0], "the start within 10 degrees of an eigenvector"),  # (2, 1) is one
])
def test_gradient_descent_plots_must_show_two_directions(tmp_path, capsys, A, start, reason):
    data = nn24()
    data["problems"] = [data["problems"][1]]
    data["problems"][0]["variants"] = {"A": {"choices": [A]}, "start": {"choices": [start]}}
    assert cli.main(["variants", str(write(tmp_path, data)), "--stress", "2"]) == 0
    out = capsys.readouterr().out
    assert "0 accepted" in out and reason in out


def test_a_trajectory_that_hits_the_minimum_is_rejected(tmp_path, capsys):
    data = tomllib.loads((ROOT / "assignments" / "nn-assignment2-2023.toml").read_text())
    data["problems"] = [data["problems"][2]]  # f(x) = A x^2; 0.5 x bound reaches x = 0 in one step
    data["problems"][0]["variants"] = {"factors": {"choices": [[0.5, 1.0, 1.1]]}}
    assert cli.main(["variants", str(write(tmp_path, data)), "--stress", "2"]) == 0
    assert "a plotted trajectory reaches the minimum exactly" in capsys.readouterr().out


def test_a_vanishing_first_layer_gradient_is_rejected(tmp_path, capsys):
    data = tomllib.loads((ROOT / "assignments" / "ml-hw3-2024spring.toml").read_text())
    data["problems"][1]["variants"] = {"x": {"choices": [0]}, "b1": {"choices": [1]}, "W2": {"choices": [0, 1]},
                                       "b2": {"choices": [0]}}  # x = 0: dLoss/dW1 = x delta^T = 0
    assert cli.main(["variants", str(write(tmp_path, data)), "--stress", "5"]) == 0
    out = capsys.readouterr().out
    assert "0 accepted" in out and "the gradient with respect to W1 vanishes entirely" in out


def test_a_kind_from_elsewhere_is_graded_on_every_number_of_its_result(tmp_path):
    from reportgen import kinds

    from . import dot_product

    kinds.register("dot_product", dot_product)
    try:
        data = tomllib.loads((ROOT / "tests" / "data" / "dot-product.toml").read_text())
        data["problems"][0]["variants"] = {"a": {"range": [-3, 3], "step": 1}, "b": {"range": [-2.0, 2.0], "step": 0.5}}
        path = write(tmp_path, data)
        out = tmp_path / "out"
        args = ["variants", str(path), "--count", "4", "--seed", "3", "--answers-only", "--out", str(out)]
        assert cli.main(args) == 0
    finally:
        kinds.unregister("dot_product")
    import json

    for v in json.loads((out / "answers.json").read_text())["variants"]:
        d = {x["key"]: x["value"] for x in v["data"]}
        got = {a["quantity"]: a["value"] for a in v["answers"]}
        assert set(got) == {"products[0]", "products[1]", "products[2]", "value"}
        assert got["value"] == pytest.approx(sum(x * y for x, y in zip(d["a"], d["b"], strict=True)), abs=1e-12)


def test_a_variant_that_fails_to_build_does_not_stop_the_others(tmp_path, capsys):
    broken = tmp_path / "tpl" / "sections"
    broken.mkdir(parents=True)
    (broken / "gd_step_size.tex.j2").write_text("((( no_such_value )))\n")
    out = tmp_path / "out"
    args = ["variants", "nn-assignment2-2024", "--count", "2", "--out", str(out), "--templates", str(tmp_path / "tpl")]
    assert cli.main(args) == 1
    captured = capsys.readouterr()
    lines = [x for x in captured.out.splitlines() if x.startswith("variant ")]
    assert len(lines) == 2 and all("error:" in x and "no_such_value" in x for x in lines)
    assert "2 of 2 variants failed to build (see above); the answer files are complete" in captured.err
    assert len((out / "answers.csv").read_text().splitlines()) > 2
