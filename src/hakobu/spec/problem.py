"""A problem found in a spec document, located by JSON path; the loader adds file and line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from hakobu.spec.jsonpos import JsonPath, format_path


@dataclass(frozen=True)
class Problem:
    """What is wrong at ``path``, and the fix.

    ``at_key`` points the location at the member's key rather than its value: an unknown field
    is best shown where its name is written.
    """

    path: JsonPath
    message: str
    fix: str | None = None
    at_key: bool = False

    @property
    def field(self) -> str:
        return format_path(self.path)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" + (f" ({self.fix})" if self.fix else "")


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``name`` most likely meant: same name in another case, else a close one.

    Case first: CloudFormation spells the same fields in PascalCase (``ContainerDefinitions``).
    """
    options = list(candidates)
    for option in options:
        if option.lower() == name.lower():
            return option
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return close[0] if close else None
