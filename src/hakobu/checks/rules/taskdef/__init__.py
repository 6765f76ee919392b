"""Task definition rules: the ``taskdef.json`` the talk's flow registers (slides 55-59).

``TaskDefRule`` is the family's base. Rules read ``target.data`` (the RegisterTaskDefinition
shape, as written: ``<IMAGE1_NAME>`` and ``${NAME}`` stay placeholders) and report with
``self.finding(target, message, json_path=...)``, which points at the offending key's line. A
value of the wrong JSON type is skipped, never a crash: registration (``hakobu render``)
reports those.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hakobu.checks.rule import Finding, Rule
from hakobu.checks.targets import TaskDefTarget
from hakobu.checks.taxonomy import Severity, TargetKind
from hakobu.spec.jsonpos import JsonPath, format_path

# `${NAME}` (hakobu.toml's values), `<IMAGE1_NAME>` (CodeDeploy), `{{ .Env.X }}` (ecspresso).
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[A-Za-z0-9_]+>|\{\{[^}]*\}\}")


class TaskDefRule(Rule[TaskDefTarget]):
    targets = (TargetKind.TASKDEF,)

    def missing(
        self,
        target: TaskDefTarget,
        path: JsonPath,
        container: Mapping[str, Any],
        key: str,
        message: str,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding about ``key`` missing from a container: its JSON path names the key (for
        ``[[check.ignore]]``), its line is the container's ``name``."""
        line, column = anchor(target, path, container)
        json_path = (*path, key)
        return self.finding(
            target, message, line=line, column=column, json_path=json_path, severity=severity
        )

    @staticmethod
    def name(container: Mapping[str, Any], path: JsonPath) -> str:
        """``container "app"``, or its path when it has no name."""
        name = container.get("name")
        return f'container "{name}"' if isinstance(name, str) else format_path(path)


def is_placeholder(value: Any) -> bool:
    """A value the pipeline fills in: its real value is not in the repository."""
    return isinstance(value, str) and bool(_PLACEHOLDER.search(value))


def essential(container: Mapping[str, Any]) -> bool:
    """ECS's default: a container is essential unless it says otherwise."""
    return container.get("essential", True) is not False


def runs_on_fargate(data: Any) -> bool:
    """FARGATE listed, or no launch type said at all (the talk's platform, and hakobu's)."""
    if not isinstance(data, dict):
        return False
    wanted = data.get("requiresCompatibilities")
    return not isinstance(wanted, list) or not wanted or "FARGATE" in wanted


def anchor(
    target: TaskDefTarget, path: JsonPath, container: Mapping[str, Any]
) -> tuple[int | None, int | None]:
    """Where to report a key a container lacks: its ``name`` (else the container itself)."""
    return target.locate((*path, "name") if "name" in container else path)
