"""HK-DF-001: the base image is not pinned to a version (no tag, ``latest``, a channel tag)."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.dockerfile import expand
from hakobu.checks.rule import Finding
from hakobu.checks.rules.dockerfile import DockerfileRule
from hakobu.checks.rules.dockerfile._images import parse_image, unpinned
from hakobu.checks.targets import DockerfileTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity


class BaseImageUnpinned(DockerfileRule):
    id = "HK-DF-001"
    title = "Base image not pinned to a version"
    severity = Severity.ERROR
    design_point = DesignPoint.RELEASE_FLOW
    factor = Factor.II
    rationale = (
        "Dependencies are declared exactly, the base image included (slide 65): `latest`, a "
        "missing tag, a channel such as `stable` or `lts`, or a language image's tag without a "
        "version (`python:slim`) is whatever the registry serves on the day of the build, so "
        "two builds of one commit can differ and a rollback does not bring the old image back. "
        "hadolint's DL3006/DL3007 see only a literal `latest` or no tag; this rule also "
        "resolves `FROM $BASE` through ARG defaults and knows channel tags."
    )
    fix = (
        "Pin a version tag (`python:3.11-slim-bookworm`), or a digest "
        "(`python:3.11-slim@sha256:...`) for a build that never changes."
    )
    supersedes = ("hadolint/DL3006", "hadolint/DL3007")

    def check(self, target: DockerfileTarget) -> Iterator[Finding]:
        dockerfile = target.dockerfile
        defaults = {k: v for k, v in dockerfile.global_args.items() if v is not None}
        earlier: set[str] = set()
        for stage in dockerfile.stages:
            image = expand(stage.base, defaults)
            # None: a build argument without default decides it, at build time.
            if image is not None and image.lower() not in earlier | {"scratch"}:
                problem = unpinned(parse_image(image))
                if problem:
                    yield self.at(target, stage.from_, f"FROM {image}: {problem}")
            earlier |= {stage.name} if stage.name else set()
