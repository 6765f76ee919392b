"""Task definitions for the log tests, shaped as register-task-definition takes them."""

from __future__ import annotations

from typing import Any

TASK_ID = "0123456789abcdef0123456789abcdef"
TASK_ARN = f"arn:aws:ecs:local:000000000000:task/hakobu-hello/{TASK_ID}"


def awslogs(group: str = "/ecs/hello", prefix: str | None = "web", **extra: str) -> dict[str, Any]:
    options = {"awslogs-group": group, "awslogs-region": "ap-northeast-1", **extra}
    if prefix is not None:
        options["awslogs-stream-prefix"] = prefix
    return {"logDriver": "awslogs", "options": options}


def container(name: str, log: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {"name": name, "image": "busybox", "essential": True, **extra}
    if log is not None:
        definition["logConfiguration"] = log
    return definition


def task(*containers: dict[str, Any], family: str = "hello") -> dict[str, Any]:
    return {
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": list(containers),
    }


def log_router(options: dict[str, str] | None = None) -> dict[str, Any]:
    firelens: dict[str, Any] = {"type": "fluentbit"}
    if options is not None:
        firelens["options"] = options
    return container(
        "log_router",
        awslogs("/ecs/firelens", "firelens", **{"awslogs-create-group": "true"}),
        firelensConfiguration=firelens,
    )


def firelens(**options: str) -> dict[str, Any]:
    return {"logDriver": "awsfirelens", "options": options}
