"""HK-TD-002: a container's logs go nowhere ECS keeps them (no awslogs or FireLens)."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.taskdef import TaskDefRule
from hakobu.checks.targets import TaskDefTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

STREAM_DRIVERS = frozenset({"awslogs", "awsfirelens"})


class LogConfiguration(TaskDefRule):
    id = "HK-TD-002"
    title = "Logs not streamed to CloudWatch Logs or FireLens"
    severity = Severity.ERROR
    design_point = DesignPoint.LOGGING
    factor = Factor.XI
    rationale = (
        "The app writes its log to stdout and ECS streams it (slides 67-69): awslogs sends it "
        "to CloudWatch Logs, FireLens (awsfirelens) to CloudWatch Logs and S3 at once for "
        "long-term audit. Without a logConfiguration the output of a Fargate task is kept "
        "nowhere and is gone with the task; another driver bypasses the CloudWatch Logs "
        "subscription filters that failure detection relies on (slide 87)."
    )
    fix = (
        'Add `"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": '
        '"/ecs/app", "awslogs-region": "...", "awslogs-stream-prefix": "app"}}` to every '
        "container, or `awsfirelens` with a FireLens log router container to reach S3 too."
    )

    def check(self, target: TaskDefTarget) -> Iterator[Finding]:
        for path, container in target.containers():
            config = container.get("logConfiguration")
            who = self.name(container, path)
            if not isinstance(config, dict):
                message = f"{who} has no logConfiguration: its output is kept nowhere"
                yield self.missing(target, path, container, "logConfiguration", message)
                continue
            driver = config.get("logDriver")
            if isinstance(driver, str) and driver not in STREAM_DRIVERS:
                message = f"{who} logs with {driver}: use awslogs or awsfirelens"
                yield self.finding(
                    target, message, json_path=(*path, "logConfiguration", "logDriver")
                )
