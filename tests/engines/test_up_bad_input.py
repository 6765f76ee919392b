"""Bad input to `hakobu up`: one line naming file and field, exit code 2, nothing started."""

from __future__ import annotations

import json

import pytest
from tests.engines.conftest import App, MakeApp, container

pytestmark = pytest.mark.podman

SECRET = [
    {"name": "TOKEN", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:never-set"}
]


def _assert_refused(app: App, *words: str, env: dict[str, str] | None = None) -> None:
    done = app.hakobu("up") if env is None else app.hakobu_env(env, "up")
    assert done.returncode == 2, (done.stdout, done.stderr)
    # Warnings about the task definition may come first; the error itself is one line.
    lines = [x for x in done.stderr.strip().splitlines() if not x.startswith("hakobu: warning:")]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("hakobu: error: ")
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert app.engine_leftovers() == []
    assert not (app.root / ".hakobu" / "tasks").exists() or not any(
        (app.root / ".hakobu" / "tasks").iterdir()
    )


def _rewrite(app: App, text: str) -> None:
    (app.root / "taskdef.json").write_text(text)


def test_invalid_json(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1")])
    _rewrite(app, '{"family": "x",\n  "containerDefinitions": [}\n')
    _assert_refused(app, "taskdef.json:2:", "invalid JSON")


def test_unknown_field_suggests_the_right_one(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1", stopTimout=5)])
    _assert_refused(app, "taskdef.json:", "containerDefinitions[0]", "stopTimout", "stopTimeout")


def test_wrong_type(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1", essential="yes")])
    _assert_refused(app, "taskdef.json:", "containerDefinitions[0].essential")


def test_fargate_invalid_cpu_memory(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1")], cpu="256", memory="4096")
    _assert_refused(app, "taskdef.json:", "memory")


def test_missing_image_field(make_app: MakeApp) -> None:
    app = make_app([{"name": "app", "essential": True}])
    _assert_refused(app, "taskdef.json:", "image")


def test_image_not_available_locally(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1", image="localhost/hakobu/never-built:1")])
    _assert_refused(app, "never-built", "hakobu build")


def test_unresolved_substitution(make_app: MakeApp) -> None:
    app = make_app(
        [container("app", "sleep 1", environment=[{"name": "X", "value": "${NOT_DEFINED}"}])]
    )
    _assert_refused(app, "taskdef.json:", "NOT_DEFINED")


def test_image_placeholder_before_any_build(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1", image="<IMAGE1_NAME>")])
    _assert_refused(app, "<IMAGE1_NAME>", "hakobu build")


def test_missing_secret(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1", secrets=SECRET)])
    _assert_refused(app, "never-set", "hakobu secret set")


def test_no_container_engine(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1")])
    _assert_refused(app, "HAKOBU_ENGINE", env={"HAKOBU_ENGINE": "/nonexistent/podman"})


def test_port_already_taken(make_app: MakeApp) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = make_app(
            [container("app", "sleep 1", portMappings=[{"containerPort": 8080}])],
            ports={8080: port},
        )
        _assert_refused(app, f"127.0.0.1:{port}", "already in use", "ports")


def test_invalid_hakobu_toml(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1")])
    (app.root / "hakobu.toml").write_text('[app]\nname = "x"\nnmae = "typo"\n')
    _assert_refused(app, "hakobu.toml", "nmae")


def test_dry_run_starts_nothing(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1")])
    done = app.hakobu("up", "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["containers"][0]["name"] == "app"
    assert app.engine_leftovers() == []
