"""Rules are discovered one per module, their metadata checked, and duplicate IDs refused."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from hakobu.checks.registry import (
    DuplicateRuleError,
    RuleDefinitionError,
    RuleRegistry,
    default_registry,
    discover_rules,
)
from hakobu.checks.rules.dockerfile.base_image_unpinned import BaseImageUnpinned
from hakobu.checks.taxonomy import DesignPoint, Pillar, Severity, TargetKind

RULE = """
from hakobu.checks.rules.dockerfile import DockerfileRule
from hakobu.checks.taxonomy import DesignPoint, Severity, TargetKind


class {name}(DockerfileRule):
    id = "{rule_id}"
    title = "A test rule"
    severity = Severity.WARNING
    design_point = DesignPoint.{point}
    rationale = "Because."
    fix = "Do it."

    def check(self, target):
        return ()
"""


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An importable, empty rules package ``fakerules`` with a ``dockerfile`` family."""
    root = tmp_path / "fakerules"
    (root / "dockerfile").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "dockerfile" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [m for m in sys.modules if m == "fakerules" or m.startswith("fakerules.")]:
        del sys.modules[name]


def add_rule(
    package: Path,
    module: str,
    *,
    name: str = "R",
    rule_id: str = "HK-DF-900",
    point: str = "IMAGE_HYGIENE",
    family: str = "dockerfile",
) -> None:
    (package / family).mkdir(exist_ok=True)
    (package / family / "__init__.py").touch()
    source = RULE.format(name=name, rule_id=rule_id, point=point)
    (package / family / f"{module}.py").write_text(textwrap.dedent(source))


def test_the_shipped_rules_are_discovered_with_valid_metadata() -> None:
    registry = default_registry()
    ids = [rule.id for rule in registry]
    assert ids == sorted(ids)
    assert {"HK-PARSE", "HK-INTERNAL", "HK-TOOL", "HK-DF-001"} <= set(ids)
    assert BaseImageUnpinned in registry.for_target(TargetKind.DOCKERFILE)
    info = registry.get("hk-df-001")
    assert info is BaseImageUnpinned


def test_info_derives_pillar_anchor_and_help_link() -> None:
    info = BaseImageUnpinned.info()
    assert BaseImageUnpinned.pillar is Pillar.OPERATIONAL_EXCELLENCE
    assert info.pillar is Pillar.OPERATIONAL_EXCELLENCE
    assert info.design_point is DesignPoint.RELEASE_FLOW
    assert info.severity is Severity.ERROR
    assert info.doc_anchor == "hk-df-001"
    assert info.help_uri.endswith("docs/rules.md#hk-df-001")
    assert BaseImageUnpinned.info() is info


def test_discovery_finds_one_rule_per_module(package: Path) -> None:
    add_rule(package, "first", rule_id="HK-DF-901")
    add_rule(package, "second", rule_id="HK-DF-902")
    (package / "dockerfile" / "_helpers.py").write_text("X = 1\n")  # helpers are skipped
    registry = discover_rules("fakerules")
    assert {"HK-DF-901", "HK-DF-902"} <= {rule.id for rule in registry}


def test_a_duplicate_id_is_refused(package: Path) -> None:
    add_rule(package, "first", name="First", rule_id="HK-DF-901")
    add_rule(package, "second", name="Second", rule_id="HK-DF-901")
    with pytest.raises(DuplicateRuleError, match="HK-DF-901 is claimed by both"):
        discover_rules("fakerules")


def test_a_module_with_two_rules_is_refused(package: Path) -> None:
    add_rule(package, "double")
    path = package / "dockerfile" / "double.py"
    path.write_text(path.read_text() + RULE.format(name="S", rule_id="HK-DF-903", point="SECRETS"))
    with pytest.raises(RuleDefinitionError, match="exactly one rule class"):
        discover_rules("fakerules")


def test_the_id_must_match_the_family(package: Path) -> None:
    add_rule(package, "wrong", rule_id="HK-TD-001")
    with pytest.raises(RuleDefinitionError, match="HK-DF-NNN"):
        discover_rules("fakerules")


def test_an_unknown_family_is_refused(package: Path) -> None:
    add_rule(package, "rule", family="kubernetes")
    with pytest.raises(RuleDefinitionError, match="'kubernetes' is not a target kind"):
        discover_rules("fakerules")


def test_a_pillar_that_disagrees_with_the_design_point_is_refused() -> None:
    class Wrong(BaseImageUnpinned):
        id = "HK-DF-999"
        pillar = Pillar.COST_OPTIMIZATION

    with pytest.raises(RuleDefinitionError, match="disagrees with design point release-flow"):
        RuleRegistry((Wrong,))


def test_missing_or_wrong_metadata_is_named() -> None:
    class Bad(BaseImageUnpinned):
        id = "DF1"
        title = ""
        severity = "error"  # type: ignore[assignment]

    with pytest.raises(RuleDefinitionError) as caught:
        RuleRegistry((Bad,))
    message = str(caught.value)
    assert "id 'DF1' is not like HK-DF-001" in message
    assert "title is empty" in message
    assert "severity 'error' is not a Severity" in message
