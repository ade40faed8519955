"""``reportgen variants``: the same seed gives the same bytes, every answer matches an independent
computation, shards add up to the full run, and exercise sheets print none of the answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from reportgen import cli, printer
from tests.conftest import pdf_text

FMT = printer.DEFAULT


def run_variants(out: Path, report: str, *args: str) -> Path:
    assert cli.main(["variants", report, "--out", str(out), *args]) == 0
    return out


def load_answers(out: Path, name: str = "answers.json") -> dict:
    return json.loads((out / name).read_text())


def answer_map(variant: dict) -> dict[tuple[int, str], object]:
    return {(a["problem"], a["quantity"]): a["value"] for a in variant["answers"]}


def data_map(variant: dict) -> dict[tuple[int, str], object]:
    return {(d["problem"], d["key"]): d["value"] for d in variant["data"]}


@pytest.fixture(scope="module")
def nn24_run(tmp_path_factory) -> Path:
    return run_variants(tmp_path_factory.mktemp("nn24"), "nn-assignment2-2024", "--count", "6", "--seed", "11",
                        "--answers-only")


def test_same_seed_same_answer_bytes_other_seed_other_answers(nn24_run, tmp_path):
    again = run_variants(tmp_path / "again", "nn-assignment2-2024", "--count", "6", "--seed", "11", "--answers-only")
    for name in ("answers.json", "answers.csv"):
        assert (again / name).read_bytes() == (nn24_run / name).read_bytes()
    other = run_variants(tmp_path / "other", "nn-assignment2-2024", "--count", "6", "--seed", "12", "--answers-only")
    assert load_answers(other)["variants"][0]["answers"] != load_answers(nn24_run)["variants"][0]["answers"]


def test_csv_and_json_hold_the_same_full_precision_answers(nn24_run):
    doc = load_answers(nn24_run)
    rows = [line.split(",") for line in (nn24_run / "answers.csv").read_text().splitlines()]  # nothing quoted
    assert rows[0] == ["variant", "seed", "problem", "quantity", "value"]
    from_json = [[str(v["variant"]), "11", str(a["problem"]), a["quantity"], a["value"]]
                 for v in doc["variants"] for a in v["answers"]]
    assert [r[:4] for r in rows[1:]] == [r[:4] for r in from_json]
    for r, j in zip(rows[1:], from_json, strict=True):
        value = j[4]
        assert r[4] == (repr(value) if isinstance(value, float) else str(value))
        if isinstance(value, float):
            assert float(r[4]) == value  # repr round-trips


def test_variants_differ_and_every_variant_file_is_an_assignment(nn24_run):
    doc = load_answers(nn24_run)
    keys = [tuple(sorted(answer_map(v).items())) for v in doc["variants"]]
    assert len(set(keys)) == len(keys) == 6
    assert [v["variant"] for v in doc["variants"]] == [1, 2, 3, 4, 5, 6]


# --- independent computations: central differences of a loss written here, closed forms ----------


def mlp_loss(X, t, W1, b1, w2, b2):
    """Column layout: z_k = W1 x_k + b1, y_k = w2^T ReLU(z_k) + b2, L = 1/2 sum (y_k - t_k)^2."""
    total = 0.0
    for x, target in zip(X, t, strict=True):
        y = w2 @ np.maximum(W1 @ x + b1, 0.0) + b2
        total += 0.5 * (y - target) ** 2
    return total


def central(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def as_array(answers: dict, problem: int, name: str, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape)
    for i in np.ndindex(shape):
        out[i] = answers[(problem, name + "".join(f"[{k}]" for k in i))]
    return out


def check_mlp(d: dict, a: dict) -> None:
    X, t, W1, b1, w2 = (np.array(d[(1, k)], dtype=float) for k in ("X", "t", "W1", "b1", "W2"))
    b2 = float(d[(1, "b2")])
    assert a[(1, "loss")] == pytest.approx(mlp_loss(X, t, W1, b1, w2, b2), abs=1e-12)
    grads = {
        "dL_dW1": central(lambda W: mlp_loss(X, t, W, b1, w2, b2), W1),
        "dL_db1": central(lambda b: mlp_loss(X, t, W1, b, w2, b2), b1),
        "dL_dW2": central(lambda w: mlp_loss(X, t, W1, b1, w, b2), w2),
    }
    for name, fd in grads.items():
        np.testing.assert_allclose(as_array(a, 1, name, fd.shape), fd, atol=1e-6)
    fd_b2 = (mlp_loss(X, t, W1, b1, w2, b2 + 1e-6) - mlp_loss(X, t, W1, b1, w2, b2 - 1e-6)) / 2e-6
    assert a[(1, "dL_db2")] == pytest.approx(fd_b2, abs=1e-6)
    assert np.min(np.abs(W1 @ X.T + b1[:, None])) >= 0.05  # the kink rule held


def check_gd(d: dict, a: dict) -> None:
    (p, q), (r, s) = np.array(d[(2, "A")], dtype=float) * 2  # H = A + A^T for a symmetric A
    mean, half = (p + s) / 2, np.sqrt(((p - s) / 2) ** 2 + q * r)
    assert a[(2, "range.eigenvalues[0]")] == pytest.approx(mean - half, abs=1e-12)
    assert a[(2, "range.eigenvalues[1]")] == pytest.approx(mean + half, abs=1e-12)
    assert a[(2, "range.eta_max")] == pytest.approx(2 / (mean + half), abs=1e-12)
    assert mean - half >= 0.5


def test_nn24_answers_equal_finite_differences_and_closed_forms(nn24_run):
    for v in load_answers(nn24_run)["variants"]:
        check_mlp(data_map(v), answer_map(v))
        check_gd(data_map(v), answer_map(v))


def smoothed_loss(x, y, W1, b1, W2, b2, eps):
    z = W2.T @ np.maximum(W1.T @ x + b1, 0.0) + b2
    log_p = z - z.max() - np.log(np.exp(z - z.max()).sum())
    return -(((1 - eps) * y + eps / len(y)) * log_p).sum()


def check_smoothed(d: dict, a: dict) -> None:
    x, y, W1, b1, W2, b2 = (np.array(d[(2, k)], dtype=float) for k in ("x", "y", "W1", "b1", "W2", "b2"))
    eps, eta = float(d[(2, "epsilon")]), 0.1
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    assert a[(2, "loss")] == pytest.approx(smoothed_loss(x, y, W1, b1, W2, b2, eps), abs=1e-12)
    for name, value in params.items():
        fd = central(lambda w, name=name: smoothed_loss(x, y, **{**params, name: w}, eps=eps), value)
        np.testing.assert_allclose(as_array(a, 2, f"dL_d{name}", fd.shape), fd, atol=1e-6)
        np.testing.assert_allclose(as_array(a, 2, f"{name}_new", fd.shape), value - eta * fd, atol=1e-6)
    z = np.array([a[(2, f"z[{i}]")] for i in range(3)])
    assert np.exp(z - np.log(np.exp(z).sum())).min() >= 0.01  # the declared underflow rule held


def test_ml_hw3_answers_equal_finite_differences(tmp_path):
    out = run_variants(tmp_path, "ml-hw3-2024spring", "--count", "3", "--seed", "4", "--answers-only")
    for v in load_answers(out)["variants"]:
        check_smoothed(data_map(v), answer_map(v))


def test_shards_add_up_to_the_full_run(nn24_run, tmp_path):
    full = load_answers(nn24_run)["variants"]
    parts, rows = [], []
    for k in (1, 2, 3, 4):
        out = run_variants(tmp_path, "nn-assignment2-2024", "--count", "6", "--seed", "11", "--answers-only",
                           "--shard", f"{k}/4")
        doc = load_answers(out, f"answers.shard-{k}-of-4.json")
        assert doc["shard"] == f"{k}/4" and [v["variant"] for v in doc["variants"]] == list(range(k, 7, 4))
        parts += doc["variants"]
        rows += (out / f"answers.shard-{k}-of-4.csv").read_text().splitlines()[1:]
    assert sorted(parts, key=lambda v: v["variant"]) == full
    full_rows = (nn24_run / "answers.csv").read_text().splitlines()[1:]
    assert sorted(rows, key=lambda r: int(r.split(",")[0])) == full_rows  # a stable sort keeps each variant's order
    assert cli.main(["variants", "nn-assignment2-2024", "--combine", str(tmp_path)]) == 0
    for name in ("answers.json", "answers.csv"):
        assert (tmp_path / name).read_bytes() == (nn24_run / name).read_bytes()


def test_combine_refuses_missing_shards(tmp_path, capsys):
    run_variants(tmp_path, "nn-assignment2-2024", "--count", "3", "--answers-only", "--shard", "2/3")
    assert cli.main(["variants", "nn-assignment2-2024", "--combine", str(tmp_path)]) == 1
    assert "found shards 2/3" in capsys.readouterr().err
    assert not (tmp_path / "answers.json").exists()


# --- PDFs: same bytes for one variant, and the sheet prints no answer --------------------------------


def printed(value: float) -> set[str]:
    """How a solution may print |value|: as num() prints it, and with 4 fixed decimals (matrices)."""
    return {printer.num(abs(value), FMT), f"{abs(value):.4f}"}


@pytest.mark.tex
def test_variant_pdfs_are_reproducible_and_sheets_hide_the_answers(tmp_path):
    one = run_variants(tmp_path / "a", "nn-assignment2-2024", "--count", "1", "--seed", "3")
    two = run_variants(tmp_path / "b", "nn-assignment2-2024", "--count", "1", "--seed", "3")
    for name in ("nn-assignment2-2024-v01.pdf", "nn-assignment2-2024-v01.sheet.pdf", "answers.json"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    numbers = re.compile(r"\d+(?:\.\d+)?")
    sheet_text = pdf_text(one / "nn-assignment2-2024-v01.sheet.pdf")
    solution_text = pdf_text(one / "nn-assignment2-2024-v01.pdf")
    assert "Exercise sheet" in sheet_text and "Exercise sheet" not in solution_text
    sheet_numbers, solution_numbers = set(numbers.findall(sheet_text)), set(numbers.findall(solution_text))
    variant = load_answers(one)["variants"][0]
    given = {f"{abs(x):g}" for d in variant["data"] for x in np.ravel(d["value"])}
    # answers with at least three significant digits cannot be mistaken for the one-decimal data
    answers = [v for v in answer_map(variant).values() if isinstance(v, float) and len(f"{abs(v):.4g}") >= 4
               and f"{abs(v):g}" not in given]
    assert len(answers) > 10
    leaked = [v for v in answers if printed(v) & sheet_numbers]
    assert not leaked
    shown = [v for v in answers if printed(v) & solution_numbers]
    assert len(shown) > len(answers) // 2  # the check has teeth: the solution does print them


def test_hw3_theory_answers_equal_exact_arithmetic(tmp_path):
    from fractions import Fraction

    out = run_variants(tmp_path, "hw3-theory", "--count", "2", "--seed", "6", "--answers-only")
    for v in load_answers(out)["variants"]:
        d, a = data_map(v), answer_map(v)
        values, shown = d[(1, "exp_values")], d[(1, "shown_scale")]
        for row in range(5):
            if (1, f"scaling[{row}].c") not in a:
                break
            c = a[(1, f"scaling[{row}].c")]
            total = sum(Fraction(x) ** c for x in values)
            assert [Fraction(a[(1, f"scaling[{row}].probs[{i}]")]) for i in range(3)] == \
                [Fraction(x) ** c / total for x in values]
        assert shown in [a[(1, f"scaling[{r}].c")] for r in range(row)]
        dd, dh, m = d[(2, "example")]
        assert a[(2, "n_theta_example")] == dh * dd + dh + m * dh + m
        size, k1 = d[(3, "in_size")], d[(3, "layers[0].kernel")]
        sizes = [size, size - k1 + 1, (size - k1 + 1 - 2) // 2 + 1]
        sizes.append(sizes[-1] - 5 + 1)
        assert [a[(3, f"stages[{i}].size")] for i in range(4)] == sizes
        assert a[(3, "stages[1].weights")] == k1 * k1 * 1 * d[(3, "layers[0].filters")]
        assert a[(3, "stages[3].weights")] == 25 * d[(3, "layers[0].filters")] * d[(3, "layers[2].filters")]
