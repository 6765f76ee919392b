"""What the rules say about themselves: ``hakobu rules``, ``hakobu explain`` and docs/rules.md.

docs/rules.md is generated from the rules (``hakobu rules --markdown``), and a test fails when
the file in the repository differs, as cfn-lint keeps its rule list.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

from hakobu.checks.hadolint import describe_family
from hakobu.checks.rule import RuleInfo
from hakobu.checks.taxonomy import DesignPoint, Pillar

GENERATED = (
    "<!-- Generated from the rules by `hakobu rules --markdown > docs/rules.md`: do not edit.\n"
    "     tests/checks/test_docs.py fails when this file is stale. -->"
)


def rule_dict(rule: RuleInfo) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "severity": rule.severity.value,
        "targets": [kind.value for kind in rule.targets],
        "pillar": rule.pillar.value,
        "design_point": rule.design_point.value,
        "factor": rule.factor.value if rule.factor else None,
        "rationale": rule.rationale,
        "fix": rule.fix,
        "help_uri": rule.help_uri,
        "source": rule.source,
        "supersedes": list(rule.supersedes),
    }


def explain_text(rule: RuleInfo, width: int = 88) -> str:
    """``hakobu explain ID``: the rule's place in the talk, why it matters and how to fix it."""
    point = rule.design_point
    severity = rule.severity.value
    if rule.source == "hadolint":
        severity = "hadolint's level for it (info and style as info)"
    rows = [
        ("severity", severity),
        ("pillar", rule.pillar.label),
        ("design point", f"{point.label} ({point.slide_ref})"),
        ("factor", rule.factor.label if rule.factor else "-"),
        ("targets", ", ".join(kind.value for kind in rule.targets) or "-"),
    ]
    if rule.supersedes:
        rows.append(("supersedes", ", ".join(rule.supersedes)))
    lines = [f"{rule.id}  {rule.title}", *(f"  {k:<13} {v}" for k, v in rows), ""]
    for heading, body in (("Why", rule.rationale), ("How to fix", rule.fix)):
        lines.append(heading)
        lines.extend(textwrap.wrap(body, width, initial_indent="  ", subsequent_indent="  "))
        lines.append("")
    lines.append(f"More: {rule.help_uri}")
    return "\n".join(lines) + "\n"


def rules_markdown(rules: Iterable[RuleInfo]) -> str:
    """docs/rules.md: a table of every rule, then each rule under its pillar and design point."""
    ordered = sorted(rules, key=_order)
    parts = [
        "# Rules of `hakobu check`",
        "",
        GENERATED,
        "",
        "Each rule serves one of the talk's design points, filed under its Well-Architected "
        "pillar, and the Twelve-Factor factor it serves, if any ([checks.md](checks.md) gives "
        "the mapping). `hakobu explain ID` prints one rule; `hakobu rules` lists them.",
        "",
        "| ID | Title | Severity | Pillar | Design point | Factor |",
        "| --- | --- | --- | --- | --- | --- |",
        *(_row(rule) for rule in ordered),
        "",
    ]
    current: tuple[Pillar, DesignPoint] | None = None
    for rule in ordered:
        if current is None or current[0] is not rule.pillar:
            parts += [f"## {rule.pillar.label}", ""]
        if current != (rule.pillar, rule.design_point):
            point = rule.design_point
            parts += [f"### {point.label} ({point.slide_ref})", ""]
            current = (rule.pillar, point)
        parts += _section(rule)
    return "\n".join(parts).rstrip() + "\n"


def _order(rule: RuleInfo) -> tuple[int, int, str]:
    return (list(Pillar).index(rule.pillar), list(DesignPoint).index(rule.design_point), rule.id)


def _row(rule: RuleInfo) -> str:
    factor = rule.factor.label if rule.factor else "-"
    cells = [f"[{rule.id}](#{rule.doc_anchor})", rule.title, rule.severity.value]
    cells += [rule.pillar.label, rule.design_point.label, factor]
    return "| " + " | ".join(cells) + " |"


def _section(rule: RuleInfo) -> list[str]:
    facts = [f"Severity **{rule.severity.value}**"]
    facts.append("targets " + (", ".join(f"`{k.value}`" for k in rule.targets) or "-"))
    facts.append(f"factor {rule.factor.label}" if rule.factor else "no factor")
    if rule.supersedes:
        facts.append("supersedes " + ", ".join(f"`{s}`" for s in rule.supersedes))
    return [
        f'<a id="{rule.doc_anchor}"></a>',
        "",
        f"#### {rule.id}: {rule.title}",
        "",
        "; ".join(facts) + ".",
        "",
        f"**Why.** {rule.rationale}",
        "",
        f"**Fix.** {rule.fix}",
        "",
    ]


def all_rule_infos(registry_infos: Iterable[RuleInfo]) -> tuple[RuleInfo, ...]:
    """hakobu's rules and, as one entry, hadolint's (which hadolint itself documents)."""
    return (*registry_infos, describe_family())
