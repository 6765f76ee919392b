from __future__ import annotations

import json
import math
from json import JSONDecodeError
from pathlib import Path
from typing import Any

import pytest

from hakobu.spec.jsonpos import (
    DuplicateKeyError,
    Positions,
    format_path,
    loads_with_positions,
    parse_with_positions,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "taskdefs"

VALID = [
    "{}",
    "[]",
    '""',
    "0",
    "-0",
    "-12.5e-3",
    "1E+2",
    "123456789012345678901234567890",
    "true",
    "null",
    ' \n\t {"a" : [ 1 , 2 , { } , [ ] ] , "b":"x"} \r\n',
    '{"s": "caf\\u00e9 \\ud83d\\ude00 \\"q\\" \\\\ \\/ \\n", "é": "ü"}',
    '{"nested": {"deeper": [[[{"k": false}]]]}}',
    "[1.0, 2, -3, 4e10, 0.5]",
]


def same(a: Any, b: Any) -> bool:
    """Equality that treats NaN as equal to itself and tells 1 from 1.0 and True from 1."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.parametrize("text", [*VALID, "NaN", "[Infinity, -Infinity]"])
def test_parser_agrees_with_json_loads(text: str) -> None:
    value, _, _ = parse_with_positions(text)
    assert same(value, json.loads(text))
    assert same(loads_with_positions(text)[0], json.loads(text))


# Every fixture that is valid JSON (two bad ones are not, on purpose).
WELL_FORMED = [
    p
    for p in sorted(FIXTURES.rglob("*.json"))
    if p.name not in ("invalid-json.json", "duplicate-key.json")
]


@pytest.mark.parametrize("path", WELL_FORMED, ids=lambda p: p.name)
def test_parser_agrees_with_json_loads_on_fixtures(path: Path) -> None:
    text = path.read_text()
    assert same(parse_with_positions(text)[0], json.loads(text))


# Messages and positions stable across Python versions (3.13 reworded trailing commas).
INVALID = [
    '{"a": 1 "b": 2}',
    '{"a" 1}',
    '{"a": }',
    "{'a': 1}",
    '{"a": tru}',
    '["unterminated]',
    '{"a": 1} x',
    "",
    "[1, 2",
    '{"a": "tab\there"}',
    '{"a": "\\q"}',
    "-",
    "[01]",
]


@pytest.mark.parametrize("text", INVALID)
def test_errors_match_json(text: str) -> None:
    with pytest.raises(JSONDecodeError) as expected:
        json.loads(text)
    for parse in (loads_with_positions, parse_with_positions):
        with pytest.raises(JSONDecodeError) as got:
            parse(text)
        assert (got.value.msg, got.value.pos) == (expected.value.msg, expected.value.pos)


def test_trailing_comma_is_an_error_with_json_s_own_message() -> None:
    with pytest.raises(JSONDecodeError) as expected:
        json.loads('{"a": 1,}')
    with pytest.raises(JSONDecodeError) as got:
        loads_with_positions('{"a": 1,}')
    assert (got.value.msg, got.value.lineno, got.value.colno) == (
        expected.value.msg,
        expected.value.lineno,
        expected.value.colno,
    )


def test_positions_of_values_and_keys() -> None:
    text = (
        '{\n  "family": "x",\n  "containerDefinitions": [\n    {"name": "web", "cpu": 256}\n  ]\n}'
    )
    _, positions = loads_with_positions(text)
    assert positions.line_col(()) == (1, 1)
    assert positions.line_col(("family",)) == (2, 13)
    assert positions.line_col(("family",), key=True) == (2, 3)
    assert positions.line_col(("containerDefinitions", 0)) == (4, 5)
    assert positions.line_col(("containerDefinitions", 0, "cpu")) == (4, 28)
    assert positions.line_col(("containerDefinitions", 0, "cpu"), key=True) == (4, 21)


def test_absent_path_falls_back_to_nearest_ancestor() -> None:
    text = '{\n  "containerDefinitions": [\n    {"name": "web"}\n  ]\n}'
    _, positions = loads_with_positions(text)
    assert positions.line(("containerDefinitions", 0, "image")) == 3
    assert positions.line(("containerDefinitions", 0, "image"), key=True) == 3
    assert positions.line(("nothing", "here")) == 1
    assert ("containerDefinitions", 0) in positions
    assert ("containerDefinitions", 1) not in positions


def test_rebased_view_maps_paths_onto_the_source() -> None:
    text = '{\n  "taskDefinition": {\n    "family": "x"\n  },\n  "tags": [{"key": "a"}]\n}'
    _, positions = loads_with_positions(text)
    view = positions.rebased(lambda p: p if p[:1] == ("tags",) else ("taskDefinition", *p))
    assert view.line(("family",)) == 3
    assert view.line(("tags", 0, "key")) == 5
    twice = view.rebased(lambda p: p)
    assert twice.line(("family",)) == 3


def test_positions_are_computed_lazily() -> None:
    _, positions = loads_with_positions('{"a": 1}')
    assert isinstance(positions, Positions)
    assert positions._source._maps is None  # nothing parsed twice until a location is needed
    positions.line(("a",))
    assert positions._source._maps is not None


def test_duplicate_key_names_both_positions() -> None:
    text = '{\n  "c": [{\n    "image": "a",\n    "image": "b"\n  }]\n}'
    with pytest.raises(DuplicateKeyError) as info:
        loads_with_positions(text)
    error = info.value
    assert error.path == ("c", 0, "image")
    positions = Positions(text.replace('"image": "b"', '"other": "b"'))
    assert positions.offset_line_col(error.pos) == (4, 5)
    assert positions.offset_line_col(error.first) == (3, 5)


def test_duplicate_keys_in_different_objects_are_fine() -> None:
    value, _ = loads_with_positions('[{"a": 1}, {"a": 2}]')
    assert value == [{"a": 1}, {"a": 2}]


def test_bom_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(JSONDecodeError, match="BOM"):
        loads_with_positions('\ufeff{"a": 1}')


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), "(document)"),
        (("family",), "family"),
        (("containerDefinitions", 0, "cpu"), "containerDefinitions[0].cpu"),
        (
            ("containerDefinitions", 0, "dockerLabels", "com.example"),
            'containerDefinitions[0].dockerLabels["com.example"]',
        ),
        (("options", 'a"b'), 'options["a\\"b"]'),
    ],
)
def test_format_path(path: tuple[str | int, ...], text: str) -> None:
    assert format_path(path) == text
