"""Rules discovered from ``hakobu.checks.rules.<family>.<rule>`` into a registry that refuses
duplicate IDs (as cfn-lint's).

One rule per module: adding a rule is adding a module, adding a family is adding a package named
after its target kind (``rules/taskdef/``). Modules whose name starts with ``_`` hold helpers.
Every rule's metadata is checked when it is registered, so a rule with a missing rationale or a
pillar that disagrees with its design point fails the test suite, not a user's run.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from functools import cache
from types import ModuleType
from typing import Any

from hakobu.checks.meta import META_RULES
from hakobu.checks.rule import Rule, RuleInfo
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity, TargetKind
from hakobu.errors import HakobuError

RULES_PACKAGE = "hakobu.checks.rules"
_ID = re.compile(r"HK-[A-Z]+(?:-[0-9]{3})?")
_FAMILIES = {kind.package: kind for kind in TargetKind}

RuleClass = type[Rule[Any]]


class RuleDefinitionError(HakobuError):
    """A rule module or class is malformed: a bug in hakobu or in a rule added to it."""


class DuplicateRuleError(RuleDefinitionError):
    """Two rules claim the same ID."""


class RuleRegistry:
    """Rules by ID. Iterates in ID order, so listings and reports are stable."""

    def __init__(self, rules: tuple[RuleClass, ...] = ()) -> None:
        self._rules: dict[str, RuleClass] = {}
        for rule in rules:
            self.register(rule)

    def register(self, rule: RuleClass) -> None:
        validate_rule(rule)
        existing = self._rules.get(rule.id)
        if existing is not None:
            raise DuplicateRuleError(
                f"rule ID {rule.id} is claimed by both {_where(existing)} and {_where(rule)}"
            )
        self._rules[rule.id] = rule

    def __iter__(self) -> Iterator[RuleClass]:
        return iter(sorted(self._rules.values(), key=lambda r: r.id))

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def get(self, rule_id: str) -> RuleClass | None:
        return self._rules.get(rule_id) or self._rules.get(rule_id.upper())

    def for_target(self, kind: TargetKind) -> tuple[RuleClass, ...]:
        return tuple(rule for rule in self if kind in rule.targets)

    def infos(self) -> tuple[RuleInfo, ...]:
        return tuple(rule.info() for rule in self)


def discover_rules(package: str = RULES_PACKAGE) -> RuleRegistry:
    """A registry of every rule module under ``package``, and the meta rules."""
    registry = RuleRegistry(META_RULES)
    root = importlib.import_module(package)
    for module_info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if module_info.ispkg or module_info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(module_info.name)
        registry.register(_module_rule(module, package))
    return registry


@cache
def default_registry() -> RuleRegistry:
    """Every rule hakobu ships, discovered once per process."""
    return discover_rules()


def _module_rule(module: ModuleType, package: str) -> RuleClass:
    rules = [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, Rule)
        and value.__module__ == module.__name__
        and not inspect.isabstract(value)
    ]
    if len(rules) != 1:
        names = ", ".join(r.__name__ for r in rules) or "none"
        raise RuleDefinitionError(
            f"{module.__name__}: a rule module defines exactly one rule class (found: {names})"
        )
    rule = rules[0]
    family = module.__name__.removeprefix(f"{package}.").split(".")[0]
    kind = _FAMILIES.get(family)
    if kind is None:
        raise RuleDefinitionError(
            f"{module.__name__}: {family!r} is not a target kind "
            f"(rule families: {', '.join(sorted(_FAMILIES))})"
        )
    if kind not in rule.targets or not rule.id.startswith(kind.prefix + "-"):
        raise RuleDefinitionError(
            f"{_where(rule)}: a rule of the {family} family targets {kind.value} "
            f"and has an ID {kind.prefix}-NNN (has {rule.id!r}, targets {rule.targets})"
        )
    return rule


def validate_rule(rule: RuleClass) -> None:
    """Refuse a rule whose metadata are missing or inconsistent, naming what to fix."""
    try:
        _validate(rule)
    except AttributeError as e:
        raise RuleDefinitionError(f"{_where(rule)}: missing metadata: {e}") from e


def _validate(rule: RuleClass) -> None:
    # Read as Any: the point is to catch values the annotations promise but a rule breaks.
    meta: dict[str, Any] = {name: getattr(rule, name) for name in _METADATA}
    problems: list[str] = []
    if not isinstance(meta["id"], str) or not _ID.fullmatch(meta["id"]):
        problems.append(f"id {meta['id']!r} is not like HK-DF-001")
    for name in ("title", "rationale", "fix"):
        if not isinstance(meta[name], str) or not meta[name].strip():
            problems.append(f"{name} is empty")
    for name, kind in (("severity", Severity), ("design_point", DesignPoint)):
        if not isinstance(meta[name], kind):
            problems.append(f"{name} {meta[name]!r} is not a {kind.__name__}")
    if not isinstance(meta["targets"], tuple) or not all(
        isinstance(k, TargetKind) for k in meta["targets"]
    ):
        problems.append(f"targets {meta['targets']!r} is not a tuple of TargetKinds")
    if meta["factor"] is not None and not isinstance(meta["factor"], Factor):
        problems.append(f"factor {meta['factor']!r} is not a Factor")
    point, pillar = meta["design_point"], meta["pillar"]
    if isinstance(point, DesignPoint) and pillar is not None and pillar is not point.pillar:
        problems.append(
            f"pillar {pillar} disagrees with design point {point.value}, "
            f"filed under {point.pillar.value} (docs/checks.md)"
        )
    if problems:
        raise RuleDefinitionError(f"{_where(rule)}: " + "; ".join(problems))


_METADATA = (
    *("id", "title", "severity", "targets", "design_point", "pillar", "factor"),
    *("rationale", "fix"),
)


def _where(rule: type) -> str:
    return f"{rule.__module__}.{rule.__qualname__}"
