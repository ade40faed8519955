"""reportgen/printer/escaping.py: text -> LaTeX, every special character escaped, and what pdflatex
cannot typeset refused naming the field."""

import pytest

from reportgen import printer as lf
from reportgen.printer import FormatError

ESCAPE_CASES = [
    ("plain Text", "plain Text"),
    ("$x$ & 50% #1 a_b ~", "\\$x\\$ \\& 50\\% \\#1 a\\_b \\textasciitilde{}"),
    ("\\input{/etc/passwd}", "\\textbackslash{}input\\{/etc/passwd\\}"),
    ("^^5c", "\\textasciicircum{}\\textasciicircum{}5c"),
    ("a--b << c >> !` ?`",
     "a-{}-{}b \\textless{}\\textless{} c \\textgreater{}\\textgreater{} !{}\\textasciigrave{} ?{}\\textasciigrave{}"),
    ("line\n[opt]", "line {[}opt{]}"),
    ("Müller, José", "Müller,{} José"),  # Latin-1 letters kept exactly
    ("a\x00b\u202ec\x7f", "abc"),  # NUL, bidi override, DEL stripped
    ("the layer's weights", "the layer's weights"),  # an apostrophe: curly in T1
    ("'' 'a b' x'",
     "\\textquotesingle{}\\textquotesingle{} \\textquotesingle{}a b\\textquotesingle{} x\\textquotesingle{}"),
]


@pytest.mark.parametrize(("text", "expected"), ESCAPE_CASES)
def test_escape(text, expected):
    assert lf.escape(text) == expected


def test_escape_rejects_what_pdflatex_cannot_typeset_naming_the_field():
    with pytest.raises(FormatError, match="author: pdflatex cannot typeset '😀'"):
        lf.escape("Ada 😀", field="author")
    with pytest.raises(FormatError, match="limit is 2000"):
        lf.escape("x" * 2001)
