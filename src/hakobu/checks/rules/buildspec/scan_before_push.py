"""HK-BS-002: the image is pushed without a vulnerability scan."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.buildspec import BuildspecRule, build_commands, is_push, mentions
from hakobu.checks.targets import BuildspecTarget
from hakobu.checks.taxonomy import DesignPoint, Severity

SCANNERS = re.compile(
    r"\btrivy\s+(?:\S+\s+)*?(?:image|i|fs|filesystem|rootfs|sbom)\b"
    r"|\bgrype\b|\bsnyk\s+container\b|\bdocker\s+scout\s+cves\b|\bdocker\s+scan\b"
    r"|\binspector-scan\b"
)
# Amazon ECR scans on push (or continuously); the build waits for the result and reads it.
ECR_SCAN = re.compile(r"\becr\s+(?:wait\s+image-scan-complete|describe-image-scan-findings)\b")


class ScanBeforePush(BuildspecRule):
    id = "HK-BS-002"
    title = "Image pushed without a vulnerability scan"
    severity = Severity.WARNING
    design_point = DesignPoint.VULNERABILITY
    rationale = (
        "OS packages and libraries in an image acquire known vulnerabilities over time, and "
        "without a check no one notices (slides 77-79): the talk runs Trivy in CodeBuild so a "
        "HIGH or CRITICAL finding fails the build before the image reaches ECR, and scans "
        "again regularly. ECR's own scan works too when the build waits for its result."
    )
    fix = (
        'Before `docker push`: `trivy image --exit-code 1 --severity HIGH,CRITICAL "$IMAGE"`; '
        "or, with ECR scan on push, `aws ecr wait image-scan-complete` and fail on "
        "`describe-image-scan-findings` before the deployment artifacts are written."
    )

    def check(self, target: BuildspecTarget) -> Iterator[Finding]:
        found = build_commands(target)
        if any(mentions(ECR_SCAN, command) for command in found):
            return
        for index, command in enumerate(found):
            if any(is_push(words) for words in command.simple()):
                if not any(mentions(SCANNERS, earlier) for earlier in found[:index]):
                    message = "the image is pushed without a vulnerability scan (trivy image)"
                    yield self.finding(target, message, json_path=command.path)
                return
