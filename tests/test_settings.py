"""reportgen/settings.py: where settings come from (file, working folder, flags) and how they
combine. The text fields' contents are tested in tests/test_bad_specs.py and tests/test_customise.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen import settings
from reportgen.errors import SpecError
from reportgen.settings import Settings


def test_no_file_gives_the_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = settings.load()
    assert s == Settings() and s.source is None


def test_reportgen_toml_in_the_working_folder_is_read(tmp_path, monkeypatch):
    (tmp_path / "reportgen.toml").write_text("digits = 3\n")
    monkeypatch.chdir(tmp_path)
    s = settings.load()
    assert s.digits == 3 and s.source == Path("reportgen.toml")


def test_templates_are_relative_to_the_settings_file(tmp_path, monkeypatch):
    conf = tmp_path / "course" / "reportgen.toml"
    conf.parent.mkdir()
    conf.write_text('templates = "tpl"\n')
    monkeypatch.chdir(tmp_path)  # elsewhere: the folder is still found next to the file
    assert settings.load(conf).templates == (conf.parent / "tpl",)


def test_flags_override_only_what_they_set(tmp_path):
    (tmp_path / "reportgen.toml").write_text("digits = 2\n")
    s = settings.load(tmp_path / "reportgen.toml").with_overrides(digits=None, out_dir=tmp_path / "o", force=None)
    assert (s.digits, s.out_dir, s.force) == (2, tmp_path / "o", False)
    assert s.with_overrides(digits=6).digits == 6


def test_flags_are_checked_naming_the_command_line():
    with pytest.raises(SpecError) as err:
        Settings().with_overrides(digits=11)
    assert str(err.value).startswith("command line: digits: expected an integer from 0 to 10")


def test_digits_reach_the_number_format():
    assert Settings(digits=2).fmt.digits == 2 and Settings().fmt.digits == 4

