"""Inline suppressions: where they apply, that they need a reason, and what the runner does."""

from __future__ import annotations

from pathlib import Path

import pytest

from hakobu.checks import CheckConfig, run_checks
from hakobu.checks.suppressions import find_suppressions
from hakobu.checks.taxonomy import TargetKind

KNOWN = {"HK-DF-001", "HK-DF-002", "HK-JS-002", "hadolint/DL3008"}


def known(rule_id: str) -> bool:
    return rule_id in KNOWN


def test_own_line_applies_to_the_next_code_line_trailing_to_its_own() -> None:
    text = (
        "# hakobu: ignore[HK-DF-001] the base is pinned by the platform team's mirror\n"
        "# hadolint ignore=DL3008\n"
        "\n"
        "FROM python\n"
        "RUN apt-get install -y curl  # hakobu: ignore[DL3008, hk-df-002] -- curl moves with it\n"
    )
    first, second = find_suppressions("Dockerfile", text, TargetKind.DOCKERFILE, known)
    assert (first.line, first.target_line, first.rules) == (1, 4, ("HK-DF-001",))
    assert first.reason == "the base is pinned by the platform team's mirror"
    assert (second.target_line, second.rules) == (5, ("hadolint/DL3008", "HK-DF-002"))
    assert second.reason == "curl moves with it"
    assert first.covers("HK-DF-001", 4) and not first.covers("HK-DF-001", 5)


def test_javascript_comments_and_whole_files() -> None:
    text = (
        "// hakobu: ignore-file[HK-JS-002] a fixture server for the tests\n"
        "app.listen(3000); /* hakobu: ignore[HK-JS-002] the health port */\n"
    )
    whole, line = find_suppressions("a.js", text, TargetKind.SOURCE_NODE, known)
    assert whole.target_line is None and whole.covers("HK-JS-002", 99)
    assert (line.target_line, line.reason) == (2, "the health port")
    # A `#` comment means nothing in JavaScript.
    assert (
        find_suppressions(
            "a.js", "# hakobu: ignore[HK-JS-002] x y\n", TargetKind.SOURCE_NODE, known
        )
        == []
    )


@pytest.mark.parametrize(
    ("comment", "problem"),
    [
        ("# hakobu: ignore[HK-DF-001]", "has no reason"),
        ("# hakobu: ignore[HK-DF-001] -", "has no reason"),
        ("# hakobu: ignore[HK-DF-01] the reason", "names no known rule: HK-DF-01"),
        ("# hakobu: ignore the reason", "names no rule"),
        ("# hakobu: ignore[] the reason", "names no rule"),
    ],
)
def test_a_suppression_without_reason_or_rule_has_a_problem(comment: str, problem: str) -> None:
    [found] = find_suppressions("Dockerfile", f"{comment}\nFROM x\n", TargetKind.DOCKERFILE, known)
    assert found.problem is not None and problem in found.problem
    assert not found.covers("HK-DF-001", 2)


def test_the_runner_suppresses_and_reports_bad_suppressions(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "# hakobu: ignore[HK-DF-001] the mirror pins python for us\n"
        "FROM python\n"
        "# hakobu: ignore[HK-DF-002]\n"
        "USER root\n"
    )
    report = run_checks(tmp_path, CheckConfig(hadolint=None))
    found = [(f.rule_id, f.line) for f in report.findings if f.file == "Dockerfile"]
    # DF-002 stays (the suppression has no reason) and the suppression itself is reported.
    assert ("HK-DF-002", 4) in found
    assert ("HK-SUPPRESS", 3) in found
    assert ("HK-DF-001", 2) not in found
    [suppressed] = report.suppressed
    assert (suppressed.finding.rule_id, suppressed.source) == ("HK-DF-001", "inline")
    assert suppressed.reason == "the mirror pins python for us"


def test_hadolint_findings_are_suppressed_the_same_way(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\n"
        "# hakobu: ignore[DL3003] the build needs the directory change\n"
        "RUN cd /tmp\n"
        "USER 10001\n"
    )
    report = run_checks(tmp_path)
    assert "hadolint/DL3003" not in {f.rule_id for f in report.findings}
    assert {s.finding.rule_id for s in report.suppressed} == {"hadolint/DL3003"}


def test_python_and_yaml_suppressions(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        'DB_PASSWORD = "P@ssw0rd!"  # hakobu: ignore[HK-PY-004] the public demo database\n'
    )
    (tmp_path / "buildspec.yml").write_text(
        "version: 0.2\nenv:\n  variables:\n"
        "    # hakobu: ignore[HK-BS-004] a throwaway token of the sandbox account\n"
        "    SANDBOX_TOKEN: abc123abc123\n"
    )
    report = run_checks(tmp_path, CheckConfig(hadolint=None))
    assert report.findings == ()
    assert sorted(s.finding.rule_id for s in report.suppressed) == ["HK-BS-004", "HK-PY-004"]


def test_in_python_only_comments_count_not_strings() -> None:
    text = (
        '"""Write ``# hakobu: ignore[HK-DF-001]`` to suppress."""\n'
        'EXAMPLE = "x  # hakobu: ignore[HK-DF-001]"\n'
        "x = 1  # hakobu: ignore[HK-DF-001] a real comment\n"
    )
    [found] = find_suppressions("a.py", text, TargetKind.SOURCE_PYTHON, known)
    assert (found.line, found.reason) == (3, "a real comment")
