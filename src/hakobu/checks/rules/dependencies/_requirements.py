"""pip requirements files and npm version specs: what is pinned and what moves."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")
_PINNED = re.compile(r"===?\s*[^\s,;*]+$")
_COMMIT = re.compile(r"@[0-9a-f]{40}\b|#sha(?:1|256|384|512)=|\.(?:whl|tar\.gz|zip)\b")


@dataclass(frozen=True)
class Requirement:
    line: int
    text: str  # the requirement as written, options and markers removed
    name: str
    pinned: bool


def parse_requirements(text: str) -> list[Requirement]:
    """Every requirement of a requirements file (``-r``/``-c`` and other options skipped)."""
    found: list[Requirement] = []
    for line, logical in _logical_lines(text):
        body = re.split(r"(?:^|\s)#", logical, maxsplit=1)[0].strip()
        if not body or body.startswith("-"):
            continue
        body = re.sub(r"\s--?[a-z][\w-]*(?:[=\s]\S+)?", "", " " + body).strip()
        requirement = body.split(";", 1)[0].strip()
        match = _NAME.match(requirement)
        if match is None:
            continue
        found.append(Requirement(line, requirement, match[1], _pinned(requirement, match.end())))
    return found


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with backslash continuations joined, each with the line it starts on."""
    result: list[tuple[int, str]] = []
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not parts:
            start = number
        if raw.rstrip().endswith("\\"):
            parts.append(raw.rstrip()[:-1])
            continue
        parts.append(raw)
        result.append((start, " ".join(parts)))
        parts = []
    if parts:
        result.append((start, " ".join(parts)))
    return result


def _pinned(requirement: str, name_end: int) -> bool:
    rest = requirement[name_end:].strip()
    if rest.startswith("@") or "://" in requirement:
        return bool(_COMMIT.search(requirement))  # a direct reference: to a commit or a file
    return bool(_PINNED.match(rest)) and "," not in rest


def requirements_pinned(text: str) -> bool:
    """Every requirement pinned with ``==`` (``--require-hashes`` implies it)."""
    return all(r.pinned for r in parse_requirements(text))


def npm_moving(spec: str) -> str | None:
    """Why an npm version spec follows new releases beyond a range of compatible versions."""
    text = spec.strip()
    if text.startswith("npm:"):  # an alias: npm:other-package@^1.0
        text = text.rsplit("@", 1)[1] if "@" in text[5:] else "*"
    if text in ("", "*", "x", "X", "latest", "next"):
        return f"{text or '(empty)'} takes any version"
    if text.startswith(("file:", "link:", "workspace:", "portal:", "patch:")):
        return None
    if re.match(r"(?:git\+|git:|github:|gitlab:|bitbucket:|https?://)", text) or re.fullmatch(
        r"[\w.-]+/[\w.-]+(?:#.*)?", text
    ):
        if re.search(r"\.(?:tgz|tar\.gz)$", text):
            return None
        ref = text.split("#", 1)[1] if "#" in text else ""
        return None if re.fullmatch(r"[0-9a-f]{7,40}", ref) else "a git branch, not a commit"
    if re.fullmatch(r"[A-Za-z][\w.-]*", text):
        return f"the dist-tag {text} moves with every release"
    if re.search(r">=?\s*v?\d", text) and "<" not in text and "||" not in text:
        return f"{text} has no upper bound"
    return None
