"""Tokens of the bracketed filter patterns (``{ ... }`` JSON, ``[ ... ]`` space-delimited).

One scanner for both, told which it reads: JSON selectors (``$.a[0]``) exist only in JSON, the
ellipsis only between brackets. Positions are 0-based offsets into the whole pattern, so every
error names the column CloudWatch would complain about.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from hakobu.logs.filter_ast import WILDCARD, Selector, Step
from hakobu.logs.filter_errors import FilterPatternError, invalid_characters

WORD_CHARS = frozenset(string.ascii_letters + string.digits + "_.*+-")
NAME_CHARS = frozenset(string.ascii_letters + string.digits + "_-")
JSON_PUNCTUATION = "{}()"
SPACE_PUNCTUATION = "[](),"
OPERATOR_CHARS = "=<>!&|"
MAX_INDEX = 2**31 - 1
_VALUE_FIX = "put values with characters other than letters, digits, _ . * + - in double quotes"
_SELECTOR_FIX = "property names are letters, digits, - and _; write $.['a.b'] for a name with a ."


@dataclass(frozen=True, slots=True)
class Token:
    """``kind`` is the punctuation itself, an operator, or STRING / REGEX / WORD / SELECTOR /
    ELLIPSIS / EOF; ``value`` is the unquoted string or the parsed selector."""

    kind: str
    text: str
    start: int
    value: str | Selector | None = None


def read_quoted(text: str, start: int) -> tuple[str, int]:
    """The string opened by the ``"`` at ``start`` (``\\`` escapes the next character), and the
    offset just past its closing quote."""
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return "".join(chars), i + 1
        if char == "\\" and i + 1 < len(text):
            i += 1
            char = text[i]
        chars.append(char)
        i += 1
    raise FilterPatternError(
        "unterminated quoted string", column=start + 1, fix='close it with a "'
    )


def read_regex(text: str, start: int) -> tuple[str, int]:
    """The source of the regex opened by the ``%`` at ``start``, and the offset past its ``%``."""
    end = text.find("%", start + 1)
    if end < 0:
        raise FilterPatternError(
            "unterminated regular expression", column=start + 1, fix="close it with a %"
        )
    return text[start + 1 : end], end + 1


class Lexer:
    """Splits ``text[start:end]`` into tokens; ``json`` selects the JSON flavour."""

    def __init__(self, text: str, start: int, end: int, *, json: bool) -> None:
        self.text = text
        self.i = start
        self.end = end
        self.json = json
        self.punctuation = JSON_PUNCTUATION if json else SPACE_PUNCTUATION

    def tokens(self) -> list[Token]:
        found: list[Token] = []
        while True:
            while self.i < self.end and self.text[self.i].isspace():
                self.i += 1
            if self.i >= self.end:
                found.append(Token("EOF", "", self.end))
                return found
            found.append(self._token())

    def _token(self) -> Token:
        start, char = self.i, self.text[self.i]
        pair = self.text[start : start + 2]
        if char in self.punctuation:
            return self._emit(char, 1)
        if pair in ("&&", "||", "!=", "<=", ">="):
            return self._emit("OP" if pair[0] in "!<>" else pair, 2)
        if char in "=<>":
            if pair == "==":
                raise FilterPatternError("'==' is not an operator", column=start + 1, fix="use =")
            return self._emit("OP", 1)
        if char == '"':
            value, self.i = read_quoted(self.text, start)
            return Token("STRING", self.text[start : self.i], start, value)
        if char == "%":
            value, self.i = read_regex(self.text, start)
            return Token("REGEX", self.text[start : self.i], start, value)
        if char == "$" and self.json:
            return self._selector()
        if char in WORD_CHARS:
            return self._word()
        if char == "!":
            raise FilterPatternError(
                "'!' negation is not supported", column=start + 1, fix="use != or NOT EXISTS"
            )
        raise invalid_characters(self.text, start, self._token_starts())

    def _token_starts(self) -> set[str]:
        return set(WORD_CHARS) | set(self.punctuation + OPERATOR_CHARS + '%"$')

    def _emit(self, kind: str, length: int) -> Token:
        start = self.i
        self.i += length
        return Token(kind, self.text[start : self.i], start)

    def _word(self) -> Token:
        start = self.i
        while self.i < self.end and self.text[self.i] in WORD_CHARS:
            self.i += 1
        word = self.text[start : self.i]
        if self.i < self.end and self._is_glued(self.text[self.i]):
            allowed = self._token_starts() - {'"', "%", "$"}
            raise invalid_characters(self.text, self.i, allowed, fix=_VALUE_FIX)
        kind = "ELLIPSIS" if word == "..." and not self.json else "WORD"
        return Token(kind, word, start)

    def _selector(self) -> Token:
        start = self.i
        self.i += 1
        if self.text[self.i : self.i + 1] != ".":
            raise FilterPatternError(
                "a property selector starts with '$.'", column=start + 1, fix=_SELECTOR_FIX
            )
        steps: list[Step] = []
        while self.i < self.end and self.text[self.i] in ".[":
            if self.text[self.i] == "[":
                steps.append(self._bracket())
                continue
            self.i += 1
            steps.append(self._member())
        text = self.text[start : self.i]
        return Token("SELECTOR", text, start, Selector(text, tuple(steps)))

    def _member(self) -> Step:
        start = self.i
        char = self.text[start : start + 1]
        if char == "*":
            self.i += 1
            return WILDCARD
        if char == "[":
            return self._bracket()
        while self.i < self.end and self.text[self.i] in NAME_CHARS:
            self.i += 1
        if self.i == start:
            if not char or char.isspace() or char in "=<>!)}":
                raise FilterPatternError(
                    "expected a property name after '.'", column=start + 1, fix=_SELECTOR_FIX
                )
            raise invalid_characters(self.text, start, NAME_CHARS | set(".[=<>!)} "))
        return self.text[start : self.i]

    def _bracket(self) -> Step:
        start = self.i
        self.i += 1
        close = self.text.find("]", self.i, self.end)
        inner = self.text[self.i : close] if close >= 0 else ""
        step: Step
        if inner == "*":
            step = WILDCARD
        elif inner.isdigit() and inner.isascii() and int(inner) <= MAX_INDEX:
            step = int(inner)
        elif len(inner) >= 2 and inner[0] == inner[-1] == "'":
            step = inner[1:-1]
        else:
            raise FilterPatternError(
                "expected [N], [*] or ['name'] in the selector",
                column=start + 1,
                fix="array indexes are whole numbers from 0; names with a . go in ['...']",
            )
        self.i = close + 1
        return step

    def _is_glued(self, char: str) -> bool:
        """A character that cannot end a word: a quote, or one CloudWatch never takes bare."""
        return not (char.isspace() or char in self.punctuation or char in OPERATOR_CHARS)
