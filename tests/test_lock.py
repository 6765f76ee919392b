"""requirements.lock pins, with hashes, everything pyproject.toml asks for."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def names(requirements: list[str]) -> set[str]:
    found = set()
    for line in requirements:
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-") and (match := NAME.match(line)):
            found.add(normalize(match[1]))
    return found


def locked() -> dict[str, list[str]]:
    """name -> the lock's entry, continuation lines joined."""
    text = (ROOT / "requirements.lock").read_text().replace("\\\n", " ")
    entries: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#") and (match := NAME.match(line)):
            entries.setdefault(normalize(match[1]), []).append(line)
    return entries


def test_every_project_dependency_is_an_input_of_the_lock() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = names(project["dependencies"]) | names(project["optional-dependencies"]["dev"])
    inputs = names((ROOT / "requirements.in").read_text().splitlines())
    assert wanted - inputs == set(), "add these to requirements.in and regenerate the lock"


def test_every_input_is_locked_to_one_version_with_hashes() -> None:
    entries = locked()
    inputs = names((ROOT / "requirements.in").read_text().splitlines())
    assert inputs - entries.keys() == set(), "requirements.lock is stale: regenerate it"
    for name, lines in entries.items():
        for line in lines:
            assert "==" in line, f"{name} is not pinned: {line}"
            assert "--hash=sha256:" in line, f"{name} has no hash: {line}"


def test_setuptools_is_locked_for_the_offline_editable_install() -> None:
    # scripts/setup runs `pip install --no-build-isolation -e .`: the venv builds hakobu itself.
    assert "setuptools" in locked()
