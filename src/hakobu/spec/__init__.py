"""Pure models of what hakobu carries: the task definition, its loading, rendering and validation.

``spec`` imports nothing else of hakobu but ``errors``: every other part depends on it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hakobu.spec.fargate import FARGATE_SIZES, check_task_definition, parse_cpu, parse_memory
    from hakobu.spec.jsonpos import JsonPath, Positions, format_path, loads_with_positions
    from hakobu.spec.load import (
        LoadedTaskDefinition,
        SourceDocument,
        load_task_definition,
        read_source,
        validate_task_definition,
    )
    from hakobu.spec.problem import Problem
    from hakobu.spec.render import IMAGE_PLACEHOLDER, substitute
    from hakobu.spec.schema import validate_request
    from hakobu.spec.taskdef import ContainerDefinition, TaskDefinition, parse_task_definition

# Imported on first use: the supervisor needs only the model, not botocore's schema.
_LAZY = {
    "ContainerDefinition": "hakobu.spec.taskdef",
    "FARGATE_SIZES": "hakobu.spec.fargate",
    "IMAGE_PLACEHOLDER": "hakobu.spec.render",
    "JsonPath": "hakobu.spec.jsonpos",
    "LoadedTaskDefinition": "hakobu.spec.load",
    "Positions": "hakobu.spec.jsonpos",
    "Problem": "hakobu.spec.problem",
    "SourceDocument": "hakobu.spec.load",
    "TaskDefinition": "hakobu.spec.taskdef",
    "check_task_definition": "hakobu.spec.fargate",
    "format_path": "hakobu.spec.jsonpos",
    "load_task_definition": "hakobu.spec.load",
    "loads_with_positions": "hakobu.spec.jsonpos",
    "parse_cpu": "hakobu.spec.fargate",
    "parse_memory": "hakobu.spec.fargate",
    "parse_task_definition": "hakobu.spec.taskdef",
    "read_source": "hakobu.spec.load",
    "substitute": "hakobu.spec.render",
    "validate_request": "hakobu.spec.schema",
    "validate_task_definition": "hakobu.spec.load",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "FARGATE_SIZES",
    "IMAGE_PLACEHOLDER",
    "ContainerDefinition",
    "JsonPath",
    "LoadedTaskDefinition",
    "Positions",
    "Problem",
    "SourceDocument",
    "TaskDefinition",
    "check_task_definition",
    "format_path",
    "load_task_definition",
    "loads_with_positions",
    "parse_cpu",
    "parse_memory",
    "parse_task_definition",
    "read_source",
    "substitute",
    "validate_request",
    "validate_task_definition",
]
