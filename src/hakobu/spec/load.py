"""Load a task definition file: the one entry point the rest of hakobu calls.

Order: read the file, parse JSON with positions, unwrap ``describe-task-definition`` output,
substitute per environment, validate against botocore's schema, apply the registration (and
Fargate) rules, build the typed model. Every step reports the first problem as a ``SpecError``
naming the file, the line and column in the *source* text, and the JSON path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from json import JSONDecodeError
from pathlib import Path
from typing import Any

from hakobu.errors import SpecError
from hakobu.spec.fargate import check_task_definition
from hakobu.spec.jsonpos import (
    DuplicateKeyError,
    JsonPath,
    Positions,
    format_path,
    loads_with_positions,
)
from hakobu.spec.problem import Problem
from hakobu.spec.render import substitute
from hakobu.spec.schema import read_only_fields, validate_request
from hakobu.spec.taskdef import TaskDefinition, parse_task_definition

# The keys of `aws ecs describe-task-definition` output.
_DESCRIBE_KEYS = ("taskDefinition", "tags")


@dataclass(frozen=True)
class SourceDocument:
    """A parsed task definition file, unwrapped to ``RegisterTaskDefinition`` shape, unrendered."""

    path: Path
    display: str  # the file as messages name it (relative to the working directory when inside)
    raw: dict[str, Any]
    positions: Positions  # keyed by paths of ``raw``, pointing into the source text

    def error(self, problem: Problem) -> SpecError:
        line, column = self.positions.line_col(problem.path, key=problem.at_key)
        return SpecError(
            problem.message,
            file=self.display,
            line=line,
            column=column,
            field=problem.field,
            fix=problem.fix,
        )


@dataclass(frozen=True)
class LoadedTaskDefinition:
    """A rendered, validated task definition.

    ``raw`` is ready for ``register_task_definition(**raw)`` and for ``--cli-input-json``;
    ``positions`` maps paths of ``raw`` to the source file, for later findings.
    """

    path: Path
    display: str
    raw: dict[str, Any]
    model: TaskDefinition
    positions: Positions = field(repr=False)

    def line(self, path: JsonPath, *, key: bool = False) -> int:
        return self.positions.line(path, key=key)


def load_task_definition(
    path: Path,
    *,
    values: Mapping[str, str],
    image: str | None,
    env: str | None = None,
    fargate: bool = True,
) -> LoadedTaskDefinition:
    """Read, render for ``env`` and validate the task definition at ``path``.

    ``values`` fill ``${NAME}``, ``image`` fills ``<IMAGE1_NAME>``. With ``fargate=True`` the
    Fargate rules apply whatever the file says (local runs emulate Fargate); with ``False`` only
    when its ``requiresCompatibilities`` lists FARGATE, as ECS does. Raises ``SpecError``.
    """
    source = read_source(path)
    rendered, problems = substitute(source.raw, values=values, image=image, env=env)
    problems = problems or validate_task_definition(rendered, fargate=fargate)
    if problems:
        raise source.error(problems[0])
    return LoadedTaskDefinition(
        path=source.path,
        display=source.display,
        raw=rendered,
        model=parse_task_definition(rendered),
        positions=source.positions,
    )


def validate_task_definition(raw: Any, *, fargate: bool) -> list[Problem]:
    """Schema problems; when there are none, the registration and Fargate rule problems.

    The rules read fields by type, so they only run on a document whose types are right.
    """
    problems = validate_request(raw)
    if problems:
        return problems
    return check_task_definition(raw, fargate=fargate)


def read_source(path: Path) -> SourceDocument:
    """Read and parse ``path``; unwrap describe output and drop its read-only fields."""
    return _unwrap(read_document(path))


def read_document(
    path: Path, *, kind: str = "task definition", setting: str = "task_definition"
) -> SourceDocument:
    """Read and parse the JSON object at ``path`` with positions; ``kind`` names it in messages
    and ``setting`` is the hakobu.toml key that points at it."""
    display = display_path(path)
    text = _read_text(path, display, kind, setting)
    try:
        doc, positions = loads_with_positions(text)
    except JSONDecodeError as e:
        raise SpecError(
            f"invalid JSON: {e.msg}", file=display, line=e.lineno, column=e.colno
        ) from e
    except DuplicateKeyError as e:
        where = Positions(text)
        line, column = where.offset_line_col(e.pos)
        first = where.offset_line_col(e.first)[0]
        raise SpecError(
            f'duplicate key "{e.key}" (first on line {first})',
            file=display,
            line=line,
            column=column,
            field=format_path(e.path),
            fix="keep one: JSON tools silently drop all but the last",
        ) from e
    except RecursionError as e:
        raise SpecError("JSON nested too deeply", file=display) from e
    if not isinstance(doc, dict):
        raise SpecError(f"expected a JSON object (a {kind})", file=display, line=1, column=1)
    return SourceDocument(path, display, doc, positions)


def _unwrap(source: SourceDocument) -> SourceDocument:
    """``{"taskDefinition": {...}, "tags": [...]}`` -> the request; read-only fields dropped."""
    doc, positions = source.raw, source.positions
    if isinstance(doc.get("taskDefinition"), dict):
        for key in doc:
            if key not in _DESCRIBE_KEYS:
                message = f'unknown field "{key}" beside "taskDefinition"'
                raise source.error(Problem((key,), message, fix="remove it", at_key=True))
        request = dict(doc["taskDefinition"])
        outer_tags = bool(doc.get("tags")) and "tags" not in request
        if outer_tags:
            request["tags"] = doc["tags"]
        positions = positions.rebased(
            lambda p: p if outer_tags and p[:1] == ("tags",) else ("taskDefinition", *p)
        )
        doc = request
    read_only = read_only_fields()
    raw = {k: v for k, v in doc.items() if k not in read_only}
    return SourceDocument(source.path, source.display, raw, positions)


def _read_text(path: Path, display: str, kind: str, setting: str) -> str:
    try:
        # utf-8-sig: editors on Windows write a BOM that json.loads would refuse.
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        raise SpecError(
            f"{kind} not found",
            file=display,
            fix=f"check the path ({setting} in hakobu.toml)",
        ) from e
    except UnicodeDecodeError as e:
        raise SpecError("not UTF-8 text", file=display, fix="save the file as UTF-8") from e
    except OSError as e:
        raise SpecError(f"cannot read: {e.strerror}", file=display) from e


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when inside it, for short messages."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative
