"""``hakobu rules``: every rule ``hakobu check`` runs, with its pillar, design point and factor."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hakobu.cli import common
from hakobu.cli.commands import COMMANDS


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("rules", help=COMMANDS["rules"])
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print machine-readable JSON")
    form.add_argument(
        "--markdown", action="store_true", help="print docs/rules.md (generated from the rules)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: every command's startup would pay for the rules otherwise.
    from hakobu.checks import default_registry
    from hakobu.checks.docs import all_rule_infos, rule_dict, rules_markdown

    rules = all_rule_infos(default_registry().infos())
    if args.json:
        common.print_json([rule_dict(rule) for rule in rules])
    elif args.markdown:
        sys.stdout.write(rules_markdown(rules))
    else:
        rows = [("ID", "SEVERITY", "PILLAR / DESIGN POINT", "FACTOR", "TITLE")]
        for rule in rules:
            where = f"{rule.pillar.value} / {rule.design_point.value}"
            factor = rule.factor.value if rule.factor else "-"
            rows.append((rule.id, rule.severity.value, where, factor, rule.title))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
            print("  ".join([*cells, row[4]]))
    return 0
