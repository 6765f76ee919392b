"""Blank out a JavaScript or TypeScript file's comments, keeping strings and every offset.

A small scanner over the characters: string literals (``'``, ``"``), template literals (with
``${...}`` expressions, nested), line and block comments, and regular expression literals
(a ``/`` where an expression may start). Comments become spaces (newlines kept), so a pattern
matched on the result is never in a comment, and its offset is the same in the file.
"""

from __future__ import annotations

# After one of these (ignoring spaces), a `/` starts a regular expression, not a division.
_REGEX_AFTER = frozenset("(,=:[!&|?{};+-*%<>~^")
_REGEX_KEYWORDS = ("return", "typeof", "case", "do", "else", "in", "of", "void", "yield")


def code_only(text: str) -> str:
    out = list(text)
    _Scanner(text, out).run()
    return "".join(out)


class _Scanner:
    def __init__(self, text: str, out: list[str]) -> None:
        self.text = text
        self.out = out
        self.i = 0
        self.braces: list[int] = []  # template nesting: brace depth at each `${`
        self.depth = 0

    def run(self) -> None:
        text = self.text
        while self.i < len(text):
            char = text[self.i]
            nxt = text[self.i + 1 : self.i + 2]
            if char == "/" and nxt == "/":
                self.blank_until("\n")
            elif char == "/" and nxt == "*":
                self.blank_block()
            elif char in "'\"":
                self.skip_string(char)
            elif char == "`":
                self.i += 1
                self.skip_template()
            elif char == "/" and self.regex_allowed():
                self.skip_regex()
            elif char == "}" and self.braces and self.braces[-1] == self.depth:
                # The end of a template's `${ ... }`: back in the template.
                self.braces.pop()
                self.depth -= 1
                self.i += 1
                self.skip_template()
            else:
                self.depth += {"{": 1, "}": -1}.get(char, 0)
                self.i += 1

    def blank_until(self, end: str) -> None:
        stop = self.text.find(end, self.i)
        stop = len(self.text) if stop == -1 else stop
        self.blank(self.i, stop)
        self.i = stop

    def blank_block(self) -> None:
        stop = self.text.find("*/", self.i + 2)
        stop = len(self.text) if stop == -1 else stop + 2
        self.blank(self.i, stop)
        self.i = stop

    def blank(self, start: int, stop: int) -> None:
        for index in range(start, stop):
            if self.out[index] != "\n":
                self.out[index] = " "

    def skip_string(self, quote: str) -> None:
        i = self.i + 1
        while i < len(self.text) and self.text[i] not in (quote, "\n"):
            i += 2 if self.text[i] == "\\" else 1
        self.i = i + 1

    def skip_template(self) -> None:
        """From inside a template literal to after its end, or into a `${` expression."""
        text, i = self.text, self.i
        while i < len(text):
            if text[i] == "\\":
                i += 2
            elif text[i] == "`":
                self.i = i + 1
                return
            elif text.startswith("${", i):
                self.depth += 1
                self.braces.append(self.depth)
                self.i = i + 2
                return
            else:
                i += 1
        self.i = i

    def skip_regex(self) -> None:
        text, i, in_class = self.text, self.i + 1, False
        while i < len(text) and text[i] != "\n":
            char = text[i]
            if char == "\\":
                i += 2
                continue
            if char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif char == "/" and not in_class:
                break
            i += 1
        self.i = i + 1

    def regex_allowed(self) -> bool:
        j = self.i - 1
        while j >= 0 and self.text[j] in " \t\r\n":
            j -= 1
        if j < 0 or self.text[j] in _REGEX_AFTER:
            return True
        word_end = j + 1
        while j >= 0 and (self.text[j].isalnum() or self.text[j] in "_$"):
            j -= 1
        return self.text[j + 1 : word_end] in _REGEX_KEYWORDS
