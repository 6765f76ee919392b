"""The report as JSON: a summary and every finding with its rule's pillar, point and factor.

The shape is versioned (``"version": 1``) so scripts can rely on it; ``json_path`` is written as
``containerDefinitions[0].image`` (``hakobu.spec.jsonpos.format_path``), or null. Suppressed
findings are listed apart, each with its reason and ``suppressed_by`` (``inline`` or
``config``); baselined ones only counted.
"""

from __future__ import annotations

import json
from typing import Any

from hakobu import __version__
from hakobu.checks.rule import Finding
from hakobu.checks.runner import CheckReport
from hakobu.checks.taxonomy import Severity
from hakobu.output.interface import Formatter
from hakobu.spec.jsonpos import format_path

SCHEMA_VERSION = 1


class JsonFormat(Formatter):
    def format(self, report: CheckReport) -> str:
        document = {
            "version": SCHEMA_VERSION,
            "tool": {"name": "hakobu", "version": __version__},
            "root": str(report.root),
            "summary": {
                **{severity.value: report.count(severity) for severity in Severity},
                "failed": report.failed(self.fail_on),
                "fail_on": self.fail_on.value,
                "files": {kind.value: count for kind, count in report.files.items()},
                "suppressed": len(report.suppressed),
                "baselined": len(report.baselined),
            },
            "findings": [finding_dict(f) for f in report.findings],
            "suppressed": [
                {**finding_dict(s.finding), "reason": s.reason, "suppressed_by": s.source}
                for s in report.suppressed
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def finding_dict(finding: Finding) -> dict[str, Any]:
    rule = finding.rule
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "json_path": None if finding.json_path is None else format_path(finding.json_path),
        "title": rule.title,
        "pillar": rule.pillar.value,
        "design_point": rule.design_point.value,
        "factor": rule.factor.value if rule.factor else None,
        "help_uri": rule.help_uri,
    }
