"""JSON with positions: the values ``json.loads`` gives, plus where each value and key starts.

Every error and check finding about a JSON file names a line, so a small recursive-descent parser
records the offset of each value and each object key under its JSON path
(``("containerDefinitions", 0, "cpu")``). Strings are decoded by ``json.decoder.scanstring`` (C code
in CPython), numbers and literals as json's C scanner does, so the parser agrees with
``json.loads``. Values and syntax errors come from ``json.loads`` itself; the parser runs only when
a position is asked for. Duplicate keys, which ``json.loads`` silently collapses, are an error: in
a task definition the second ``"image"`` winning unseen is a bug.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from json import JSONDecodeError
from json import decoder as _json_decoder
from typing import Any

JsonPath = tuple[str | int, ...]
_Translate = Callable[[JsonPath], JsonPath] | None

# json's string decoder (C in CPython); typeshed does not declare it.
scanstring: Callable[[str, int, bool], tuple[str, int]] = _json_decoder.scanstring  # type: ignore[attr-defined]
_WS = re.compile(r"[ \t\n\r]*")
_WS_CHARS = frozenset(" \t\n\r")
# ASCII digits only, as json's C scanner (a Python ``\d`` would also match other scripts' digits).
_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LITERALS: tuple[tuple[str, Any], ...] = (
    ("null", None),
    ("true", True),
    ("false", False),
    ("NaN", float("nan")),
    ("Infinity", float("inf")),
    ("-Infinity", float("-inf")),
)


def _skip(text: str, idx: int) -> int:
    """Index of the first non-whitespace character at or after ``idx``."""
    if text[idx : idx + 1] not in _WS_CHARS:  # cheap test first: often no whitespace at all
        return idx
    match = _WS.match(text, idx)
    return match.end() if match else idx


class DuplicateKeyError(ValueError):
    """An object names the same key twice; ``pos`` is the second key, ``first`` the first one."""

    def __init__(self, path: JsonPath, pos: int, first: int) -> None:
        super().__init__(f"duplicate key {path[-1]!r}")
        self.path = path
        self.key = str(path[-1])
        self.pos = pos
        self.first = first


class _Source:
    """One document's text and, once asked for, its offset maps and line starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._maps: tuple[dict[JsonPath, int], dict[JsonPath, int]] | None = None
        self._line_starts: list[int] | None = None

    def maps(self) -> tuple[dict[JsonPath, int], dict[JsonPath, int]]:
        if self._maps is None:
            _, values, keys = parse_with_positions(self.text)
            self._maps = values, keys
        return self._maps

    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i != -1:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts


class Positions:
    """Where each value (and each object key) of a parsed JSON document starts.

    Built lazily: the first lookup parses the text again with this module's parser, so documents
    that never need a location (most of them) cost only ``json.loads``.
    """

    def __init__(self, text: str, *, _source: _Source | None = None, _translate: _Translate = None):
        self._source = _source or _Source(text)
        self._translate = _translate

    @property
    def text(self) -> str:
        return self._source.text

    def rebased(self, translate: Callable[[JsonPath], JsonPath]) -> Positions:
        """A view whose paths are mapped by ``translate`` onto this document's paths.

        Used when the document is reshaped (describe-task-definition output unwrapped) and later
        steps address the reshaped dict but must still point into the source text.
        """
        inner = self._translate
        combined = translate if inner is None else (lambda p: inner(translate(p)))
        return Positions(self.text, _source=self._source, _translate=combined)

    def _source_path(self, path: JsonPath) -> JsonPath:
        return self._translate(path) if self._translate else path

    def offset(self, path: JsonPath, *, key: bool = False) -> int:
        """Offset of the value at ``path`` (of its key with ``key=True``).

        A path that is absent (a missing member, say) falls back to its nearest ancestor, so every
        finding gets a location.
        """
        values, keys = self._source.maps()
        path = self._source_path(path)
        if key and path in keys:
            return keys[path]
        while path not in values and path:
            path = path[:-1]
        return values.get(path, 0)

    def line_col(self, path: JsonPath, *, key: bool = False) -> tuple[int, int]:
        """1-based line and column, counted as ``json`` counts them."""
        return self.offset_line_col(self.offset(path, key=key))

    def line(self, path: JsonPath, *, key: bool = False) -> int:
        return self.line_col(path, key=key)[0]

    def offset_line_col(self, offset: int) -> tuple[int, int]:
        starts = self._source.line_starts()
        index = bisect.bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, tuple):
            return False
        return self._source_path(path) in self._source.maps()[0]


def loads_with_positions(text: str) -> tuple[Any, Positions]:
    """Parse ``text`` as ``json.loads`` does and return the value and its positions.

    Raises ``json.JSONDecodeError`` (with ``lineno``/``colno``) on invalid JSON and
    ``DuplicateKeyError`` on a repeated key. The values come from ``json.loads`` itself (C code,
    several times faster); positions are computed by this module's parser on first use only, as
    most documents never need one.
    """
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates)
    except _Duplicate:
        _Parser(text).value(_skip(text, 0), ())  # raises DuplicateKeyError with both positions
        raise  # pragma: no cover - the parser found the duplicate json.loads found
    return value, Positions(text)


class _Duplicate(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Duplicate
    return result


def parse_with_positions(text: str) -> tuple[Any, dict[JsonPath, int], dict[JsonPath, int]]:
    """The parser proper: value, offsets of values and offsets of keys, in one pass."""
    parser = _Parser(text)
    value, end = parser.value(_skip(text, 0), ())
    end = _skip(text, end)
    if end != len(text):
        raise JSONDecodeError("Extra data", text, end)
    return value, parser.values, parser.keys


class _Parser:
    """Recursive descent over one document; positions mirror json.decoder's error reporting."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.values: dict[JsonPath, int] = {}
        self.keys: dict[JsonPath, int] = {}

    def value(self, idx: int, path: JsonPath) -> tuple[Any, int]:
        text = self.text
        self.values[path] = idx
        char = text[idx : idx + 1]
        if char == '"':
            return scanstring(text, idx + 1, True)
        if char == "{":
            return self.object(idx + 1, path)
        if char == "[":
            return self.array(idx + 1, path)
        match = _NUMBER.match(text, idx)
        if match is not None:
            integer, frac, exp = match.groups()
            if frac or exp:
                return float(integer + (frac or "") + (exp or "")), match.end()
            return int(integer), match.end()
        for literal, result in _LITERALS:
            if text.startswith(literal, idx):
                return result, idx + len(literal)
        raise JSONDecodeError("Expecting value", text, idx)

    def object(self, idx: int, path: JsonPath) -> tuple[dict[str, Any], int]:
        text = self.text
        result: dict[str, Any] = {}
        idx = _skip(text, idx)
        char = text[idx : idx + 1]
        if char == "}":
            return result, idx + 1
        while True:
            if char != '"':
                raise JSONDecodeError(
                    "Expecting property name enclosed in double quotes", text, idx
                )
            key_pos = idx
            key, idx = scanstring(text, idx + 1, True)
            child = (*path, key)
            if key in result:
                raise DuplicateKeyError(child, key_pos, self.keys[child])
            self.keys[child] = key_pos
            idx = _skip(text, idx)
            if text[idx : idx + 1] != ":":
                raise JSONDecodeError("Expecting ':' delimiter", text, idx)
            idx = _skip(text, idx + 1)
            result[key], idx = self.value(idx, child)
            idx = _skip(text, idx)
            char = text[idx : idx + 1]
            if char == "}":
                return result, idx + 1
            if char != ",":
                raise JSONDecodeError("Expecting ',' delimiter", text, idx)
            idx = _skip(text, idx + 1)
            char = text[idx : idx + 1]

    def array(self, idx: int, path: JsonPath) -> tuple[list[Any], int]:
        text = self.text
        result: list[Any] = []
        idx = _skip(text, idx)
        if text[idx : idx + 1] == "]":
            return result, idx + 1
        while True:
            item, idx = self.value(idx, (*path, len(result)))
            result.append(item)
            idx = _skip(text, idx)
            char = text[idx : idx + 1]
            if char == "]":
                return result, idx + 1
            if char != ",":
                raise JSONDecodeError("Expecting ',' delimiter", text, idx)
            idx = _skip(text, idx + 1)


def format_path(path: JsonPath) -> str:
    """``("containerDefinitions", 0, "cpu")`` -> ``containerDefinitions[0].cpu``.

    Keys that are not identifiers (docker labels, log options) are quoted: ``dockerLabels["a.b"]``.
    """
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.isidentifier():
            out.append(f".{part}" if out else part)
        else:
            out.append('["' + part.replace("\\", "\\\\").replace('"', '\\"') + '"]')
    return "".join(out) or "(document)"
