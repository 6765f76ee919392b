"""Registered task definition revisions, numbered per family as ECS numbers them.

``.hakobu/revisions/<family>/<n>.json`` holds revision ``n``: the task definition as rendered and
validated when it was registered (image included), so a rollback runs exactly what ran before.
Registering a task definition equal to the family's latest revision returns that revision: a
new number means a change (ECS would number every registration; hakobu numbers what differs).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hakobu.errors import HakobuError

ARN_PREFIX = "arn:aws:ecs:local:000000000000:task-definition/"


@dataclass(frozen=True)
class Revision:
    family: str
    number: int
    task_definition: Mapping[str, Any]
    registered_at: float

    @property
    def name(self) -> str:
        return f"{self.family}:{self.number}"

    @property
    def arn(self) -> str:
        return ARN_PREFIX + self.name


def revisions_root(app_root: Path) -> Path:
    return app_root / ".hakobu" / "revisions"


def _canonical(task_definition: Mapping[str, Any]) -> str:
    return json.dumps(task_definition, sort_keys=True, separators=(",", ":"))


def _numbers(family_dir: Path) -> list[int]:
    if not family_dir.is_dir():
        return []
    return sorted(int(p.stem) for p in family_dir.glob("*.json") if p.stem.isdigit())


def latest(app_root: Path, family: str) -> Revision | None:
    numbers = _numbers(revisions_root(app_root) / family)
    return load(app_root, f"{family}:{numbers[-1]}") if numbers else None


def load(app_root: Path, name: str) -> Revision:
    family, _, number = name.rpartition(":")
    path = revisions_root(app_root) / family / f"{number}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise HakobuError(
            f"task definition revision {name} is not in {path.parent} ({e}): run `hakobu deploy` "
            "to register the task definition again"
        ) from e
    return Revision(family, int(number), data["taskDefinition"], data["registeredAt"])


def next_revision(app_root: Path, task_definition: Mapping[str, Any]) -> tuple[str, bool]:
    """The name ``register`` would give, and whether it would be new (for --dry-run)."""
    family = str(task_definition["family"])
    current = latest(app_root, family)
    if current is not None and _canonical(current.task_definition) == _canonical(task_definition):
        return current.name, False
    return f"{family}:{current.number + 1 if current else 1}", True


def register(app_root: Path, task_definition: Mapping[str, Any]) -> tuple[Revision, bool]:
    """Register ``task_definition`` (rendered); returns the revision and whether it is new."""
    family = str(task_definition["family"])
    family_dir = revisions_root(app_root) / family
    family_dir.mkdir(parents=True, exist_ok=True)
    while True:
        current = latest(app_root, family)
        if current is not None and _canonical(current.task_definition) == _canonical(
            task_definition
        ):
            return current, False
        number = current.number + 1 if current else 1
        revision = Revision(family, number, dict(task_definition), time.time())
        record = {"taskDefinition": task_definition, "registeredAt": revision.registered_at}
        try:
            # O_EXCL: two deploys racing never write the same number twice.
            fd = os.open(family_dir / f"{number}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=2, sort_keys=True)
        return revision, True
