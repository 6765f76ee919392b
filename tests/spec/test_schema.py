"""Validation against botocore's ECS model, checked against botocore's own ParamValidator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

from hakobu.spec.load import read_source
from hakobu.spec.schema import read_only_fields, validate_request

GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "taskdefs" / "good"


def botocore_request_shape() -> Any:
    """botocore's own shape, to compare with: hakobu reads the same model file itself."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecs")
    return model.operation_model("RegisterTaskDefinition").input_shape


def base(**task: Any) -> dict[str, Any]:
    container = task.pop("container", {})
    return {
        "family": "hello",
        "containerDefinitions": [{"name": "web", "image": "nginx:1.27", **container}],
        **task,
    }


def botocore_accepts(raw: dict[str, Any]) -> bool:
    """What `aws ecs register-task-definition --cli-input-json` checks before sending."""
    try:
        validate_parameters(raw, botocore_request_shape())
    except ParamValidationError:
        return False
    return True


@pytest.mark.parametrize("path", sorted(GOOD.glob("*.json")), ids=lambda p: p.name)
def test_good_fixtures_pass_here_and_in_botocore(path: Path) -> None:
    raw = read_source(path).raw  # unwrapped, read-only fields dropped; placeholders are strings
    assert validate_request(raw) == []
    assert botocore_accepts(raw)


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        (base(cpu=256), "cpu", "expected a string, got the number 256"),
        (base(memory=512), "memory", "expected a string, got the number 512"),
        (
            base(container={"portMappings": [{"containerPort": "80"}]}),
            "containerDefinitions[0].portMappings[0].containerPort",
            'expected an integer, got the string "80"',
        ),
        (
            base(container={"essential": "true"}),
            "containerDefinitions[0].essential",
            "expected true or false",
        ),
        (base(ipcMode=None), "ipcMode", "got null"),
        (
            base(container={"command": "npm start"}),
            "containerDefinitions[0].command",
            "expected an array",
        ),
        (
            base(container={"environment": [{"name": "A", "value": 1}]}),
            "containerDefinitions[0].environment[0].value",
            "expected a string, got the number 1",
        ),
        (
            base(container={"memory": 512.0}),
            "containerDefinitions[0].memory",
            "expected an integer, got the number 512.0",
        ),
        (
            base(container={"dockerLabels": {"team": 1}}),
            "containerDefinitions[0].dockerLabels.team",
            "expected a string",
        ),
        ({"family": "hello"}, "containerDefinitions", "required field missing"),
        (
            base(container={"healthCheck": {"interval": 30}}),
            "containerDefinitions[0].healthCheck.command",
            "required field missing",
        ),
    ],
)
def test_type_errors_are_botocore_s(raw: dict[str, Any], field: str, message: str) -> None:
    problems = validate_request(raw)
    assert problems, "expected a problem"
    assert problems[0].field == field
    assert message in problems[0].message
    assert not botocore_accepts(raw)  # the CLI refuses the same input


def test_task_cpu_number_says_what_to_write() -> None:
    (problem,) = validate_request(base(cpu=256))
    assert problem.fix is not None and 'write "256"' in problem.fix


def test_boolean_is_not_an_integer() -> None:
    # ParamValidator lets `true` through (bool is an int in Python); the API refuses it.
    (problem,) = validate_request(base(container={"cpu": True}))
    assert problem.field == "containerDefinitions[0].cpu"
    assert "got true" in problem.message


@pytest.mark.parametrize(
    ("raw", "field", "suggestion"),
    [
        (base(container={"imag": "x"}), "containerDefinitions[0].imag", "image"),
        (
            base(container={"portMapings": []}),
            "containerDefinitions[0].portMapings",
            "portMappings",
        ),
        (base(networkmode="awsvpc"), "networkmode", "networkMode"),
        (base(ContainerDefinitions=[]), "ContainerDefinitions", "containerDefinitions"),
        (
            base(container={"healthCheck": {"command": ["CMD", "true"], "startperiod": 5}}),
            "containerDefinitions[0].healthCheck.startperiod",
            "startPeriod",
        ),
    ],
)
def test_unknown_fields_suggest_the_close_one(
    raw: dict[str, Any], field: str, suggestion: str
) -> None:
    problems = [p for p in validate_request(raw) if "unknown field" in p.message]
    assert problems[0].field == field
    assert problems[0].at_key
    assert problems[0].fix == f'did you mean "{suggestion}"?'
    assert not botocore_accepts(raw)


def test_unknown_field_without_a_close_one_links_the_reference() -> None:
    (problem,) = validate_request(base(container={"zzzqqq": 1}))
    assert problem.fix is not None
    assert "API_ContainerDefinition.html" in problem.fix


@pytest.mark.parametrize(
    ("raw", "field", "fix"),
    [
        (base(networkMode="awsvpcc"), "networkMode", 'did you mean "awsvpc"?'),
        (base(requiresCompatibilities=["fargate"]), "requiresCompatibilities[0]", '"FARGATE"'),
        (
            base(container={"portMappings": [{"containerPort": 80, "protocol": "TCP"}]}),
            "containerDefinitions[0].portMappings[0].protocol",
            '"tcp"',
        ),
    ],
)
def test_enum_values_are_checked(raw: dict[str, Any], field: str, fix: str) -> None:
    (problem,) = validate_request(raw)
    assert problem.field == field
    assert problem.fix is not None and fix in problem.fix


def test_lengths_stated_by_the_model_are_checked() -> None:
    too_many = [{"key": f"k{i}", "value": "v"} for i in range(51)]
    (problem,) = validate_request(base(tags=too_many))
    assert problem.field == "tags"
    assert "between 0 and 50" in (problem.fix or "")
    (problem,) = validate_request(base(tags=[{"key": "", "value": "v"}]))
    assert problem.field == "tags[0].key"


def test_all_problems_are_reported_in_document_order() -> None:
    raw = base(cpu=256, memory=512, container={"imag": "x"})
    assert [p.field for p in validate_request(raw)] == [
        "containerDefinitions[0].imag",
        "cpu",
        "memory",
    ]


def test_read_only_fields_come_from_the_model() -> None:
    fields = read_only_fields()
    for name in (
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
    ):
        assert name in fields
    assert "family" not in fields and "tags" not in fields


def test_not_an_object() -> None:
    (problem,) = validate_request(json.loads("[]"))
    assert problem.field == "(document)"
    assert "expected an object" in problem.message
