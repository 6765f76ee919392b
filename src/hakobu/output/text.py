"""The terminal report, grouped as the talk groups it: pillar, then design point, then findings.

    Security
      Container image flaws (slides 75-76)
        Dockerfile:4:1  error  HK-DF-005  ENV DB_PASSWORD=...: ...  [12FA III. Config]

Pillars and design points come in the talk's order (``taxonomy``); findings by file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from hakobu.checks.rule import Finding
from hakobu.checks.runner import CheckReport
from hakobu.checks.taxonomy import DesignPoint, Pillar, Severity
from hakobu.output.interface import Formatter

_STYLES = {
    Severity.ERROR: "1;31",  # bold red
    Severity.WARNING: "33",  # yellow
    Severity.INFO: "36",  # cyan
    "heading": "1",
    "dim": "2",
}
_PILLARS = list(Pillar)
_POINTS = list(DesignPoint)


class TextFormat(Formatter):
    def format(self, report: CheckReport) -> str:
        lines: list[str] = []
        ordered = sorted(report.findings, key=_group_key)
        for pillar, in_pillar in groupby(ordered, key=lambda f: f.pillar):
            lines.append(self.style("heading", pillar.label))
            for point, in_point in groupby(in_pillar, key=lambda f: f.design_point):
                lines.append(f"  {point.label} " + self.style("dim", f"({point.slide_ref})"))
                lines.extend(self.finding_lines(in_point))
            lines.append("")
        lines.append(self.summary(report))
        return "\n".join(lines) + "\n"

    def finding_lines(self, findings: Iterable[Finding]) -> list[str]:
        rows = list(findings)
        width = max(len(f.location) for f in rows)
        lines = []
        for f in rows:
            severity = self.style(f.severity, f.severity.value.ljust(7))
            factor = f"  [12FA {f.factor.label}]" if f.factor else ""
            rule = self.style("dim", f.rule_id)
            lines.append(f"    {f.location.ljust(width)}  {severity}  {rule}  {f.message}{factor}")
        return lines

    def summary(self, report: CheckReport) -> str:
        files = sum(report.files.values())
        verdict = (
            self.style(Severity.ERROR, f"failed (--fail-on {self.fail_on.value})")
            if report.failed(self.fail_on)
            else f"passed (--fail-on {self.fail_on.value})"
        )
        hint = "; `hakobu explain ID` tells why and how to fix" if report.findings else ""
        left_out = left_out_text(report)
        checked = f"in {_plural(files, 'file')} checked"
        return f"{counts_text(report)} {checked}{left_out}: {verdict}{hint}"

    def style(self, style: str, text: str) -> str:
        if not self.color:
            return text
        return f"\x1b[{_STYLES[style]}m{text}\x1b[0m"


def _group_key(finding: Finding) -> tuple[int, int, tuple[str, int, int, str, str]]:
    return (
        _PILLARS.index(finding.pillar),
        _POINTS.index(finding.design_point),
        finding.sort_key(),
    )


def counts_text(report: CheckReport) -> str:
    """``2 errors, 1 warning, 0 info``."""
    errors = _plural(report.count(Severity.ERROR), "error")
    warnings = _plural(report.count(Severity.WARNING), "warning")
    return f"{errors}, {warnings}, {report.count(Severity.INFO)} info"


def left_out_text(report: CheckReport) -> str:
    """`` (2 suppressed, 5 in the baseline)``, or nothing when nothing was left out."""
    parts = []
    if report.suppressed:
        parts.append(f"{len(report.suppressed)} suppressed")
    if report.baselined:
        parts.append(f"{len(report.baselined)} in the baseline")
    return f" ({', '.join(parts)})" if parts else ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
