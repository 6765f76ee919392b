"""Every rule against its fixtures: each bad case gives exactly the findings its expected.txt
lists (nothing missing, nothing extra), each good case none.

A case is a small repository: ``fixtures/{good,bad}/<RULE-ID>/<case>/``. ``expected.txt`` has one
line per finding, ``FILE[:LINE]`` then, after two spaces, a part of the message. A case with a
hakobu.toml is checked with its app and its ``[check]``, as ``hakobu check`` does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hakobu.checks import CheckConfig, RuleRegistry, default_registry, run_checks
from hakobu.checks.meta import META_RULES
from hakobu.checks.settings import check_settings, has_app_table, read_toml
from hakobu.checks.taxonomy import TargetKind
from hakobu.config import load_config

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = sorted(
    (verdict, rule.name, case.name)
    for verdict in ("good", "bad")
    for rule in (FIXTURES / verdict).iterdir()
    for case in rule.iterdir()
)


def check_one_rule(rule_id: str, root: Path) -> list[tuple[str, str]]:
    rule = default_registry().get(rule_id)
    assert rule is not None, f"no rule {rule_id}"
    registry = RuleRegistry((*META_RULES, rule))
    report = run_checks(root, config_for(root, registry))
    assert {f.rule_id for f in report.findings} <= {rule_id}, report.findings
    return [(f"{f.file}:{f.line}" if f.line else str(f.file), f.message) for f in report.findings]


def config_for(root: Path, registry: RuleRegistry) -> CheckConfig:
    toml = root / "hakobu.toml"
    if not toml.is_file():
        return CheckConfig(hadolint=None, registry=registry)
    text, data = read_toml(toml)
    settings = check_settings(toml, text, data, lambda rule_id: rule_id in default_registry())
    app = load_config(toml) if has_app_table(data) else None
    return CheckConfig(app=app, hadolint=None, registry=registry, settings=settings)


@pytest.mark.parametrize(("verdict", "rule_id", "case"), CASES)
def test_fixture(verdict: str, rule_id: str, case: str) -> None:
    root = FIXTURES / verdict / rule_id / case
    found = check_one_rule(rule_id, root)
    if verdict == "good":
        assert found == []
        return
    expected = [
        line.split("  ", 1)
        for line in (root / "expected.txt").read_text().splitlines()
        if line.strip()
    ]
    assert [where for where, _ in found] == [e[0] for e in expected], found
    for (_, message), wanted in zip(found, expected, strict=True):
        if len(wanted) > 1:
            assert wanted[1] in message


def test_every_rule_has_good_and_bad_fixtures() -> None:
    for rule in default_registry():
        if not rule.targets:
            continue  # the meta rules: tested with the runner
        for verdict in ("good", "bad"):
            cases = list((FIXTURES / verdict / rule.id).glob("*"))
            assert cases, f"{rule.id} has no {verdict} fixture"


def test_dockerfile_rules_are_the_dockerfile_family() -> None:
    ids = {rule.id for rule in default_registry().for_target(TargetKind.DOCKERFILE)}
    assert ids == {f"HK-DF-00{n}" for n in range(1, 10)}
