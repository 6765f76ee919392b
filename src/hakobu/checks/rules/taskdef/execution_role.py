"""HK-TD-009: secrets, awslogs or a private ECR image without a task execution role."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hakobu.checks.rule import Finding
from hakobu.checks.rules.taskdef import TaskDefRule
from hakobu.checks.targets import TaskDefTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity
from hakobu.spec.jsonpos import JsonPath


class ExecutionRoleMissing(TaskDefRule):
    id = "HK-TD-009"
    title = "Secrets or awslogs without executionRoleArn"
    severity = Severity.ERROR
    design_point = DesignPoint.SECRETS
    factor = Factor.III
    rationale = (
        "ECS itself fetches a task's secrets, pulls its images from ECR and sends its awslogs "
        "output, with the task execution role: only a task whose role allows it can read the "
        "secrets (slide 72). Without executionRoleArn such a task fails to start on Fargate "
        "(`ResourceInitializationError`), after the deployment has begun."
    )
    fix = (
        'Set `"executionRoleArn"` to a role with AmazonECSTaskExecutionRolePolicy and '
        "secretsmanager:GetSecretValue / ssm:GetParameters on the secrets the task names "
        "(a `${EXECUTION_ROLE_ARN}` placeholder filled in per environment works)."
    )

    def check(self, target: TaskDefTarget) -> Iterator[Finding]:
        data = target.data
        if not isinstance(data, dict) or data.get("executionRoleArn"):
            return
        for path, container in target.containers():
            for where, what in _needs_role(path, container):
                message = f"{what} needs executionRoleArn, which the task definition lacks"
                yield self.finding(target, message, json_path=where)


def _needs_role(path: JsonPath, container: Mapping[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    if container.get("secrets"):
        yield (*path, "secrets"), "secrets"
    config = container.get("logConfiguration")
    if isinstance(config, dict):
        if config.get("logDriver") == "awslogs":
            yield (*path, "logConfiguration", "logDriver"), "the awslogs log driver"
        if config.get("secretOptions"):
            yield (*path, "logConfiguration", "secretOptions"), "logConfiguration.secretOptions"
    image = container.get("image")
    if isinstance(image, str) and ".dkr.ecr." in image:
        yield (*path, "image"), "pulling from ECR"
