"""HK-DEP-002: a dependency that is not pinned where it is installed from."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.dependencies import DependencyRule
from hakobu.checks.rules.dependencies._requirements import npm_moving, parse_requirements
from hakobu.checks.targets import DependencyTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

NODE_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies")


class UnpinnedDependency(DependencyRule):
    id = "HK-DEP-002"
    title = "Dependency not pinned"
    severity = Severity.WARNING
    design_point = DesignPoint.RELEASE_FLOW
    factor = Factor.II
    rationale = (
        "Dependencies are declared exactly (slide 65). A requirements .txt is what pip "
        "installs as is: a range there (`flask>=2`) is resolved again at every build. In "
        "package.json ranges of compatible versions (`^1.2.3`) are what the lock file pins, "
        "but `*`, `latest`, a dist-tag, an open range (`>=1`) or a git branch follow every new "
        "release, breaking ones included, the next time the lock is written."
    )
    fix = (
        "Pin with `==` in requirements .txt files (generate them from a .in with "
        "`uv pip compile --generate-hashes`); in package.json use a caret or tilde range or an "
        "exact version, and a commit hash for git dependencies."
    )

    def check(self, target: DependencyTarget) -> Iterator[Finding]:
        name = target.path.name.lower()
        if name == "package.json":
            yield from self._node(target)
        elif name.startswith(("requirements", "constraints")) and name.endswith(".txt"):
            for requirement in parse_requirements(target.text):
                if not requirement.pinned:
                    message = f"{requirement.text} is not pinned (==): pip installs what is newest"
                    yield self.finding(target, message, line=requirement.line)

    def _node(self, target: DependencyTarget) -> Iterator[Finding]:
        data = target.data if isinstance(target.data, dict) else {}
        for section in NODE_SECTIONS:
            listed = data.get(section)
            if not isinstance(listed, dict):
                continue
            for package, spec in listed.items():
                problem = npm_moving(spec) if isinstance(spec, str) else None
                if problem:
                    message = f"{package}: {problem}"
                    yield self.finding(target, message, json_path=(section, package))
