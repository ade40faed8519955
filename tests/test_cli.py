"""The command line: exit codes, JSON at full precision, errors without tracebacks."""

import json
import subprocess
import sys

import pytest

from reportgen import pipeline
from reportgen.cli import main

from .conftest import ROOT


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=cwd, capture_output=True, text=True)


def test_list_shows_ids_and_titles(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for rid in pipeline.report_ids():
        assert rid in out
    assert "Machine Learning Assignment 2: Neural Networks" in out


def test_solve_json_full_precision(capsys):
    assert main(["solve", "nn-assignment2-2024", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_kind = {p["kind"]: p["result"] for p in data["problems"]}
    p1 = by_kind["mlp_gradients"]
    solved = next(s.result for s in pipeline.solve(pipeline.load("nn-assignment2-2024"))
                  if s.spec.kind == "mlp_gradients")
    assert p1["loss"] == solved.loss  # repr round-trips: no rounding in JSON
    assert p1["dL_dW1"] == solved.dL_dW1.tolist()
    assert len(p1["dL_dW1"]) == 2 and len(p1["dL_dW1"][0]) == 4  # the assignment's shape
    assert p1["costs"]["reverse_total"] == 123
    p2 = by_kind["gd_step_size"]
    assert p2["range"]["eta_max_exact"] == {"num": 1, "den": 6, "value": 1 / 6}
    p3 = by_kind["cnn_design"]
    assert p3["n_valid"] == 2 and p3["search"]["chosen"]["params"] == 24352


def test_check_passes(capsys):
    assert main(["check", "nn-assignment2-2024"]) == 0
    assert "all checks passed" in capsys.readouterr().out


def test_unknown_report_is_exit_1_with_known_ids():
    r = run("solve", "nope", "--json")
    assert r.returncode == 1
    assert r.stderr.startswith("error: nope: no such report; known ids:")
    assert "Traceback" not in r.stderr


def test_bad_file_is_exit_1_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[report]\nid = "x"\ntitle = "X"\n[[problems]]\nkind = "gd_step_size"\ntitle = "t"\n'
                   'A = [[1, "2"], [3, 4]]\nstart = [1, 1]\n')
    r = run("build", str(bad), "--out", str(tmp_path / "out"))
    assert r.returncode == 1
    assert f"{bad}: problems[0].A[0][1]: expected a number, got a string" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_usage_error_is_exit_2():
    r = run("frobnicate")
    assert r.returncode == 2
    assert "usage:" in r.stderr


@pytest.mark.parametrize("text", ["Ada 😀"])
def test_untypesettable_author_names_the_field(text, tmp_path):
    r = run("build", "nn-assignment2-2024", "--author", text, "--out", str(tmp_path))
    assert r.returncode == 1
    assert "author" in r.stderr and "cannot typeset" in r.stderr


def test_a_status_line_is_one_write():
    """Parallel builds share make's pipe; with PYTHONUNBUFFERED a line written in two parts
    (text, then newline) could interleave with another build's line."""
    from reportgen import cli

    class Recorder:
        def __init__(self):
            self.writes = []

        def write(self, s):
            self.writes.append(s)

        def flush(self):
            pass

    rec = Recorder()
    cli._say("built      x -> build/x.pdf", rec)
    assert rec.writes == ["built      x -> build/x.pdf\n"]
