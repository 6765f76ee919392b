"""Labels and names on everything hakobu starts, so ``ps`` and ``down`` find it after a crash."""

from __future__ import annotations

import hashlib
from pathlib import Path

PROJECT = "hakobu.project"  # hash of the app's root directory
APP = "hakobu.app"
TASK = "hakobu.task"
CONTAINER = "hakobu.container"
STOP_ORDER = "hakobu.stop-order"  # position in ECS's stop order: 0 stops first
STOP_TIMEOUT = "hakobu.stop-timeout"


def project_id(root: Path) -> str:
    return hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]


def pod_name(app: str, task_id: str) -> str:
    return f"hakobu-{app}-{task_id[:12]}"


def container_name(app: str, task_id: str, container: str) -> str:
    return f"{pod_name(app, task_id)}-{container}"


def secret_name(app: str, task_id: str, env_name: str) -> str:
    return f"{pod_name(app, task_id)}-{env_name.lower()}"
