"""HK-DEP-001: a dependency manifest without a lock file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hakobu.checks.rule import Finding
from hakobu.checks.rules.dependencies import DependencyRule, has_node_lock, has_python_lock
from hakobu.checks.rules.dependencies._requirements import parse_requirements
from hakobu.checks.targets import DependencyTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity, TargetKind
from hakobu.config import find_key_line

NODE_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies")


class NoLockFile(DependencyRule):
    id = "HK-DEP-001"
    title = "Dependencies without a lock file"
    severity = Severity.ERROR
    design_point = DesignPoint.RELEASE_FLOW
    factor = Factor.II
    rationale = (
        "Dependencies are declared explicitly, versions included (slide 65, e.g. `npm ci` with "
        "package-lock.json). A manifest alone (package.json, pyproject.toml, requirements.in) "
        "gives ranges: each build resolves them again, so the image of a commit depends on the "
        "day it is built and staging may not run what production gets. Checked in "
        "repositories that build an image (that have a Dockerfile)."
    )
    fix = (
        "Commit the lock: `npm install` writes package-lock.json (then build with `npm ci`); "
        "`uv lock`, `poetry lock`, or `uv pip compile --generate-hashes requirements.in -o "
        "requirements.txt` for pip."
    )

    def check(self, target: DependencyTarget) -> Iterator[Finding]:
        if target.role != "manifest" or not target.repo.files.get(TargetKind.DOCKERFILE):
            return
        name = target.path.name
        if name == "package.json":
            yield from self._node(target)
        elif name in ("pyproject.toml", "Pipfile"):
            yield from self._python_project(target)
        elif name.lower().endswith(".in"):
            yield from self._requirements_in(target)

    def _node(self, target: DependencyTarget) -> Iterator[Finding]:
        data = target.data if isinstance(target.data, dict) else {}
        section = next((s for s in NODE_SECTIONS if data.get(s)), None)
        if section and not has_node_lock(target.path, target.repo.root):
            message = "package.json has no lock file (package-lock.json): builds resolve anew"
            yield self.finding(target, message, json_path=(section,))

    def _python_project(self, target: DependencyTarget) -> Iterator[Finding]:
        keys = _dependency_keys(target.path.name, target.data)
        if keys and not has_python_lock(target.path):
            line = find_key_line(target.text, keys)
            locks = "Pipfile.lock" if target.path.name == "Pipfile" else "uv.lock, poetry.lock, ..."
            message = f"{target.path.name} has no lock file ({locks})"
            yield self.finding(target, message, line=line)

    def _requirements_in(self, target: DependencyTarget) -> Iterator[Finding]:
        requirements = parse_requirements(target.text)
        compiled = target.path.with_suffix(".txt")
        if requirements and not compiled.is_file():
            message = f"{target.path.name} is not compiled to {compiled.name} (pinned)"
            yield self.finding(target, message, line=requirements[0].line)


def _dependency_keys(name: str, data: Any) -> tuple[str, ...] | None:
    """Where the manifest lists dependencies, when it lists any."""
    if not isinstance(data, dict):
        return None
    if name == "Pipfile":
        return ("packages",) if data.get("packages") else None
    project = data.get("project")
    if isinstance(project, dict) and project.get("dependencies"):
        return ("project", "dependencies")
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    wanted = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if isinstance(wanted, dict) and set(wanted) - {"python"}:
        return ("tool", "poetry", "dependencies")
    return None
