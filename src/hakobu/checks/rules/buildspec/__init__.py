"""buildspec.yml rules: the CodeBuild project that builds, checks and pushes the image (slides
56, 76, 78).

``BuildspecRule`` is the family's base. ``build_commands(target)`` lists the commands in the
order CodeBuild runs them (install, pre_build, build, post_build; each phase's ``commands`` then
its ``finally``), each with its JSON path, so a finding points at the command's line. Commands
are read as text: shell features beyond ``&&``, ``;``, ``|`` and variables are not interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hakobu.checks.rule import Rule
from hakobu.checks.rules.dockerfile._shell import commands
from hakobu.checks.targets import BuildspecTarget
from hakobu.checks.taxonomy import TargetKind
from hakobu.spec.jsonpos import JsonPath

PHASES = ("install", "pre_build", "build", "post_build")
_ENGINES = frozenset({"docker", "podman", "buildah", "nerdctl", "finch"})


class BuildspecRule(Rule[BuildspecTarget]):
    targets = (TargetKind.BUILDSPEC,)


@dataclass(frozen=True)
class Command:
    path: JsonPath  # ("phases", "build", "commands", 2)
    text: str

    def simple(self) -> Iterator[list[str]]:
        """Each simple command's words (``a && b | c``: three), ``sudo``/``env`` dropped."""
        yield from commands(self.text)


def build_commands(target: BuildspecTarget) -> list[Command]:
    data = target.data
    phases = data.get("phases") if isinstance(data, dict) else None
    if not isinstance(phases, dict):
        return []
    order = [p for p in PHASES if p in phases] + [p for p in phases if p not in PHASES]
    found: list[Command] = []
    for phase in order:
        body = phases.get(phase)
        if not isinstance(body, dict):
            continue
        for block in ("commands", "finally"):
            items = body.get(block)
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, str | int | float) and not isinstance(item, bool):
                    found.append(Command(("phases", phase, block, index), str(item)))
    return found


def env_variables(target: BuildspecTarget) -> dict[str, Any]:
    """``env.variables`` as written (values are strings, numbers or booleans)."""
    data = target.data
    env = data.get("env") if isinstance(data, dict) else None
    variables = env.get("variables") if isinstance(env, dict) else None
    return {str(k): v for k, v in variables.items()} if isinstance(variables, dict) else {}


def is_push(words: list[str]) -> bool:
    """``docker push``, ``podman push``, ``docker image push``, ``docker buildx build --push``."""
    tool = words[0].rsplit("/", 1)[-1]
    if tool not in _ENGINES:
        return False
    verbs = [w for w in words[1:] if not w.startswith("-")]
    if verbs[:1] == ["push"] or verbs[:2] == ["image", "push"]:
        return True
    return verbs[:1] == ["buildx"] and ("--push" in words or "--output=type=registry" in words)


def mentions(pattern: re.Pattern[str], command: Command) -> bool:
    return bool(pattern.search(command.text))
