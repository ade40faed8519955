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


def compiles(monkeypatch) -> list[str]:
    """The names of the templates Jinja compiles from source (the real compile runs)."""
    names: list[str] = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        names.append(name)
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def test_compiled_templates_are_reused_until_their_source_changes(tmp_path, monkeypatch):
    tpl, cache = tmp_path / "tpl", tmp_path / "cache"
    tpl.mkdir()
    (tpl / "t.tex.j2").write_text("A (((v|num))) ((* include 'u.tex.j2' *))")
    (tpl / "u.tex.j2").write_text("U")
    names = compiles(monkeypatch)
    assert render.render(render.environment([tpl], cache=cache), "t.tex.j2", {"v": 1.5}) == "A 1.5000 U"
    assert sorted(names) == ["t.tex.j2", "u.tex.j2"]
    names.clear()
    assert render.render(render.environment([tpl], cache=cache), "t.tex.j2", {"v": 2.5}) == "A 2.5000 U"
    assert names == []  # both from the cache
    (tpl / "u.tex.j2").write_text("V")
    assert render.render(render.environment([tpl], cache=cache), "t.tex.j2", {"v": 2.5}) == "A 2.5000 V"
    assert names == ["u.tex.j2"]  # only the edited one again


def test_a_damaged_compiled_template_is_ignored(tmp_path, monkeypatch):
    tpl, cache = tmp_path / "tpl", tmp_path / "cache"
    tpl.mkdir()
    (tpl / "t.tex.j2").write_text("A (((v|num)))")
    render.render(render.environment([tpl], cache=cache), "t.tex.j2", {"v": 1.5})
    [entry] = cache.iterdir()
    data = entry.read_bytes()
    names = compiles(monkeypatch)
    for damaged in (data[:-7], data[:40] + bytes([data[40] ^ 1]) + data[41:], b""):
        entry.write_bytes(damaged)
        assert render.render(render.environment([tpl], cache=cache), "t.tex.j2", {"v": 3.5}) == "A 3.5000"
    assert names == ["t.tex.j2"] * 3
    assert entry.read_bytes() == data  # written anew


def test_a_compiled_template_written_by_somebody_else_is_not_run(tmp_path, monkeypatch):
    """An entry is Python code run outside the sandbox: one forged in an output folder from
    elsewhere (a valid header by anything but this user's secret) is compiled afresh."""
    import hashlib
    import io
    import marshal
    import pickle

    import jinja2.bccache

    tpl, cache = tmp_path / "tpl", tmp_path / "cache"
    tpl.mkdir()
    (tpl / "t.tex.j2").write_text("A (((v|num)))")
    env = render.environment([tpl], cache=cache)
    render.render(env, "t.tex.j2", {"v": 1.5})
    [entry] = cache.iterdir()
    stream = io.BytesIO(entry.read_bytes()[32 + len(jinja2.bccache.bc_magic):])
    checksum = pickle.load(stream)  # Jinja's checksum of the (public) template source
    source = env.compile((tpl / "t.tex.j2").read_text(), "t.tex.j2", str(tpl / "t.tex.j2"), raw=True)
    marker = tmp_path / "ran"
    code = compile(f"open({str(marker)!r}, 'w').close()\n" + source, str(tpl / "t.tex.j2"), "exec")
    payload = jinja2.bccache.bc_magic + pickle.dumps(checksum, 2) + marshal.dumps(code)
    names = compiles(monkeypatch)
    for header in (hashlib.sha256(payload).digest(), bytes(32)):
        entry.write_bytes(header + payload)
        assert render.render(render.environment([tpl], cache=cache), "t.tex.j2", {"v": 3.5}) == "A 3.5000"
        assert not marker.exists()
    assert names == ["t.tex.j2"] * 2


def test_a_traced_render_does_not_use_compiled_templates(tmp_path):
    tpl, cache = tmp_path / "tpl", tmp_path / "cache"
    tpl.mkdir()
    (tpl / "t.tex.j2").write_text("A\n(((v|num)))\n")
    plain = render.render(render.environment([tpl], cache=cache), "t.tex.j2", {"v": 1.5})
    traced = render.render(render.environment([tpl], trace=True, cache=cache), "t.tex.j2", {"v": 1.5})
    assert render.strip_markers(traced) == plain and traced != plain
    assert render.render(render.environment([tpl], cache=cache), "t.tex.j2", {"v": 1.5}) == plain


def test_compiled_templates_are_not_shared_when_a_filter_is_called_differently(tmp_path, monkeypatch):
    """Jinja compiles how a filter is called (with the context or not) into the template: an
    environment whose filter differs there compiles afresh."""
    tpl, cache = tmp_path / "tpl", tmp_path / "cache"
    tpl.mkdir()
    (tpl / "t.tex.j2").write_text("A (((v|num)))")
    render.render(render.environment([tpl], cache=cache), "t.tex.j2", {"v": 1.5})
    names = compiles(monkeypatch)
    env = render.environment([tpl])
    plain = env.filters["num"]
    env.filters["num"] = jinja2.pass_context(lambda context, v: plain(v))
    env.bytecode_cache = render._bytecode_cache(cache, env)
    assert render.render(env, "t.tex.j2", {"v": 2.5}) == "A 2.5000"
    assert names == ["t.tex.j2"]
    assert len(list(cache.iterdir())) == 2
