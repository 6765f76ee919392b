"""HK-TD-005: an essential container without a health check."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.taskdef import TaskDefRule, essential
from hakobu.checks.targets import TaskDefTarget
from hakobu.checks.taxonomy import DesignPoint, Severity


class EssentialWithoutHealthCheck(TaskDefRule):
    id = "HK-TD-005"
    title = "Essential container without a health check"
    severity = Severity.WARNING
    design_point = DesignPoint.FAILURE_DETECTION
    rationale = (
        "Failures have to be detected to be acted on (slide 87). A container that is running "
        "is not necessarily serving: without a healthCheck (or a load balancer's health check "
        "on the service) ECS keeps a hung or broken task in service, a deployment counts it "
        "healthy, and nothing replaces it. An essential container's health is the task's."
    )
    fix = (
        'Add `"healthCheck": {"command": ["CMD", "/app/healthcheck"], "interval": 10, '
        '"timeout": 2, "retries": 3, "startPeriod": 10}` to each essential container (with a '
        "command the image has), or declare the load balancer's health check in hakobu.toml "
        "under [service.target_group]."
    )

    def check(self, target: TaskDefTarget) -> Iterator[Finding]:
        if _load_balanced(target):
            return
        for path, container in target.containers():
            if essential(container) and "healthCheck" not in container:
                message = f"essential {self.name(container, path)} has no healthCheck"
                yield self.missing(target, path, container, "healthCheck", message)


def _load_balanced(target: TaskDefTarget) -> bool:
    """hakobu.toml declares a target group for the service that runs this task definition."""
    app = target.repo.app
    settings = target.repo.settings
    return settings.load_balancer_health_check and (
        app is None or target.path == app.task_definition
    )
