"""HK-BS-001: the image is pushed without a Dockerfile or image lint step before it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.buildspec import BuildspecRule, build_commands, is_push, mentions
from hakobu.checks.targets import BuildspecTarget
from hakobu.checks.taxonomy import DesignPoint, Severity

LINTERS = re.compile(
    r"\b(?:hadolint|dockle|hakobu\s+(?:-C\s+\S+\s+)?check|checkov|trivy\s+(?:config|conf)\b)"
)


class LintBeforePush(BuildspecRule):
    id = "HK-BS-001"
    title = "Image pushed without a lint step before it"
    severity = Severity.WARNING
    design_point = DesignPoint.IMAGE_HYGIENE
    rationale = (
        "Dockerfile mistakes ship security issues into every environment when nothing checks "
        "them before the image is stored (slides 75-76): the talk lints the Dockerfile with "
        "hadolint and the built image with Dockle in CodeBuild, before the push to ECR. A "
        "check after the push, or none, leaves a flawed image in the registry for CodeDeploy "
        "to roll out."
    )
    fix = (
        "Add a step before `docker push`, in pre_build or build: `hadolint Dockerfile`, "
        "`hakobu check` (runs hadolint and more), or `dockle --exit-code 1 $IMAGE` after the "
        "build."
    )

    def check(self, target: BuildspecTarget) -> Iterator[Finding]:
        found = build_commands(target)
        for index, command in enumerate(found):
            if any(is_push(words) for words in command.simple()):
                if not any(mentions(LINTERS, earlier) for earlier in found[: index + 1]):
                    after = any(mentions(LINTERS, later) for later in found[index + 1 :])
                    when = "only after" if after else "without"
                    message = f"the image is pushed {when} a lint step (hadolint, hakobu check)"
                    yield self.finding(target, message, json_path=command.path)
                return  # the first push decides
