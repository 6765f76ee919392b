"""``hakobu check``: the talk's practices as rules, run on any repository.

Library API: ``run_checks(root, config) -> CheckReport``. Rules are classes (``Rule``) discovered
from ``hakobu.checks.rules.<family>.<rule>`` into a ``RuleRegistry``; each finding carries its
rule's Well-Architected pillar, the talk's design point and the Twelve-Factor factor.
"""

from hakobu.checks.registry import (
    DuplicateRuleError,
    RuleDefinitionError,
    RuleRegistry,
    default_registry,
    discover_rules,
)
from hakobu.checks.rule import Finding, Rule, RuleInfo
from hakobu.checks.runner import CheckConfig, CheckReport, run_checks
from hakobu.checks.targets import (
    AppspecTarget,
    BuildspecTarget,
    DependencyTarget,
    DockerfileTarget,
    NodeSourceTarget,
    PythonSourceTarget,
    RepositoryTarget,
    Target,
    TaskDefTarget,
)
from hakobu.checks.taxonomy import DesignPoint, Factor, Pillar, Severity, TargetKind

__all__ = [
    "AppspecTarget",
    "BuildspecTarget",
    "CheckConfig",
    "CheckReport",
    "DependencyTarget",
    "DesignPoint",
    "DockerfileTarget",
    "DuplicateRuleError",
    "Factor",
    "Finding",
    "NodeSourceTarget",
    "Pillar",
    "PythonSourceTarget",
    "RepositoryTarget",
    "Rule",
    "RuleDefinitionError",
    "RuleInfo",
    "RuleRegistry",
    "Severity",
    "Target",
    "TargetKind",
    "TaskDefTarget",
    "default_registry",
    "discover_rules",
    "run_checks",
]
