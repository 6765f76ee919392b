"""HK-TD-007: a container that runs as root, or whose user the task definition leaves open."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.taskdef import TaskDefRule, is_placeholder
from hakobu.checks.targets import TaskDefTarget
from hakobu.checks.taxonomy import DesignPoint, Severity

ROOT = frozenset({"root", "0"})


class RootUser(TaskDefRule):
    id = "HK-TD-007"
    title = "Container runs as root, or its user is not set"
    severity = Severity.WARNING  # no user; `user: root` is an error
    design_point = DesignPoint.IMAGE_HYGIENE
    rationale = (
        "A process running as root in the container turns a flaw in the app or a library into "
        "root's rights over everything the container reaches (slide 75, CIS Docker Benchmark "
        "4.1). The task definition's `user` overrides the image's USER: `root` there undoes a "
        "careful Dockerfile, and without it the container runs as whatever the image says, "
        "root for most images not built here (sidecars, agents)."
    )
    fix = (
        'Set `"user": "10001"` (a numeric UID the image needs no passwd entry for; `UID:GID` '
        "works too) on every container, matching the USER of the Dockerfile."
    )

    def check(self, target: TaskDefTarget) -> Iterator[Finding]:
        for path, container in target.containers():
            who = self.name(container, path)
            user = container.get("user")
            if user is None:
                message = f"{who} sets no user: it runs as the image's USER, root by default"
                yield self.missing(target, path, container, "user", message)
            elif _root(user):
                message = f'{who} runs as root (user "{user}")'
                yield self.finding(
                    target, message, json_path=(*path, "user"), severity=Severity.ERROR
                )


def _root(user: object) -> bool:
    """``root``, ``0``, ``0:0``, ``root:staff``; a placeholder is the pipeline's to fill."""
    if not isinstance(user, str) or is_placeholder(user):
        return False
    return user.split(":")[0].strip() in ROOT
