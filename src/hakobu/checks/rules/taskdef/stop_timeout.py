"""HK-TD-004: ``stopTimeout`` not set, or longer than Fargate allows (120 s)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeGuard

from hakobu.checks.rule import Finding
from hakobu.checks.rules.taskdef import TaskDefRule
from hakobu.checks.targets import TaskDefTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity
from hakobu.spec.fargate import FARGATE_TIMEOUT_RANGE


class StopTimeout(TaskDefRule):
    id = "HK-TD-004"
    title = "stopTimeout missing or above 120 seconds"
    severity = Severity.WARNING
    design_point = DesignPoint.DEMAND_CHANGE
    factor = Factor.IX
    rationale = (
        "ECS stops a container with SIGTERM, waits stopTimeout, then sends SIGKILL (slides "
        "81-82): at scale-in, after every deployment, on infrastructure events. The timeout "
        "is the app's budget to finish what it is doing, so it belongs next to the app, "
        "written down, not left to the platform default (30 s). Fargate accepts 2 to 120 "
        "seconds; a longer shutdown also holds deployments and scale-in back."
    )
    fix = (
        'Set `"stopTimeout"` on every container to how long a graceful shutdown takes, with '
        "margin (e.g. 30), at most 120; make the app finish requests in flight within it."
    )

    def check(self, target: TaskDefTarget) -> Iterator[Finding]:
        low, high = FARGATE_TIMEOUT_RANGE
        for path, container in target.containers():
            who = self.name(container, path)
            value = container.get("stopTimeout")
            if value is None:
                message = f"{who} has no stopTimeout: SIGKILL follows SIGTERM after 30 s"
                yield self.missing(target, path, container, "stopTimeout", message)
            elif _number(value) and not low <= value <= high:
                message = f"stopTimeout {value}: Fargate takes {low} to {high} seconds"
                yield self.finding(target, message, json_path=(*path, "stopTimeout"))


def _number(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
