"""A baseline: the findings a repository already had when it adopted ``hakobu check``.

``hakobu check --write-baseline`` records them; later runs report them as baselined and fail only
on new ones. A finding is recognised by a fingerprint that survives edits elsewhere in the file:
its rule, its file, and where it is, as content rather than as a line number (the JSON path of
a finding in JSON or YAML, else the text of its line with whitespace normalized). Messages are
left out, so a reworded message in a new hakobu release does not make old findings new. Equal
fingerprints (the same line twice) are counted: a third copy of a baselined line is new.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hakobu import __version__
from hakobu.checks.rule import Finding
from hakobu.errors import UsageError
from hakobu.spec.jsonpos import format_path

DEFAULT_BASELINE = ".hakobu-baseline.json"
VERSION = 1

LineText = Callable[[str, int], str | None]


@dataclass(frozen=True)
class Baseline:
    path: Path
    counts: Counter[str]

    def split(
        self, findings: Iterable[Finding], line_text: LineText
    ) -> tuple[list[Finding], list[Finding]]:
        """(new findings, baselined findings)."""
        left = Counter(self.counts)
        new: list[Finding] = []
        known: list[Finding] = []
        for finding in findings:
            key = fingerprint(finding, line_text)
            if left[key] > 0:
                left[key] -= 1
                known.append(finding)
            else:
                new.append(finding)
        return new, known


def fingerprint(finding: Finding, line_text: LineText) -> str:
    if finding.json_path is not None:
        anchor = "json:" + format_path(finding.json_path)
    elif finding.file and finding.line:
        anchor = "line:" + " ".join((line_text(finding.file, finding.line) or "").split())
    else:
        anchor = "file"
    raw = "\0".join((finding.rule_id, finding.file or "", anchor))
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def write_baseline(path: Path, findings: Iterable[Finding], line_text: LineText) -> int:
    """Write the baseline; returns how many findings it holds. Raises UsageError."""
    entries = [
        {
            "fingerprint": fingerprint(f, line_text),
            "rule_id": f.rule_id,
            "file": f.file,
            "line": f.line,  # for readers only: matching ignores it
            "message": f.message,
        }
        for f in findings
    ]
    document = {"version": VERSION, "tool": f"hakobu {__version__}", "findings": entries}
    try:
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as e:
        raise UsageError(f"--write-baseline {path}: {e.strerror} (check the directory)") from e
    return len(entries)


def load_baseline(path: Path) -> Baseline:
    """Raises UsageError when the file cannot be read or is not a baseline."""
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise UsageError(f"baseline {path}: {e.strerror} (write one with --write-baseline)") from e
    except ValueError as e:
        raise UsageError(f"baseline {path}: not JSON ({e}); write it again") from e
    if not isinstance(document, dict):
        document = {}
    entries = document.get("findings")
    if document.get("version") != VERSION or not isinstance(entries, list):
        raise UsageError(
            f"baseline {path}: not a hakobu baseline of version {VERSION}; "
            "write it again with --write-baseline"
        )
    counts = Counter(
        str(entry["fingerprint"])
        for entry in entries
        if isinstance(entry, dict) and "fingerprint" in entry
    )
    return Baseline(path, counts)
