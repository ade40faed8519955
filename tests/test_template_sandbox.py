"""Templates are code from strangers: every template renders in Jinja's sandbox with limits on
time and size (README.md, "Templates are code from strangers too"). Each probe must end in a
one-line TemplateError naming the template file and line, and run, read or write nothing."""

import time

import numpy as np
import pytest

from reportgen import render, sandbox
from reportgen.errors import TemplateError

from .buildkit import document_templates, run_cli, write_assignment


def render_probe(tmp_path, body: str, context: dict | None = None) -> str:
    (tmp_path / "probe.tex.j2").write_text("first line\n" + body + "\n")
    env = render.environment([tmp_path])
    return render.render(env, "probe.tex.j2", context or {})


ESCAPES = [
    "((( lipsum.__globals__.os.popen('touch MARKER').read() )))",
    "((( lipsum.__globals__['os'].popen('touch MARKER').read() )))",
    "((( cycler.__init__.__globals__.os.popen('touch MARKER') )))",
    "((( joiner.__init__.__globals__ )))",
    "((( self._TemplateReference__context.environment )))",
    "((( ().__class__.__base__.__subclasses__() )))",
    "((( ''.__class__.__mro__[1].__subclasses__() )))",
    "((( range.__self__ )))",
    "((( range.__globals__ )))",
    "((( namespace.__init__.__globals__ )))",
    "((( x|attr('__class__') )))",
    "((( (x|attr('__class__')|attr('__base__')|attr('__subclasses__'))() )))",
    "((( '{0.__class__}'.format(x) )))",
    "((( '{0.__class__.__base__.__subclasses__}'.format_map({'0': x}) )))",
    "((( '{x.__class__}'.format(x=x) )))",
    "((( config )))",
    "((( request.application.__globals__ )))",
    "((( path.read_text() )))",
    "((( path.parent.joinpath('/etc/passwd').read_text() )))",
    "((( path|attr('write_text') )))",
    "((( '{0.parent}'.format(path) )))",
    "((( arr.tofile('MARKER') )))",
    "((( arr.dump('MARKER') )))",
    "((( arr.ctypes )))",
    "((( tex.mro()[1].__subclasses__() )))",
]


@pytest.mark.parametrize("probe", ESCAPES)
def test_sandbox_refuses_escapes(tmp_path, monkeypatch, probe):
    monkeypatch.chdir(tmp_path)
    context = {"x": 1, "path": tmp_path / "secret.toml", "arr": np.zeros(2)}
    (tmp_path / "secret.toml").write_text("SECRET\n")
    with pytest.raises(TemplateError) as info:
        render_probe(tmp_path, probe.replace("MARKER", str(tmp_path / "marker")), context)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'probe.tex.j2'}:2: ") and "\n" not in message
    assert "SECRET" not in message and "root:" not in message
    assert not (tmp_path / "marker").exists()


def test_security_error_says_sandbox(tmp_path):
    with pytest.raises(TemplateError, match=r"probe\.tex\.j2:2: refused by the template sandbox: .*__globals__"):
        render_probe(tmp_path, "((( lipsum.__globals__ )))")


@pytest.mark.parametrize("probe", [
    "((* for i in range(10**12) *))x((* endfor *))",
    "((( 'x' * 10**9 )))",
    "((( [0] * 10**9 )))",
    "((( 10 ** 100000000 )))",
    "((( 'x'.center(10**9) )))",
    "((( 'x'|center(10**9) )))",
    "((( 'x'.ljust(999999999) )))",
    "((( '%999999999d' % 1 )))",
    "((( '%999999999d'|format(1) )))",
    "((( '{:>999999999}'.format(1) )))",
    "((( lipsum(n=1000000) )))",
    "((( ('x' * 50000).replace('x', 'x' * 50000) )))",  # refused before 2.5 GB are built
    "((( ('x' * 1000)|replace('x', 'y' * 100000) )))",
    "((( ''.replace('', 'x') ~ ('ab' * 40000).replace('', 'x' * 1000) )))",
    "((( range(100000)|join('x' * 100000) )))",
    "((( ('x' * 100000).join(range(100000)|map('string')) )))",
    "((* set ns = namespace(s='ab') *))((* for i in range(64) *))((* set ns.s = ns.s ~ ns.s *))((* endfor *))",
    "((* set ns = namespace(s='ab') *))((* for i in range(64) *))((* set ns.s = ns.s + ns.s *))((* endfor *))",
    "((* set ns = namespace(n=3) *))((* for i in range(64) *))((* set ns.n = ns.n * ns.n *))((* endfor *))",
    "((* macro f(n) *))((( f(n + 1) )))((* endmacro *))((( f(0) )))",
    # many values under the size limit, all kept: the total budget stops it
    "((* set l = [] *))((* for i in range(1000) *))((* set _ = l.append(range(100000)|list) *))((* endfor *))",
])
def test_render_limits(tmp_path, probe):
    start = time.monotonic()
    with pytest.raises(TemplateError, match=r"probe\.tex\.j2:2: .*(render limit|Range too big|OverflowError)"):
        render_probe(tmp_path, probe)
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("probe", [
    # loops that call nothing: only the per-iteration check and the output check stop them
    "((* set r = range(100000)|list *))((* for a in r *))((* for b in r *))((* for c in r *))"
    "((* endfor *))((* endfor *))((* endfor *))",
    "((* set r = range(100000)|list *))((* for a in r *))((* for b in r *))x((* endfor *))((* endfor *))",
])
def test_render_time_and_output_limits(tmp_path, monkeypatch, probe):
    monkeypatch.setattr(sandbox, "MAX_RENDER_SECONDS", 1.0)
    start = time.monotonic()
    limit = r"probe\.tex\.j2:2: render limit: (rendering took longer|the output is larger)"
    with pytest.raises(TemplateError, match=limit):
        render_probe(tmp_path, probe)
    assert time.monotonic() - start < 6


def test_our_filters_and_ordinary_jinja_still_work(tmp_path):
    out = render_probe(tmp_path, "((( v|num ))) ((( m|mat ))) ((( '%d-%s'|format(3, 'a') ))) ((( '{}!'.format('b') )))"
                       "((* set l = [] *))((* set _ = l.append(2) *))((* for i in range(3) *))((( i )))((* endfor *))"
                       " ((( l|length ))) ((( path.name ))) ((( 'x' * 3 ))) ((( 2 ** 10 )))",
                       {"v": 0.5, "m": np.eye(2), "path": render.BUILTIN_TEMPLATES / "base.tex.j2"})
    assert out == ("first line\n0.5000 \\begin{bmatrix} 1 & 0 \\\\ 0 & 1 \\end{bmatrix} 3-{}a b!{}012 1 base.tex.j2 "
                   "xxx 1024\n")  # user-built strings are escaped (-{} and !{} stop TeX ligatures)


def test_hostile_user_template_in_a_build_is_one_line_exit_1(tmp_path):
    marker = tmp_path / "marker"
    templates = document_templates(tmp_path / "tpl", f"((( lipsum.__globals__.os.popen('touch {marker}').read() )))")
    toml = write_assignment(tmp_path / "in", "probe")
    proc = run_cli("build", toml, "--templates", templates, "--out", tmp_path / "out")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    assert f"{templates / 'report.tex.j2'}:5: refused by the template sandbox" in proc.stderr
    assert not marker.exists()


def test_template_symlinked_out_of_its_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET KEY\n")
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "report.tex.j2").symlink_to(secret)
    (folder / "inner.tex.j2").write_text("inner\n")
    (folder / "alias.tex.j2").symlink_to(folder / "inner.tex.j2")  # inside the folder: fine
    env = render.environment([folder])
    with pytest.raises(TemplateError, match=r"report\.tex\.j2: links to .*secret\.txt, outside the template folder"):
        render.render(env, "report.tex.j2", {})
    assert render.render(env, "alias.tex.j2", {}) == "inner\n"


def test_huge_template_and_fifo_template(tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    with (folder / "big.tex.j2").open("wb") as f:
        f.truncate(sandbox.MAX_TEMPLATE_BYTES + 1)
    import os

    os.mkfifo(folder / "fifo.tex.j2")
    env = render.environment([folder])
    with pytest.raises(TemplateError, match=r"big\.tex\.j2: larger than 1,000,000 bytes"):
        render.render(env, "big.tex.j2", {})
    with pytest.raises(TemplateError, match=r"'fifo\.tex\.j2' not found"):  # not a regular file: never opened
        render.render(env, "fifo.tex.j2", {})


def test_sympy_methods_cannot_be_called(tmp_path):
    import sympy

    x = sympy.Symbol("x")
    refused = r"probe\.tex\.j2:2: refused by the template sandbox: .*not safely callable"
    with pytest.raises(TemplateError, match=refused):
        render_probe(tmp_path, "((( ((e ** 2000)).expand() )))", {"e": x + 1})
    with pytest.raises(TemplateError, match="not safely callable"):
        render_probe(tmp_path, "((( e.func(e, 3) )))", {"e": x + 1})
    assert render_probe(tmp_path, "((( e|sym )))", {"e": x + 1}) == "first line\nx + 1\n"


def test_array_methods_cannot_allocate_without_bound(tmp_path):
    with pytest.raises(TemplateError, match=r"probe\.tex\.j2:2: render limit: argument 1000000000 is larger"):
        render_probe(tmp_path, "((( arr.repeat(10**9)|length )))", {"arr": np.zeros(3)})
    assert render_probe(tmp_path, "((( arr.repeat(2)|length ))) ((( {'a': 1}.get('b', 10**9) )))",
                        {"arr": np.zeros(3)}) == "first line\n6 1\\,000\\,000\\,000\n"


@pytest.mark.parametrize("probe", [
    "((( 1e400 )))",  # Jinja writes the literal into the compiled code as inf: a NameError when it runs
    "((( -1e400|sym )))",
    "((( a|mat(rows='x') )))",
    "((( a|mat(rows=[1]) )))",
    "((( a|rowvec(rows=a) )))",
    "((( e|mat(rows='gather') )))",
    "((( 'x'|sym )))",
])
def test_odd_values_are_one_line_errors(tmp_path, probe):
    context = {"a": np.eye(2), "e": np.zeros((0, 3))}
    with pytest.raises(TemplateError) as info:
        render_probe(tmp_path, probe, context)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'probe.tex.j2'}:2: ") and "\n" not in message


def test_a_bad_argument_to_a_built_in_macro_names_the_users_line(tmp_path):
    import sympy

    from reportgen.maths.derivation import Chain, Step

    x = sympy.Symbol("x")
    chain = Chain("c", x + 1, (Step(1 + x, "reorder"),))
    with pytest.raises(TemplateError) as info:
        probe = '((* import "derivation.tex.j2" as d with context *))((( tex(d.chain(c, words=none)) )))'
        render_probe(tmp_path, probe, {"c": chain})
    message = str(info.value)
    assert message.startswith(str(render.BUILTIN_TEMPLATES / "derivation.tex.j2") + ":")
    assert f"(called from {tmp_path / 'probe.tex.j2'}:2): TypeError" in message and "\n" not in message
