"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, CodeBuild reports).

One test case per finding, failed when it is at or above ``--fail-on`` (else passed, the finding
in its ``system-out``), and one passing case per rule that found nothing, so the report lists
what was checked. ``classname`` is ``pillar.design-point``: CI groups the cases as the talk does.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hakobu.checks.rule import Finding, RuleInfo
from hakobu.checks.runner import CheckReport
from hakobu.output.interface import Formatter

SUITE = "hakobu check"


class JunitFormat(Formatter):
    def format(self, report: CheckReport) -> str:
        suite = ET.Element("testsuite", name=SUITE)
        failures = 0
        for finding in report.findings:
            failed = finding.severity.rank >= self.fail_on.rank
            failures += failed
            suite.append(_finding_case(finding, failed))
        reported = {f.rule_id for f in report.findings}
        for rule in report.rules:
            if rule.id not in reported:
                suite.append(_case(rule, rule.id))
        counts = {"tests": str(len(suite)), "failures": str(failures), "errors": "0"}
        suite.attrib.update({**counts, "skipped": "0"})
        suites = ET.Element("testsuites", {"name": SUITE, **counts})
        suites.append(suite)
        ET.indent(suites)
        body = ET.tostring(suites, encoding="unicode")
        return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _case(rule: RuleInfo, name: str) -> ET.Element:
    classname = f"{rule.pillar.value}.{rule.design_point.value}"
    return ET.Element("testcase", classname=classname, name=f"{name} {rule.title}")


def _finding_case(finding: Finding, failed: bool) -> ET.Element:
    case = _case(finding.rule, f"{finding.rule_id} {finding.location}")
    if finding.file:
        case.set("file", finding.file)
    if finding.line:
        case.set("line", str(finding.line))
    text = f"{finding.location}: {finding.severity.value}: {finding.message}"
    detail = f"{text}\nWhy: {finding.rule.rationale}\nFix: {finding.rule.fix}\n"
    detail += f"See: {finding.rule.help_uri}"
    if failed:
        failure = ET.SubElement(case, "failure", message=text, type=finding.severity.value)
        failure.text = detail
    else:
        ET.SubElement(case, "system-out").text = detail
    return case
