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
from collections.abc import Callable, Iterable, Mapping
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


Skip = Callable[[str], bool]  # a POSIX path relative to the root -> leave it out


def discover(
    root: Path,
    *,
    extra: Mapping[TargetKind, Iterable[Path]] | None = None,
    skip: Skip | None = None,
) -> Discovered:
    """Every file under ``root`` to check, by kind, sorted. ``extra`` adds files hakobu.toml names
    (a Dockerfile called ``docker/web``), when they are inside ``root``; ``skip`` leaves out
    paths (``[check] ignore_paths``), directories before they are walked."""
    found: dict[TargetKind, set[Path]] = {kind: set() for kind in TargetKind}
    for directory, names in _walk(root, skip):
        for name in names:
            path = directory / name
            kind = kind_by_name(name)
            if kind is None and name.lower().endswith(".json") and _looks_like_taskdef(path):
                kind = TargetKind.TASKDEF
            if kind is not None:
                found[kind].add(path)
    for kind, paths in (extra or {}).items():
        for path in paths:
            resolved = path.resolve()
            inside = path.is_file() and resolved.is_relative_to(root)
            if inside and not (skip and skip(resolved.relative_to(root).as_posix())):
                found[kind].add(resolved)
    return {kind: tuple(sorted(paths)) for kind, paths in found.items()}


def _walk(root: Path, skip: Skip | None) -> Iterable[tuple[Path, list[str]]]:
    """Each directory and its regular files, with os.scandir: whether an entry is a directory or
    a symlink comes with the listing, without one stat per file (thousands in a large repo)."""
    pending = [(str(root), "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue  # unreadable: nothing to check there
        files: list[str] = []
        subdirectories: list[tuple[str, str]] = []
        for entry in entries:
            # A symlink is checked where it really lives (or not at all when outside).
            if entry.is_symlink() or (skip and skip(prefix + entry.name)):
                continue
            if entry.is_dir():
                if entry.name not in SKIP_DIRS and not _is_virtualenv(entry.path):
                    subdirectories.append((entry.path, f"{prefix}{entry.name}/"))
            elif entry.is_file():
                files.append(entry.name)
        pending.extend(sorted(subdirectories, reverse=True))
        yield Path(directory), files


def _is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def _looks_like_taskdef(path: Path) -> bool:
    try:
        if path.stat().st_size > _SNIFF_LIMIT:
            return False
        return _TASKDEF_MARKER in path.read_bytes()
    except OSError:
        return False
