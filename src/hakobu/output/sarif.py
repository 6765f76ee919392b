"""SARIF 2.1.0, as GitHub code scanning takes it (tests validate it against the OASIS schema).

Every rule that ran is a ``reportingDescriptor`` (id, short and full description, help and its
link, default level, the pillar, design point and factor as tags); every finding a result whose
location is the file relative to the checked root plus the line and column. Findings in JSON and
YAML files are located at the offending key's line, with the JSON path as a logical location.
Levels: error and warning as they are, info as ``note``. Suppressed findings are results with a
``suppressions`` entry (``inSource`` for a comment, ``external`` for hakobu.toml) and its reason,
which code scanning shows as dismissed; baselined findings are left out.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hakobu import __version__
from hakobu.checks.rule import DOCS_URL, Finding, RuleInfo
from hakobu.checks.runner import CheckReport
from hakobu.checks.taxonomy import Severity
from hakobu.output.interface import Formatter
from hakobu.spec.jsonpos import format_path

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
ROOT_ID = "SRCROOT"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


class SarifFormat(Formatter):
    def format(self, report: CheckReport) -> str:
        rules = list(report.rules)
        index = {rule.id: position for position, rule in enumerate(rules)}
        suppressed = [s.finding for s in report.suppressed]
        for finding in (*report.findings, *suppressed):  # a finding's rule is always described
            if finding.rule_id not in index:
                index[finding.rule_id] = len(rules)
                rules.append(finding.rule)
        results = [_result(f, index[f.rule_id]) for f in report.findings]
        for s in report.suppressed:
            result = _result(s.finding, index[s.finding.rule_id])
            kind = "inSource" if s.source == "inline" else "external"
            result["suppressions"] = [{"kind": kind, "justification": s.reason}]
            results.append(result)
        run = {
            "tool": {
                "driver": {
                    "name": "hakobu",
                    "version": __version__,
                    "informationUri": DOCS_URL,
                    "rules": [_descriptor(rule) for rule in rules],
                }
            },
            "originalUriBaseIds": {ROOT_ID: {"uri": report.root.as_uri() + "/"}},
            # Columns count characters, as Python strings do (SARIF's default is UTF-16 units).
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": True}],
            "results": results,
        }
        log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
        return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _descriptor(rule: RuleInfo) -> dict[str, Any]:
    tags = [rule.pillar.value, rule.design_point.value]
    if rule.factor:
        tags.append(f"12factor-{rule.factor.value}")
    return {
        "id": rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": rule.fix, "markdown": f"{rule.fix}\n\n[Documentation]({rule.help_uri})"},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": tags, "source": rule.source},
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
    }
    if finding.file is not None:
        result["locations"] = [_location(finding, finding.file)]
    return result


def _location(finding: Finding, file: str) -> dict[str, Any]:
    # GitHub requires a start line: a finding about a whole file points at its first line.
    region: dict[str, int] = {"startLine": finding.line or 1}
    if finding.line and finding.column:
        region["startColumn"] = finding.column
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(file), "uriBaseId": ROOT_ID},
            "region": region,
        }
    }
    if finding.json_path is not None:
        path = format_path(finding.json_path)
        location["logicalLocations"] = [{"fullyQualifiedName": path, "kind": "member"}]
    return location
