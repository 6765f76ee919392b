"""HK-DF-006: ADD of local files, which COPY does without ADD's extra behaviour."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.dockerfile import Instruction
from hakobu.checks.rule import Finding
from hakobu.checks.rules.dockerfile import DockerfileRule
from hakobu.checks.targets import DockerfileTarget
from hakobu.checks.taxonomy import DesignPoint, Severity

# What ADD does that COPY does not: fetch URLs and git repositories, unpack local archives.
_REMOTE = ("http://", "https://", "git@", "git://", "ssh://")
_ARCHIVES = (
    *(".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz"),
    *(".tar.zst", ".tzst", ".tar.lz", ".tar.lzma"),
)


class AddInsteadOfCopy(DockerfileRule):
    id = "HK-DF-006"
    title = "ADD where COPY does"
    severity = Severity.WARNING
    design_point = DesignPoint.IMAGE_HYGIENE
    rationale = (
        "ADD also fetches URLs and unpacks archives, so a reader cannot tell from the line "
        "what ends up in the image, and a file that happens to be an archive is unpacked. For "
        "local files COPY does the same with no surprise (Docker's best practices; CIS Docker "
        "Benchmark 4.9)."
    )
    fix = "Write COPY for local files and directories; keep ADD for a URL or an archive to unpack."
    supersedes = ("hadolint/DL3020",)

    def check(self, target: DockerfileTarget) -> Iterator[Finding]:
        for stage in target.dockerfile.stages:
            for instruction in stage.instructions:
                if instruction.keyword == "ADD" and _copy_would_do(instruction):
                    message = f"ADD {instruction.rest.strip()}: COPY does this (local files)"
                    yield self.at(target, instruction, message)


def _copy_would_do(instruction: Instruction) -> bool:
    if any(name in ("checksum", "keep-git-dir") for name, _ in instruction.flags):
        return False  # options of remote sources only
    words = list(instruction.exec_form or instruction.words)
    sources = words[:-1]
    if instruction.heredocs:
        return True
    if not sources:
        return False
    return all(_local_plain(source) for source in sources)


def _local_plain(source: str) -> bool:
    lower = source.lower()
    if "$" in source or lower.startswith(_REMOTE) or lower.endswith(".git"):
        return False  # unknown until build time, or remote
    return not lower.endswith(_ARCHIVES)
