"""The skip guard of tests/conftest.py, run on small test files in a scratch pytest session."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py").read_text()


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)  # the real guard, not a copy of its logic
    # Installed plugins (hypothesis: 1 s to import) play no part here.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return pytester


def test_an_unmarked_skip_fails_the_run_and_is_named(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import pytest

        def test_ok():
            pass

        def test_needs_podman():
            pytest.skip("podman not found")
        """
    )
    result = run.runpytest()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*skip guard*",
            "*1 skipped, not marked @pytest.mark.allowed_skip*not a pass*",
            "*test_an_unmarked_skip_fails_the_run_and_is_named.py::test_needs_podman"
            " (podman not found)",
        ]
    )


def test_a_skip_marked_allowed_passes(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import pytest

        @pytest.mark.allowed_skip("only meaningful on macOS")
        def test_mac():
            pytest.skip("not macOS")

        @pytest.mark.allowed_skip(reason="by keyword")
        @pytest.mark.skipif(True, reason="always")
        def test_skipif():
            pass
        """
    )
    result = run.runpytest()
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(skipped=2)
    assert "skip guard" not in result.stdout.str()


def test_allowed_skip_on_a_class_or_module_counts(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.allowed_skip("module-wide")

        def test_a():
            pytest.skip("fine")
        """
    )
    assert run.runpytest().ret == pytest.ExitCode.OK


@pytest.mark.parametrize(
    "source",
    [
        "import pytest\n\n@pytest.mark.skipif(True, reason='x')\ndef test_a():\n    pass\n",
        "import pytest\n\n@pytest.mark.skip\ndef test_a():\n    pass\n",
        "import pytest\n\n@pytest.fixture\ndef engine():\n    pytest.skip('no engine')\n\n"
        "def test_a(engine):\n    pass\n",
        "import pytest\n\npytest.importorskip('no_such_module_hakobu')\n\ndef test_a():\n"
        "    pass\n",
        "import pytest\n\npytest.skip('whole module', allow_module_level=True)\n",
    ],
    ids=["skipif", "skip-mark", "fixture-skips", "importorskip", "module-level"],
)
def test_every_kind_of_skip_is_caught(run: pytest.Pytester, source: str) -> None:
    run.makepyfile(source)
    result = run.runpytest()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*skip guard*"])


def test_a_skip_among_failures_keeps_the_failure_status(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import pytest

        def test_fails():
            assert False

        def test_skipped():
            pytest.skip("x")
        """
    )
    result = run.runpytest()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*skip guard*"])


def test_xfail_is_not_a_skip(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import pytest

        @pytest.mark.xfail(reason="known bug", strict=True)
        def test_bug():
            assert False
        """
    )
    result = run.runpytest()
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(xfailed=1)


def test_allowed_skip_without_a_reason_is_a_usage_error(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import pytest

        @pytest.mark.allowed_skip
        def test_a():
            pass
        """
    )
    result = run.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*allowed_skip needs a reason*"])


def test_a_run_without_skips_passes(run: pytest.Pytester) -> None:
    run.makepyfile("def test_a():\n    pass\n")
    result = run.runpytest()
    assert result.ret == pytest.ExitCode.OK
    assert "skip guard" not in result.stdout.str()
