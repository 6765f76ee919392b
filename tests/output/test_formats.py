"""Text, JSON and JUnit reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from hakobu.checks.runner import CheckReport
from hakobu.checks.taxonomy import Severity
from hakobu.output import FORMATS, JsonFormat, JunitFormat, TextFormat


def test_formats_registry() -> None:
    assert list(FORMATS) == ["text", "json", "sarif", "junit"]


def test_text_groups_by_pillar_then_design_point_in_the_talks_order(report: CheckReport) -> None:
    text = TextFormat().format(report)
    lines = text.splitlines()
    headings = [line for line in lines if line and not line.startswith(" ")]
    assert headings[:2] == ["Operational excellence", "Security"]
    points = [line.strip() for line in lines if line.startswith("  ") and line[2] != " "]
    assert points == [
        "Development to release (slides 55-65)",
        "Secrets (slides 71-74)",
        "Container image flaws (slides 75-76)",
    ]
    # Within a design point, by file then line.
    release = lines.index("  Development to release (slides 55-65)")
    assert lines[release + 1].split()[:3] == ["Dockerfile:1:1", "error", "HK-DF-001"]
    assert lines[release + 2].split()[:3] == ["buildspec.yml", "error", "HK-PARSE"]
    assert "HK-DF-001  FROM python:latest: `latest` moves  [12FA II. Dependencies]" in text
    assert "ecs/task def.json:12:9 (containerDefinitions[0].environment[1].name)" in text
    assert "\x1b[" not in text


def test_text_summary_says_pass_or_fail(report: CheckReport, clean: CheckReport) -> None:
    assert TextFormat().format(report).splitlines()[-1] == (
        "2 errors, 1 warning, 1 info in 3 files checked: failed (--fail-on error); "
        "`hakobu explain ID` tells why and how to fix"
    )
    assert TextFormat().format(clean) == (
        "0 errors, 0 warnings, 0 info in 1 file checked: passed (--fail-on error)\n"
    )


def test_text_colours_only_when_asked(report: CheckReport) -> None:
    coloured = TextFormat(color=True).format(report)
    assert "\x1b[1;31merror  \x1b[0m" in coloured
    assert "\x1b[36minfo   \x1b[0m" in coloured


def test_json_report(report: CheckReport) -> None:
    data = json.loads(JsonFormat(fail_on=Severity.WARNING).format(report))
    assert data["version"] == 1
    assert data["summary"] == {
        "error": 2,
        "warning": 1,
        "info": 1,
        "failed": True,
        "fail_on": "warning",
        "files": {
            "dockerfile": 1,
            "taskdef": 2,
            "buildspec": 0,
            "appspec": 0,
            "source-python": 0,
            "source-node": 0,
            "dependencies": 0,
            "repository": 0,
        },
        "suppressed": 0,
        "baselined": 0,
    }
    secret = next(f for f in data["findings"] if f["rule_id"] == "HK-TD-901")
    assert secret == {
        "rule_id": "HK-TD-901",
        "severity": "warning",
        "message": 'environment "DB_PASSWORD" holds a secret <value>',
        "file": "ecs/task def.json",
        "line": 12,
        "column": 9,
        "json_path": "containerDefinitions[0].environment[1].name",
        "title": "Secret in environment",
        "pillar": "security",
        "design_point": "secrets",
        "factor": "III",
        "help_uri": "https://example.invalid/rules.md#hk-td-901",
    }


def test_junit_fails_the_findings_at_or_above_the_threshold(report: CheckReport) -> None:
    root = ET.fromstring(JunitFormat(fail_on=Severity.WARNING).format(report))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    # 4 findings, and one passing case for the rule that found nothing (none here).
    assert (suite.get("tests"), suite.get("failures")) == (str(len(cases)), "3")
    info = next(c for c in cases if "hadolint/DL3015" in (c.get("name") or ""))
    assert info.find("failure") is None
    assert "Avoid additional packages" in (info.findtext("system-out") or "")
    secret = next(c for c in cases if "HK-TD-901" in (c.get("name") or ""))
    assert secret.get("classname") == "security.secrets"
    assert (secret.get("file"), secret.get("line")) == ("ecs/task def.json", "12")
    failure = secret.find("failure")
    assert failure is not None and failure.get("type") == "warning"
    assert "Fix: Move it to secrets." in (failure.text or "")


def test_junit_lists_rules_that_found_nothing_as_passed(clean: CheckReport) -> None:
    root = ET.fromstring(JunitFormat().format(clean))
    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == ["HK-DF-001 Base image not pinned to a version"]
    assert root.get("failures") == "0"


def test_text_and_json_count_what_was_left_out(left_out: CheckReport) -> None:
    assert TextFormat().format(left_out).splitlines()[-1] == (
        "1 error, 0 warnings, 0 info in 3 files checked (2 suppressed, 1 in the baseline): "
        "failed (--fail-on error); `hakobu explain ID` tells why and how to fix"
    )
    data = json.loads(JsonFormat().format(left_out))
    assert (data["summary"]["suppressed"], data["summary"]["baselined"]) == (2, 1)
    assert [f["rule_id"] for f in data["findings"]] == ["HK-DF-001"]
    reasons = {s["rule_id"]: (s["suppressed_by"], s["reason"]) for s in data["suppressed"]}
    assert reasons == {
        "hadolint/DL3015": ("inline", "the slim image needs no cleanup"),
        "HK-TD-901": ("config", "a dummy value the tests use"),
    }
