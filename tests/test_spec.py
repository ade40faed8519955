"""Bad assignment files give a SpecError naming file, key path and expectation."""

import pytest

from reportgen import kinds, spec
from reportgen.errors import SpecError

GOOD = """
[report]
id = "tiny"
title = "Tiny"

[[problems]]
kind = "gd_step_size"
title = "GD"
A = [[5]]
start = [1.0]
"""


def write(tmp_path, text):
    path = tmp_path / "a.toml"
    path.write_text(text)
    return path


def test_good_file_loads(tmp_path):
    r = spec.load(write(tmp_path, GOOD), kinds.parse)
    assert r.id == "tiny" and r.label == "Problem" and r.problems[0].params.A.shape == (1, 1)


@pytest.mark.parametrize(("change", "key", "message"), [
    (('A = [[5]]', 'A = [[5, 1]]'), "problems[0].A", "square matrix"),
    (('A = [[5]]', 'A = [[5], [1, 2]]'), "problems[0].A[1]", "ragged"),
    (('A = [[5]]', 'A = [["5"]]'), "problems[0].A[0][0]", "expected a number, got a string"),
    (('A = [[5]]', 'A = [[true]]'), "problems[0].A[0][0]", "got a boolean"),
    (('A = [[5]]', 'A = [[nan]]'), "problems[0].A[0][0]", "finite"),
    (('A = [[5]]', 'A = [[inf]]'), "problems[0].A[0][0]", "finite"),
    (('A = [[5]]', 'A = [[99999999999999999999]]'), "problems[0].A[0][0]", "too large"),  # beyond 64 bits
    (('A = [[5]]', 'A = [[5]'), "", "invalid TOML"),
    (('A = [[5]]', 'A = [[9007199254740993]]'), "problems[0].A[0][0]", "too large"),
    (('A = [[5]]', 'A = 5'), "problems[0].A", "expected a matrix"),
    (('A = [[5]]', 'A = []'), "problems[0].A", "is empty"),
    (('start = [1.0]', 'start = [1.0, 2.0]'), "problems[0].start", "expected shape 1"),
    (('start = [1.0]\n', ''), "problems[0].start", "missing"),
    (('start = [1.0]', 'start = [1.0]\nstrat = 3'), "problems[0].strat", "unknown key"),
    (('kind = "gd_step_size"', 'kind = "nope"'), "problems[0].kind", "unknown problem kind"),
    (('id = "tiny"', 'id = "Tiny Report!"'), "report.id", "does not match"),
    (('title = "Tiny"', 'title = 3'), "report.title", "expected a string, got an integer"),
    (('[report]', '[reprt]'), "report", "missing"),
    (('title = "GD"', 'title = "GD"\npoints = "ten"'), "problems[0].points", "expected an integer"),
])
def test_bad_files_name_the_key(tmp_path, change, key, message):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(SpecError) as err:
        spec.load(path, kinds.parse)
    assert err.value.key == key
    assert message in str(err.value)
    assert str(err.value).startswith(str(path))


def test_missing_file():
    with pytest.raises(SpecError, match="file not found"):
        spec.load(spec.Path("/nonexistent/x.toml"), kinds.parse)
