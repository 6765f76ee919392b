"""Inline suppressions: ``# hakobu: ignore[HK-DF-001] the reason`` where a format has comments.

- Dockerfiles, YAML, Python, TOML and requirements files: ``# hakobu: ignore[ID, ...] reason``;
  JavaScript and TypeScript: ``// hakobu: ignore[ID] reason`` (or ``/* ... */``).
- On a line of its own, a suppression applies to the next line that is neither blank nor a
  comment (a Dockerfile instruction, a YAML key, a statement); after code, to its own line.
  ``hakobu: ignore-file[ID] reason`` applies to the whole file. JSON has no comments: task
  definitions use ``[[check.ignore]]`` with a JSON path.
- The reason is mandatory: a suppression without one, or naming no rule, suppresses nothing
  and is itself a finding (``HK-SUPPRESS``), so every exception in a repository says why.
- hadolint's rules are named ``hadolint/DL3008`` or just ``DL3008``.

Comments are found by text, not by each language's grammar (Python's excepted: its tokenizer
tells comments from strings, so a docstring can show the syntax): a ``# hakobu:`` inside a
string literal of another language would count too, which the ``hakobu:`` marker makes
unlikely enough.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hakobu.checks.settings import normalize_rule_id
from hakobu.checks.taxonomy import TargetKind

_MARKER = re.compile(
    r"(?P<lead>#|//|/\*)\s*hakobu:\s*(?P<verb>ignore-file|ignore)\s*"
    r"(?:\[(?P<ids>[^\]]*)\])?(?P<reason>.*)$"
)
_REASON_TRIM = " \t-:–—*/"  # `-- reason`, `: reason`, and the end of a /* */ comment
HASH_KINDS = frozenset(
    {
        TargetKind.DOCKERFILE,
        TargetKind.BUILDSPEC,
        TargetKind.APPSPEC,
        TargetKind.SOURCE_PYTHON,
        TargetKind.DEPENDENCIES,
    }
)


@dataclass(frozen=True)
class Suppression:
    file: str
    line: int  # where the comment is written
    target_line: int | None  # the line it applies to; None: the whole file
    rules: tuple[str, ...]
    reason: str
    problem: str | None = None  # why it suppresses nothing (no reason, an unknown rule)

    def covers(self, rule_id: str, line: int | None) -> bool:
        if self.problem is not None or rule_id not in self.rules:
            return False
        return self.target_line is None or line == self.target_line


def find_suppressions(
    file: str, text: str, kind: TargetKind, known_rule: Callable[[str], bool]
) -> list[Suppression]:
    """Every ``hakobu:`` comment in ``text``; cheap when there is none (a substring test)."""
    if "hakobu:" not in text:
        return []
    comment = "#" if kind in HASH_KINDS else "//"
    lines = text.splitlines()
    comments = _python_comments(text) if kind is TargetKind.SOURCE_PYTHON else None
    found: list[Suppression] = []
    for index, line in enumerate(lines):
        match = _MARKER.search(line)
        if match is None or not _is_comment(match["lead"], comment):
            continue
        if comments is not None and (index + 1, match.start()) not in comments:
            continue  # in a string (a docstring showing the syntax), not a comment
        own_line = not line[: match.start()].strip()
        target = _next_code_line(lines, index + 1, comment) if own_line else index + 1
        found.append(_suppression(file, index + 1, target, match, known_rule))
    return found


def _python_comments(text: str) -> set[tuple[int, int]] | None:
    """(line, column) of each comment of a Python module; None when it does not tokenize."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        return {t.start for t in tokens if t.type == tokenize.COMMENT}
    except (tokenize.TokenError, SyntaxError):
        return None


def _is_comment(lead: str, comment: str) -> bool:
    return lead == comment or (comment == "//" and lead == "/*")


def _next_code_line(lines: list[str], start: int, comment: str) -> int | None:
    for index in range(start, len(lines)):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith((comment, "/*", "*")):
            return index + 1
    return None


def _suppression(
    file: str, line: int, target: int | None, match: re.Match[str], known: Callable[[str], bool]
) -> Suppression:
    whole_file = match["verb"] == "ignore-file"
    ids = tuple(normalize_rule_id(i) for i in re.split(r"[\s,]+", match["ids"] or "") if i)
    reason = match["reason"].strip(_REASON_TRIM)
    problem = None
    unknown = [rule for rule in ids if not known(rule)]
    if not ids:
        problem = "names no rule: write hakobu: ignore[RULE-ID] and the reason"
    elif unknown:
        problem = f"names no known rule: {', '.join(unknown)} (`hakobu rules` lists them)"
    elif not re.search(r"[^\W\d_]{2,}", reason):
        problem = f"ignore[{', '.join(ids)}] has no reason: say why after the brackets"
    if target is None and not whole_file:
        problem = problem or "is followed by no line to apply to"
    return Suppression(file, line, None if whole_file else target, ids, reason, problem)


def suppressing(
    suppressions: Iterable[Suppression], rule_id: str, line: int | None
) -> Suppression | None:
    return next((s for s in suppressions if s.covers(rule_id, line)), None)
