"""The rule base class and what rules report: ``Rule``, ``RuleInfo``, ``Finding``.

A rule is a class whose metadata are class attributes (as cfn-lint's), one rule per module under
``checks/rules/<target>/``. ``check(target)`` yields findings; ``self.finding(...)`` builds one
located in the target's file (a JSON path becomes the line and column of the offending key).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from hakobu.checks.taxonomy import DesignPoint, Factor, Pillar, Severity, TargetKind
from hakobu.spec.jsonpos import JsonPath, format_path

if TYPE_CHECKING:
    from hakobu.checks.targets import Target

# Where docs/rules.md is published; each rule's help link is this plus ``#<doc_anchor>``.
# Change it here (only) when the project's public home moves.
DOCS_URL = "https://github.com/hakobu/hakobu/blob/main/docs/rules.md"

T = TypeVar("T", bound="Target")


@dataclass(frozen=True)
class RuleInfo:
    """A rule's metadata, as reports and ``hakobu rules`` show them.

    Rules of hakobu's own come from ``Rule.info()``; hadolint's are described by
    ``hakobu.checks.hadolint`` under their own IDs (``hadolint/DL3008``).
    """

    id: str
    title: str
    severity: Severity  # the default; a finding may carry another
    targets: tuple[TargetKind, ...]
    design_point: DesignPoint
    factor: Factor | None
    rationale: str
    fix: str
    doc_anchor: str
    help_uri: str
    source: str = "hakobu"  # "hakobu", or the external tool the rule comes from
    supersedes: tuple[str, ...] = ()

    @property
    def pillar(self) -> Pillar:
        return self.design_point.pillar


@dataclass(frozen=True)
class Finding:
    """One problem, located. ``file`` is POSIX, relative to the checked repository's root."""

    rule: RuleInfo
    severity: Severity
    message: str
    file: str | None
    line: int | None = None
    column: int | None = None
    json_path: JsonPath | None = None

    @property
    def rule_id(self) -> str:
        return self.rule.id

    @property
    def pillar(self) -> Pillar:
        return self.rule.pillar

    @property
    def design_point(self) -> DesignPoint:
        return self.rule.design_point

    @property
    def factor(self) -> Factor | None:
        return self.rule.factor

    @property
    def location(self) -> str:
        """``Dockerfile:3:1``, ``taskdef.json:12:9 (containerDefinitions[0].image)``."""
        where = self.file or "(repository)"
        if self.line:
            where += f":{self.line}" + (f":{self.column}" if self.column else "")
        if self.json_path is not None:
            where += f" ({format_path(self.json_path)})"
        return where

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.rule.id, self.message)


class Rule(ABC, Generic[T]):
    """Base of every rule. Subclasses set the metadata below and implement ``check``.

    ``pillar`` is set from ``design_point`` (``taxonomy._POINTS``) when the class does not set
    it; the registry refuses a rule whose pillar disagrees with its design point. ``supersedes``
    names external rules (``hadolint/DL3025``) this one reports better: their finding on the
    same line is dropped.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    severity: ClassVar[Severity]
    targets: ClassVar[tuple[TargetKind, ...]]
    design_point: ClassVar[DesignPoint]
    pillar: ClassVar[Pillar | None] = None
    factor: ClassVar[Factor | None] = None
    rationale: ClassVar[str]
    fix: ClassVar[str]
    doc_anchor: ClassVar[str] = ""  # default: the ID in lower case
    supersedes: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The pillar follows the design point, unless a class states its own (then the
        # registry checks that they agree).
        point = getattr(cls, "design_point", None)
        if "pillar" not in cls.__dict__ and isinstance(point, DesignPoint):
            cls.pillar = point.pillar

    @abstractmethod
    def check(self, target: T) -> Iterable[Finding]:
        """The findings for ``target``; an exception becomes an ``HK-INTERNAL`` finding."""

    @classmethod
    def info(cls) -> RuleInfo:
        cached = cls.__dict__.get("_info")
        if isinstance(cached, RuleInfo):
            return cached
        anchor = cls.doc_anchor or cls.id.lower()
        info = RuleInfo(
            id=cls.id,
            title=cls.title,
            severity=cls.severity,
            targets=tuple(cls.targets),
            design_point=cls.design_point,
            factor=cls.factor,
            rationale=cls.rationale,
            fix=cls.fix,
            doc_anchor=anchor,
            help_uri=f"{DOCS_URL}#{anchor}",
            supersedes=tuple(cls.supersedes),
        )
        cls._info = info  # type: ignore[attr-defined]
        return info

    def finding(
        self,
        target: Target,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        json_path: JsonPath | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding in ``target``'s file; with a JSON path and no line, the key's line.

        ``severity`` overrides the rule's for this finding (``user: root`` is worse than no
        ``user``); ``[check.severity]`` of hakobu.toml overrides both.
        """
        if json_path is not None and line is None:
            line, column = target.locate(json_path)
        level = severity or self.severity
        return Finding(self.info(), level, message, target.file, line, column, json_path)
