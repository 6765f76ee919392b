"""Fixtures shared by every test, and the skip guard.

The skip guard: a skipped test is not a pass. When any test is skipped (by ``pytest.skip``, a
``skipif`` mark, a fixture that skips, or a whole module skipped at collection) and is not marked
``@pytest.mark.allowed_skip("why")``, the run fails with exit status 1 and names the tests. A test
that needs podman fails when podman is missing: CI installs it (scripts/setup), so must you.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

pytest_plugins = ["pytester"]  # for the skip guard's own tests

ROOT = Path(__file__).resolve().parents[1]
BUSYBOX_IMAGE = "localhost/hakobu/busybox:1.35"
PYTHON_IMAGE = "docker.io/library/python:3.11-slim-bookworm"
ALLOWED_SKIP = "allowed_skip"

# -- skip guard --------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    # Also declared in pyproject.toml; repeated here for runs that do not read it (pytester).
    config.addinivalue_line(
        "markers", f"{ALLOWED_SKIP}(reason): this test may be skipped without failing the run"
    )
    config.pluginmanager.register(SkipGuard(), "hakobu-skip-guard")


class SkipGuard:
    """Collects the skips not marked allowed_skip, names them, and fails the session."""

    def __init__(self) -> None:
        self.skips: list[str] = []

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker(ALLOWED_SKIP)
            if marker is None:
                continue
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.{ALLOWED_SKIP} needs a reason, "
                    f'e.g. @pytest.mark.{ALLOWED_SKIP}("needs a GPU")'
                )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # An xfail is reported as skipped too; it is not a skip.
        allowed = ALLOWED_SKIP in report.keywords
        if report.skipped and not hasattr(report, "wasxfail") and not allowed:
            self._record(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.skipped:  # a whole module skipped (pytest.skip(allow_module_level=True), ...)
            self._record(report)

    def _record(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        reason = ""
        if isinstance(report.longrepr, tuple):  # (file, line, "Skipped: reason")
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        self.skips.append(f"{report.nodeid} ({reason})" if reason else report.nodeid)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.skips and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.skips:
            return
        terminalreporter.section("skip guard", sep="=", red=True, bold=True)
        terminalreporter.line(
            f"{len(self.skips)} skipped, not marked @pytest.mark.{ALLOWED_SKIP}: a skipped "
            "container test is not a pass. Install what they need (scripts/setup), or mark a "
            f"skip that is truly fine with @pytest.mark.{ALLOWED_SKIP}(reason).",
            red=True,
        )
        for skip in self.skips:
            terminalreporter.line(f"  {skip}", red=True)


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def hakobu_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private $HAKOBU_HOME for each test: no test reads or writes the real one under ~."""
    home = tmp_path / "hakobu-home"
    home.mkdir()
    monkeypatch.setenv("HAKOBU_HOME", str(home))
    return home


def engine_command() -> str:
    """$HAKOBU_ENGINE, else the engine scripts/setup checked, else podman, else docker."""
    chosen = os.environ.get("HAKOBU_ENGINE")
    if chosen:
        return chosen
    recorded = ROOT / ".hakobu-setup" / "engine"
    if recorded.is_file() and (name := recorded.read_text().strip()):
        return name
    return "podman" if shutil.which("podman") or not shutil.which("docker") else "docker"


def _require_image(name: str) -> str:
    engine = engine_command()
    try:
        done = subprocess.run([engine, "image", "inspect", name], capture_output=True, timeout=60)
    except FileNotFoundError:
        pytest.fail(f"no container engine '{engine}': run scripts/setup", pytrace=False)
    if done.returncode != 0:
        pytest.fail(
            f"image {name} is missing from {engine}: run scripts/setup (scripts/base-images "
            "builds it)",
            pytrace=False,
        )
    return name


@pytest.fixture(scope="session")
def container_engine() -> str:
    """The engine command (podman or docker) that scripts/setup checked; fails when absent."""
    engine = engine_command()
    if shutil.which(engine) is None:
        pytest.fail(f"no container engine '{engine}': run scripts/setup", pytrace=False)
    return engine


@pytest.fixture(scope="session")
def busybox_image() -> str:
    """The 2 MB busybox stand-in (sh, httpd, wget, nc, ...); fails, never skips, when absent."""
    return _require_image(BUSYBOX_IMAGE)


@pytest.fixture(scope="session")
def python_image() -> str:
    """The stand-in for python:3.11-slim-bookworm; fails, never skips, when absent."""
    return _require_image(PYTHON_IMAGE)


class CliResult(NamedTuple):
    code: int
    out: str
    err: str


Cli = Callable[..., CliResult]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """Run ``hakobu ARGV...`` in-process: ``code, out, err = cli("render", "--env", "prod")``.

    ``stdin=`` gives the command its standard input (not a terminal). The working directory is
    restored afterwards, as ``-C`` changes it.
    """
    from hakobu.cli import main as cli_main

    cwd = os.getcwd()

    def run(*argv: str, stdin: str | None = None) -> CliResult:
        capsys.readouterr()  # drop whatever the test printed before
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = cli_main.main(list(argv))  # looked up now: tests may monkeypatch it
        except SystemExit as e:  # argparse: --help, --version, usage errors
            code = _exit_code(e.code)
        finally:
            os.chdir(cwd)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    yield run
    os.chdir(cwd)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # as the interpreter does for sys.exit("message")
    return 1
