"""``hakobu explain ID``: one rule: where the talk puts it, why it matters, how to fix it."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from hakobu.cli import common
from hakobu.cli.commands import COMMANDS
from hakobu.errors import UsageError
from hakobu.spec.problem import suggest

if TYPE_CHECKING:
    from hakobu.checks import RuleInfo


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("explain", help=COMMANDS["explain"])
    parser.add_argument("rule_id", metavar="ID", help="a rule ID: HK-DF-001, hadolint/DL3008")
    common.add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: every command's startup would pay for the rules otherwise.
    from hakobu.checks.docs import explain_text, rule_dict

    rule = find_rule(args.rule_id)
    if args.json:
        common.print_json(rule_dict(rule))
    else:
        sys.stdout.write(explain_text(rule))
    return 0


def find_rule(rule_id: str) -> RuleInfo:
    """The rule ``rule_id`` names (any case); hadolint's by ``hadolint/DL3008`` or ``DL3008``."""
    from hakobu.checks import Severity, default_registry
    from hakobu.checks.hadolint import PREFIX, describe, describe_family

    registry = default_registry()
    found = registry.get(rule_id)
    if found is not None:
        return found.info()
    code = rule_id.removeprefix(PREFIX).upper()
    if code in ("HADOLINT", "*", ""):
        return describe_family()
    if code[:2] in ("DL", "SC") and code[2:].isdigit():
        # hadolint's level for a rule is known only when it reports; its wiki has the rest.
        return describe(code, Severity.WARNING, f"hadolint rule {code}")
    ids = [rule.id for rule in registry]
    close = suggest(rule_id, ids)
    hint = f'did you mean "{close}"? ' if close else ""
    raise UsageError(f"unknown rule {rule_id!r} ({hint}`hakobu rules` lists them)")
