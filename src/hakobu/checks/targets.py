"""What rules read: one parsed file (or the repository itself) per target.

Every target knows its path, its name relative to the repository's root (``file``, which
findings carry) and the ``Repository`` it belongs to, so a rule can look at related files (the
task definitions that run a Dockerfile's image, the ``.dockerignore`` of its build context).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from hakobu.checks.dockerfile import Dockerfile
from hakobu.checks.taxonomy import TargetKind
from hakobu.spec.jsonpos import JsonPath

if TYPE_CHECKING:
    from hakobu.checks.repository import Repository


class Locator(Protocol):
    """``jsonpos.Positions`` and ``yamlpos.YamlPositions`` both answer this."""

    def line_col(self, path: JsonPath, *, key: bool = False) -> tuple[int, int]: ...


@dataclass(frozen=True, eq=False)
class Target:
    kind: ClassVar[TargetKind]
    path: Path  # absolute
    file: str  # POSIX, relative to the repository's root: what findings name
    repo: Repository = field(repr=False)

    def locate(self, json_path: JsonPath) -> tuple[int | None, int | None]:
        """Line and column of ``json_path`` in the file; (None, None) where paths mean nothing."""
        return None, None


@dataclass(frozen=True, eq=False)
class DockerfileTarget(Target):
    kind: ClassVar[TargetKind] = TargetKind.DOCKERFILE
    text: str
    dockerfile: Dockerfile


@dataclass(frozen=True, eq=False)
class _StructuredTarget(Target):
    """A JSON or YAML document, with the position of every value and key."""

    text: str
    data: Any
    positions: Locator = field(repr=False)

    def locate(self, json_path: JsonPath) -> tuple[int | None, int | None]:
        # The key's line: for `"privileged": true` the finding points at `"privileged"`.
        return self.positions.line_col(json_path, key=True)


@dataclass(frozen=True, eq=False)
class TaskDefTarget(_StructuredTarget):
    """A task definition as written: ``data`` is the ``RegisterTaskDefinition`` shape.

    The ``{"taskDefinition": ...}`` wrapper of describe output is unwrapped (``wrapped``), and
    ``positions`` is rebased so paths of ``data`` point into the file. Placeholders
    (``<IMAGE1_NAME>``, ``${NAME}``) stay as written: rules see what the repository holds.
    """

    kind: ClassVar[TargetKind] = TargetKind.TASKDEF
    wrapped: bool = False

    def containers(self) -> list[tuple[JsonPath, dict[str, Any]]]:
        """Each container definition that is an object, with its path."""
        found = self.data.get("containerDefinitions") if isinstance(self.data, dict) else None
        if not isinstance(found, list):
            return []
        return [
            (("containerDefinitions", index), item)
            for index, item in enumerate(found)
            if isinstance(item, dict)
        ]


@dataclass(frozen=True, eq=False)
class BuildspecTarget(_StructuredTarget):
    kind: ClassVar[TargetKind] = TargetKind.BUILDSPEC


@dataclass(frozen=True, eq=False)
class AppspecTarget(_StructuredTarget):
    kind: ClassVar[TargetKind] = TargetKind.APPSPEC


@dataclass(frozen=True, eq=False)
class PythonSourceTarget(Target):
    kind: ClassVar[TargetKind] = TargetKind.SOURCE_PYTHON
    text: str
    tree: ast.Module = field(repr=False)


@dataclass(frozen=True, eq=False)
class NodeSourceTarget(Target):
    """JavaScript or TypeScript, as text: Python has no parser for it (a rule brings its own)."""

    kind: ClassVar[TargetKind] = TargetKind.SOURCE_NODE
    text: str


@dataclass(frozen=True, eq=False)
class DependencyTarget(Target):
    """A dependency manifest or lock file.

    ``ecosystem`` is ``python`` or ``node``; ``role`` is ``manifest`` (what is wanted:
    requirements.in, pyproject.toml, package.json) or ``lock`` (what is pinned:
    requirements.txt, poetry.lock, package-lock.json, ...). ``data`` is the parsed document for
    JSON, TOML and YAML files, None for line-based ones; ``positions`` exists for JSON only.
    """

    kind: ClassVar[TargetKind] = TargetKind.DEPENDENCIES
    text: str
    ecosystem: str
    role: str
    data: Any = None
    positions: Locator | None = field(default=None, repr=False)

    def locate(self, json_path: JsonPath) -> tuple[int | None, int | None]:
        if self.positions is None:
            return None, None
        return self.positions.line_col(json_path, key=True)


@dataclass(frozen=True, eq=False)
class RepositoryTarget(Target):
    """The repository as a whole, for rules about what is there (or missing)."""

    kind: ClassVar[TargetKind] = TargetKind.REPOSITORY
