"""The same input gives the same bytes (README.md, "How it works"): two builds in different output
folders, working folders, temp folders, time zones and locales produce byte-identical PDFs, dated
by the assignment's own date rather than the clock."""

import subprocess
import sys

import pytest
from pypdf import PdfReader

from .buildkit import ROOT, TINY_CNN, write_assignment

# Stand-in for the problem section: prints what TeX believes the date and time are.
CLOCK_TEMPLATE = r"""CLOCK \the\year-\the\month-\the\day{} at minute \the\time{} (\today)\par
"""


@pytest.mark.tex
def test_two_builds_anywhere_give_identical_bytes(tmp_path):
    toml = write_assignment(tmp_path / "in", "repro", [TINY_CNN], date="2024-03-15")
    templates = tmp_path / "tpl"
    (templates / "sections").mkdir(parents=True)
    (templates / "sections" / "cnn_design.tex.j2").write_text(CLOCK_TEMPLATE)
    runs = []
    for name, tz, locale in (("a", "America/Los_Angeles", "C"), ("b", "Asia/Kathmandu", "C.UTF-8")):
        for d in ("cwd", "tmp", "out"):
            (tmp_path / name / d).mkdir(parents=True)
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TZ": tz, "LC_ALL": locale, "LANG": locale,
               "TMPDIR": str(tmp_path / name / "tmp"), "HOME": str(tmp_path / name)}
        if name == "b":  # a caller's own SOURCE_DATE_EPOCH does not leak into the build either
            env |= {"SOURCE_DATE_EPOCH": "1000000000", "FORCE_SOURCE_DATE": "0"}
        cmd = [sys.executable, "-m", "reportgen", "build", str(toml), "--out", str(tmp_path / name / "out"),
               "--templates", str(templates), "--author", "Ada"]
        runs.append(subprocess.Popen(cmd, cwd=tmp_path / name / "cwd", env=env, stderr=subprocess.PIPE, text=True))
    for proc in runs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read()

    a, b = (tmp_path / name / "out" / "repro.pdf" for name in ("a", "b"))
    assert (a.parent / "repro.tex").read_bytes() == (b.parent / "repro.tex").read_bytes()
    assert a.read_bytes() == b.read_bytes()
    # \pdftrailerid{}: no trailer /ID, which pdfTeX would derive from the job name and output path
    assert b"/ID" not in a.read_bytes()[-2048:]

    # Dated by the assignment (2024-03-15, 00:00 UTC), not by the clock or the time zone.
    reader = PdfReader(a)
    assert reader.metadata["/CreationDate"] == "D:20240315000000Z"
    assert reader.metadata["/ModDate"] == "D:20240315000000Z"
    assert "CLOCK 2024-3-15 at minute 0 (March 15, 2024)" in " ".join(reader.pages[0].extract_text().split())
