"""The baseline: written from a report, and matching the same findings after the file moves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hakobu.checks import CheckConfig, RuleRegistry, run_checks
from hakobu.checks.baseline import load_baseline, write_baseline
from hakobu.checks.meta import META_RULES
from hakobu.checks.rules.dockerfile.base_image_unpinned import BaseImageUnpinned
from hakobu.checks.rules.taskdef.image_tag import ImageTag
from hakobu.errors import UsageError

# Two rules, one reporting by line (Dockerfile), one by JSON path (task definition).
REGISTRY = RuleRegistry((*META_RULES, BaseImageUnpinned, ImageTag))

TASKDEF = '{"containerDefinitions": [{"name": "a", "image": "nginx:latest"}]}'


def test_baselined_findings_survive_line_shifts_and_new_ones_are_new(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python\nUSER 10001\n")
    (tmp_path / "taskdef.json").write_text(TASKDEF)
    first = run_checks(tmp_path, CheckConfig(hadolint=None, registry=REGISTRY))
    baseline = tmp_path / "baseline.json"
    count = write_baseline(baseline, first.findings, first.line_text)
    assert count == len(first.findings) == 2
    entries = json.loads(baseline.read_text())["findings"]
    assert {e["rule_id"] for e in entries} == {"HK-DF-001", "HK-TD-003"}

    # Lines move, the JSON is reformatted; one new problem appears.
    (tmp_path / "Dockerfile").write_text(
        "# syntax=docker/dockerfile:1\n\nFROM  python\nUSER 10001\nFROM node\n"
    )
    (tmp_path / "taskdef.json").write_text(json.dumps(json.loads(TASKDEF), indent=4))
    second = run_checks(
        tmp_path, CheckConfig(hadolint=None, registry=REGISTRY, baseline=load_baseline(baseline))
    )
    assert [(f.rule_id, f.line) for f in second.findings if f.rule_id == "HK-DF-001"] == [
        ("HK-DF-001", 5)
    ]
    assert len(second.baselined) == count
    assert [f.rule_id for f in second.findings] == ["HK-DF-001"]


def test_a_repeated_line_is_counted(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python\nUSER 10001\n")
    first = run_checks(tmp_path, CheckConfig(hadolint=None, registry=REGISTRY))
    baseline = tmp_path / "b.json"
    write_baseline(baseline, first.findings, first.line_text)
    (tmp_path / "Dockerfile").write_text("FROM python AS a\nFROM python\nUSER 10001\n")
    second = run_checks(
        tmp_path, CheckConfig(hadolint=None, registry=REGISTRY, baseline=load_baseline(baseline))
    )
    # `FROM python` is baselined once; the new `FROM python AS a` line is a new finding.
    assert [f.line for f in second.findings if f.rule_id == "HK-DF-001"] == [1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file"),
        ("{", "not JSON"),
        ('{"version": 2, "findings": []}', "not a hakobu baseline"),
        ("[]", "not a hakobu baseline"),
    ],
)
def test_a_bad_baseline_is_a_usage_error(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UsageError, match=message):
        load_baseline(path)
