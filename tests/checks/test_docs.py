"""docs/rules.md is generated from the rules, and docs/checks.md's mapping is the taxonomy's."""

from __future__ import annotations

import re
from pathlib import Path

from hakobu.checks import default_registry
from hakobu.checks.docs import all_rule_infos, rules_markdown
from hakobu.checks.taxonomy import DesignPoint

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_rules_md_is_current() -> None:
    expected = rules_markdown(all_rule_infos(default_registry().infos()))
    actual = (DOCS / "rules.md").read_text()
    assert actual == expected, "docs/rules.md is stale: hakobu rules --markdown > docs/rules.md"


def test_every_rule_has_its_anchor_in_rules_md() -> None:
    text = (DOCS / "rules.md").read_text()
    for rule in all_rule_infos(default_registry().infos()):
        assert f'<a id="{rule.doc_anchor}"></a>' in text


def test_checks_md_maps_design_points_as_the_taxonomy_does() -> None:
    rows = re.findall(
        r"^\| (.+) \(`([a-z-]+)`\) \| slides? ([0-9-]+) \| (.+) \| (.+) \|$",
        (DOCS / "checks.md").read_text(),
        re.MULTILINE,
    )
    table = {
        point: (label, slides, pillar, factors) for label, point, slides, pillar, factors in rows
    }
    assert set(table) == {point.value for point in DesignPoint}
    for point in DesignPoint:
        label, slides, pillar, factors = table[point.value]
        assert (label, slides, pillar) == (point.label, point.slides, point.pillar.label)
        assert factors == (", ".join(f.value for f in point.factors) or "-")
