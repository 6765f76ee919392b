"""The wrapper that turns mounted secrets into environment variables (containers/secret_env.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from hakobu.containers import secret_env


@pytest.mark.parametrize(
    ("config", "entry_point", "command", "expected"),
    [
        ({"Entrypoint": ["/init"], "Cmd": ["serve"]}, None, None, ["/init", "serve"]),
        ({"Entrypoint": ["/init"], "Cmd": ["serve"]}, None, ["debug"], ["/init", "debug"]),
        # Docker's rule, which ECS follows: overriding the entrypoint drops the image's CMD.
        ({"Entrypoint": ["/init"], "Cmd": ["serve"]}, ["sh"], None, ["sh"]),
        ({"Entrypoint": None, "Cmd": ["python3"]}, None, None, ["python3"]),
        ({}, ["a"], ["b", "c"], ["a", "b", "c"]),
    ],
)
def test_process_argv_follows_docker_rules(config, entry_point, command, expected) -> None:  # type: ignore[no-untyped-def]
    assert secret_env.process_argv(config, entry_point, command) == expected


def test_the_host_busybox_is_static() -> None:
    # scripts/setup installs busybox-static; without it secrets would show in `podman inspect`.
    assert secret_env.static_busybox() is not None


def test_wrapper_sets_exact_values_and_execs_by_path(tmp_path: Path) -> None:
    busybox = secret_env.static_busybox()
    assert busybox is not None
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "s1").write_text("multi\nline value\n\n")  # trailing newlines are part of the value
    (secrets / "s2").write_text("it's $HOME `x`")
    script = secret_env.wrapper_script([("ONE", "s1"), ("TWO", "s2")])
    script = script.replace(secret_env.SECRETS_DIR, str(secrets)).replace(
        secret_env.MOUNTED_BUSYBOX, str(busybox)
    )
    probe = "import os,json;print(json.dumps([os.environ['ONE'],os.environ['TWO']]))"
    done = subprocess.run(
        [str(busybox), "sh", "-c", script, "hakobu", "python3", "-c", probe],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        check=True,
    )
    assert done.stdout.strip() == '["multi\\nline value\\n\\n", "it\'s $HOME `x`"]'


def test_secret_files_are_readable_only_by_the_task_user_when_known() -> None:
    assert secret_env.secret_mount_option("10001") == "uid=10001,mode=0400"
    assert secret_env.secret_mount_option("10001:10001") == "uid=10001,mode=0400"
    assert secret_env.secret_mount_option(None) == "uid=0,mode=0400"
    assert secret_env.secret_mount_option("app") == "mode=0444"
