"""Substitution per docs/config.md: ${NAME}, $${ and <IMAGE1_NAME>, in string values only."""

from __future__ import annotations

from typing import Any

import pytest

from hakobu.spec.render import substitute

VALUES = {"LOG_LEVEL": "debug", "REGION": "us-east-1", "TRICKY": "${LOG_LEVEL} <IMAGE1_NAME>"}


def render(raw: Any, image: str | None = "hello:abc", env: str | None = "local") -> Any:
    rendered, problems = substitute(raw, values=VALUES, image=image, env=env)
    assert problems == []
    return rendered


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${LOG_LEVEL}", "debug"),
        ("level=${LOG_LEVEL}, region=${REGION}", "level=debug, region=us-east-1"),
        ("$${HOME}", "${HOME}"),
        ("$${LOG_LEVEL} ${LOG_LEVEL}", "${LOG_LEVEL} debug"),
        ("$$$${X}", "$$${X}"),  # leftmost first: `$$` not followed by `{` stays as written
        ("$$", "$$"),
        ("<IMAGE1_NAME>", "hello:abc"),
        ("$5 and $HOME and {x} and <other>", "$5 and $HOME and {x} and <other>"),
        ("${TRICKY}", "${LOG_LEVEL} <IMAGE1_NAME>"),  # substituted values are not scanned again
        ("", ""),
    ],
)
def test_strings(text: str, expected: str) -> None:
    assert render(text) == expected


def test_only_string_values_never_keys() -> None:
    raw = {"${LOG_LEVEL}": "${LOG_LEVEL}", "n": 1, "b": True, "z": None, "l": ["${REGION}", 2]}
    assert render(raw) == {
        "${LOG_LEVEL}": "debug",
        "n": 1,
        "b": True,
        "z": None,
        "l": ["us-east-1", 2],
    }


def test_input_is_not_modified() -> None:
    raw = {"a": ["${LOG_LEVEL}"]}
    render(raw)
    assert raw == {"a": ["${LOG_LEVEL}"]}


def test_unresolved_names_each_reported_with_path_and_environment() -> None:
    raw = {"c": [{"v": "${MISSING} ${LOG_LEVEL}"}, {"v": "${OTHER}"}]}
    rendered, problems = substitute(raw, values=VALUES, image=None, env="staging")
    assert [(p.path, p.message) for p in problems] == [
        (("c", 0, "v"), "${MISSING} has no value in environment 'staging'"),
        (("c", 1, "v"), "${OTHER} has no value in environment 'staging'"),
    ]
    assert "[environments.staging.values] or [values]" in (problems[0].fix or "")
    assert rendered["c"][0]["v"] == "${MISSING} debug"  # never an empty string


def test_unresolved_without_environment() -> None:
    _, (problem,) = substitute("${X}", values={}, image=None)
    assert problem.message == "${X} has no value"


def test_image_placeholder_before_any_build() -> None:
    _, (problem,) = substitute({"image": "<IMAGE1_NAME>"}, values={}, image=None)
    assert problem.path == ("image",)
    assert "hakobu build" in (problem.fix or "")


@pytest.mark.parametrize("text", ["${}", "${LOG-LEVEL}", "${LOG_LEVEL", "${1X}", "${ X }"])
def test_invalid_placeholders(text: str) -> None:
    _, (problem,) = substitute(text, values=VALUES, image=None)
    assert "invalid placeholder" in problem.message
    assert "$${" in (problem.fix or "")
