"""Substitution of ``${NAME}`` and ``<IMAGE1_NAME>`` in a task definition (docs/config.md).

Only string values are substituted, never keys; a substituted value is not scanned again (a value
containing ``${`` stays as written). ``$${`` writes a literal ``${``. Every name without a value is
reported, with its JSON path, never replaced by an empty string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hakobu.spec.jsonpos import JsonPath
from hakobu.spec.problem import Problem

IMAGE_PLACEHOLDER = "<IMAGE1_NAME>"

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)(\}?)|<IMAGE1_NAME>")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def substitute(
    raw: Any,
    *,
    values: Mapping[str, str],
    image: str | None,
    env: str | None = None,
) -> tuple[Any, list[Problem]]:
    """A copy of ``raw`` with every string rendered, and the problems found.

    ``env`` names the environment in messages ("no value in environment 'staging'").
    """
    problems: list[Problem] = []
    context = _Context(values, image, env, problems)
    return context.walk(raw, ()), problems


class _Context:
    def __init__(
        self, values: Mapping[str, str], image: str | None, env: str | None, problems: list[Problem]
    ) -> None:
        self.values = values
        self.image = image
        self.env = env
        self.problems = problems

    def walk(self, value: Any, path: JsonPath) -> Any:
        if isinstance(value, str):
            # Most strings hold no placeholder: skip the regex machinery for them.
            if "$" not in value and "<" not in value:
                return value
            return self.render(value, path)
        if isinstance(value, dict):
            return {k: self.walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.walk(v, (*path, i)) for i, v in enumerate(value)]
        return value

    def render(self, text: str, path: JsonPath) -> str:
        return _TOKEN.sub(lambda match: self.replace(match, path), text)

    def replace(self, match: re.Match[str], path: JsonPath) -> str:
        token = match.group(0)
        if token == "$${":
            return "${"
        if token == IMAGE_PLACEHOLDER:
            return self.replace_image(path, token)
        name, closed = match.group(1), match.group(2)
        if not closed or not _NAME.fullmatch(name):
            self.problems.append(
                Problem(
                    path,
                    f'invalid placeholder "{token}"',
                    fix="write ${NAME} with letters, digits and _, or $${ for a literal ${",
                )
            )
            return token
        if name in self.values:
            return self.values[name]
        self.problems.append(Problem(path, self.missing_message(name), fix=self.missing_fix(name)))
        return token

    def replace_image(self, path: JsonPath, token: str) -> str:
        if self.image is not None:
            return self.image
        self.problems.append(
            Problem(
                path,
                f"{IMAGE_PLACEHOLDER} has no image yet",
                fix="run `hakobu build` first, or pass --image IMAGE",
            )
        )
        return token

    def missing_message(self, name: str) -> str:
        where = f" in environment '{self.env}'" if self.env else ""
        return f"${{{name}}} has no value{where}"

    def missing_fix(self, name: str) -> str:
        table = f"[environments.{self.env}.values] or [values]" if self.env else "[values]"
        return f"set {name} in {table} of hakobu.toml, or write $${{{name}}} to keep it literal"
