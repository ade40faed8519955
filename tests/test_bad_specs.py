"""Bad assignment and settings files: one SpecError naming the file, the key path and what was
expected; `reportgen build FILE` prints it and exits 1, never a traceback (README.md, "How it
works").

Each case edits a valid file in one place: (case id, base, old text, new text, key path, message)."""

import pytest

from reportgen import cli, pipeline
from reportgen.errors import SpecError

from .buildkit import run_cli

CNN = """\
[report]
id = "bad"
title = "Bad input"
course = "Testing"
date = "2024-03-15"

[[problems]]
kind = "cnn_design"
title = "Stack"
in_size = 10
in_channels = 1
target_size = 2
target_channels = 2
kernels = [3]
"""

MLP = """\
[report]
id = "bad"
title = "Bad input"

[[problems]]
kind = "mlp_gradients"
title = "Network"
layout = "column"
X = [[0.2, -0.4, 0.1], [0.8, 1.0, -0.1]]
t = [-0.5, 0.1]
W1 = [[-0.6, 0.7, 0.9], [0.4, 0.5, -1.0]]
b1 = [-0.4, -0.5]
W2 = [0.2, 0.6]
b2 = -0.7
"""

X = "X = [[0.2, -0.4, 0.1], [0.8, 1.0, -0.1]]"
CASES = [
    # the file itself
    ("unclosed string", CNN, 'title = "Bad input"', 'title = "Bad input', "", "invalid TOML: Illegal character"),
    ("unclosed table header", CNN, "[[problems]]", "[[problems]", "", "invalid TOML"),
    ("duplicate key", CNN, "in_size = 10", "in_size = 10\nin_size = 12", "", "invalid TOML: Cannot overwrite"),
    ("5000-digit integer", CNN, "in_size = 10", "in_size = " + "9" * 5000, "",
     "invalid TOML: Exceeds the limit (4300 digits)"),
    ("bare word (YAML habit)", CNN, 'course = "Testing"', "course = No", "", "invalid TOML"),
    ("leading zero (YAML habit)", CNN, 'course = "Testing"', "course = 0123", "", "invalid TOML"),
    ("empty file", CNN, CNN, "", "report", "missing; add this key"),
    # [report]
    ("report not a table", CNN, '[report]\nid = "bad"\ntitle = "Bad input"\ncourse = "Testing"\ndate = "2024-03-15"\n',
     "report = 5\n", "report", "expected a table, got an integer"),
    ("missing title", CNN, 'title = "Bad input"\n', "", "report.title", "missing; add this key"),
    ("misspelt key", CNN, 'title = "Bad input"', 'title = "Bad input"\ntitel = "x"', "report.titel",
     "unknown key (known keys here: course, date, id, label, page_per_problem, title)"),
    ("title is a number (1e3)", CNN, 'title = "Bad input"', "title = 1e3", "report.title",
     "expected a string, got a number (1000.0)"),
    ("title is a boolean", CNN, 'title = "Bad input"', "title = true", "report.title",
     "expected a string, got a boolean (True)"),
    ("date is a TOML date", CNN, 'date = "2024-03-15"', "date = 2024-03-15", "report.date",
     "expected a string, got a TOML date/time (put it in quotes to make it text)"),
    ("course is an array", CNN, 'course = "Testing"', 'course = ["ML"]', "report.course",
     "expected a string, got an array"),
    ("id with spaces", CNN, 'id = "bad"', 'id = "Bad ID!"', "report.id", "'Bad ID!' does not match"),
    ("unknown label", CNN, 'id = "bad"', 'id = "bad"\nlabel = "Chapter"', "report.label",
     "expected one of 'Problem', 'Question', 'Exercise', 'Task', got 'Chapter'"),
    ("title too long", CNN, 'title = "Bad input"', f'title = "{"x" * 600}"', "report.title",
     "text is 600 characters long; at most 500 allowed"),
    ("emoji in title", CNN, 'title = "Bad input"', 'title = "Bad 🙂"', "report.title",
     "pdflatex cannot typeset '🙂' (U+1F642); use Latin-1 characters only"),
    # [[problems]]
    ("no problems", CNN, CNN[CNN.index("\n[[problems]]"):], "\n", "problems", "missing; add this key"),
    ("problems is a number", CNN, CNN[CNN.index("\n[[problems]]"):], "\n", "problems",
     "expected one or more [[problems]] tables"),
    ("unknown kind", CNN, 'kind = "cnn_design"', 'kind = "cnn"', "problems[0].kind",
     "unknown problem kind 'cnn'; known kinds:"),
    ("misspelt problem key", CNN, "kernels = [3]", "kernels = [3]\nkernel = [3]", "problems[0].kernel",
     "unknown key"),
    ("negative points", CNN, 'title = "Stack"', 'title = "Stack"\npoints = -1', "problems[0].points",
     "expected an integer in [0, 1000], got -1"),
    ("integer is a float", CNN, "in_size = 10", "in_size = 10.0", "problems[0].in_size",
     "expected an integer, got a number (10.0)"),
    ("integer is a string", CNN, "in_size = 10", 'in_size = "10"', "problems[0].in_size",
     "expected an integer, got a string ('10')"),
    ("integer is a boolean", CNN, "in_size = 10", "in_size = true", "problems[0].in_size",
     "expected an integer, got a boolean"),
    ("integer beyond 64 bits", CNN, "in_size = 10", "in_size = 18446744073709551616", "problems[0].in_size",
     "integer 18446744073709551616 does not fit in 64 bits"),
    ("integer out of range", CNN, "in_size = 10", "in_size = 100000", "problems[0].in_size",
     "expected an integer in [2, 512], got 100000"),
    ("string in an array", CNN, "kernels = [3]", 'kernels = [3, "5"]', "problems[0].kernels[1]",
     "expected a number, got a string ('5')"),
    ("boolean in an array", CNN, "kernels = [3]", "kernels = [true]", "problems[0].kernels[0]",
     "expected a number, got a boolean (True)"),
    ("nan in an array", CNN, "kernels = [3]", "kernels = [nan]", "problems[0].kernels[0]",
     "expected a finite number, got nan"),
    ("inf in an array", CNN, "kernels = [3]", "kernels = [3, -inf]", "problems[0].kernels[1]",
     "expected a finite number, got -inf"),
    ("empty array", CNN, "kernels = [3]", "kernels = []", "problems[0].kernels", "is empty"),
    ("matrix for a vector", CNN, "kernels = [3]", "kernels = [[3]]", "problems[0].kernels[0]",
     "expected a number, got an array"),
    ("scalar for a vector", CNN, "kernels = [3]", "kernels = 3", "problems[0].kernels",
     "expected an array of numbers, got an integer (3)"),
    ("integer too large for a float", CNN, "kernels = [3]", "kernels = [9007199254740993]",
     "problems[0].kernels[0]", "integer 9007199254740993 is too large to compute with exactly"),
    ("data without a solution", CNN, "in_size = 10", "in_size = 8", "problems[0].target_size",
     "no alternating conv/pool stack maps 8 to 2 with kernels [3] and 2x2 pooling"),
    # matrices
    ("ragged rows", MLP, X, "X = [[0.2, -0.4, 0.1], [0.8, 1.0]]", "problems[0].X[1]",
     "ragged matrix: row 0 has 3 entries, row 1 has 2"),
    ("string in a matrix", MLP, X, 'X = [[0.2, "-0.4", 0.1], [0.8, 1.0, -0.1]]', "problems[0].X[0][1]",
     "expected a number, got a string ('-0.4')"),
    ("boolean in a matrix", MLP, X, "X = [[0.2, -0.4, 0.1], [0.8, 1.0, false]]", "problems[0].X[1][2]",
     "expected a number, got a boolean (False)"),
    ("nan in a matrix", MLP, X, "X = [[0.2, nan, 0.1], [0.8, 1.0, -0.1]]", "problems[0].X[0][1]",
     "expected a finite number, got nan"),
    ("overflow to inf in a matrix", MLP, X, "X = [[0.2, -0.4, 0.1], [1e400, 1.0, -0.1]]", "problems[0].X[1][0]",
     "expected a finite number, got inf"),
    ("integer beyond 64 bits in a matrix", MLP, X, "X = [[0.2, -0.4, 0.1], [0.8, 1.0, 18446744073709551616]]",
     "problems[0].X[1][2]", "integer 18446744073709551616 is too large to compute with exactly"),
    ("empty matrix", MLP, X, "X = []", "problems[0].X", "is empty"),
    ("empty rows", MLP, X, "X = [[], []]", "problems[0].X[0]", "is empty"),
    ("vector for a matrix", MLP, X, "X = [0.2, 0.8]", "problems[0].X[0]",
     "expected an array of numbers, got a number (0.2)"),
    ("matrix of the wrong shape", MLP, "W1 = [[-0.6, 0.7, 0.9], [0.4, 0.5, -1.0]]", "W1 = [[-0.6, 0.7], [0.4, 0.5]]",
     "problems[0].W1", "expected shape 2x3, got 2x2"),
    ("vector of the wrong length", MLP, "t = [-0.5, 0.1]", "t = [-0.5]", "problems[0].t", "expected shape 2, got 1"),
    ("array for a scalar", MLP, "b2 = -0.7", "b2 = [-0.7]", "problems[0].b2", "expected a number, got an array"),
    ("unknown option", MLP, 'layout = "column"', 'layout = "column"\nactivation = "softplus"',
     "problems[0].activation", "expected one of 'relu', 'sigmoid', 'tanh', got 'softplus'"),
    ("missing matrix", MLP, X + "\n", "", "problems[0].X", "missing; add this key"),
]


@pytest.mark.parametrize("name, base, old, new, key, message", CASES, ids=[c[0] for c in CASES])
def test_bad_assignment_file(tmp_path, capsys, name, base, old, new, key, message):
    assert old in base, "the case must edit the base file"
    text = base.replace(old, new, 1)
    if name == "problems is a number":
        text = "problems = 3\n" + text
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(SpecError) as exc:
        pipeline.solve(pipeline.load(path))
    assert (exc.value.file, exc.value.key) == (str(path), key)
    assert message in exc.value.detail

    assert cli.main(["build", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    where = f"{path}: {key}" if key else str(path)
    assert err.startswith(f"error: {where}: ") and message in err
    assert len(err.splitlines()) <= 3 and "Traceback" not in err
    assert not (tmp_path / "out" / "bad.pdf").exists()


def test_unreadable_files(tmp_path):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SpecError, match=rf"^{binary}: cannot read: .*utf-8"):
        pipeline.load(binary)
    with pytest.raises(SpecError, match=r"missing\.toml: file not found"):
        pipeline.load(tmp_path / "missing.toml")
    with pytest.raises(SpecError, match="no such report; known ids: .*nn-assignment2-2024"):
        pipeline.load("no-such-report")


SETTINGS_CASES = [
    ('author = 1e3\n', "author", "expected a string or an array of strings, got a number (1000.0)"),
    ('student_id = 123\n', "student_id", "expected a string or an array of strings, got an integer (123)"),
    ('author = ["Ada", 1]\n', "author[1]", "expected a string, got an integer (1)"),
    ('author = ["Ada", "B\u00f6 \U0001f642"]\n', "author[1]", "pdflatex cannot typeset '\U0001f642'"),
    ('author = [' + '"A", ' * 21 + ']\n', "author", "21 entries; at most 20 allowed"),
    ('author = ["A", "B"]\nstudent_id = "1"\n', "student_id", "1 student id(s) for 2 author(s)"),
    ('author = "A; B"\nstudent_id = ["1", "2", "3"]\n', "student_id", "3 student id(s) for 2 author(s)"),
    ('author = No\n', "", "invalid TOML"),
    ('student_id = 0123\n', "", "invalid TOML"),
    ('digits = 99\n', "digits", "expected an integer in [0, 10], got 99"),
    ('autor = "Ada"\n', "autor", "unknown key"),
    ('author = "Ada \u202e🙂"\n', "author", "pdflatex cannot typeset '🙂'"),
]


@pytest.mark.parametrize("text, key, message", SETTINGS_CASES, ids=[c[0].strip() for c in SETTINGS_CASES])
def test_bad_settings_file(tmp_path, capsys, text, key, message):
    settings = tmp_path / "reportgen.toml"
    settings.write_text(text, encoding="utf-8")
    assert cli.main(["--settings", str(settings), "build", "nn-assignment2-2024", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    where = f"{settings}: {key}" if key else str(settings)
    assert err.startswith(f"error: {where}: ") and message in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("flags, message", [
    (["--author", "Ada 🙂"], "error: command line: author: pdflatex cannot typeset"),
    (["--digits", "99"], "error: command line: digits: expected an integer from 0 to 10"),
    (["--jobs", "-1"], "error: command line: jobs: expected 0 or more, got -1"),
])
def test_bad_command_line_values(tmp_path, capsys, flags, message):
    assert cli.main(["build", "nn-assignment2-2024", "--out", str(tmp_path), *flags]) == 1
    assert capsys.readouterr().err.startswith(message)


@pytest.mark.parametrize("edit", [c for c in CASES if c[0] in ("unclosed string", "integer beyond 64 bits",
                                                                "ragged rows", "data without a solution")],
                         ids=lambda c: c[0])
def test_real_command_exits_1_without_traceback(tmp_path, edit):
    """`python3 -m reportgen build path/to/file.toml`, as a user runs it."""
    _, base, old, new, key, message = edit
    path = tmp_path / "bad.toml"
    path.write_text(base.replace(old, new, 1), encoding="utf-8")
    proc = run_cli("build", path, "--out", tmp_path / "out")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: {path}: {key + ': ' if key else ''}") and message in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
