"""Dependency rules: manifests and lock files (slide 65: dependencies declared exactly, e.g.
``npm ci`` from ``package-lock.json``).

``DependencyRule`` is the family's base; ``_requirements.py`` reads pip requirements files and
npm version specs, and is shared with the Dockerfile rule that checks how the image installs
them (HK-DF-009).
"""

from __future__ import annotations

from pathlib import Path

from hakobu.checks.rule import Rule
from hakobu.checks.targets import DependencyTarget
from hakobu.checks.taxonomy import TargetKind

NODE_LOCKS = (
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "bun.lock",
)
PYTHON_LOCKS = ("uv.lock", "poetry.lock", "pdm.lock", "pylock.toml", "Pipfile.lock")


class DependencyRule(Rule[DependencyTarget]):
    targets = (TargetKind.DEPENDENCIES,)


def has_node_lock(manifest: Path, root: Path) -> bool:
    """A lock beside package.json or in a directory above it (a workspace's root)."""
    directory = manifest.parent
    while True:
        if any((directory / name).is_file() for name in NODE_LOCKS):
            return True
        if directory == root or directory.parent == directory:
            return False
        directory = directory.parent


def has_python_lock(manifest: Path) -> bool:
    """A lock of any Python tool beside the manifest, pinned requirements files included."""
    directory = manifest.parent
    if any((directory / name).is_file() for name in PYTHON_LOCKS):
        return True
    for path in directory.iterdir():
        lower = path.name.lower()
        if lower.startswith(("requirements", "pylock.")) and lower.endswith((".txt", ".lock")):
            return True
    return False
