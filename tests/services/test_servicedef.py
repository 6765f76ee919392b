"""Service definitions: CreateService's shape, ECS's rules, and the task definition they run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters
from tests.services.conftest import MakeService, web_container

from hakobu.errors import SpecError
from hakobu.spec.schema import validate_shape
from hakobu.spec.service import (
    CircuitBreaker,
    DeploymentConfiguration,
    load_service_definition,
    parse_service_definition,
)
from hakobu.spec.taskdef import parse_task_definition

TASK = parse_task_definition(
    {
        "family": "web",
        "containerDefinitions": [
            {"name": "app", "image": "x", "portMappings": [{"containerPort": 8080}]},
            {"name": "side", "image": "y", "essential": False},
        ],
    }
)

GOOD: dict[str, Any] = {
    "serviceName": "web",
    "desiredCount": 3,
    "deploymentConfiguration": {
        "minimumHealthyPercent": 100,
        "maximumPercent": 200,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    },
    "loadBalancers": [{"containerName": "app", "containerPort": 8080}],
    "healthCheckGracePeriodSeconds": 10,
}


def write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "servicedef.json"
    path.write_text(json.dumps(doc, indent=2) if not isinstance(doc, str) else doc)
    return path


def botocore_shape() -> Any:
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecs")
    return model.operation_model("CreateService").input_shape


def test_good_definition_loads_and_botocore_agrees(tmp_path: Path) -> None:
    loaded = load_service_definition(write(tmp_path, GOOD), values={}, task=TASK)
    validate_parameters(loaded.raw, botocore_shape())  # what create-service --cli-input-json takes
    service = loaded.model
    assert service.name == "web" and service.desired_count == 3
    assert service.load_balancer is not None and service.load_balancer.container_port == 8080
    assert service.deployment.circuit_breaker == CircuitBreaker(enable=True, rollback=True)
    assert service.health_check_grace_period == 10


def test_defaults_are_ecs_defaults() -> None:
    service = parse_service_definition({"serviceName": "web", "desiredCount": 2})
    assert service.deployment.minimum_healthy_percent == 100
    assert service.deployment.maximum_percent == 200
    assert service.deployment.circuit_breaker.enable is False
    assert service.controller == "ECS" and service.health_check_grace_period == 0


@pytest.mark.parametrize(
    ("desired", "threshold"),
    [(1, 3), (2, 3), (6, 3), (7, 4), (10, 5), (399, 200), (400, 200), (1000, 200)],
)
def test_circuit_breaker_threshold_is_half_the_desired_count_within_3_and_200(
    desired: int, threshold: int
) -> None:
    assert CircuitBreaker(enable=True).threshold(desired) == threshold


def test_threshold_configuration_types() -> None:
    assert CircuitBreaker(threshold_type="COUNT", threshold_value=1).threshold(50) == 1
    assert CircuitBreaker(threshold_type="UNBOUNDED_PERCENT", threshold_value=50).threshold(2) == 1
    assert (
        CircuitBreaker(threshold_type="UNBOUNDED_PERCENT", threshold_value=50).threshold(1000)
        == 500
    )


@pytest.mark.parametrize(
    ("desired", "low", "high", "floor", "ceiling"),
    [
        (4, 50, 200, 2, 8),
        (3, 100, 200, 3, 6),
        (3, 50, 100, 2, 3),
        (1, 0, 100, 0, 1),
        (5, 75, 150, 4, 7),
    ],
)
def test_percentages_round_as_ecs(
    desired: int, low: int, high: int, floor: int, ceiling: int
) -> None:
    config = DeploymentConfiguration(minimum_healthy_percent=low, maximum_percent=high)
    assert config.minimum_healthy_tasks(desired) == floor  # rounded up
    assert config.maximum_tasks(desired) == ceiling  # rounded down


BAD: list[tuple[dict[str, Any], int, str, str]] = [
    ({"desiredCount": 1}, 1, "serviceName", "required field missing"),
    ({**GOOD, "desiredCont": 1}, 19, "desiredCont", 'did you mean "desiredCount"'),
    ({**GOOD, "desiredCount": "3"}, 3, "desiredCount", "expected an integer"),
    ({"serviceName": "web"}, 1, "desiredCount", "required field missing"),
    ({**GOOD, "desiredCount": -1}, 3, "desiredCount", "negative"),
    (
        {**GOOD, "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 100}},
        6,
        "deploymentConfiguration.maximumPercent",
        "can neither start a new task nor stop an old one",
    ),
    (
        {**GOOD, "deploymentConfiguration": {"minimumHealthyPercent": 150}},
        5,
        "deploymentConfiguration.minimumHealthyPercent",
        "not a percentage",
    ),
    (
        {**GOOD, "loadBalancers": [{"containerName": "nope", "containerPort": 8080}]},
        14,
        "loadBalancers[0].containerName",
        'no container "nope"',
    ),
    (
        {**GOOD, "loadBalancers": [{"containerName": "app", "containerPort": 80}]},
        15,
        "loadBalancers[0].containerPort",
        "has no portMappings containerPort 80 (it maps: 8080)",
    ),
    (
        {
            **GOOD,
            "loadBalancers": [
                {"loadBalancerName": "clb", "containerName": "app", "containerPort": 8080}
            ],
        },
        14,
        "loadBalancers[0].loadBalancerName",
        "Classic Load Balancer",
    ),
    (
        {**GOOD, "deploymentConfiguration": {"strategy": "BLUE_GREEN"}},
        4,
        "deploymentConfiguration.bakeTimeInMinutes",
        "required field missing",
    ),
    (
        {
            "serviceName": "web",
            "desiredCount": 1,
            "deploymentConfiguration": {"strategy": "CANARY"},
        },
        5,
        "deploymentConfiguration.strategy",
        "the service has none",
    ),
    (
        {
            **GOOD,
            "deploymentConfiguration": {
                "strategy": "BLUE_GREEN",
                "bakeTimeInMinutes": 1,
                "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}],
            },
        },
        9,
        "deploymentConfiguration.lifecycleHooks[0].targetType",
        "ContinueServiceDeployment",
    ),
    (
        {**GOOD, "deploymentController": {"type": "EXTERNAL"}},
        20,
        "deploymentController.type",
        "not run locally yet",
    ),
    ({**GOOD, "launchType": "EC2"}, 19, "launchType", "as on Fargate"),
    ({**GOOD, "taskDefinition": "other:3"}, 19, "taskDefinition", "not the family"),
]


@pytest.mark.parametrize(("doc", "line", "field", "words"), BAD)
def test_bad_definitions_name_line_field_and_fix(
    tmp_path: Path, doc: dict[str, Any], line: int, field: str, words: str
) -> None:
    with pytest.raises(SpecError) as caught:
        load_service_definition(write(tmp_path, doc), values={}, task=TASK)
    error = caught.value
    assert error.field == field
    assert words in str(error)
    assert error.line == line, str(error)


def test_schema_problems_agree_with_botocore() -> None:
    wrong = {"serviceName": "web", "desiredCount": "3"}
    assert validate_shape(wrong, "CreateServiceRequest")
    with pytest.raises(ParamValidationError):
        validate_parameters(wrong, botocore_shape())


@pytest.mark.parametrize(
    ("config", "steps"),
    [
        ({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2}, [(100.0, 2)]),
        (
            {
                "strategy": "CANARY",
                "bakeTimeInMinutes": 1,
                "canaryConfiguration": {"canaryPercent": 10.0},
            },
            [(10.0, 10), (100.0, 1)],
        ),
        (
            {
                "strategy": "LINEAR",
                "linearConfiguration": {"stepPercent": 30.0, "stepBakeTimeInMinutes": 1},
            },
            [(30.0, 1), (60.0, 1), (90.0, 1), (100.0, 0)],
        ),
        ({"strategy": "LINEAR"}, [(float(p), 6) for p in range(10, 100, 10)] + [(100.0, 0)]),
    ],
)
def test_traffic_steps(config: dict[str, Any], steps: list[tuple[float, int]]) -> None:
    service = parse_service_definition(
        {"serviceName": "web", "desiredCount": 1, "deploymentConfiguration": config}
    )
    assert service.deployment.traffic_steps() == steps


def test_hook_details_are_free_form(tmp_path: Path) -> None:
    doc = {
        **GOOD,
        "deploymentConfiguration": {
            "strategy": "BLUE_GREEN",
            "bakeTimeInMinutes": 0,
            "lifecycleHooks": [
                {
                    "hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:check",
                    "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                    "hookDetails": {"path": "/health", "anything": [1, 2]},
                }
            ],
        },
    }
    loaded = load_service_definition(write(tmp_path, doc), values={}, task=TASK)
    [hook] = loaded.model.deployment.hooks
    assert hook.stages == ("POST_TEST_TRAFFIC_SHIFT",) and hook.details["path"] == "/health"


def test_describe_services_output_is_accepted(tmp_path: Path) -> None:
    described = {
        **GOOD,
        "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/default/web",
        "status": "ACTIVE",
        "runningCount": 3,
        "events": [],
        "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
    }
    loaded = load_service_definition(write(tmp_path, described), values={}, task=TASK)
    assert "serviceArn" not in loaded.raw and "events" not in loaded.raw


def test_values_are_substituted(tmp_path: Path) -> None:
    doc = {**GOOD, "serviceName": "${NAME}"}
    loaded = load_service_definition(write(tmp_path, doc), values={"NAME": "api"}, task=TASK)
    assert loaded.model.name == "api"


def test_missing_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"service_definition in hakobu\.toml"):
        load_service_definition(tmp_path / "nope.json", values={})


def test_deploy_refuses_a_bad_log_configuration_before_starting_anything(
    make_service: MakeService,
) -> None:
    """As `hakobu up` does: an option the awslogs driver does not have is bad input (exit 2),
    found before any task or controller starts (a --dry-run: nothing may run)."""
    app = make_service()
    options = {"awslogs-group": "/ecs/web", "awslogs-stream-prefix": "web", "awslogs-colour": "y"}
    app.write_task(
        web_container("v1", logConfiguration={"logDriver": "awslogs", "options": options})
    )
    result = app.hakobu("deploy", "--dry-run")
    assert result.returncode == 2, result.stderr
    assert "awslogs-colour" in result.stderr and "taskdef.json" in result.stderr
    assert "Traceback" not in result.stderr
    assert not app.service_dir.exists()
