"""A small Dockerfile parser: the instructions, with their lines, as BuildKit reads them.

hakobu's rules need what hadolint's do not give: stages, the final stage's USER and CMD, ARG
defaults to resolve ``FROM $BASE``, COPY sources. The parser follows BuildKit's frontend:
parser directives at the top (``# syntax=``, ``# escape=``), the escape character for line
continuations, comment lines dropped even inside a continuation, heredocs (``<<EOF``) for RUN,
COPY and ADD, exec (JSON) form where the arguments are a JSON array of strings and shell form
otherwise. Anything BuildKit would refuse (an unknown instruction, an instruction before the first
FROM, a FROM without an image) raises ``DockerfileSyntaxError`` with its line and column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

INSTRUCTIONS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
_HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})
_KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_DIRECTIVE = re.compile(r"#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*")
# `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`; not bash's here-string `<<<`.
_HEREDOC = re.compile(r"(?<!<)<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
# $NAME, ${NAME}, ${NAME:-word}, ${NAME-word}, ${NAME:+word}, ${NAME+word}
_VARIABLE = re.compile(r"\$(?:\{(\w+)(?:(:?[-+])([^}]*))?\}|(\w+))", re.ASCII)


class DockerfileSyntaxError(ValueError):
    """The file is not a Dockerfile BuildKit would build; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Heredoc:
    name: str
    body: str
    line: int  # the body's first line


@dataclass(frozen=True)
class Instruction:
    """One instruction. ``args`` is the text after the keyword, continuation lines joined."""

    keyword: str  # upper case
    args: str
    line: int
    end_line: int
    column: int
    heredocs: tuple[Heredoc, ...] = ()

    @cached_property
    def _split(self) -> tuple[tuple[tuple[str, str | None], ...], str]:
        return split_flags(self.args)

    @property
    def flags(self) -> tuple[tuple[str, str | None], ...]:
        """Leading ``--name=value`` options (``--from``, ``--chown``, ``--mount``), in order."""
        return self._split[0]

    def flag(self, name: str) -> str | None:
        return next((value or "" for key, value in self.flags if key == name), None)

    @property
    def rest(self) -> str:
        """The arguments after the flags."""
        return self._split[1]

    @cached_property
    def exec_form(self) -> tuple[str, ...] | None:
        """The JSON array of an exec-form instruction (``CMD ["python", "app.py"]``), else None."""
        text = self.rest.strip()
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None  # BuildKit falls back to shell form too
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(value)
        return None

    @property
    def words(self) -> list[str]:
        return split_words(self.rest)


@dataclass(frozen=True)
class Stage:
    index: int
    base: str  # the image (or earlier stage) as written, variables unexpanded
    name: str | None  # `AS name`, lower case as BuildKit compares it
    from_: Instruction
    instructions: tuple[Instruction, ...]  # the stage's instructions after FROM

    def last(self, keyword: str) -> Instruction | None:
        found = [i for i in self.instructions if i.keyword == keyword]
        return found[-1] if found else None


@dataclass(frozen=True)
class Dockerfile:
    instructions: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    directives: Mapping[str, str] = field(default_factory=dict)
    escape: str = "\\"

    @property
    def final_stage(self) -> Stage:
        return self.stages[-1]

    @cached_property
    def global_args(self) -> dict[str, str | None]:
        """ARGs before the first FROM: what FROM lines may use, with their defaults."""
        result: dict[str, str | None] = {}
        for instruction in self.instructions:
            if instruction.keyword == "FROM":
                break
            if instruction.keyword == "ARG":
                result.update(parse_assignments(instruction.rest, legacy=False))
        return result

    def stage(self, ref: str) -> Stage | None:
        """The stage ``ref`` names (``COPY --from=build``, ``FROM build``), by name or index."""
        lowered = ref.lower()
        for stage in self.stages:
            if stage.name == lowered:
                return stage
        if ref.isdigit() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None

    def stage_variables(self, stage: Stage) -> dict[str, str]:
        """ARG defaults and ENV values a stage sees (ignoring order: good enough for a lint)."""
        variables = {k: v for k, v in self.global_args.items() if v is not None}
        parent = self.stage(stage.base)
        if parent is not None and parent.index < stage.index:
            variables.update(self.stage_variables(parent))
        for instruction in stage.instructions:
            if instruction.keyword in ("ARG", "ENV"):
                legacy = instruction.keyword == "ENV"
                for key, value in parse_assignments(instruction.rest, legacy=legacy).items():
                    if value is not None:
                        variables[key] = value
                    elif key in self.global_args and self.global_args[key] is not None:
                        variables[key] = self.global_args[key] or ""
        return variables


def parse_dockerfile(text: str) -> Dockerfile:
    """Parse ``text``; raises ``DockerfileSyntaxError``."""
    lines = text.splitlines()
    directives, start = _directives(lines)
    escape = directives.get("escape", "\\")
    if escape not in ("\\", "`"):
        raise DockerfileSyntaxError(f"invalid escape directive {escape!r}: use \\ or `", 1)
    instructions = tuple(_Reader(lines, start, escape).instructions())
    return Dockerfile(instructions, _stages(instructions), directives, escape)


def _directives(lines: list[str]) -> tuple[dict[str, str], int]:
    """Parser directives: only at the very top, until the first line that is not one."""
    found: dict[str, str] = {}
    for index, line in enumerate(lines):
        match = _DIRECTIVE.fullmatch(line.strip())
        name = match[1].lower() if match else ""
        if name not in _KNOWN_DIRECTIVES or name in found:
            return found, index
        found[name] = match[2] if match else ""
    return found, len(lines)


class _Reader:
    """Turns physical lines into instructions: continuations, comments, heredocs."""

    def __init__(self, lines: list[str], start: int, escape: str) -> None:
        self.lines = lines
        self.index = start
        self.escape = escape

    def instructions(self) -> list[Instruction]:
        result: list[Instruction] = []
        while self.index < len(self.lines):
            raw = self.lines[self.index]
            stripped = raw.strip()
            if not stripped or stripped.startswith("#"):
                self.index += 1
                continue
            result.append(self.instruction(raw))
        return result

    def instruction(self, raw: str) -> Instruction:
        line = self.index + 1
        column = len(raw) - len(raw.lstrip()) + 1
        logical = self.logical_line()
        keyword, _, args = logical.strip().partition(" ")
        if "\t" in keyword:  # `RUN\techo`: the keyword ends at any whitespace
            keyword, _, more = keyword.partition("\t")
            args = f"{more} {args}"
        upper = keyword.upper()
        if upper not in INSTRUCTIONS:
            raise DockerfileSyntaxError(f'unknown instruction "{keyword}"', line, column)
        end_line = self.index
        heredocs = self.heredocs(args) if upper in _HEREDOC_INSTRUCTIONS else ()
        return Instruction(upper, args.strip(), line, end_line, column, heredocs)

    def logical_line(self) -> str:
        """The instruction's text with continuation lines joined (and comment lines dropped)."""
        parts: list[str] = []
        while self.index < len(self.lines):
            body = self.lines[self.index].rstrip()
            self.index += 1
            if not body.endswith(self.escape):
                parts.append(body)
                break
            parts.append(body[: -len(self.escape)])
            self.skip_blank_and_comments()
        return "".join(parts)

    def skip_blank_and_comments(self) -> None:
        while self.index < len(self.lines):
            stripped = self.lines[self.index].strip()
            if stripped and not stripped.startswith("#"):
                return
            self.index += 1

    def heredocs(self, args: str) -> tuple[Heredoc, ...]:
        """Read the bodies of ``<<EOF`` markers; a marker never closed is taken as plain text.

        Tolerant on purpose: ``$((1<<n))`` in a shell command looks like a marker, and a lint
        must not refuse a file BuildKit would build.
        """
        found: list[Heredoc] = []
        for match in _HEREDOC.finditer(args):
            strip_tabs, name = match[1] == "-", match[3]
            body = self.heredoc_body(name, strip_tabs)
            if body is not None:
                found.append(Heredoc(name, body[1], body[0]))
        return tuple(found)

    def heredoc_body(self, name: str, strip_tabs: bool) -> tuple[int, str] | None:
        for end in range(self.index, len(self.lines)):
            candidate = self.lines[end].lstrip("\t") if strip_tabs else self.lines[end]
            if candidate == name:
                first = self.index + 1
                body = "\n".join(self.lines[self.index : end])
                self.index = end + 1
                return first, body
        return None


def _stages(instructions: tuple[Instruction, ...]) -> tuple[Stage, ...]:
    stages: list[Stage] = []
    current: tuple[int, str, str | None, Instruction] | None = None
    body: list[Instruction] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            if current is not None:
                stages.append(Stage(*current, tuple(body)))
            base, name = _from_args(instruction)
            current, body = (len(stages), base, name, instruction), []
        elif current is None and instruction.keyword != "ARG":
            raise DockerfileSyntaxError(
                f"{instruction.keyword} before the first FROM (only ARG may come before it)",
                instruction.line,
                instruction.column,
            )
        elif current is not None:
            body.append(instruction)
    if current is None:
        line = instructions[-1].line if instructions else 1
        message = "no FROM instruction" if instructions else "no instructions"
        raise DockerfileSyntaxError(message, line)
    stages.append(Stage(*current, tuple(body)))
    return tuple(stages)


def _from_args(instruction: Instruction) -> tuple[str, str | None]:
    words = instruction.rest.split()
    if len(words) == 1:
        return words[0], None
    if len(words) == 3 and words[1].lower() == "as":
        return words[0], words[2].lower()
    raise DockerfileSyntaxError(
        "FROM takes an image and an optional `AS name`",
        instruction.line,
        instruction.column,
    )


def split_flags(args: str) -> tuple[tuple[tuple[str, str | None], ...], str]:
    """``--from=build --chown=app a b`` -> ``((("from", "build"), ("chown", "app")), "a b")``."""
    flags: list[tuple[str, str | None]] = []
    rest = args.lstrip()
    while rest.startswith("--"):
        word, _, remainder = rest.partition(" ")
        name, sep, value = word[2:].partition("=")
        flags.append((name.lower(), value if sep else None))
        rest = remainder.lstrip()
    return tuple(flags), rest


def split_words(text: str) -> list[str]:
    """Words as a shell would split them: quotes removed, backslash escapes honoured."""
    words: list[str] = []
    current: list[str] = []
    quote = ""
    in_word = False
    chars = iter(text)
    for char in chars:
        if quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"':
                current.append(next(chars, ""))
            else:
                current.append(char)
        elif char in "\"'":
            quote, in_word = char, True
        elif char == "\\":
            current.append(next(chars, ""))
            in_word = True
        elif char.isspace():
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        else:
            current.append(char)
            in_word = True
    if in_word:
        words.append("".join(current))
    return words


def parse_assignments(args: str, *, legacy: bool) -> dict[str, str | None]:
    """``ENV A=1 B="two words"``, ``ARG NAME``, ``ARG NAME=default`` and legacy ``ENV A value``.

    A name without ``=`` has the value None (an ARG without default); with ``legacy`` (ENV), a
    first word without ``=`` makes the rest of the line its value, as the old form does.
    """
    words = split_words(args)
    if legacy and words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    result: dict[str, str | None] = {}
    for word in words:
        name, sep, value = word.partition("=")
        result[name] = value if sep else None
    return result


def expand(text: str, variables: Mapping[str, str]) -> str | None:
    """``text`` with ``$NAME``, ``${NAME}``, ``${NAME:-default}`` and ``${NAME:+alt}`` expanded.

    None when a variable has no known value: the caller cannot judge what it will be.
    """
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match[1] or match[4]
        operator, word = match[2], match[3] or ""
        value = variables.get(name)
        if operator in (":-", "-"):
            empty = value is None or (operator == ":-" and value == "")
            return word if empty else str(value)
        if operator in (":+", "+"):
            present = value is not None and (operator == "+" or value != "")
            return word if present else ""
        if value is None:
            unknown = True
            return ""
        return value

    result = _VARIABLE.sub(replace, text)
    return None if unknown else result
