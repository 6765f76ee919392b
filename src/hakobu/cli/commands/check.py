"""``hakobu check``: review the repository against the talk's practices.

Exit 1 when a finding is at or above ``--fail-on`` (default error), else 0; 2 only for usage
errors (bad flags, a directory that does not exist, an invalid hakobu.toml). A file that does not
parse is a finding, not an exit 2: the rest of the repository is still checked.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from hakobu.checks import CheckConfig, Severity, run_checks
from hakobu.cli import common
from hakobu.config import AppConfig, find_config, load_config
from hakobu.errors import ConfigError, UsageError
from hakobu.output import FORMATS
from hakobu.output.text import counts_text


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help="review the repository against the talk's practices (Dockerfiles, task definitions)",
        description=(
            "Find the Dockerfiles, task definitions, buildspecs, appspecs and sources of the "
            "repository (hakobu.toml is optional), run hakobu's rules and hadolint on them, and "
            "report each finding under its Well-Architected pillar, the talk's design point and "
            "its Twelve-Factor factor. The repository is the directory of the nearest "
            "hakobu.toml, else the current directory (see -C)."
        ),
    )
    parser.add_argument(
        "--format", choices=list(FORMATS), default="text", help="report format (default: text)"
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout"
    )
    parser.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        default=Severity.ERROR.value,
        help="exit 1 when a finding is at or above this severity (default: error)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    app = _find_app()
    root = app.root if app is not None else Path.cwd()
    report = run_checks(root, CheckConfig(app=app))
    fail_on = Severity(args.fail_on)
    color = args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = FORMATS[args.format](fail_on=fail_on, color=color).format(report)
    if args.output is None:
        sys.stdout.write(text)
    else:
        _write(Path(args.output), text)
        common.note(f"hakobu: wrote {args.output} ({counts_text(report)})")
    return 1 if report.failed(fail_on) else 0


def _find_app() -> AppConfig | None:
    """hakobu.toml's app when there is one; an invalid one is an error (exit 2)."""
    try:
        path = find_config(Path.cwd())
    except ConfigError:
        return None  # none at all: check the repository as it is
    return load_config(path)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise UsageError(f"--output {path}: {e.strerror} (check the directory exists)") from e
