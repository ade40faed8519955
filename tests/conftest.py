import fcntl
import functools
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HAVE_TEX = shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None
# One folder per test run, shared by the xdist workers (they inherit the environment of the
# process that starts them): the shipped reports built once (built_reports) and the
# precompiled preamble formats of every build in the run (reportgen/texformat.py).
SHARED = "REPORTGEN_TEST_SHARED"


def shared_dir() -> Path:
    return Path(os.environ[SHARED])


def pytest_configure(config):
    """The controller (or the only process) makes the run's shared folder; a worker finds it set."""
    if os.environ.get(SHARED) and hasattr(config, "workerinput"):
        return
    folder = Path(tempfile.mkdtemp(prefix="reportgen-tests-"))
    config._reportgen_shared = folder
    os.environ[SHARED] = str(folder)
    # every build shares the formats: each preamble is dumped once per run, not once per test
    os.environ.setdefault("REPORTGEN_FORMAT_CACHE", str(folder / "formats"))


def pytest_unconfigure(config):
    folder = getattr(config, "_reportgen_shared", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``tex`` skip without TeX locally; in CI (REPORTGEN_REQUIRE_TEX=1) they must run."""
    if HAVE_TEX:
        return
    if os.environ.get("REPORTGEN_REQUIRE_TEX"):
        raise pytest.UsageError("REPORTGEN_REQUIRE_TEX is set but latexmk/pdflatex are missing")
    skip = pytest.mark.skip(reason="latexmk/pdflatex not installed (run `make tex`)")
    for item in items:
        if "tex" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def built_reports():
    """Every shipped report built once per test run (shared by the xdist workers: the first to
    take the lock builds, the others wait and reuse) into a shared folder: {id: pdf path}."""
    from reportgen import pipeline
    from reportgen.settings import Settings

    out = shared_dir() / "build"
    with (shared_dir() / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = out / "done.json"
        if not done.exists():
            settings = Settings(author="Test Author", student_id="0000", out_dir=out)
            ids = pipeline.report_ids()
            with ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # as `make pdf` builds: TeX runs side by side
                pdfs = dict(zip(ids, (str(o.pdf) for o in pool.map(lambda r: pipeline.build_report(r, settings), ids)),
                                strict=True))
            done.write_text(json.dumps(pdfs))
        return {rid: Path(pdf) for rid, pdf in json.loads(done.read_text()).items()}


@functools.cache
def _verified(report_id: str):
    from reportgen import pipeline

    report = pipeline.load(report_id)
    return report, tuple(pipeline.verify(report, pipeline.solve(report)))


def verified(report_id: str):
    """A shipped report and its solved and verified problems, once per test process: the tests
    that share them only read them (a test that changes how a kind verifies runs its own)."""
    report, solved = _verified(report_id)
    return report, list(solved)


def solved_by_kind(report_id: str) -> dict:
    """A shipped report's solved and verified problems by kind (each report has one problem of a
    kind): the tests pick a problem by what it is, not by where it sits in the report."""
    return {s.spec.kind: s for s in verified(report_id)[1]}


@pytest.fixture(scope="session")
def solved_2024() -> dict:
    return solved_by_kind("nn-assignment2-2024")


@pytest.fixture(scope="session")
def solved_2023() -> dict:
    return solved_by_kind("nn-assignment2-2023")


@pytest.fixture(scope="session")
def solved_mlhw3() -> dict:
    return solved_by_kind("ml-hw3-2024spring")


@pytest.fixture(scope="session")
def solved_hw3() -> dict:
    return solved_by_kind("hw3-theory")


def pdf_text(path: Path) -> str:
    """Text of a PDF via pdftotext (poppler), minus signs normalised to '-'."""
    import subprocess

    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return text.replace("\u2212", "-")


@pytest.fixture
def tex_switches_only(monkeypatch):
    """TeX without its filesystem jail, so that a test proves one of TeX's own switches (the jail
    alone would hide the files and block the writes these tests look for)."""
    from reportgen import jail

    monkeypatch.setattr(jail, "_problem", ["off: this test checks TeX's own switches"])
    monkeypatch.setattr(jail, "_warned", ["(no warning in this test)"])
    monkeypatch.delenv("REPORTGEN_REQUIRE_JAIL", raising=False)


# --- Hypothesis: a fast, reproducible profile for `make test`; HYPOTHESIS_PROFILE=long for more ---
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("fast", max_examples=30, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=400, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


def pytest_sessionfinish(session):
    """An xdist worker hands its tally (tests/reference.py) to the controller that prints it."""
    if hasattr(session.config, "workeroutput"):
        from .reference import COUNTS

        session.config.workeroutput["reportgen_counts"] = dict(COUNTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """(xdist, in the controller) add a finished worker's tally to this process's."""
    from .reference import COUNTS

    COUNTS.update(getattr(node, "workeroutput", {}).get("reportgen_counts", {}))


def pytest_terminal_summary(terminalreporter):
    """How much the property tests compared against the independent references (tests/reference.py)."""
    from .reference import COUNTS

    if COUNTS:
        terminalreporter.write_line(f"property tests: {COUNTS['editions']} editions built and verified, "
                                    f"{COUNTS['quantities']} numbers compared with independent references, "
                                    f"{COUNTS['refused']} refused with a keyed error")
