"""``hakobu check``: review the repository against the talk's practices.

Exit 1 when a finding is at or above ``--fail-on`` (default: ``[check] fail_on`` of hakobu.toml,
else error), else 0; 2 only for usage errors (bad flags, a directory that does not exist, an
invalid hakobu.toml or baseline). A file that does not parse is a finding, not an exit 2: the rest
of the repository is still checked. Findings in the baseline (``.hakobu-baseline.json`` when it
exists, or ``--baseline FILE``) are reported as baselined and never fail the run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hakobu.cli import common
from hakobu.cli.commands import COMMANDS
from hakobu.config import AppConfig, find_config, load_config
from hakobu.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from hakobu.checks.baseline import Baseline
    from hakobu.checks.settings import CheckSettings

# hakobu.checks and hakobu.output are imported when `check` runs, not when the CLI starts: every
# command's startup would pay for them. So the choices are written here; a test keeps them
# equal to hakobu.output.FORMATS, Severity and hakobu.checks.baseline.DEFAULT_BASELINE.
FORMAT_NAMES = ("text", "json", "sarif", "junit")
SEVERITIES = ("error", "warning", "info")
DEFAULT_BASELINE = ".hakobu-baseline.json"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help=COMMANDS["check"],
        description=(
            "Find the Dockerfiles, task definitions, buildspecs, appspecs, sources and "
            "dependency files of the repository (hakobu.toml is optional), run hakobu's rules "
            "and hadolint on them, and report each finding under its Well-Architected pillar, "
            "the talk's design point and its Twelve-Factor factor. The repository is the "
            "directory of the nearest hakobu.toml, else the current directory (see -C). "
            "[check] in hakobu.toml disables rules, changes severities and ignores paths "
            "(docs/checks.md)."
        ),
    )
    parser.add_argument(
        "--format", choices=FORMAT_NAMES, default="text", help="report format (default: text)"
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout"
    )
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        help="exit 1 when a finding is at or above this severity (default: [check] fail_on, "
        "else error)",
    )
    baseline = parser.add_mutually_exclusive_group()
    baseline.add_argument(
        "--write-baseline",
        nargs="?",
        const=DEFAULT_BASELINE,
        metavar="FILE",
        help=f"record the current findings in FILE (default: {DEFAULT_BASELINE}) and exit 0; "
        "later runs fail only on new findings",
    )
    baseline.add_argument(
        "--baseline",
        metavar="FILE",
        help=f"report the findings FILE holds as baselined (default: {DEFAULT_BASELINE} in the "
        "repository's root, when it exists)",
    )
    baseline.add_argument(
        "--no-baseline", action="store_true", help="ignore the baseline: report every finding"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hakobu.checks import CheckConfig, Severity, run_checks
    from hakobu.checks.baseline import write_baseline
    from hakobu.output import FORMATS
    from hakobu.output.text import counts_text

    root, app, settings = _find_config()
    writing = args.write_baseline is not None
    baseline = None if writing or args.no_baseline else _baseline(root, args.baseline)
    config = CheckConfig(app=app, settings=settings, baseline=baseline)
    report = run_checks(root, config)
    if writing:
        path = Path(args.write_baseline)
        count = write_baseline(path, report.findings, report.line_text)
        common.note(f"hakobu: wrote {count} finding{'s' * (count != 1)} to {path}")
        return 0
    fail_on = Severity(args.fail_on or settings.fail_on or Severity.ERROR)
    color = args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = FORMATS[args.format](fail_on=fail_on, color=color).format(report)
    if args.output is None:
        sys.stdout.write(text)
    else:
        _write(Path(args.output), text)
        common.note(f"hakobu: wrote {args.output} ({counts_text(report)})")
    return 1 if report.failed(fail_on) else 0


def _find_config() -> tuple[Path, AppConfig | None, CheckSettings]:
    """The root to check, hakobu.toml's app (when it describes one) and its [check].

    Without hakobu.toml: the current directory, as it is. An invalid one: exit 2.
    """
    from hakobu.checks import default_registry
    from hakobu.checks.settings import CheckSettings, check_settings, has_app_table, read_toml

    try:
        path = find_config(Path.cwd())
    except ConfigError:
        return Path.cwd(), None, CheckSettings()
    text, data = read_toml(path)
    settings = check_settings(path, text, data, lambda rule_id: rule_id in default_registry())
    # A hakobu.toml with only [check] configures the review of a repository hakobu does not run.
    app = load_config(path) if has_app_table(data) else None
    return path.parent, app, settings


def _baseline(root: Path, given: str | None) -> Baseline | None:
    from hakobu.checks.baseline import load_baseline

    if given is not None:
        return load_baseline(Path(given))
    default = root / DEFAULT_BASELINE
    return load_baseline(default) if default.is_file() else None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise UsageError(f"--output {path}: {e.strerror} (check the directory exists)") from e
