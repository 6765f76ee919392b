"""Read and parse one file into its target, or say where it cannot be parsed.

A file that cannot be read or parsed is never an exception here: it becomes a ``ParseFailure``
with the file, line and column, which the runner reports as an ``HK-PARSE`` error while the rest
of the repository is still checked.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from json import JSONDecodeError
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from hakobu.checks.discovery import dependency_file
from hakobu.checks.dockerfile import DockerfileSyntaxError, parse_dockerfile
from hakobu.checks.targets import (
    AppspecTarget,
    BuildspecTarget,
    DependencyTarget,
    DockerfileTarget,
    NodeSourceTarget,
    PythonSourceTarget,
    Target,
    TaskDefTarget,
)
from hakobu.checks.taxonomy import TargetKind
from hakobu.checks.yamlpos import YamlSyntaxError, load_yaml_with_positions
from hakobu.spec.jsonpos import DuplicateKeyError, Positions, loads_with_positions

if TYPE_CHECKING:
    from hakobu.checks.repository import Repository

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_PYTHON = f"Python {sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class ParseFailure:
    file: str
    message: str
    line: int | None = None
    column: int | None = None


class _Failed(Exception):
    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def load_target(kind: TargetKind, path: Path, repo: Repository) -> Target | ParseFailure:
    """The target of ``kind`` for ``path``, or where and why it cannot be parsed."""
    file = repo.relative(path)
    try:
        text = _read(path)
        return _LOADERS[kind](path, file, repo, text)
    except _Failed as e:
        return ParseFailure(file, e.message, e.line, e.column)


def _read(path: Path) -> str:
    try:
        # utf-8-sig: editors on Windows write a BOM that parsers would take as content.
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise _Failed("not UTF-8 text (save it as UTF-8)") from e
    except OSError as e:
        raise _Failed(f"cannot read: {e.strerror or e}") from e


def _dockerfile(path: Path, file: str, repo: Repository, text: str) -> Target:
    try:
        parsed = parse_dockerfile(text)
    except DockerfileSyntaxError as e:
        raise _Failed(f"invalid Dockerfile: {e.message}", e.line, e.column) from e
    return DockerfileTarget(path, file, repo, text, parsed)


def _taskdef(path: Path, file: str, repo: Repository, text: str) -> Target:
    doc, positions = _json(text)
    if not isinstance(doc, dict):
        raise _Failed("expected a JSON object (a task definition)", 1, 1)
    wrapped = isinstance(doc.get("taskDefinition"), dict)
    if wrapped:  # describe-task-definition output
        doc = doc["taskDefinition"]
        positions = positions.rebased(lambda p: ("taskDefinition", *p))
    return TaskDefTarget(path, file, repo, text, doc, positions, wrapped)


def _json(text: str) -> tuple[Any, Positions]:
    try:
        return loads_with_positions(text)
    except JSONDecodeError as e:
        raise _Failed(f"invalid JSON: {e.msg}", e.lineno, e.colno) from e
    except DuplicateKeyError as e:
        where = Positions(text)
        line, column = where.offset_line_col(e.pos)
        first = where.offset_line_col(e.first)[0]
        raise _Failed(f'duplicate key "{e.key}" (first on line {first})', line, column) from e
    except RecursionError as e:
        raise _Failed("JSON nested too deeply") from e


def _yaml(text: str) -> tuple[Any, Any]:
    try:
        return load_yaml_with_positions(text)
    except YamlSyntaxError as e:
        raise _Failed(f"invalid YAML: {e.message}", e.line, e.column) from e


def _buildspec(path: Path, file: str, repo: Repository, text: str) -> Target:
    return BuildspecTarget(path, file, repo, text, *_yaml(text))


def _appspec(path: Path, file: str, repo: Repository, text: str) -> Target:
    return AppspecTarget(path, file, repo, text, *_yaml(text))


def _python(path: Path, file: str, repo: Repository, text: str) -> Target:
    try:
        tree = ast.parse(text, filename=file)
    except SyntaxError as e:
        message = f"invalid Python (as {_PYTHON} reads it): {e.msg}"
        raise _Failed(message, e.lineno, e.offset) from e
    except (ValueError, RecursionError, MemoryError) as e:  # null bytes, absurd nesting
        raise _Failed(f"cannot parse as Python: {e}") from e
    return PythonSourceTarget(path, file, repo, text, tree)


def _node(path: Path, file: str, repo: Repository, text: str) -> Target:
    return NodeSourceTarget(path, file, repo, text)


def _dependencies(path: Path, file: str, repo: Repository, text: str) -> Target:
    known = dependency_file(path.name)
    ecosystem, role, form = known or ("python", "manifest", "text")
    data: Any = None
    positions = None
    if form == "json":
        data, positions = _json(text)
    elif form == "toml":
        data = _toml(text)
    elif form == "yaml":
        data = _yaml_fast(text)
    return DependencyTarget(path, file, repo, text, ecosystem, role, data, positions)


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        match = _TOML_POSITION.search(str(e))
        message = _TOML_POSITION.sub("", str(e)).strip()
        line, column = (int(match[1]), int(match[2])) if match else (None, None)
        raise _Failed(f"invalid TOML: {message}", line, column) from e


def _yaml_fast(text: str) -> Any:
    """Lock files can be large and need no positions: libyaml's loader when it is there."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise _Failed(f"invalid YAML: {e.problem or e}", line, column) from e
    except yaml.YAMLError as e:
        raise _Failed(f"invalid YAML: {e}") from e


_Loader = Callable[[Path, str, "Repository", str], Target]
_LOADERS: dict[TargetKind, _Loader] = {
    TargetKind.DOCKERFILE: _dockerfile,
    TargetKind.TASKDEF: _taskdef,
    TargetKind.BUILDSPEC: _buildspec,
    TargetKind.APPSPEC: _appspec,
    TargetKind.SOURCE_PYTHON: _python,
    TargetKind.SOURCE_NODE: _node,
    TargetKind.DEPENDENCIES: _dependencies,
}
