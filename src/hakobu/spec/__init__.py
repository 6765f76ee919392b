"""Pure models of what hakobu carries: the task definition, its loading, rendering and validation.

``spec`` imports nothing else of hakobu but ``errors``: every other part depends on it.
"""

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
