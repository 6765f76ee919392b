"""HK-TD-003: a container image tagged ``latest`` or not tagged at all."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.dockerfile._images import parse_image, unpinned
from hakobu.checks.rules.taskdef import TaskDefRule, is_placeholder
from hakobu.checks.targets import TaskDefTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity


class ImageTag(TaskDefRule):
    id = "HK-TD-003"
    title = "Container image not pinned to a tag"
    severity = Severity.ERROR
    design_point = DesignPoint.RELEASE_FLOW
    factor = Factor.II
    rationale = (
        "The tag of the image a task runs says exactly what runs (slide 65): `latest`, no tag "
        "or a channel such as `stable` is whatever the registry holds when ECS pulls, so two "
        "tasks of one revision can run different code, and rolling back to the revision does "
        "not bring the old image back. The pipeline's placeholder (`<IMAGE1_NAME>`, filled in "
        "by CodeDeploy with the image tagged with the commit) is the way to name the image "
        "built here."
    )
    fix = (
        'Write `"image": "<IMAGE1_NAME>"` for the image the pipeline builds, and a version tag '
        "or digest for others (`public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0`)."
    )

    def check(self, target: TaskDefTarget) -> Iterator[Finding]:
        for path, container in target.containers():
            image = container.get("image")
            if not isinstance(image, str) or not image.strip():
                continue  # missing: registration refuses it (`hakobu render` says so)
            reference = parse_image(image.strip())
            if is_placeholder(image):
                # `${REPO}:latest` still says latest; `${IMAGE}` is the pipeline's to fill.
                tag = reference.tag or ""
                problem = unpinned(reference) if tag.lower() == "latest" else None
            else:
                problem = unpinned(reference)
            if problem:
                message = f"image {image}: {_reason(reference.tag, problem)}"
                yield self.finding(target, message, json_path=(*path, "image"))


def _reason(tag: str | None, problem: str) -> str:
    """``unpinned``'s reason, in a task's terms rather than a build's."""
    if tag is None:
        return "no tag, so each task pulls whatever `latest` is when it starts"
    if tag.lower() == "latest":
        return "`latest` moves: tasks of one revision can run different images"
    return problem
