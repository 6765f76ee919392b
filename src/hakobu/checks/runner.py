"""``run_checks(root, config) -> CheckReport``: the whole of ``hakobu check`` as a library call.

Discover the files, parse each once, run every rule on every target of its kinds, run hadolint
once for all Dockerfiles, and return frozen results. Nothing here prints or exits: a file that
does not parse, a rule that crashes and a missing hadolint are findings, and the CLI decides the
exit code from the report.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from hakobu.checks.discovery import discover
from hakobu.checks.hadolint import run_hadolint
from hakobu.checks.meta import InternalError, ParseError, ToolError
from hakobu.checks.registry import RuleClass, RuleRegistry, default_registry
from hakobu.checks.repository import Repository
from hakobu.checks.rule import Finding, Rule, RuleInfo
from hakobu.checks.targets import Target
from hakobu.checks.taxonomy import Severity, TargetKind
from hakobu.config import AppConfig
from hakobu.errors import UsageError

# Parsed (and their parse errors reported) whether or not a rule reads them: they are few and
# small. Sources are parsed only when a source rule exists: a large tree of them costs seconds.
_ALWAYS_LOADED = frozenset(
    {
        TargetKind.DOCKERFILE,
        TargetKind.TASKDEF,
        TargetKind.BUILDSPEC,
        TargetKind.APPSPEC,
        TargetKind.DEPENDENCIES,
    }
)


@dataclass(frozen=True)
class CheckConfig:
    """How to check. ``app`` is hakobu.toml's app when the repository has one."""

    app: AppConfig | None = None
    hadolint: str | None = "hadolint"  # the executable; None: do not run hadolint
    registry: RuleRegistry | None = None  # None: every rule hakobu ships


@dataclass(frozen=True)
class CheckReport:
    root: Path
    findings: tuple[Finding, ...]
    rules: tuple[RuleInfo, ...]  # every rule that ran, and each hadolint rule that reported
    # Files checked, by kind (sources count only once a rule reads them).
    files: Mapping[TargetKind, int] = field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def at_or_above(self, threshold: Severity) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity.rank >= threshold.rank)

    def failed(self, fail_on: Severity) -> bool:
        """True when a finding is at or above ``fail_on``: ``hakobu check`` then exits 1."""
        return bool(self.at_or_above(fail_on))

    def rule(self, rule_id: str) -> RuleInfo | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def run_checks(root: Path, config: CheckConfig | None = None) -> CheckReport:
    """Check the repository at ``root``. Raises ``UsageError`` only when it is no directory."""
    config = config or CheckConfig()
    root = root.resolve()
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory (check the path given to -C)")
    registry = config.registry or default_registry()
    repo = Repository(root, discover(root, extra=_app_files(config.app)), config.app)
    findings: list[Finding] = []
    counts: dict[TargetKind, int] = {}
    for kind in TargetKind:
        rules = registry.for_target(kind)
        if rules or kind in _ALWAYS_LOADED:
            findings.extend(_check_kind(repo, kind, rules))
            counts[kind] = len(repo.files.get(kind, ()))
    hadolint_findings, hadolint_rules = _hadolint(repo, config)
    findings.extend(hadolint_findings)
    findings.extend(_parse_findings(repo))
    findings = _drop_superseded(findings)
    findings.sort(key=Finding.sort_key)
    rules_ran = (*registry.infos(), *hadolint_rules)
    return CheckReport(root, tuple(findings), rules_ran, MappingProxyType(counts))


def _app_files(app: AppConfig | None) -> dict[TargetKind, list[Path]]:
    if app is None:
        return {}
    return {TargetKind.DOCKERFILE: [app.dockerfile], TargetKind.TASKDEF: [app.task_definition]}


def _check_kind(
    repo: Repository, kind: TargetKind, rules: tuple[RuleClass, ...]
) -> Iterable[Finding]:
    instances = [rule() for rule in rules]
    for target in repo.targets(kind):
        for rule in instances:
            yield from _run_rule(rule, target)


def _run_rule(rule: Rule[Target], target: Target) -> list[Finding]:
    """The rule's findings; a crash is one HK-INTERNAL finding and the run goes on."""
    try:
        return list(rule.check(target))
    except Exception as e:
        frame = traceback.extract_tb(e.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        message = f"rule {rule.id} crashed ({type(e).__name__}: {e} at {where}); other rules ran"
        return [Finding(InternalError.info(), InternalError.severity, message, target.file)]


def _hadolint(repo: Repository, config: CheckConfig) -> tuple[list[Finding], list[RuleInfo]]:
    """hadolint on every Dockerfile that parses: one that does not is already an HK-PARSE."""
    files = [t.file for t in repo.dockerfiles()]
    if config.hadolint is None or not files:
        return [], []
    result = run_hadolint(repo.root, files, config.hadolint)
    findings = list(result.findings)
    if result.problem:
        info = ToolError.info()
        findings.append(Finding(info, info.severity, result.problem, files[0]))
    rules: dict[str, RuleInfo] = {}
    for finding in result.findings:
        rules.setdefault(finding.rule_id, finding.rule)
    return findings, sorted(rules.values(), key=lambda r: r.id)


def _parse_findings(repo: Repository) -> list[Finding]:
    info = ParseError.info()
    return [
        Finding(info, info.severity, failure.message, failure.file, failure.line, failure.column)
        for failure in repo.parse_failures
    ]


def _drop_superseded(findings: list[Finding]) -> list[Finding]:
    """Drop an external finding a hakobu rule reports better on the same line (``supersedes``)."""
    superseded = {
        (rule_id, f.file, f.line) for f in findings for rule_id in f.rule.supersedes if f.line
    }
    return [f for f in findings if (f.rule_id, f.file, f.line) not in superseded]
