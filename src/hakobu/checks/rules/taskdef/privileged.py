"""HK-TD-006: a privileged container."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.taskdef import TaskDefRule
from hakobu.checks.targets import TaskDefTarget
from hakobu.checks.taxonomy import DesignPoint, Severity


class Privileged(TaskDefRule):
    id = "HK-TD-006"
    title = "Privileged container"
    severity = Severity.ERROR
    design_point = DesignPoint.IMAGE_HYGIENE
    rationale = (
        "A privileged container has every capability and the host's devices: a flaw in the app "
        "becomes control of the host (CIS Docker Benchmark 5.4), the kind of container "
        "shortcoming the talk warns ships security issues (slide 75). Fargate refuses it "
        "outright."
    )
    fix = (
        'Remove `"privileged": true`. If the app needs one capability, add only that one under '
        "`linuxParameters.capabilities.add` (on Fargate only SYS_PTRACE can be added)."
    )

    def check(self, target: TaskDefTarget) -> Iterator[Finding]:
        for path, container in target.containers():
            if container.get("privileged") is True:
                message = f"{self.name(container, path)} is privileged: it controls the host"
                yield self.finding(target, message, json_path=(*path, "privileged"))
