"""CloudWatch Logs' regular expressions (the text between two ``%``), translated to Python's ``re``.

CloudWatch accepts a small subset: letters, digits, the symbols ``: _ # = @ / ; , -`` (and the
space its own examples use), the operators ``^ $ ? [ ] { } | \\ * + .``, the escapes ``\\d \\D \\s
\\S \\w \\W \\xhh`` and ``\\`` before an operator. No parentheses, no multi-byte characters.
Python's ``re`` would accept far more, so the subset is parsed here first: a pattern that works
locally must not be rejected by CloudWatch later. The translation escapes every literal, so no
Python-only construct can slip through.
"""

from __future__ import annotations

import re
import string
from typing import NamedTuple

from hakobu.logs.filter_errors import FilterPatternError

SYMBOLS = ":_#=@/;,- "
OPERATORS = "^$?[]{}|\\*+."
CLASS_ESCAPES = "dDsSwW"
MAX_REPEAT = 65535
_ALLOWED = frozenset(string.ascii_letters + string.digits + SYMBOLS + OPERATORS)
_ESCAPE_FIX = r"CloudWatch supports \d \D \s \S \w \W \xhh and \ before an operator"


class CompiledRegex(NamedTuple):
    """The Python pattern, and what lets evaluation skip it: for each ``|`` branch a literal that
    every match of the branch contains (``literals`` is empty when a branch has none), and
    whether the branches are nothing but those literals (then ``in`` is the whole test)."""

    pattern: re.Pattern[str]
    literals: tuple[str, ...]
    pure: bool


class _Atom(NamedTuple):
    text: str
    repeatable: bool
    literal: str | None  # the one character it stands for, if it is a literal


class _Branch(NamedTuple):
    text: str
    literal: str  # the longest run of characters every match holds, in order
    pure: bool


def compile_regex(source: str, offset: int) -> CompiledRegex:
    """Compile ``source`` (the text between the ``%`` signs, starting at ``offset`` in the pattern).

    Raises FilterPatternError, located in the whole pattern, for anything CloudWatch rejects.
    """
    branches = _Translator(source, offset).translate()
    # ASCII: CloudWatch's \d \w \s are ASCII classes, Python's would take any Unicode digit.
    pattern = re.compile("|".join(branch.text for branch in branches), re.ASCII)
    literals = tuple(branch.literal for branch in branches)
    if not all(literals):
        return CompiledRegex(pattern, (), False)
    return CompiledRegex(pattern, literals, all(branch.pure for branch in branches))


class _Translator:
    """Recursive descent over the subset; emits an equivalent Python pattern."""

    def __init__(self, source: str, offset: int) -> None:
        self.s = source
        self.i = 0
        self.offset = offset

    def error(self, detail: str, at: int | None = None, fix: str | None = None) -> Exception:
        where = self.i if at is None else at
        return FilterPatternError(detail, column=self.offset + where + 1, fix=fix)

    def translate(self) -> list[_Branch]:
        if not self.s:
            raise self.error("empty regular expression '%%'", fix="put a regex between the % signs")
        self._check_characters()
        branches = [self._sequence()]
        while self.i < len(self.s):  # only '|' stops a sequence before the end
            self.i += 1
            branches.append(self._sequence())
        return branches

    def _check_characters(self) -> None:
        for at, char in enumerate(self.s):
            if char in _ALLOWED:
                continue
            if ord(char) > 127:
                raise self.error(
                    "multi-byte characters are not supported in a regular expression",
                    at,
                    fix=r"match them with . or a \xhh escape for ASCII",
                )
            if char in "()":
                raise self.error(
                    f"'{char}' is not supported in a regular expression: it has no groups",
                    at,
                    fix=r"use \x28 and \x29 for literal parentheses",
                )
            raise self.error(
                f"Invalid character(s) in term '{char}'",
                at,
                fix=rf"a CloudWatch regex cannot hold it: match it with \x{ord(char):02X}",
            )

    def _sequence(self) -> _Branch:
        parts: list[str] = []
        run, longest, pure = "", "", True
        while self.i < len(self.s) and self.s[self.i] != "|":
            start = self.i
            atom = self._atom()
            quantifier = self._quantifier()
            if quantifier and not atom.repeatable:
                raise self.error(f"nothing to repeat before '{quantifier}'", start)
            parts.append(atom.text + quantifier)
            pure = pure and atom.literal is not None and not quantifier
            # Without groups there is no nesting: a literal not made optional by its
            # quantifier is in every match, next to the literals before it.
            optional = quantifier in ("?", "*") or quantifier.startswith(("{0", "{,"))
            if atom.literal is not None and not optional:
                run += atom.literal
            if atom.literal is None or quantifier:
                longest, run = max(longest, run, key=len), ""
        return _Branch("".join(parts), max(longest, run, key=len), pure)

    def _atom(self) -> _Atom:
        char = self.s[self.i]
        if char in "^$":
            self.i += 1
            return _Atom(char, False, None)
        if char == ".":
            self.i += 1
            return _Atom(".", True, None)
        if char == "[":
            return _Atom(self._char_class(), True, None)
        if char == "\\":
            text, code = self._escape()
            return _Atom(text, True, None if code is None else chr(code))
        if char in "?*+{":
            raise self.error(
                f"nothing to repeat before '{char}'", fix=rf"write \{char} for a literal"
            )
        if char in "]}":
            raise self.error(f"unmatched '{char}'", fix=rf"write \{char} for a literal")
        self.i += 1
        return _Atom(re.escape(char), True, char)

    def _quantifier(self) -> str:
        if self.i >= len(self.s):
            return ""
        char = self.s[self.i]
        if char in "?*+":
            self.i += 1
            quantifier = char
        elif char == "{":
            quantifier = self._braces()
        else:
            return ""
        if self.i < len(self.s) and self.s[self.i] in "?*+{":
            raise self.error(
                "a repetition cannot follow another one ('a+?', 'a++', 'a*{2}' are not supported)"
            )
        return quantifier

    def _braces(self) -> str:
        start = self.i
        close = self.s.find("}", start)
        if close < 0:
            raise self.error("unclosed '{'", start, fix=r"write {m,n}, or \{ for a literal")
        body = self.s[start + 1 : close].replace(" ", "")  # the documentation writes {m, n}
        match = re.fullmatch(r"(\d*)(,?)(\d*)", body)
        if match is None or not (match.group(1) or match.group(3)):
            raise self.error(
                f"invalid repetition '{self.s[start : close + 1]}'",
                start,
                fix=r"write {n}, {m,}, {,n} or {m,n}, or \{ for a literal",
            )
        low, comma, high = match.groups()
        if max(int(low or 0), int(high or 0)) > MAX_REPEAT:
            raise self.error(f"repetition count above {MAX_REPEAT}", start)
        if low and high and int(low) > int(high):
            raise self.error(
                f"repetition '{{{low},{high}}}' has its minimum above its maximum", start
            )
        self.i = close + 1
        low = low or ("0" if comma else "")  # {,n}: Python wants the 0 written
        return "{" + low + comma + high + "}"

    def _escape(self) -> tuple[str, int | None]:
        """One escape: (Python text, the code point it stands for, or None for a class)."""
        start = self.i
        if start + 1 >= len(self.s):
            raise self.error("a regular expression cannot end with '\\'", start, fix=_ESCAPE_FIX)
        char = self.s[start + 1]
        self.i = start + 2
        if char in CLASS_ESCAPES:
            return "\\" + char, None
        if char == "x":
            digits = self.s[self.i : self.i + 2]
            if len(digits) != 2 or any(d not in string.hexdigits for d in digits):
                raise self.error(r"\x needs two hexadecimal digits", start, fix=_ESCAPE_FIX)
            if int(digits, 16) > 0x7F:
                raise self.error(rf"\x{digits} is not an ASCII character", start)
            self.i += 2
            return "\\x" + digits, int(digits, 16)
        if char in OPERATORS or char in SYMBOLS:
            return re.escape(char), ord(char)
        raise self.error(f"unsupported escape '\\{char}'", start, fix=_ESCAPE_FIX)

    def _char_class(self) -> str:
        start = self.i
        self.i += 1
        negate = self.i < len(self.s) and self.s[self.i] == "^"
        self.i += negate
        items: list[str] = []
        while self.i < len(self.s) and self.s[self.i] != "]":
            items.append(self._class_item())
        if self.i >= len(self.s):
            raise self.error(
                "unclosed '['", start, fix=r"close it with ], or write \[ for a literal"
            )
        if not items:
            raise self.error("empty character class", start, fix=r"write \] for a literal ]")
        self.i += 1
        return "[" + ("^" if negate else "") + "".join(items) + "]"

    def _class_item(self) -> str:
        start = self.i
        low_text, low = self._class_char()
        is_range = self.s[self.i : self.i + 1] == "-" and self.s[self.i + 1 : self.i + 2] not in "]"
        if not is_range:
            return low_text
        self.i += 1
        high_text, high = self._class_char()
        if low is None or high is None:
            raise self.error("a range cannot start or end with a class like \\d", start)
        if low > high:
            raise self.error(f"range '{self.s[start : self.i]}' is out of order", start)
        return f"{low_text}-{high_text}"

    def _class_char(self) -> tuple[str, int | None]:
        if self.s[self.i] == "\\":
            return self._escape()
        char = self.s[self.i]
        self.i += 1
        # Inside a class every operator is literal; escaping keeps Python from reading [ as a set.
        return re.escape(char), ord(char)
