"""Find what to check in any repository, with or without hakobu.toml: by name, then by content.

Names as the talk's flow and the tools write them: ``Dockerfile``, ``*.Dockerfile``,
``Dockerfile.*`` (and podman's ``Containerfile``), ``buildspec*.yml``, ``appspec.yaml``,
``taskdef*.json``; any other JSON file holding ``"containerDefinitions"`` is a task definition too
(``ecs/web.json``, describe-task-definition output). Directories no one checks in or that hold
other people's code are skipped: VCS data, ``node_modules``, virtualenvs (any directory with a
``pyvenv.cfg``, whatever its name), caches and hakobu's own ``.hakobu``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from hakobu.checks.taxonomy import TargetKind

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".hakobu",
        ".venv",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
    }
)
# file name -> (ecosystem, role, format); requirements*.txt and friends are matched by pattern.
DEPENDENCY_FILES: dict[str, tuple[str, str, str]] = {
    "pyproject.toml": ("python", "manifest", "toml"),
    "Pipfile": ("python", "manifest", "toml"),
    "Pipfile.lock": ("python", "lock", "json"),
    "poetry.lock": ("python", "lock", "toml"),
    "uv.lock": ("python", "lock", "toml"),
    "pdm.lock": ("python", "lock", "toml"),
    "package.json": ("node", "manifest", "json"),
    "package-lock.json": ("node", "lock", "json"),
    "npm-shrinkwrap.json": ("node", "lock", "json"),
    "yarn.lock": ("node", "lock", "text"),
    "pnpm-lock.yaml": ("node", "lock", "yaml"),
}
_NODE_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
# `Dockerfile.md` is about a Dockerfile, `Dockerfile.j2` renders one, `dockerfile.py` parses
# one: none of them is one.
_NOT_DOCKERFILE_SUFFIXES = (
    *(".dockerignore", ".md", ".txt", ".rst", ".html", ".orig", ".bak", ".swp"),
    *(".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".template", ".erb"),
    *(".py", ".pyc", ".pyi", ".js", ".ts", ".go", ".rs", ".rb", ".java", ".sh", ".ps1"),
    *(".json", ".yml", ".yaml", ".toml", ".xml", ".lock"),
)
_TASKDEF_PREFIXES = ("taskdef", "task-definition", "task_definition", "taskdefinition")
_TASKDEF_MARKER = b'"containerDefinitions"'
_SNIFF_LIMIT = 8 * 1024 * 1024  # larger JSON files are data, not task definitions

Discovered = Mapping[TargetKind, tuple[Path, ...]]


def dependency_file(name: str) -> tuple[str, str, str] | None:
    """(ecosystem, role, format) of a dependency file, or None."""
    known = DEPENDENCY_FILES.get(name)
    if known is not None:
        return known
    lower = name.lower()
    if lower.startswith(("requirements", "constraints")) and lower.endswith((".txt", ".in")):
        # pip-compile's convention: .in lists what is wanted, .txt pins it.
        return ("python", "manifest" if lower.endswith(".in") else "lock", "text")
    return None


def kind_by_name(name: str) -> TargetKind | None:
    """The target kind a file name alone decides (JSON task definitions need a look inside)."""
    lower = name.lower()
    if _is_dockerfile(lower):
        return TargetKind.DOCKERFILE
    if lower.startswith("buildspec") and lower.endswith((".yml", ".yaml")):
        return TargetKind.BUILDSPEC
    if lower in ("appspec.yml", "appspec.yaml", "appspec.json"):
        return TargetKind.APPSPEC
    if lower.endswith(".json") and lower.startswith(_TASKDEF_PREFIXES):
        return TargetKind.TASKDEF
    if dependency_file(name) is not None:
        return TargetKind.DEPENDENCIES
    if lower.endswith(".py"):
        return TargetKind.SOURCE_PYTHON
    if lower.endswith(_NODE_SUFFIXES) and not lower.endswith((".d.ts", ".min.js")):
        return TargetKind.SOURCE_NODE
    return None


def _is_dockerfile(lower: str) -> bool:
    if lower.endswith(_NOT_DOCKERFILE_SUFFIXES):
        return False
    for base in ("dockerfile", "containerfile"):
        if lower == base or lower.startswith(base + ".") or lower.endswith("." + base):
            return True
    return False


def discover(root: Path, *, extra: Mapping[TargetKind, Iterable[Path]] | None = None) -> Discovered:
    """Every file under ``root`` to check, by kind, sorted. ``extra`` adds files hakobu.toml names
    (a Dockerfile called ``docker/web``), when they are inside ``root``."""
    found: dict[TargetKind, set[Path]] = {kind: set() for kind in TargetKind}
    for directory, names in _walk(root):
        for name in names:
            path = directory / name
            kind = kind_by_name(name)
            if kind is None and name.lower().endswith(".json") and _looks_like_taskdef(path):
                kind = TargetKind.TASKDEF
            if kind is not None:
                found[kind].add(path)
    for kind, paths in (extra or {}).items():
        for path in paths:
            if path.is_file() and path.resolve().is_relative_to(root):
                found[kind].add(path.resolve())
    return {kind: tuple(sorted(paths)) for kind, paths in found.items()}


def _walk(root: Path) -> Iterable[tuple[Path, list[str]]]:
    for dirpath, dirnames, filenames in os.walk(root):
        # Pruned in place: os.walk then never descends into them.
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS
            and not os.path.islink(os.path.join(dirpath, d))
            and not os.path.isfile(os.path.join(dirpath, d, "pyvenv.cfg"))
        )
        directory = Path(dirpath)
        # A symlinked file is checked where it really lives (or not at all when outside).
        yield directory, [f for f in filenames if not os.path.islink(os.path.join(dirpath, f))]


def _looks_like_taskdef(path: Path) -> bool:
    try:
        if path.stat().st_size > _SNIFF_LIMIT:
            return False
        return _TASKDEF_MARKER in path.read_bytes()
    except OSError:
        return False
