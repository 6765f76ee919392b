"""YAML with positions: lines of values and keys, and errors with their position."""

from __future__ import annotations

import pytest

from hakobu.checks.yamlpos import YamlSyntaxError, load_yaml_with_positions

BUILDSPEC = """\
version: 0.2
env:
  variables:
    TOKEN: abc
phases:
  build:
    commands:
      - make
      - docker build .
"""


def test_values_and_keys_have_lines() -> None:
    data, positions = load_yaml_with_positions(BUILDSPEC)
    assert data["phases"]["build"]["commands"][1] == "docker build ."
    assert positions.line_col(("phases", "build", "commands", 1)) == (9, 9)
    assert positions.line_col(("env", "variables", "TOKEN"), key=True) == (4, 5)
    assert positions.line(("env", "variables", "TOKEN")) == 4
    assert ("version",) in positions


def test_a_missing_path_falls_back_to_its_ancestor() -> None:
    _, positions = load_yaml_with_positions(BUILDSPEC)
    assert positions.line(("phases", "build", "nothing", 3)) == 7


def test_empty_document() -> None:
    data, positions = load_yaml_with_positions("")
    assert data is None
    assert positions.line_col(("a",)) == (1, 1)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: [1, 2\nb: 3\n", 2),
        ("a: b\n c: d: e\n", 2),
        ("---\na: 1\n---\nb: 2\n", 3),
    ],
)
def test_syntax_errors_have_positions(text: str, line: int) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        load_yaml_with_positions(text)
    assert caught.value.line == line
