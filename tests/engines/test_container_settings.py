"""Container settings applied as on Fargate: environment files, user, working directory,
read-only root with no extra tmpfs, init process, task limits."""

from __future__ import annotations

import json
import subprocess

import pytest
from tests.engines.conftest import MakeApp, container, wait_for

pytestmark = pytest.mark.podman

ARN = "arn:aws:s3:::demo-config/app.env"


def test_environment_files_user_workdir_and_read_only_root(make_app: MakeApp) -> None:
    script = (
        'echo "from_file=$FROM_FILE both=$BOTH"; echo "uid=$(id -u) pwd=$(pwd)"; '
        "touch /probe 2>/dev/null && echo root-writable || echo root-read-only; "
        "touch /tmp/probe 2>/dev/null && echo tmp-writable || echo tmp-read-only; "
        "exec sleep 600"
    )
    app = make_app(
        [
            container(
                "app",
                script,
                stopTimeout=2,
                user="1234",
                workingDirectory="/tmp",
                readonlyRootFilesystem=True,
                environmentFiles=[{"value": ARN, "type": "s3"}],
                environment=[{"name": "BOTH", "value": "from-environment"}],
                linuxParameters={"initProcessEnabled": True},
            )
        ],
        toml_extra=f'environment_files = {{ "{ARN}" = "local.env" }}\n',
    )
    (app.root / "local.env").write_text("# comment\nFROM_FILE=yes it is\nBOTH=from-file\n")
    up = app.hakobu("up")
    assert up.returncode == 0, up.stderr
    expected = [
        "from_file=yes it is both=from-environment",  # ECS: `environment` wins over the files
        "uid=1234 pwd=/tmp",
        "root-read-only",
        "tmp-read-only",  # Fargate adds no writable tmpfs to a read-only root
    ]
    assert wait_for(lambda: all(e in app.hakobu("logs").stdout for e in expected), timeout=10), (
        app.hakobu("logs").stdout
    )
    [task] = app.ps()
    name = task["containers"][0]["engine_name"]
    inspected = json.loads(
        subprocess.run(
            ["podman", "inspect", name], capture_output=True, text=True, check=True
        ).stdout
    )[0]
    assert inspected["HostConfig"]["ReadonlyRootfs"] is True
    assert inspected["Config"]["User"] == "1234"
    assert inspected["HostConfig"].get("Init") is True or "catatonit" in json.dumps(
        inspected["Config"]
    )
    pod = json.loads(
        subprocess.run(
            ["podman", "pod", "inspect", task["pod"]], capture_output=True, text=True, check=True
        ).stdout
    )
    pod = pod[0] if isinstance(pod, list) else pod
    # Task cpu "256" and memory "512" are the pod's hard limits (a quarter of a CPU, 512 MiB).
    assert pod["cpu_quota"] / pod["cpu_period"] == 0.25
    assert pod["memory_limit"] == 512 * 1024 * 1024


def test_environment_file_without_a_local_mapping_is_a_clear_error(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1", environmentFiles=[{"value": ARN, "type": "s3"}])])
    done = app.hakobu("up")
    assert done.returncode == 2
    assert ARN in done.stderr and "environment_files" in done.stderr
    assert app.engine_leftovers() == []
