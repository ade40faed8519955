"""The Jinja layer: delimiters, escaping of user text, refusal of raw numbers, error locations."""

import jinja2
import numpy as np
import pytest

from reportgen import render
from reportgen.errors import TemplateError


def env_with(templates: dict[str, str]):
    env = render.environment()
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader(templates), env.loader])
    return env


def test_filters_and_delimiters():
    env = env_with({"t.tex.j2": r"\[ x = (((v|num))), M = (((m|mat))) \]((= hidden =))"})
    out = render.render(env, "t.tex.j2", {"v": -5.55e-17, "m": np.eye(2)})
    assert out == r"\[ x = 0, M = \begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix} \]"


def test_user_strings_are_escaped_and_never_rendered_as_templates():
    env = env_with({"t": "(((name)))"})
    assert render.render(env, "t", {"name": "{{ 7*7 }} ((( x ))) $a_b$"}) == \
        r"\{\{ 7*7 \}\} ((( x ))) \$a\_b\$"


def folder_env(tmp_path, templates: dict[str, str]):
    for name, text in templates.items():
        (tmp_path / name).write_text(text)
    return render.environment([tmp_path])


def test_raw_float_is_refused_with_template_and_line(tmp_path):
    env = folder_env(tmp_path, {"t.tex.j2": "line one\n(((value)))\n"})
    with pytest.raises(TemplateError, match=r"t\.tex\.j2:2: .*raw float.*\|num"):
        render.render(env, "t.tex.j2", {"value": 0.5})


def test_raw_array_is_refused():
    env = env_with({"t.tex.j2": "(((value)))"})
    with pytest.raises(TemplateError, match="raw ndarray"):
        render.render(env, "t.tex.j2", {"value": np.zeros(2)})


def test_undefined_is_an_error_not_an_empty_cell(tmp_path):
    env = folder_env(tmp_path, {"t.tex.j2": "a\nb (((missing.attr)))"})
    with pytest.raises(TemplateError, match=r"t\.tex\.j2:2: UndefinedError"):
        render.render(env, "t.tex.j2", {})


def test_syntax_error_names_file_and_line(tmp_path):
    env = folder_env(tmp_path, {"bad.tex.j2": "ok\n((* if *))\n"})
    with pytest.raises(TemplateError, match=r"bad\.tex\.j2:2: template syntax error"):
        render.render(env, "bad.tex.j2", {})


def test_missing_template_names_the_folders_searched():
    with pytest.raises(TemplateError, match="not found; searched: .*templates"):
        render.render(render.environment(), "nope.tex.j2", {})


def test_tex_marks_template_literals_trusted():
    env = env_with({"t": '(((tex("\\\\alpha")))) ((("\\\\alpha")))'})
    assert render.render(env, "t", {}) == r"\alpha \textbackslash{}alpha"


def test_sym_prints_in_the_notation_of_the_problem_being_rendered():
    """|sym sets plain names in the notation of ``prob``'s kind (also inside macros of a template
    imported with context), and in the report's kinds' notation where no problem is given."""
    import types

    import sympy

    w = sympy.IndexedBase("W^(1)")[sympy.Symbol("j"), sympy.Symbol("i")]
    env = render.environment(kinds=["sine_mlp_theory"])
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({
        "m.tex.j2": "((* macro show(e) *))(((e|sym)))((* endmacro *))",
        "t.tex.j2": '((* import "m.tex.j2" as m with context *))(((e|sym))) ((( tex(m.show(e)) )))',
    }), env.loader])

    def prob(kind):
        return types.SimpleNamespace(spec=types.SimpleNamespace(kind=kind))

    assert render.render(env, "t.tex.j2", {"e": w, "prob": prob("sine_mlp_theory")}) == \
        r"{\mathbf{W}^{(1)}_{ji}} {\mathbf{W}^{(1)}_{ji}}"
    assert render.render(env, "t.tex.j2", {"e": w, "prob": prob("mlp_gradients")}) == \
        r"{\mathbf{W}^{(1)}_{ji}} {\mathbf{W}^{(1)}_{ji}}"  # a kind without a map: the report's
    smoothed = {"e": sympy.IndexedBase("W_1")[1, 2], "prob": prob("smoothed_ce_derivation")}
    assert render.render(env, "t.tex.j2", smoothed) == r"{(\mathbf{W}_1)_{12}} {(\mathbf{W}_1)_{12}}"
    assert render.render(env, "t.tex.j2", {"e": w}) == r"{\mathbf{W}^{(1)}_{ji}} {\mathbf{W}^{(1)}_{ji}}"
