"""HK-DF-002: the final stage sets no non-root USER, so the container runs as root."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.dockerfile import expand
from hakobu.checks.rule import Finding
from hakobu.checks.rules.dockerfile import DockerfileRule, final_chain, last_in_chain
from hakobu.checks.rules.dockerfile._images import parse_image
from hakobu.checks.targets import DockerfileTarget
from hakobu.checks.taxonomy import DesignPoint, Severity

ROOT_USERS = frozenset({"root", "0"})


class NonRootUser(DockerfileRule):
    id = "HK-DF-002"
    title = "Container runs as root"
    severity = Severity.ERROR
    design_point = DesignPoint.IMAGE_HYGIENE
    rationale = (
        "A Dockerfile flaw that ships a security issue (slide 75): without a USER, or with "
        "USER root, the app runs as root in the container, so a flaw in it, or in a library, "
        "acts with root's rights on everything the container can reach (CIS Docker Benchmark "
        "4.1). hadolint's DL3002 sees only an explicit USER root; a Dockerfile with no USER at "
        "all passes it."
    )
    fix = (
        "Add `USER 10001` (a numeric UID, which needs no /etc/passwd entry) to the final stage "
        "after the steps that need root, and give that user only what it must write. Base "
        "images that already set a non-root user (tags with `nonroot`, such as distroless "
        "`:nonroot`) pass."
    )
    supersedes = ("hadolint/DL3002",)

    def check(self, target: DockerfileTarget) -> Iterator[Finding]:
        dockerfile = target.dockerfile
        chain = final_chain(dockerfile)
        found = last_in_chain(chain, "USER")
        if found is None:
            if not _base_sets_non_root(dockerfile.global_args, chain[0].base):
                message = "the final stage sets no USER, so the container runs as root"
                yield self.at(target, dockerfile.final_stage.from_, message)
            return
        instruction, stage = found
        user = expand(instruction.rest.strip(), dockerfile.stage_variables(stage))
        if user is not None and user.split(":")[0] in ROOT_USERS:
            yield self.at(target, instruction, f"USER {user}: the final image runs as root")


def _base_sets_non_root(args: dict[str, str | None], base: str) -> bool:
    image = expand(base, {k: v for k, v in args.items() if v is not None})
    return image is not None and "nonroot" in parse_image(image).tag_words
