"""Validation of a task definition against botocore's ECS model: the schema AWS itself publishes.

The walk follows ``RegisterTaskDefinitionRequest`` (or any other input shape: service definitions
use ``CreateServiceRequest``) and accepts what ``aws ecs register-task-definition
--cli-input-json`` accepts: the type rules are those of
``botocore.validate.ParamValidator`` (the CLI validates with it, and does not coerce: a task
``"cpu": 256`` is refused there, so it is refused here). On top of it, and like the ECS API
does server-side, it checks enum values and maximum lengths, and it names close matches for
unknown fields. Each problem carries its JSON path so the caller can name the line.

One deliberate difference: ParamValidator takes ``true`` for an integer (``bool`` is an ``int`` in
Python) and the API then refuses it at the wire; here it is a type error straight away.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from hakobu.spec.ecs_model import ecs_model
from hakobu.spec.jsonpos import JsonPath
from hakobu.spec.problem import Problem, suggest

_API_REFERENCE = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_{shape}.html"

# Task-level cpu and memory are strings in the API ("256", "1 vCPU", "2 GB"): the one place where
# writing a JSON number is a common mistake, so the fix says exactly what to write.
_STRING_NUMBERS = {("cpu",), ("memory",)}


def service_model() -> Any:
    """botocore's ECS model, loaded once per process (see ecs_model.py for why not via botocore)."""
    return ecs_model()


def request_shape() -> Any:
    return service_model().input_shape("RegisterTaskDefinition")


@functools.cache
def read_only_fields() -> frozenset[str]:
    """Fields ``describe-task-definition`` prints that registration does not take.

    Computed from the model (``TaskDefinition`` members that ``RegisterTaskDefinitionRequest``
    lacks: taskDefinitionArn, revision, status, registeredAt, ...) so new ones are covered.
    """
    return read_only_members("TaskDefinition", request_shape().name)


@functools.cache
def read_only_members(described: str, request: str) -> frozenset[str]:
    """Members of the ``described`` shape (what describe-* prints) that ``request`` lacks."""
    model = service_model()
    request_members = set(model.shape_for(request).members)
    return frozenset(set(model.shape_for(described).members) - request_members)


def validate_request(raw: Any) -> list[Problem]:
    """Every problem of ``raw`` as a ``RegisterTaskDefinition`` request, in document order."""
    return list(_walk(raw, request_shape(), ()))


def validate_shape(raw: Any, shape: str) -> list[Problem]:
    """Every problem of ``raw`` as botocore's shape ``shape`` (``CreateServiceRequest``, ...)."""
    return list(_walk(raw, service_model().shape_for(shape), ()))


def _walk(value: Any, shape: Any, path: JsonPath) -> Iterator[Problem]:
    kind = shape.type_name
    if shape.is_document:
        return  # free-form JSON (a lifecycle hook's hookDetails)
    if kind == "structure":
        yield from _structure(value, shape, path)
    elif kind == "list":
        yield from _list(value, shape, path)
    elif kind == "map":
        yield from _map(value, shape, path)
    elif kind == "string":
        yield from _string(value, shape, path)
    elif kind in ("integer", "long"):
        yield from _integer(value, shape, path)
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            yield _type_problem(value, "a number", path)
    elif kind == "boolean" and not isinstance(value, bool):
        yield _type_problem(value, "true or false", path)
    # blob and timestamp appear only in output shapes; nothing to check for them here.


def _structure(value: Any, shape: Any, path: JsonPath) -> Iterator[Problem]:
    if not isinstance(value, dict):
        yield _type_problem(value, "an object", path)
        return
    members = shape.members
    for name in shape.required_members:
        if name not in value:
            yield Problem((*path, name), "required field missing", fix=f'add "{name}"')
    for name, item in value.items():
        if name in members:
            yield from _walk(item, members[name], (*path, name))
        else:
            yield _unknown_field(name, shape, path)


def _unknown_field(name: str, shape: Any, path: JsonPath) -> Problem:
    suggestion = suggest(name, shape.members)
    if suggestion:
        fix = f'did you mean "{suggestion}"?'
    else:
        fix = f"remove it; {shape.name} fields: {_API_REFERENCE.format(shape=shape.name)}"
    return Problem((*path, name), f'unknown field "{name}"', fix=fix, at_key=True)


def _list(value: Any, shape: Any, path: JsonPath) -> Iterator[Problem]:
    if not isinstance(value, list):
        yield _type_problem(value, "an array", path)
        return
    yield from _length(len(value), shape, path, "items")
    for index, item in enumerate(value):
        yield from _walk(item, shape.member, (*path, index))


def _map(value: Any, shape: Any, path: JsonPath) -> Iterator[Problem]:
    if not isinstance(value, dict):
        yield _type_problem(value, "an object", path)
        return
    for key, item in value.items():
        yield from _string(key, shape.key, (*path, key))
        yield from _walk(item, shape.value, (*path, key))


def _string(value: Any, shape: Any, path: JsonPath) -> Iterator[Problem]:
    if not isinstance(value, str):
        fix = None
        if path in _STRING_NUMBERS and isinstance(value, int) and not isinstance(value, bool):
            fix = f'write "{value}": register-task-definition takes task {path[0]} as a string'
        yield _type_problem(value, "a string", path, fix=fix)
        return
    enum = shape.enum
    if enum and value not in enum:
        close = suggest(value, list(enum))
        fix = f'did you mean "{close}"?' if close else "one of: " + ", ".join(enum)
        yield Problem(path, f'"{value}" is not a valid {shape.name}', fix=fix)
        return
    yield from _length(len(value), shape, path, "characters")


def _integer(value: Any, shape: Any, path: JsonPath) -> Iterator[Problem]:
    if isinstance(value, bool) or not isinstance(value, int):
        fix = None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            fix = f"write {value.strip()} without quotes"
        yield _type_problem(value, "an integer", path, fix=fix)
        return
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        yield Problem(path, f"{value} is out of range", fix=_range_text(low, high))


def _length(length: int, shape: Any, path: JsonPath, unit: str) -> Iterator[Problem]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and length < low) or (high is not None and length > high):
        yield Problem(path, f"has {length} {unit}", fix=f"{_range_text(low, high)} {unit}")


def _range_text(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _type_problem(value: Any, expected: str, path: JsonPath, fix: str | None = None) -> Problem:
    if value is None:
        # Console-exported task definitions are full of nulls, which the CLI refuses.
        fix = "remove the field: the API takes no null, an absent field means the default"
    return Problem(path, f"expected {expected}, got {describe_value(value)}", fix=fix)


def describe_value(value: Any) -> str:
    """A short, type-revealing rendering of a JSON value for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'the string "{shown}"'
    return "an array" if isinstance(value, list) else "an object"
