""".dockerignore patterns as BuildKit matches them (moby/patternmatcher).

Each line is a pattern in Go's ``filepath.Match`` syntax plus ``**`` for any number of
directories; a leading ``!`` makes an exception; the last pattern that matches a path, or one of
its parent directories, decides. Comments start with ``#``; paths are cleaned and relative to the
build context (a leading ``/`` means the same as none).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    text: str
    exclude: bool  # False for a `!` exception
    regex: re.Pattern[str]


def parse_patterns(text: str) -> list[Pattern]:
    patterns = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclude = not line.startswith("!")
        body = line if exclude else line[1:].strip()
        cleaned = posixpath.normpath(body.lstrip("/")) if body.strip("/") else "."
        patterns.append(Pattern(line, exclude, re.compile(_translate(cleaned))))
    return patterns


def excluded(path: str, patterns: list[Pattern]) -> bool:
    """Whether ``path`` (relative, POSIX) stays out of the build context."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for pattern in patterns:
        if any(pattern.regex.fullmatch(c) for c in candidates):
            result = pattern.exclude
    return result


def _translate(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            slash = pattern.startswith("**/", i)
            out.append("(?:.*/)?" if slash else ".*")
            i += 3 if slash else 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body[:1] in "!^" else body) + "]")
                i = end
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)
