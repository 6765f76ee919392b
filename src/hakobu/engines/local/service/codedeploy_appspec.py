"""Reading a CodeDeploy AppSpec file (YAML or JSON) with the position of every value, so that
each problem ``spec.appspec.validate_appspec`` finds is an error naming its line."""

from __future__ import annotations

from dataclasses import dataclass
from json import JSONDecodeError
from pathlib import Path
from typing import Any, Protocol

from hakobu.checks.yamlpos import YamlSyntaxError, load_yaml_with_positions
from hakobu.errors import SpecError
from hakobu.spec.appspec import APPSPEC_NAMES, AppSpec, parse_appspec, validate_appspec
from hakobu.spec.jsonpos import JsonPath, loads_with_positions
from hakobu.spec.load import display_path
from hakobu.spec.taskdef import TaskDefinition


@dataclass(frozen=True)
class LoadedAppSpec:
    path: Path
    display: str
    raw: dict[str, Any]
    model: AppSpec


class _Positions(Protocol):
    def line_col(self, path: JsonPath, *, key: bool = False) -> tuple[int, int]: ...


def find_appspec(root: Path, configured: Path | None) -> Path | None:
    """The configured file, else the first of appspec.yaml, appspec.yml, appspec.json."""
    if configured is not None:
        return configured
    return next((root / n for n in APPSPEC_NAMES if (root / n).is_file()), None)


def load_appspec(path: Path, task: TaskDefinition | None = None) -> LoadedAppSpec:
    """Read and validate the AppSpec at ``path`` (against ``task`` when given); ``SpecError``."""
    display = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise SpecError(
            f"cannot read the AppSpec file: {e.strerror}",
            file=display,
            fix="write appspec.yaml beside hakobu.toml, or set [service.codedeploy] appspec",
        ) from e
    except UnicodeDecodeError as e:
        raise SpecError(
            f"not UTF-8 text (byte {e.start}: {e.reason})", file=display, fix="save it as UTF-8"
        ) from e
    raw, positions = _parse(text, display, json=path.suffix == ".json")
    problems = validate_appspec(raw, task)
    if problems:
        problem = problems[0]
        line, column = positions.line_col(problem.path, key=problem.at_key)
        raise SpecError(
            problem.message,
            file=display,
            line=line,
            column=column,
            field=problem.field,
            fix=problem.fix,
        )
    return LoadedAppSpec(path, display, raw, parse_appspec(raw))


def _parse(text: str, display: str, *, json: bool) -> tuple[Any, _Positions]:
    try:
        if json:
            return loads_with_positions(text)
        return load_yaml_with_positions(text)
    except JSONDecodeError as e:
        raise SpecError(
            f"invalid JSON: {e.msg}", file=display, line=e.lineno, column=e.colno
        ) from e
    except YamlSyntaxError as e:
        raise SpecError(
            f"invalid YAML: {e.message}", file=display, line=e.line, column=e.column
        ) from e
    except ValueError as e:  # a duplicate JSON key
        raise SpecError(f"invalid JSON: {e}", file=display) from e
