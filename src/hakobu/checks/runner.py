"""``run_checks(root, config) -> CheckReport``: the whole of ``hakobu check`` as a library call.

Discover the files, parse each once, run every rule on every target of its kinds while hadolint
runs on the Dockerfiles in the background, then apply what the repository asks for: ``[check]``
of hakobu.toml (disabled rules, severities, ignored JSON paths), inline suppression comments and
the baseline. Nothing here prints or exits: a file that does not parse, a rule that crashes and
a missing hadolint are findings, and the CLI decides the exit code from the report.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from hakobu.checks.baseline import Baseline
from hakobu.checks.discovery import discover
from hakobu.checks.hadolint import run_hadolint
from hakobu.checks.meta import InternalError, ParseError, SuppressionError, ToolError
from hakobu.checks.registry import RuleClass, RuleRegistry, default_registry
from hakobu.checks.repository import Repository
from hakobu.checks.rule import Finding, Rule, RuleInfo
from hakobu.checks.settings import CheckSettings
from hakobu.checks.suppressions import Suppression, find_suppressions, suppressing
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
_HADOLINT_ID = re.compile(r"hadolint/(?:DL|SC)[0-9]{4}")


@dataclass(frozen=True)
class CheckConfig:
    """How to check. ``app`` is hakobu.toml's app when the repository has one."""

    app: AppConfig | None = None
    hadolint: str | None = "hadolint"  # the executable; None: do not run hadolint
    registry: RuleRegistry | None = None  # None: every rule hakobu ships
    settings: CheckSettings = field(default_factory=CheckSettings)  # [check] of hakobu.toml
    baseline: Baseline | None = None  # findings it holds are reported as baselined


@dataclass(frozen=True)
class Suppressed:
    """A finding left out on purpose, and who said why."""

    finding: Finding
    reason: str
    source: str  # "inline" (a comment) or "config" ([[check.ignore]] of hakobu.toml)


@dataclass(frozen=True)
class CheckReport:
    root: Path
    findings: tuple[Finding, ...]  # what counts: not suppressed, not in the baseline
    rules: tuple[RuleInfo, ...]  # every rule that ran, and each hadolint rule that reported
    # Files checked, by kind (sources count only once a rule reads them).
    files: Mapping[TargetKind, int] = field(default_factory=dict)
    suppressed: tuple[Suppressed, ...] = ()
    baselined: tuple[Finding, ...] = ()
    # The text of a line of a checked file (for baseline fingerprints).
    line_text: Callable[[str, int], str | None] = field(default=lambda f, n: None, repr=False)

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
    settings = config.settings
    skip = settings.path_ignored if settings.ignore_paths else None
    files = discover(root, extra=_app_files(config.app), skip=skip)
    repo = Repository(root, files, config.app, settings)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # hadolint reads the Dockerfiles that parse, and runs while the rules do.
        repo.targets(TargetKind.DOCKERFILE)
        hadolint = pool.submit(_hadolint, repo, config)
        findings, counts = _run_rules(repo, registry, settings)
        findings += hadolint.result()
    findings += _parse_findings(repo)
    findings = _drop_superseded(findings)
    known = _known(registry)
    suppressions = _suppressions(repo, known)
    findings += _bad_suppressions(suppressions)
    findings = [_configured(f, settings) for f in findings if f.rule_id not in settings.disable]
    kept, suppressed = _suppress(findings, suppressions, settings)
    kept.sort(key=Finding.sort_key)
    new, baselined = config.baseline.split(kept, repo.line_text) if config.baseline else (kept, [])
    return CheckReport(
        root,
        tuple(new),
        _rules_ran(registry, settings, findings),
        MappingProxyType(counts),
        tuple(suppressed),
        tuple(baselined),
        repo.line_text,
    )


def _app_files(app: AppConfig | None) -> dict[TargetKind, list[Path]]:
    if app is None:
        return {}
    return {TargetKind.DOCKERFILE: [app.dockerfile], TargetKind.TASKDEF: [app.task_definition]}


def _run_rules(
    repo: Repository, registry: RuleRegistry, settings: CheckSettings
) -> tuple[list[Finding], dict[TargetKind, int]]:
    findings: list[Finding] = []
    counts: dict[TargetKind, int] = {}
    for kind in TargetKind:
        rules = tuple(r for r in registry.for_target(kind) if r.id not in settings.disable)
        if rules or kind in _ALWAYS_LOADED:
            findings.extend(_check_kind(repo, kind, rules))
            counts[kind] = len(repo.files.get(kind, ()))
    return findings, counts


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


def _hadolint(repo: Repository, config: CheckConfig) -> list[Finding]:
    """hadolint on every Dockerfile that parses: one that does not is already an HK-PARSE."""
    files = [t.file for t in repo.dockerfiles()]
    if config.hadolint is None or not files:
        return []
    result = run_hadolint(repo.root, files, config.hadolint)
    findings = list(result.findings)
    if result.problem:
        info = ToolError.info()
        findings.append(Finding(info, info.severity, result.problem, files[0]))
    return findings


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


def _known(registry: RuleRegistry) -> Callable[[str], bool]:
    return lambda rule_id: rule_id in registry or bool(_HADOLINT_ID.fullmatch(rule_id))


def _suppressions(repo: Repository, known: Callable[[str], bool]) -> dict[str, list[Suppression]]:
    found: dict[str, list[Suppression]] = {}
    for target in repo.loaded():
        text = getattr(target, "text", None)
        if isinstance(text, str) and not target.file.endswith(".json"):
            listed = find_suppressions(target.file, text, target.kind, known)
            if listed:
                found[target.file] = listed
    return found


def _bad_suppressions(suppressions: dict[str, list[Suppression]]) -> list[Finding]:
    info = SuppressionError.info()
    return [
        Finding(info, info.severity, f"this suppression {s.problem}", s.file, s.line)
        for listed in suppressions.values()
        for s in listed
        if s.problem is not None
    ]


def _configured(finding: Finding, settings: CheckSettings) -> Finding:
    """The finding at the severity ``[check.severity]`` gives its rule, if any."""
    severity = settings.severity.get(finding.rule_id)
    if severity is None or severity is finding.severity:
        return finding
    return replace(finding, severity=severity, rule=replace(finding.rule, severity=severity))


def _suppress(
    findings: list[Finding],
    suppressions: dict[str, list[Suppression]],
    settings: CheckSettings,
) -> tuple[list[Finding], list[Suppressed]]:
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    for finding in findings:
        ignore = settings.ignored_by(finding.rule_id, finding.file, finding.json_path)
        inline = suppressing(
            suppressions.get(finding.file or "", ()), finding.rule_id, finding.line
        )
        if ignore is not None:
            suppressed.append(Suppressed(finding, ignore.reason, "config"))
        elif inline is not None:
            suppressed.append(Suppressed(finding, inline.reason, "inline"))
        else:
            kept.append(finding)
    return kept, suppressed


def _rules_ran(
    registry: RuleRegistry, settings: CheckSettings, findings: list[Finding]
) -> tuple[RuleInfo, ...]:
    """Every rule that ran (at its configured severity), and each of hadolint's that reported."""
    rules = {
        rule.id: _configured_info(rule.info(), settings)
        for rule in registry
        if rule.id not in settings.disable
    }
    external = sorted({f.rule_id: f.rule for f in findings if f.rule.source != "hakobu"}.items())
    return (*rules.values(), *(info for rule_id, info in external if rule_id not in rules))


def _configured_info(info: RuleInfo, settings: CheckSettings) -> RuleInfo:
    severity = settings.severity.get(info.id)
    return info if severity is None else replace(info, severity=severity)
