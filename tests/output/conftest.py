"""A report with findings of every severity, pillar and location kind, built by hand."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hakobu.checks.hadolint import describe
from hakobu.checks.meta import ParseError
from hakobu.checks.rule import Finding, RuleInfo
from hakobu.checks.rules.dockerfile.base_image_unpinned import BaseImageUnpinned
from hakobu.checks.runner import CheckReport, Suppressed
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity, TargetKind

SECRET_RULE = RuleInfo(
    id="HK-TD-901",
    title="Secret in environment",
    severity=Severity.ERROR,
    targets=(TargetKind.TASKDEF,),
    design_point=DesignPoint.SECRETS,
    factor=Factor.III,
    rationale="Secrets belong in Secrets Manager.",
    fix="Move it to secrets.",
    doc_anchor="hk-td-901",
    help_uri="https://example.invalid/rules.md#hk-td-901",
)
HADOLINT = describe("DL3015", Severity.INFO, "Avoid additional packages")


@pytest.fixture
def report(tmp_path: Path) -> CheckReport:
    base = BaseImageUnpinned.info()
    findings = (
        Finding(base, Severity.ERROR, "FROM python:latest: `latest` moves", "Dockerfile", 1, 1),
        Finding(HADOLINT, Severity.INFO, "Avoid additional packages", "Dockerfile", 4, 1),
        Finding(
            SECRET_RULE,
            Severity.WARNING,
            'environment "DB_PASSWORD" holds a secret <value>',
            "ecs/task def.json",
            12,
            9,
            ("containerDefinitions", 0, "environment", 1, "name"),
        ),
        Finding(ParseError.info(), Severity.ERROR, "invalid YAML", "buildspec.yml"),
    )
    rules = (base, ParseError.info(), SECRET_RULE, HADOLINT)
    files = {kind: 0 for kind in TargetKind} | {TargetKind.DOCKERFILE: 1, TargetKind.TASKDEF: 2}
    return CheckReport(tmp_path, findings, rules, files)


@pytest.fixture
def clean(tmp_path: Path) -> CheckReport:
    return CheckReport(tmp_path, (), (BaseImageUnpinned.info(),), {TargetKind.DOCKERFILE: 1})


@pytest.fixture
def left_out(report: CheckReport) -> CheckReport:
    """The same report with one finding suppressed inline, one by hakobu.toml, one baselined."""
    base, hadolint, secret, parse = report.findings
    suppressed = (
        Suppressed(hadolint, "the slim image needs no cleanup", "inline"),
        Suppressed(secret, "a dummy value the tests use", "config"),
    )
    return replace(report, findings=(base,), suppressed=suppressed, baselined=(parse,))
