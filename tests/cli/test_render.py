"""`hakobu render` through main(): JSON on stdout, or one error line on stderr and exit code 2."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from hakobu.build_record import BuildRecord, write_build_record
from hakobu.cli import main as cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "taskdefs"
CONFIG = """[app]
name = "hello"

[values]
LOG_GROUP = "/ecs/hello"
EXECUTION_ROLE = "ecsTaskExecutionRole"
LOG_LEVEL = "info"

[environments.local]
values = { LOG_LEVEL = "debug", APP_ENV = "local" }

[environments.staging]
values = { APP_ENV = "staging" }

[environments.prod]
"""
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "hello"
    directory.mkdir()
    (directory / "hakobu.toml").write_text(CONFIG)
    shutil.copy(FIXTURES / "good" / "templated.json", directory / "taskdef.json")
    monkeypatch.chdir(tmp_path)  # restored after the test, though -C changes directory
    return directory


@pytest.fixture
def run(app_dir: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = cli.main(["-C", str(app_dir), "render", *argv])
        except SystemExit as e:  # argparse errors
            code = int(e.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def built(app_dir: Path, image: str = "hello:3f2a1c9") -> None:
    write_build_record(
        app_dir,
        BuildRecord(
            image=image,
            image_id="sha256:" + "a" * 64,
            digest=None,
            commit="3f2a1c9",
            dirty=False,
            built_at="2024-05-02T10:11:12Z",
        ),
    )


def test_renders_local_with_the_built_image(run: Run, app_dir: Path) -> None:
    built(app_dir)
    code, out, err = run()
    assert (code, err) == (0, "")
    rendered = json.loads(out)
    app = rendered["containerDefinitions"][0]
    assert app["image"] == "hello:3f2a1c9"
    assert {e["name"]: e["value"] for e in app["environment"]} == {
        "LOG_LEVEL": "debug",
        "GREETING": "hello from local, literal ${HOME}",
        "PRICE": "$5",
    }
    assert app["logConfiguration"]["options"]["awslogs-group"] == "/ecs/hello"
    assert out.startswith('{\n  "family": "hello",')  # indent 2, the file's key order


def test_secrets_appear_only_as_value_from(run: Run, app_dir: Path) -> None:
    built(app_dir)
    _, out, _ = run()
    (secret,) = json.loads(out)["containerDefinitions"][0]["secrets"]
    assert set(secret) == {"name", "valueFrom"}


def test_env_and_image_options(run: Run) -> None:
    code, out, err = run("--env", "staging", "--image", "registry/hello:v2")
    assert (code, err) == (0, "")
    app = json.loads(out)["containerDefinitions"][0]
    assert app["image"] == "registry/hello:v2"
    assert {e["name"]: e["value"] for e in app["environment"]}["LOG_LEVEL"] == "info"


def test_image_option_overrides_the_build(run: Run, app_dir: Path) -> None:
    built(app_dir)
    _, out, _ = run("--image", "other:1")
    assert json.loads(out)["containerDefinitions"][0]["image"] == "other:1"


def test_before_any_build(run: Run) -> None:
    code, out, err = run()
    assert (code, out) == (2, "")
    assert err.startswith("hakobu: error: taskdef.json:11:")
    assert "run `hakobu build` first, or pass --image IMAGE" in err


def test_unresolved_value_names_environment(run: Run) -> None:
    code, _, err = run("--env", "prod", "--image", "x")
    assert code == 2
    assert err.count("\n") == 1
    assert "taskdef.json:16:" in err
    assert "containerDefinitions[0].environment[1].value" in err
    assert "${APP_ENV} has no value in environment 'prod'" in err


def test_unknown_environment(run: Run) -> None:
    code, _, err = run("--env", "stagin")
    assert code == 2
    assert "unknown environment 'stagin'" in err and 'did you mean "staging"' in err


# fixture -> what the single error line names (file:line, field)
BAD = {
    "invalid-json.json": ("taskdef.json:10:7:", "invalid JSON"),
    "unknown-field.json": ("taskdef.json:10:7:", 'did you mean "portMappings"?'),
    "wrong-type.json": ("taskdef.json:11:27:", "portMappings[0].containerPort"),
    "fargate-size.json": ("taskdef.json:6:13:", "memory:"),
    "missing-image.json": ("taskdef.json:7:5:", "containerDefinitions[0].image"),
    "host-port.json": ("taskdef.json:11:43:", "portMappings[0].hostPort"),
    "stop-timeout.json": ("taskdef.json:10:22:", "containerDefinitions[0].stopTimeout"),
    "depends-cycle.json": ("taskdef.json:15:39:", "dependsOn cycle"),
    "unresolved.json": ("taskdef.json:12:38:", "${API_URL} has no value in environment 'local'"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_task_definitions_exit_2_with_one_line(run: Run, app_dir: Path, name: str) -> None:
    shutil.copy(FIXTURES / "bad" / name, app_dir / "taskdef.json")
    code, out, err = run("--image", "x")
    location, words = BAD[name]
    assert (code, out) == (2, "")
    assert err.count("\n") == 1, err
    assert err.startswith(f"hakobu: error: {location} "), err
    assert words in err
    assert "Traceback" not in err


def test_describe_output_renders_as_register_input(run: Run, app_dir: Path) -> None:
    shutil.copy(FIXTURES / "good" / "describe-output.json", app_dir / "taskdef.json")
    code, out, _ = run()
    assert code == 0
    rendered = json.loads(out)
    assert "taskDefinitionArn" not in rendered and "revision" not in rendered
    assert rendered["tags"] == [{"key": "app", "value": "hello"}]


def test_missing_task_definition(run: Run, app_dir: Path) -> None:
    (app_dir / "taskdef.json").unlink()
    code, _, err = run()
    assert code == 2
    assert "task definition not found" in err


def test_bad_config(run: Run, app_dir: Path) -> None:
    (app_dir / "hakobu.toml").write_text('[app]\nname = "hello"\nimgae = "x"\n')
    code, _, err = run()
    assert code == 2
    assert "hakobu.toml:3: app.imgae: unknown key" in err
    assert 'did you mean "image"?' in err


def test_no_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["render"]) == 2
    assert "no hakobu.toml in" in capsys.readouterr().err
