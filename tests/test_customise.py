"""Template overrides, settings, the Overleaf zip, error mapping, the CI workflow, the README example."""

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from reportgen import pipeline, render, settings
from reportgen.errors import LatexError, SpecError, TemplateError
from reportgen.settings import Settings

from .conftest import ROOT, pdf_text, verified

TITLE_OVERRIDE = r"""((* extends "builtin/base.tex.j2" *))
((* block title *))
\begin{center}\Large CUSTOM TITLE for (((author)))\end{center}
((* endblock *))
"""


def render_with(tmp_path, files: dict[str, str], **kw):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    report, solved = verified("nn-assignment2-2024")
    return pipeline.render_tex(report, solved, Settings(templates=(tmp_path,), **kw))


def test_user_folder_is_searched_first(tmp_path):
    body = '((* extends "base.tex.j2" *))((* block body *))%% my body\n((* endblock *))'
    tex = render_with(tmp_path, {"report.tex.j2": body})
    assert "%% my body" in tex
    assert "Problem 1" not in tex


def test_extend_the_builtin_template_and_override_one_block(tmp_path):
    tex = render_with(tmp_path, {"base.tex.j2": TITLE_OVERRIDE}, author="Ada")
    assert "CUSTOM TITLE for Ada" in tex
    assert "\\section*{Problem 1: Calculating Gradients" in tex  # the rest is the built-in report
    assert "\\usepackage{pgfplots}" in tex  # the built-in preamble block is kept


def test_override_a_section_template(tmp_path):
    tex = render_with(tmp_path, {"sections/cnn_design.tex.j2": "Total: $(((r.search.chosen.params|int)))$\n"})
    assert "Total: $24\\,352$" in tex


def test_missing_template_names_every_folder(tmp_path):
    (tmp_path / "report.tex.j2").write_text('((* include "nowhere.tex.j2" *))')
    report, solved = verified("nn-assignment2-2024")
    with pytest.raises(TemplateError) as err:
        pipeline.render_tex(report, solved, Settings(templates=(tmp_path,)))
    assert "'nowhere.tex.j2' not found" in str(err.value)
    assert str(tmp_path) in str(err.value) and str(render.BUILTIN_TEMPLATES) in str(err.value)


def test_missing_template_folder_is_a_clear_error(tmp_path):
    report, solved = verified("nn-assignment2-2024")
    with pytest.raises(TemplateError, match="does not exist"):
        pipeline.render_tex(report, solved, Settings(templates=(tmp_path / "nope",)))


def test_export_copies_every_builtin_template(tmp_path):
    written = render.export_templates(tmp_path / "t")
    names = {p.relative_to(tmp_path / "t").as_posix() for p in written}
    assert {"base.tex.j2", "report.tex.j2", "derivation.tex.j2", "sections/mlp_gradients.tex.j2"} <= names
    with pytest.raises(TemplateError, match="already exists"):
        render.export_templates(tmp_path / "t")
    # an exported copy renders exactly like the built-in one
    report, solved = verified("nn-assignment2-2024")
    assert pipeline.render_tex(report, solved, Settings(templates=(tmp_path / "t",))) == \
        pipeline.render_tex(report, solved, Settings())


def test_settings_file_and_flags(tmp_path):
    (tmp_path / "reportgen.toml").write_text('author = "Ada Lovelace"\nstudent_id = "123"\ndigits = 2\n'
                                           'templates = "mytpl"\n')
    (tmp_path / "mytpl").mkdir()
    s = settings.load(tmp_path / "reportgen.toml")
    assert (s.author, s.student_id, s.digits, s.templates) == (("Ada Lovelace",), ("123",), 2, (tmp_path / "mytpl",))
    s2 = s.with_overrides(author="Grace Hopper", course=None)
    assert s2.author == ("Grace Hopper",) and s2.student_id == ("123",)


@pytest.mark.parametrize(("text", "key"), [('autor = "x"\n', "autor"), ('digits = "4"\n', "digits"),
                                           ('author = "😀"\n', "author")])
def test_bad_settings_file(tmp_path, text, key):
    (tmp_path / "reportgen.toml").write_text(text)
    with pytest.raises(SpecError) as err:
        settings.load(tmp_path / "reportgen.toml")
    assert err.value.key == key


def test_digits_setting_changes_every_number(tmp_path):
    tex = render_with(tmp_path, {}, digits=2)
    assert "0.13 & -0.24 & -0.05 & 0.21" in tex  # dL/dW1 at two decimals


@pytest.mark.tex
def test_zip_compiles_on_its_own(tmp_path):
    out = pipeline.export_zip("nn-assignment2-2024", Settings(out_dir=tmp_path, author="Zip Test"))
    assert out.pdf == tmp_path / "nn-assignment2-2024.zip"
    with zipfile.ZipFile(out.pdf) as zf:
        assert sorted(zf.namelist()) == ["latexmkrc", "main.tex"]
        zf.extractall(tmp_path / "unzipped")
    # compile the unzipped project by itself, as Overleaf would: plain latexmk in its folder
    r = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "main.tex"],
                       cwd=tmp_path / "unzipped", capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:]
    assert "Zip Test" in pdf_text(tmp_path / "unzipped" / "main.pdf")
    again = pipeline.export_zip("nn-assignment2-2024", Settings(out_dir=tmp_path / "2", author="Zip Test"))
    assert again.pdf.read_bytes() == out.pdf.read_bytes()  # reproducible bytes


@pytest.mark.tex
def test_latex_error_names_template_file_and_line(tmp_path):
    tpl = tmp_path / "tpl" / "sections"
    tpl.mkdir(parents=True)
    src = (render.BUILTIN_TEMPLATES / "sections" / "cnn_design.tex.j2").read_text().splitlines(keepends=True)
    line = next(i for i, text in enumerate(src) if text.startswith("\\subsection*{The chosen architecture}"))
    src[line] = src[line].rstrip("\n") + "\\undefinedcommand\n"
    (tpl / "cnn_design.tex.j2").write_text("".join(src))
    with pytest.raises(LatexError) as err:
        pipeline.build_report("nn-assignment2-2024", Settings(templates=(tmp_path / "tpl",), out_dir=tmp_path / "o"))
    msg = str(err.value)
    assert f"{tpl / 'cnn_design.tex.j2'}:{line + 1}: Undefined control sequence." in msg
    assert "\\undefinedcommand" in msg  # the generated line
    assert f"full log: {tmp_path / 'o' / 'nn-assignment2-2024.error.log'}" in msg
    assert len(msg.splitlines()) <= 6  # a few lines, not a log dump


def test_traced_render_matches_the_real_one():
    report, solved = verified("nn-assignment2-2024")
    tex = pipeline.render_tex(report, solved, Settings())
    origins = pipeline.template_lines(report, solved, Settings(), tex)
    assert len(origins) == tex.count("\n")
    i = tex.splitlines().index("\\begin{document}")
    base = render.BUILTIN_TEMPLATES / "base.tex.j2"
    assert origins[i] == f"{base}:{base.read_text().splitlines().index(chr(92) + 'begin{document}') + 1}"


def test_workflow_passes_actionlint():
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    r = subprocess.run([actionlint, str(ROOT / ".github" / "workflows" / "pdf.yml")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    text = (ROOT / ".github" / "workflows" / "pdf.yml").read_text()
    for step in ("texlive-latex-recommended", "make test", "make pdf", "actions/upload-artifact", "build/*.pdf"):
        assert step in text


def test_actionlint_catches_a_broken_workflow(tmp_path):
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.nope }}\n")
    assert subprocess.run([actionlint, str(bad)], capture_output=True).returncode != 0


@pytest.mark.tex
def test_readme_example_runs_as_written(tmp_path):
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- readme-example -->\s*```sh\n(.*?)```", readme, re.S)
    assert block, "README has no example block"
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", block.group(1)], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    pdf = tmp_path / "build" / "nn-assignment2-2024.pdf"
    assert "Homework of Ada Lovelace" in pdf_text(pdf)
