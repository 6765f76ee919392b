"""HK-JS-004: a credential written in the source."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.credentials import find_credentials
from hakobu.checks.rule import Finding
from hakobu.checks.rules.source_node import NodeRule
from hakobu.checks.rules.source_python.hardcoded_credential import FIX, RATIONALE
from hakobu.checks.targets import NodeSourceTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity


class HardcodedCredential(NodeRule):
    id = "HK-JS-004"
    title = "Credential written in the source"
    severity = Severity.ERROR
    design_point = DesignPoint.SECRETS
    factor = Factor.III
    rationale = RATIONALE
    fix = FIX

    def check(self, target: NodeSourceTarget) -> Iterator[Finding]:
        for found in find_credentials(target.file, target.text):
            message = f"hard-coded credential ({found.kind}); read it from the environment"
            yield self.finding(target, message, line=found.line)
