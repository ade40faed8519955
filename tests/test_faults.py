"""Faults end in exit 1 (or 2 for usage), one clear line, no traceback, and nothing lost."""

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from reportgen import cli, compile, pipeline, spec
from reportgen.errors import LatexError, SpecError

from .buildkit import (
    ROOT,
    TINY_CNN,
    TINY_MLP,
    cli_here,
    document_templates,
    kill_all,
    processes_with,
    run_cli,
    write_assignment,
)


def one_line_error(proc: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 or (code == 2 and lines[-1].startswith("reportgen")), proc.stderr
    return lines[-1]


# --- command line --------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e7", "0", "-1", "abc"])
def test_timeout_out_of_range_is_a_usage_error(tmp_path, value):
    """In this process (argparse's exit 2 is a SystemExit); the next test runs the real command."""
    proc = cli_here("build", "nn-assignment2-2024", "--out", tmp_path, f"--timeout={value}")
    line = one_line_error(proc, 2)
    assert "--timeout" in line and "expected seconds in (0, 3600]" in line and repr(value) in line


def test_out_naming_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("keep me")
    line = one_line_error(run_cli("build", "nn-assignment2-2024", "--out", target), 2)
    assert f"{target} is a file" in line
    assert target.read_text() == "keep me"


def test_templates_export_onto_a_file(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("keep me")
    line = one_line_error(run_cli("templates", "export", target))
    assert line == f"error: {target} is a file; give a folder to export the templates into"
    assert target.read_text() == "keep me"
    # a file where a subfolder must go, even with --force
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "sections").write_text("in the way")
    line = one_line_error(run_cli("templates", "export", folder, "--force"))
    assert line.startswith(f"error: cannot write {folder / 'sections'}") and "a file is in the way" in line


def test_solve_json_into_a_closed_pipe(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "reportgen", "solve", "nn-assignment2-2024", "--json"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first byte (solving takes a while): EPIPE for sure
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err
    assert proc.returncode == 1


def test_solve_json_piped_into_head_through_a_shell():
    cmd = f"{sys.executable} -m reportgen solve nn-assignment2-2024 --json | head -n 1"
    proc = subprocess.run(["sh", "-c", cmd], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.startswith("{") and proc.stderr == ""


# --- output folder -------------------------------------------------------------------------

def fast_build(tmp_path: Path, body: str = "GOOD", report_id: str = "fault") -> tuple[Path, Path, Path]:
    tpl = document_templates(tmp_path / "tpl", body)
    toml = write_assignment(tmp_path / "in", report_id)
    out = tmp_path / "out"
    return tpl, toml, out


@pytest.mark.tex
def test_read_only_output_folder(tmp_path):
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rm", "true"]).returncode != 0:
        pytest.skip("no mount namespace available")  # pragma: no cover - CI has unshare (util-linux)
    tpl, toml, out = fast_build(tmp_path)
    assert run_cli("build", toml, "--templates", tpl, "--out", out).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    document_templates(tpl, "NEW")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = (f'mount --bind -o ro "{out}" "{out}" && exec "{sys.executable}" -m reportgen build "{toml}" '
              f'--templates "{tpl}" --out "{out}" --force')
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    line = one_line_error(proc)
    assert line.startswith(f"error: cannot write {out}") and line.endswith("Read-only file system"), line
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


@pytest.mark.tex
@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_full_disk_during_publish_keeps_the_old_set(tmp_path, monkeypatch, capsys, where):
    tpl, toml, out = fast_build(tmp_path)
    assert cli.main(["build", str(toml), "--templates", str(tpl), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    document_templates(tpl, "NEW")
    real_replace = os.replace

    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    def fail_on_pdf(src, dst):  # the .tex and .log went first: the stamp must already be gone
        if str(dst).endswith(".pdf"):
            disk_full()
        real_replace(src, dst)

    if where == "fsync":
        monkeypatch.setattr(compile.os, "fsync", disk_full)
    else:
        monkeypatch.setattr(compile.os, "replace", fail_on_pdf)
    capsys.readouterr()
    assert cli.main(["build", str(toml), "--templates", str(tpl), "--out", str(out), "--force"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: cannot write {out}") and err.endswith("No space left on device")
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after[f"{toml.stem}.pdf"] == before[f"{toml.stem}.pdf"]
    assert not [n for n in after if n.endswith(".part")]
    if where == "fsync":
        assert after == before
    else:  # a set that is not whole has no stamp, so the next build cannot call it up to date
        assert f".{toml.stem}.stamp" not in after


# --- assignment files ----------------------------------------------------------------------

def load_error(path: Path) -> str:
    with pytest.raises(SpecError) as info:
        pipeline.load(str(path))
    return str(info.value)


def test_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    start = time.monotonic()
    assert "not a regular file" in load_error(fifo)
    assert time.monotonic() - start < 5
    line = one_line_error(run_cli("build", fifo, "--out", tmp_path / "out", timeout=30))
    assert line == f"error: {fifo}: not a regular file (a folder, device, pipe or socket); give a .toml file"


def test_dev_zero_through_a_symlink(tmp_path):
    link = tmp_path / "zero.toml"
    link.symlink_to("/dev/zero")
    assert "not a regular file" in load_error(link)


def test_huge_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.toml"
    with big.open("wb") as f:
        f.truncate(100 * 2**20)
    assert load_error(big) == f"{big}: file is 104,857,600 bytes; at most {spec.MAX_FILE_BYTES:,} allowed"


@pytest.mark.parametrize("text", [
    "x = " + "[" * 3000 + "]" * 3000,
    "x = " + "{a = " * 3000 + "1" + "}" * 3000,
    "[report]\nid = 'a'\ntitle = 'b'\nbad = " + "[" * 40 + "1" + "]" * 40,
])
def test_deep_nesting_is_refused_before_parsing(tmp_path, text):
    path = tmp_path / "deep.toml"
    path.write_text(text)
    assert load_error(path) == f"{path}: arrays or tables nest more than {spec.MAX_NESTING} deep"


def test_brackets_in_strings_and_comments_do_not_count():
    text = 'a = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" # [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\nb = [[1], [2]]\n'
    assert spec.nesting_depth(text) == 2
    assert spec.nesting_depth("m = '''\n" + "[" * 50 + "\n'''\n") == 0


def test_recursion_error_never_escapes(tmp_path, monkeypatch):
    monkeypatch.setattr(spec, "MAX_NESTING", 10**6)  # the pre-check off: tomllib's own recursion
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000)
    assert load_error(path) == f"{path}: invalid TOML: nested too deeply"


def test_settings_file_is_read_the_same_careful_way(tmp_path):
    fifo = tmp_path / "reportgen.toml"
    os.mkfifo(fifo)
    line = one_line_error(run_cli("--settings", fifo, "build", "nn-assignment2-2024", "--out", tmp_path, timeout=30))
    assert "not a regular file" in line


# --- dates ---------------------------------------------------------------------------------

def test_zip_of_a_report_dated_2200(tmp_path):
    toml = write_assignment(tmp_path / "in", "future", date="2200-01-01")
    proc = cli_here("build", toml, "--zip", "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(tmp_path / "out" / "future.zip") as zf:
        assert {i.date_time[0] for i in zf.infolist()} == {2107}
        assert zf.testzip() is None


@pytest.mark.parametrize(("date", "year"), [("0001-01-01", "1980"), ("1969-12-31", "1980"), ("2200-01-01", "2107")])
def test_pdf_dates_are_clamped_to_a_storable_range(tmp_path, date, year):
    assert str(compile.clamp_epoch(pipeline.source_date_epoch(
        type("R", (), {"date": date})()))) == compile.tex_environment(tmp_path, pipeline.source_date_epoch(
            type("R", (), {"date": date})()))["SOURCE_DATE_EPOCH"]
    epoch = compile.clamp_epoch(pipeline.source_date_epoch(type("R", (), {"date": date})()))
    assert time.strftime("%Y", time.gmtime(epoch)) == year


@pytest.mark.tex
def test_pdf_of_a_report_dated_year_one_has_a_valid_date(tmp_path):
    tpl, toml, out = fast_build(tmp_path)
    toml = write_assignment(tmp_path / "in", "ancient", date="0001-01-01")
    proc = cli_here("build", toml, "--templates", tpl, "--out", out)
    assert proc.returncode == 0, proc.stderr
    info = subprocess.run(["pdfinfo", "-isodates", str(out / "ancient.pdf")], capture_output=True, text=True).stdout
    assert re.search(r"CreationDate: +1980-01-01T00:00:00", info), info


# --- signals, killed builds, timeouts ------------------------------------------------------

def start_looping_build(tmp_path: Path, report_id: str, tmpdir: Path, timeout: str = "60") -> subprocess.Popen:
    tpl = document_templates(tmp_path / "tpl", "\\typeout{BEFORE-THE-LOOP}\\def\\x{\\x}\\x\n")
    toml = write_assignment(tmp_path / "in", report_id)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmpdir)}
    build = subprocess.Popen([sys.executable, "-m", "reportgen", "build", str(toml), "--out", str(tmp_path / "out"),
                              "--templates", str(tpl), "--timeout", timeout], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not any(cmd.startswith("pdflatex") for _, cmd in processes_with(f"{report_id}.tex")):
        assert time.monotonic() < deadline and build.poll() is None, "pdflatex never started"
        time.sleep(0.05)
    time.sleep(0.3)
    return build


@pytest.mark.tex
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_tex_and_clean_up(tmp_path, signum):
    report_id = f"sig{int(signum)}-{os.getpid()}"
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    try:
        build = start_looping_build(tmp_path, report_id, tmpdir)
        assert list(tmpdir.glob(f"reportgen-{report_id}-*"))
        start = time.monotonic()
        build.send_signal(signum)
        _, err = build.communicate(timeout=20)
        elapsed = time.monotonic() - start
        time.sleep(0.3)
        left = processes_with(f"{report_id}.tex")
    finally:
        kill_all(processes_with(f"{report_id}.tex"))
    assert build.returncode == 128 + signum and "Traceback" not in err
    last = err.strip().splitlines()[-1]  # (after the no-jail warning line, when the jail is off)
    assert last == f"interrupted ({signal.Signals(signum).name}); published files are complete (old or new)"
    assert elapsed < 5
    assert left == []
    assert list(tmpdir.glob(f"reportgen-{report_id}-*")) == []


@pytest.mark.tex
def test_next_build_sweeps_folders_of_a_killed_build(tmp_path):
    report_id = f"swept-{os.getpid()}"
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    try:
        build = start_looping_build(tmp_path, report_id, tmpdir, timeout="2")
        build.kill()  # SIGKILL: no cleanup can run
        build.communicate()
        # its TeX too, as `kill -9 -PGID` would (that the watchdog ends TeX on its own is
        # test_compile_sandbox.py's test_time_limit_holds_even_when_the_build_process_is_killed)
        kill_all(processes_with(f"{report_id}.tex"))
        deadline = time.monotonic() + 10
        while processes_with(f"{report_id}.tex") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        kill_all(processes_with(f"{report_id}.tex"))
    stale = list(tmpdir.glob(f"reportgen-{report_id}-*"))
    assert len(stale) == 1
    alive = tmpdir / f"reportgen-{report_id}-1-keepme"  # pid 1 is alive: not ours to remove
    alive.mkdir()
    other = tmpdir / f"reportgen-{report_id}x-999999999-abc"  # another job's folder
    other.mkdir()
    document_templates(tmp_path / "tpl", "FINE")
    proc = run_cli("build", tmp_path / "in" / f"{report_id}.toml", "--out", tmp_path / "out", "--templates",
                   tmp_path / "tpl", env={"TMPDIR": str(tmpdir)})
    assert proc.returncode == 0, proc.stderr
    assert sorted(tmpdir.iterdir()) == sorted([alive, other])


@pytest.mark.tex
def test_timeout_keeps_what_latex_wrote(tmp_path):
    report_id = f"slow-{os.getpid()}"
    tpl = document_templates(tmp_path / "tpl", "\\typeout{BEFORE-THE-LOOP}\\def\\x{\\x}\\x\n")
    toml = write_assignment(tmp_path / "in", report_id)
    try:
        proc = run_cli("build", toml, "--out", tmp_path / "out", "--templates", tpl, "--timeout", "2",
                       env={"TMPDIR": str(tmp_path)})
    finally:
        kill_all(processes_with(f"{report_id}.tex"))
    assert proc.returncode == 1 and "did not finish within 2 s" in proc.stderr
    log = (tmp_path / "out" / f"{report_id}.error.log").read_text()
    assert "BEFORE-THE-LOOP" in log and "This is pdfTeX" in log


@pytest.mark.tex
def test_a_template_flooding_the_log_is_stopped_and_the_log_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(compile, "MAX_FILE_BYTES", 4 * 2**20)
    from reportgen import texlog

    monkeypatch.setattr(texlog.read_capped, "__defaults__", (2**20,))  # keep 1 MB of each log
    body = "\\def\\a{" + "x" * 200 + "}\\loop\\typeout{\\a}\\iftrue\\repeat\n"
    tpl, toml, out = fast_build(tmp_path, body, "flood")
    start = time.monotonic()
    with pytest.raises(LatexError, match="grew past the 4 MB limit"):
        pipeline.build_report(toml, pipeline.Settings(out_dir=out, templates=(tpl,), timeout=60))
    assert time.monotonic() - start < 30
    log = (out / "flood.error.log").read_text()
    assert len(log) < 2**20 + 1000 and "reportgen kept the first and last 524,288 bytes;" in log
    assert log.startswith("This is pdfTeX") or log.startswith("Rc files read")


# --- valid data that used to fail in LaTeX -------------------------------------------------

@pytest.mark.tex
@pytest.mark.parametrize(("layout", "d", "h"),
                         [("column", 12, 12), ("row", 12, 12), ("column", 16, 20), ("row", 30, 4)])
def test_a_wide_network_builds_without_overfull_boxes(tmp_path, layout, d, h):
    """Over 10 columns (amsmath's limit), and for 16 x 20 taller than a page when set together:
    nothing may run off the page (an overfull \\vbox is content below the bottom margin)."""
    import numpy as np

    rng = np.random.default_rng(7)
    wide = {**TINY_MLP, "title": "Wide network", "layout": layout,
            "X": np.round(rng.uniform(-1, 1, (3, d)), 1).tolist(), "t": [0.5, -0.2, 0.1],
            "W1": np.round(rng.uniform(-1, 1, (h, d) if layout == "column" else (d, h)), 1).tolist(),
            "b1": np.round(rng.uniform(-1, 1, h), 1).tolist(), "W2": np.round(rng.uniform(-1, 1, h), 1).tolist()}
    toml = write_assignment(tmp_path / "in", "wide", [wide])
    proc = cli_here("build", toml, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    log = (tmp_path / "out" / "wide.log").read_text()
    assert "Overfull" not in log
    assert "smallmatrix" in (tmp_path / "out" / "wide.tex").read_text()


@pytest.mark.tex
def test_500_characters_without_spaces_wrap_instead_of_running_off_the_page(tmp_path):
    word = ("https://example.org/" + "abc_def%9" * 80)[:500]  # no hyphen: TeX finds no break of its own
    toml = write_assignment(tmp_path / "in", "longword", course=word)
    proc = cli_here("build", toml, "--out", tmp_path / "out", "--author", word)
    assert proc.returncode == 0, proc.stderr
    assert "Overfull" not in (tmp_path / "out" / "longword.log").read_text()
    text = subprocess.run(["pdftotext", "-raw", str(tmp_path / "out" / "longword.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert word in text.replace("\n", "")


@pytest.mark.tex
def test_a_missing_temp_folder_is_one_line(tmp_path, monkeypatch, capsys):
    import tempfile

    from reportgen import jail

    tpl, toml, out = fast_build(tmp_path)
    monkeypatch.setattr(jail, "_problem", [""])  # probed already (the probe needs a temp folder too)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    assert cli.main(["build", str(toml), "--templates", str(tpl), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {tmp_path / 'missing'}") and err.endswith("No such file or directory")
    assert "\n" not in err


@pytest.mark.tex
def test_a_template_writing_many_files_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(compile, "MAX_FOLDER_BYTES", 8 * 2**20)
    body = ("\\newwrite\\w \\newcount\\f \\newcount\\l \\def\\a{" + "x" * 200 + "}"
            "\\def\\onefile{\\advance\\f by 1 \\immediate\\openout\\w=junk\\the\\f.txt "
            "\\l=0 \\loop\\advance\\l by 1 \\immediate\\write\\w{\\a}\\ifnum\\l<10000 \\repeat"
            "\\immediate\\closeout\\w \\onefile}\\onefile\n")  # file after file of 2 MB, without end
    tpl, toml, out = fast_build(tmp_path, body, "manyfiles")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    start = time.monotonic()
    with pytest.raises(LatexError, match="LaTeX wrote more than 8 MB into its build folder"):
        pipeline.build_report(toml, pipeline.Settings(out_dir=out, templates=(tpl,), timeout=120))
    assert time.monotonic() - start < 60
    assert list(tmpdir.iterdir()) == []


def _smoothed_ce_step(d: int, n: int, q: int, scale: float = 1, digits: int = 1) -> dict:
    import numpy as np

    rng = np.random.default_rng(3 if digits == 1 else 5)
    u = lambda *shape: np.round(rng.uniform(-scale, scale, shape), digits).tolist()  # noqa: E731
    return {"kind": "smoothed_ce_step", "title": "Large step", "x": u(d), "y": [1.0] + [0.0] * (q - 1),
            "W1": u(d, n), "b1": u(n), "W2": u(n, q), "b2": u(q), "epsilon": 0.2, "eta": 0.1}


def _mlp(n: int, d: int, h: int, layout: str) -> dict:
    import numpy as np

    rng = np.random.default_rng(7)
    u = lambda *shape: np.round(rng.uniform(-1, 1, shape), 1).tolist()  # noqa: E731
    return {"kind": "mlp_gradients", "title": "Large network", "layout": layout, "X": u(n, d), "t": u(n),
            "W1": u(h, d) if layout == "column" else u(d, h), "b1": u(h), "W2": u(h), "b2": 0.3}


LARGE_EDITIONS = {
    # matrices taller than a page: 60 samples (Z, A, dL/dZ have 60 rows), 40 or 64 inputs (W1 in
    # the row layout); set in bands of rows, each its own display row (printer.matrices.TALL_ROWS).
    # These ran below the paper (cut off, exit 0), then failed as past the bottom; now they build.
    "mlp-col-60-3-10": lambda: _mlp(60, 3, 10, "column"),
    "mlp-col-4-40-12": lambda: _mlp(4, 40, 12, "column"),
    "mlp-row-4-40-12": lambda: _mlp(4, 40, 12, "row"),
    "mlp-row-2-64-6": lambda: _mlp(2, 64, 6, "row"),
    # side-by-side matrices wider than the page (8-12-6), a result taller than a page (16-20-10),
    # a q x q Jacobian of 40 x 40 (2-3-40)
    "sce-8-12-6": lambda: _smoothed_ce_step(8, 12, 6),
    "sce-16-20-10": lambda: _smoothed_ce_step(16, 20, 10),
    "sce-2-3-40": lambda: _smoothed_ce_step(2, 3, 40),
    # 20 x 20 matrices: each taller than a page in its column blocks, which are display rows of their own
    "sce-20-20-20": lambda: _smoothed_ce_step(20, 20, 20),
    # the shipped sizes (3 x 3) with two-digit values and two decimals: h and a side by side were too wide
    "sce-3-3-3-decimals": lambda: _smoothed_ce_step(3, 3, 3, scale=9.99, digits=2),
    # 8-layer stacks (wide rows), 29 stacks (a table taller than the space left), 512 px x 4096 channels
    "cnn-64-to-2": lambda: {**TINY_CNN, "in_size": 64, "in_channels": 3, "target_size": 2, "target_channels": 128,
                            "kernels": [3, 5, 7, 9]},
    "cnn-29-stacks": lambda: {**TINY_CNN, "in_size": 100, "in_channels": 3, "target_size": 2,
                              "target_channels": 512, "kernels": [1, 3, 5, 7]},
    "cnn-4096-maps": lambda: {**TINY_CNN, "in_size": 512, "in_channels": 4096, "target_size": 1,
                              "target_channels": 4096, "kernels": [1, 3]},
    # 64 layers (a table taller than a page) and a 200 -> 4 design search with 49 strides (a row 994 pt wide)
    "conv-64-layers": lambda: {"kind": "conv_arithmetic", "title": "Deep stack", "in_size": 64, "in_channels": 3,
                               "layers": [{"kind": "conv", "kernel": 1, "stride": 1, "padding": 0, "filters": 8}] * 64,
                               "design": {"in_size": 200, "in_channels": 3, "out_size": 4, "out_channels": 64,
                                          "constraints": [{"item": "c", "padding": 0, "dilation": 1},
                                                          {"item": "e", "padding": 1, "dilation": 1}]}},
    # five values at the top of their ranges: the counterexample's two vectors are wider than a line
    "act-5-values": lambda: {"kind": "activation_calculus", "title": "Large values", "exp_values": [16, 17, 18, 19, 20],
                             "scales": [0, 2, 3, 4, 5, 6], "shown_scale": 6, "index_sizes": [4, 3],
                             "vjp_sizes": [16, 17, 18, 19, 20], "count_sizes": [296, 297, 298, 299, 300],
                             "seed": 4294967295},
}


@pytest.mark.tex
@pytest.mark.parametrize("name", sorted(LARGE_EDITIONS))
def test_an_edition_near_the_size_limits_builds_without_overfull_boxes(tmp_path, name):
    """Valid editions near what the parsers accept: nothing may run off the page."""
    toml = write_assignment(tmp_path / "in", name, [LARGE_EDITIONS[name]()])
    proc = cli_here("build", toml, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    log = (tmp_path / "out" / f"{name}.log").read_text()
    assert "Overfull" not in log


def test_running_out_of_memory_is_one_line(monkeypatch, capsys):
    """A MemoryError (sizes the validators allow but the machine cannot hold) is an error line
    with exit 1, not a traceback."""
    from reportgen import cli, pipeline

    def exhausted(report):
        raise MemoryError

    monkeypatch.setattr(pipeline, "solve", exhausted)
    assert cli.main(["solve", "nn-assignment2-2024", "--json"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: out of memory") and err.count("\n") == 1 and "Traceback" not in err
