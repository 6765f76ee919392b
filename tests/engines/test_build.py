"""`hakobu build`: tags with the git commit (never latest), marks a dirty tree, records it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from tests.engines.conftest import BUSYBOX, App, MakeApp, container

from hakobu.build_record import read_build_record

pytestmark = pytest.mark.podman


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def _repo(app: App) -> str:
    (app.root / "Dockerfile").write_text(
        f"FROM {BUSYBOX}\nCOPY hello.txt /hello.txt\n"
        'CMD ["sh", "-c", "cat /hello.txt; sleep 600"]\n'
    )
    (app.root / "hello.txt").write_text("built by hakobu\n")
    _git(app.root, "init", "-q")
    _git(app.root, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".")
    _git(app.root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init")
    return _git(app.root, "rev-parse", "HEAD")


def test_build_tags_with_the_commit_and_up_runs_the_built_image(make_app: MakeApp) -> None:
    app = make_app(
        [container("app", "cat /hello.txt; sleep 600", image="<IMAGE1_NAME>", stopTimeout=2)]
    )
    (app.root / ".gitignore").write_text(".hakobu/\n")
    commit = _repo(app)
    done = app.hakobu("build", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["image"] == f"t0:{commit[:12]}"
    assert record["dirty"] is False and record["commit"] == commit
    assert record["image_id"].startswith(("sha256:", "")) and len(record["image_id"]) >= 12
    stored = read_build_record(app.root)
    assert stored is not None and stored.image == record["image"]
    # <IMAGE1_NAME> resolves to the built image, locally as CodeDeploy does on AWS.
    rendered = json.loads(app.hakobu("render").stdout)
    assert rendered["containerDefinitions"][0]["image"] == record["image"]
    assert app.hakobu("up").returncode == 0
    assert "built by hakobu" in app.hakobu("logs").stdout


def test_a_dirty_tree_gets_a_marker_that_changes_with_the_changes(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1")])
    (app.root / ".gitignore").write_text(".hakobu/\n")
    commit = _repo(app)
    (app.root / "hello.txt").write_text("changed\n")
    first = json.loads(app.hakobu("build", "--json").stdout)
    (app.root / "hello.txt").write_text("changed again\n")
    second = json.loads(app.hakobu("build", "--json").stdout)
    assert first["image"].startswith(f"t0:{commit[:12]}-dirty-")
    assert second["image"].startswith(f"t0:{commit[:12]}-dirty-")
    assert first["image"] != second["image"]
    assert first["dirty"] is True
    assert "latest" not in first["image"]


def test_build_outside_git_is_a_clear_error(make_app: MakeApp) -> None:
    app = make_app([container("app", "sleep 1")])
    (app.root / "Dockerfile").write_text(f"FROM {BUSYBOX}\n")
    done = app.hakobu("build")
    assert done.returncode == 2
    assert "not in a git repository" in done.stderr
