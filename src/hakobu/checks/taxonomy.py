"""The vocabulary rules are filed under: severities, target kinds, pillars, design points, factors.

The mapping of the talk's design points to Well-Architected pillars is decided here, once
(docs/checks.md says why): a rule names its design point and its pillar follows from it, so the
report groups the way the talk does (slides 53, 70, 80, 88, 89).
"""

from __future__ import annotations

from enum import Enum, StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe: ``finding.severity.rank >= fail_on.rank`` fails the run."""
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class TargetKind(StrEnum):
    """What a rule reads. One rule family (``checks/rules/<kind>/``) per kind."""

    DOCKERFILE = "dockerfile"
    TASKDEF = "taskdef"
    BUILDSPEC = "buildspec"
    APPSPEC = "appspec"
    SOURCE_PYTHON = "source-python"
    SOURCE_NODE = "source-node"
    DEPENDENCIES = "dependencies"
    REPOSITORY = "repository"

    @property
    def package(self) -> str:
        """The rule family's package name under ``hakobu.checks.rules``."""
        return self.value.replace("-", "_")

    @property
    def prefix(self) -> str:
        """How the IDs of the family's rules start: ``HK-DF-001``."""
        return _PREFIXES[self]


_PREFIXES = {
    TargetKind.DOCKERFILE: "HK-DF",
    TargetKind.TASKDEF: "HK-TD",
    TargetKind.BUILDSPEC: "HK-BS",
    TargetKind.APPSPEC: "HK-AS",
    TargetKind.SOURCE_PYTHON: "HK-PY",
    TargetKind.SOURCE_NODE: "HK-JS",
    TargetKind.DEPENDENCIES: "HK-DEP",
    TargetKind.REPOSITORY: "HK-REPO",
}


class Pillar(StrEnum):
    """AWS Well-Architected Framework pillars, in the talk's order (slide 46)."""

    OPERATIONAL_EXCELLENCE = "operational-excellence"
    SECURITY = "security"
    RELIABILITY = "reliability"
    PERFORMANCE_EFFICIENCY = "performance-efficiency"
    COST_OPTIMIZATION = "cost-optimization"
    SUSTAINABILITY = "sustainability"

    @property
    def label(self) -> str:
        return _PILLAR_TITLES[self]


_PILLAR_TITLES = {
    Pillar.OPERATIONAL_EXCELLENCE: "Operational excellence",
    Pillar.SECURITY: "Security",
    Pillar.RELIABILITY: "Reliability",
    Pillar.PERFORMANCE_EFFICIENCY: "Performance efficiency",
    Pillar.COST_OPTIMIZATION: "Cost optimization",
    Pillar.SUSTAINABILITY: "Sustainability",
}


class Factor(Enum):
    """The Twelve-Factor App's factors (slide 49); a rule serves one or none."""

    I = "I"  # noqa: E741 - the factor's own numeral
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"
    VI = "VI"
    VII = "VII"
    VIII = "VIII"
    IX = "IX"
    X = "X"
    XI = "XI"
    XII = "XII"

    @property
    def label(self) -> str:
        return f"{self.value}. {_FACTOR_NAMES[self]}"


_FACTOR_NAMES = {
    Factor.I: "Codebase",
    Factor.II: "Dependencies",
    Factor.III: "Config",
    Factor.IV: "Backing services",
    Factor.V: "Build, release, run",
    Factor.VI: "Processes",
    Factor.VII: "Port binding",
    Factor.VIII: "Concurrency",
    Factor.IX: "Disposability",
    Factor.X: "Dev/prod parity",
    Factor.XI: "Logs",
    Factor.XII: "Admin processes",
}


class DesignPoint(StrEnum):
    """The talk's design points (slide 53), plus its small-image point (slides 85-86).

    Declared in the talk's order, which is the order of the report.
    """

    RELEASE_FLOW = "release-flow"
    LOGGING = "logging"
    SECRETS = "secrets"
    IMAGE_HYGIENE = "image-hygiene"
    VULNERABILITY = "vulnerability"
    DEMAND_CHANGE = "demand-change"
    SMALL_IMAGES = "small-images"
    FAILURE_DETECTION = "failure-detection"

    @property
    def pillar(self) -> Pillar:
        return _POINTS[self][0]

    @property
    def label(self) -> str:
        return _POINTS[self][1]

    @property
    def slides(self) -> str:
        """The talk's slides for this point: ``55-65``, ``87``."""
        return _POINTS[self][2]

    @property
    def slide_ref(self) -> str:
        """``slides 55-65``, ``slide 87``."""
        return ("slides " if "-" in self.slides else "slide ") + self.slides

    @property
    def factors(self) -> tuple[Factor, ...]:
        """The factors the talk weaves into this point (slide 89); rules may serve others."""
        return _POINTS[self][3]


# design point -> (pillar, label, the talk's slides, factors the talk ties to it).
# docs/checks.md explains each choice; tests/checks/test_docs.py keeps that table in step.
_POINTS: dict[DesignPoint, tuple[Pillar, str, str, tuple[Factor, ...]]] = {
    DesignPoint.RELEASE_FLOW: (
        Pillar.OPERATIONAL_EXCELLENCE,
        "Development to release",
        "55-65",
        (Factor.I, Factor.II, Factor.V, Factor.VII, Factor.X),
    ),
    DesignPoint.LOGGING: (Pillar.OPERATIONAL_EXCELLENCE, "Logs", "66-69", (Factor.XI,)),
    DesignPoint.SECRETS: (Pillar.SECURITY, "Secrets", "71-74", (Factor.III,)),
    DesignPoint.IMAGE_HYGIENE: (Pillar.SECURITY, "Container image flaws", "75-76", ()),
    DesignPoint.VULNERABILITY: (Pillar.SECURITY, "Container vulnerabilities", "77-79", ()),
    DesignPoint.DEMAND_CHANGE: (
        Pillar.RELIABILITY,
        "Changes in demand",
        "81-84",
        (Factor.VIII, Factor.IX),
    ),
    DesignPoint.SMALL_IMAGES: (Pillar.RELIABILITY, "Small, simple images", "85-86", (Factor.IX,)),
    DesignPoint.FAILURE_DETECTION: (Pillar.RELIABILITY, "Failure detection", "87", (Factor.XI,)),
}


def parse_factor(value: str | None) -> Factor | None:
    return None if value is None else Factor(value)
