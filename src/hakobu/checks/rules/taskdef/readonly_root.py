"""HK-TD-008: a container whose root filesystem is writable."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.taskdef import TaskDefRule
from hakobu.checks.targets import TaskDefTarget
from hakobu.checks.taxonomy import DesignPoint, Severity


class ReadonlyRootFilesystem(TaskDefRule):
    id = "HK-TD-008"
    title = "Root filesystem is writable"
    severity = Severity.WARNING
    design_point = DesignPoint.IMAGE_HYGIENE
    rationale = (
        "With a writable root filesystem an attacker who gets code execution can change the "
        "app's own files and drop tools (CIS Docker Benchmark 5.12), and the app can quietly "
        "keep state, logs included, in a container that disappears with the task (slides "
        "67, 75). A read-only root makes both impossible: what must be written goes to a "
        "volume, what must be kept goes out as a stream or to a backing service."
    )
    fix = (
        'Set `"readonlyRootFilesystem": true`; give the paths the app must write (a /tmp) a '
        "volume (`mountPoints` with a task `volumes` entry)."
    )

    def check(self, target: TaskDefTarget) -> Iterator[Finding]:
        for path, container in target.containers():
            who = self.name(container, path)
            value = container.get("readonlyRootFilesystem")
            if value is None:
                message = f"{who} has no readonlyRootFilesystem: its root is writable"
                yield self.missing(target, path, container, "readonlyRootFilesystem", message)
            elif value is False:
                message = f"{who} has a writable root filesystem"
                yield self.finding(target, message, json_path=(*path, "readonlyRootFilesystem"))
