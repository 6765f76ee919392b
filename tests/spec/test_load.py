"""load_task_definition end to end: good fixtures load, every bad one gives one located line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from botocore.validate import validate_parameters

from hakobu.errors import SpecError
from hakobu.spec import LoadedTaskDefinition, load_task_definition

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "taskdefs"
GOOD, BAD = FIXTURES / "good", FIXTURES / "bad"
VALUES = {
    "LOG_LEVEL": "debug",
    "APP_ENV": "local",
    "LOG_GROUP": "/ecs/hello",
    "EXECUTION_ROLE": "ecsTaskExecutionRole",
}

# fixture -> (line, column, field or None, words the message must hold)
BAD_CASES: dict[str, tuple[int, int, str | None, str]] = {
    "invalid-json.json": (10, 7, None, "invalid JSON: Expecting ',' delimiter"),
    "duplicate-key.json": (10, 7, "containerDefinitions[0].image", 'duplicate key "image"'),
    "unknown-field.json": (
        10,
        7,
        "containerDefinitions[0].portMapings",
        'did you mean "portMappings"',
    ),
    "wrong-type.json": (
        11,
        27,
        "containerDefinitions[0].portMappings[0].containerPort",
        'expected an integer, got the string "80"',
    ),
    "task-cpu-number.json": (4, 10, "cpu", 'write "256"'),
    "fargate-size.json": (6, 13, "memory", "with cpu 256 use memory 512, 1024, 2048"),
    "missing-image.json": (7, 5, "containerDefinitions[0].image", "needs an image"),
    "host-port.json": (
        11,
        43,
        "containerDefinitions[0].portMappings[0].hostPort",
        "hostPort 8080 differs from containerPort 80",
    ),
    "stop-timeout.json": (10, 22, "containerDefinitions[0].stopTimeout", "between 2 and 120"),
    "depends-cycle.json": (
        15,
        39,
        "containerDefinitions[1].dependsOn[0].containerName",
        "dependsOn cycle: web -> proxy -> web",
    ),
    "healthy-without-healthcheck.json": (
        10,
        58,
        "containerDefinitions[0].dependsOn[0].condition",
        'HEALTHY needs a healthCheck on "db"',
    ),
    "unresolved.json": (
        12,
        38,
        "containerDefinitions[0].environment[1].value",
        "${API_URL} has no value in environment 'staging'",
    ),
    "not-awsvpc.json": (3, 18, "networkMode", "requires networkMode awsvpc"),
    "enum-typo.json": (
        10,
        58,
        "containerDefinitions[0].dependsOn[0].condition",
        'did you mean "HEALTHY"',
    ),
    "no-essential.json": (6, 27, "containerDefinitions", "no essential container"),
    "console-nulls.json": (6, 14, "ipcMode", "remove the field"),
    "memory-over.json": (5, 13, "memory", "containers reserve 640 MiB"),
    "duplicate-name.json": (
        8,
        14,
        "containerDefinitions[1].name",
        'duplicate container name "web"',
    ),
    "health-range.json": (
        12,
        21,
        "containerDefinitions[0].healthCheck.interval",
        "between 5 and 300",
    ),
    # Describe output: the path is of the unwrapped request, the line is in the wrapped source.
    "describe-wrong-type.json": (8, 53, "containerDefinitions[0].cpu", 'got the string "0"'),
    "not-an-object.json": (1, 1, None, "expected a JSON object"),
}


def botocore_request_shape() -> Any:
    """botocore's own shape, to compare with: hakobu reads the same model file itself."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecs")
    return model.operation_model("RegisterTaskDefinition").input_shape


def load(path: Path) -> LoadedTaskDefinition:
    return load_task_definition(path, values=VALUES, image="hello:abc", env="local")


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first occurrence of ``text`` in ``path``."""
    content = path.read_text()
    return content.count("\n", 0, content.index(text)) + 1


def test_every_bad_fixture_has_a_case() -> None:
    assert sorted(p.name for p in BAD.glob("*.json")) == sorted(BAD_CASES)


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_fixture_gives_one_located_line(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line, column, field, words = BAD_CASES[name]
    shutil.copy(BAD / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)  # messages name the file relative to the working directory
    values = {k: v for k, v in VALUES.items() if k != "API_URL"}
    with pytest.raises(SpecError) as info:
        load_task_definition(Path(name).resolve(), values=values, image=None, env="staging")
    error = info.value
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"{name}:{line}:{column}: "), message
    assert (error.line, error.column, error.field) == (line, column, field)
    assert words in message
    assert error.exit_code == 2


@pytest.mark.parametrize("path", sorted(GOOD.glob("*.json")), ids=lambda p: p.name)
def test_good_fixtures_load_and_are_ready_for_boto3(path: Path) -> None:
    loaded = load(path)
    validate_parameters(loaded.raw, botocore_request_shape())
    assert loaded.model.family == loaded.raw["family"]


def test_describe_output_is_unwrapped() -> None:
    loaded = load_task_definition(GOOD / "describe-output.json", values={}, image=None)
    raw = loaded.raw
    for read_only in (
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
    ):
        assert read_only not in raw
    assert "taskDefinition" not in raw
    assert raw["tags"] == [{"key": "app", "value": "hello"}]
    assert raw["family"] == "hello"
    assert loaded.model.cpu == "512"
    # Lines are the source file's, though paths are those of the unwrapped request.
    assert loaded.line(("family",)) == line_of(GOOD / "describe-output.json", '"family"')
    assert loaded.line(("tags", 0, "key")) == line_of(GOOD / "describe-output.json", '"key": "app"')


def test_templated_fixture_is_rendered() -> None:
    loaded = load_task_definition(
        GOOD / "templated.json", values=VALUES, image="registry/hello:3f2a", env="local"
    )
    app = loaded.model.container("app")
    assert app.image == "registry/hello:3f2a"
    assert dict(app.environment) == {
        "LOG_LEVEL": "debug",
        "GREETING": "hello from local, literal ${HOME}",
        "PRICE": "$5",
    }
    assert app.command == ("sh", "-c", "echo ${HOSTNAME} && exec /app/server")
    assert loaded.raw["executionRoleArn"].endswith(":role/ecsTaskExecutionRole")
    assert app.secrets[0].value_from.startswith("arn:aws:secretsmanager:")
    assert loaded.model.cpu == "1 vCPU"  # as written: ECS converts at registration


def test_aws_docs_example_model() -> None:
    loaded = load_task_definition(GOOD / "aws-docs-webapp.json", values={}, image=None)
    model = loaded.model
    assert [c.name for c in model.start_order()] == ["log_router", "migrate", "envoy", "web"]
    assert model.container("web").health_check is not None
    assert {c.name for c in model.essential_containers} == {"log_router", "envoy", "web"}


def test_missing_image_placeholder_says_to_build() -> None:
    with pytest.raises(SpecError, match="hakobu build") as info:
        load_task_definition(GOOD / "templated.json", values=VALUES, image=None, env="local")
    assert info.value.field == "containerDefinitions[0].image"
    assert info.value.line == 11


def test_missing_file() -> None:
    with pytest.raises(SpecError, match="task definition not found") as info:
        load_task_definition(Path("/nonexistent/taskdef.json"), values={}, image=None)
    assert info.value.file == "/nonexistent/taskdef.json"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "taskdef.json"
    path.write_bytes(b'{"family": "\xff"}')
    with pytest.raises(SpecError, match="UTF-8"):
        load_task_definition(path, values={}, image=None)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "taskdef.json"
    path.write_text("\ufeff" + (GOOD / "minimal.json").read_text(), encoding="utf-8")
    assert load_task_definition(path, values={}, image=None).model.family == "hello"


def test_fargate_rules_follow_the_flag(tmp_path: Path) -> None:
    raw = json.loads((BAD / "not-awsvpc.json").read_text())
    path = tmp_path / "ec2.json"
    path.write_text(json.dumps(raw))
    assert load_task_definition(path, values={}, image=None, fargate=False).model
    raw["requiresCompatibilities"] = ["FARGATE"]
    path.write_text(json.dumps(raw))
    with pytest.raises(SpecError, match="awsvpc"):
        load_task_definition(path, values={}, image=None, fargate=False)


def test_describe_output_with_an_unknown_wrapper_key(tmp_path: Path) -> None:
    path = tmp_path / "described.json"
    wrapped = {"taskDefinition": json.loads((GOOD / "minimal.json").read_text()), "x": 1}
    path.write_text(json.dumps(wrapped, indent=2))
    with pytest.raises(SpecError, match='unknown field "x"') as info:
        load_task_definition(path, values={}, image=None)
    assert info.value.line == line_of(path, '"x"')
