"""Discovery finds what to check in any repository, by name and by content, and skips the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from hakobu.checks.discovery import discover, kind_by_name
from hakobu.checks.taxonomy import TargetKind as K


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Dockerfile", K.DOCKERFILE),
        ("dockerfile", K.DOCKERFILE),
        ("Dockerfile.prod", K.DOCKERFILE),
        ("web.Dockerfile", K.DOCKERFILE),
        ("Containerfile", K.DOCKERFILE),
        ("Dockerfile.dockerignore", None),
        ("Dockerfile.md", None),
        ("Dockerfile.j2", None),
        ("dockerfile.py", K.SOURCE_PYTHON),
        ("dockerfile.test.ts", K.SOURCE_NODE),
        ("Dockerfile.yml", None),
        ("buildspec.yml", K.BUILDSPEC),
        ("buildspec-test.yaml", K.BUILDSPEC),
        ("appspec.yaml", K.APPSPEC),
        ("appspec.yml", K.APPSPEC),
        ("taskdef.json", K.TASKDEF),
        ("taskdef-staging.json", K.TASKDEF),
        ("task-definition.json", K.TASKDEF),
        ("requirements.txt", K.DEPENDENCIES),
        ("requirements-dev.in", K.DEPENDENCIES),
        ("package-lock.json", K.DEPENDENCIES),
        ("poetry.lock", K.DEPENDENCIES),
        ("pyproject.toml", K.DEPENDENCIES),
        ("app.py", K.SOURCE_PYTHON),
        ("server.ts", K.SOURCE_NODE),
        ("index.mjs", K.SOURCE_NODE),
        ("types.d.ts", None),
        ("bundle.min.js", None),
        ("README.md", None),
        ("imagedefinitions.json", None),
    ],
)
def test_kind_by_name(name: str, kind: K | None) -> None:
    assert kind_by_name(name) is kind


def write(root: Path, relative: str, text: str = "") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def names(found: dict[K, tuple[Path, ...]], kind: K, root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in found[kind]]


def test_discovers_by_name_and_by_content_and_skips_what_is_not_the_apps(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    write(root, "Dockerfile", "FROM x\n")
    write(root, "services/api/api.Dockerfile", "FROM x\n")
    write(root, "ecs/web.json", '{"family": "web", "containerDefinitions": []}')
    write(root, "ecs/other.json", '{"not": "a task definition"}')
    write(root, "app.py")
    for skipped in (".git", "node_modules/pkg", ".venv", ".hakobu/tasks", "__pycache__"):
        write(root, f"{skipped}/Dockerfile", "FROM x\n")
        write(root, f"{skipped}/mod.py")
    write(root, "env/pyvenv.cfg", "home = /usr\n")  # a virtualenv, whatever its name
    write(root, "env/lib/site.py")
    found = dict(discover(root))
    assert names(found, K.DOCKERFILE, root) == ["Dockerfile", "services/api/api.Dockerfile"]
    assert names(found, K.TASKDEF, root) == ["ecs/web.json"]
    assert names(found, K.SOURCE_PYTHON, root) == ["app.py"]


def test_extra_files_from_hakobu_toml_are_added(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    odd = write(root, "docker/web", "FROM x\n")
    outside = write(tmp_path.parent / f"{tmp_path.name}-outside", "Dockerfile", "FROM x\n")
    found = dict(discover(root, extra={K.DOCKERFILE: [odd, outside]}))
    assert names(found, K.DOCKERFILE, root) == ["docker/web"]


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    real = write(root, "real/Dockerfile", "FROM x\n")
    (root / "link").symlink_to(root / "real", target_is_directory=True)
    (root / "Dockerfile.link").symlink_to(real)
    found = dict(discover(root))
    assert names(found, K.DOCKERFILE, root) == ["real/Dockerfile"]
