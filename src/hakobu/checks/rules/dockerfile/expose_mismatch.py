"""HK-DF-008: EXPOSE disagrees with the containerPort of the task definition that runs the image."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hakobu.checks.dockerfile import expand
from hakobu.checks.rule import Finding
from hakobu.checks.rules.dockerfile import DockerfileRule, final_chain
from hakobu.checks.targets import DockerfileTarget, TaskDefTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity


class ExposeMismatch(DockerfileRule):
    id = "HK-DF-008"
    title = "EXPOSE disagrees with the task definition's containerPort"
    severity = Severity.WARNING
    design_point = DesignPoint.RELEASE_FLOW
    factor = Factor.VII
    rationale = (
        "The app binds one port, given by the environment, and the task definition maps it "
        "(port binding, slide 60). The image's EXPOSE documents that port for people, tools "
        "and `docker run -P`; when it says another port than the task definition's "
        "containerPort, one of them is stale, and a load balancer or a reader follows the "
        "wrong one."
    )
    fix = (
        "Make EXPOSE name the containerPort of the task definition (and the PORT the app "
        "reads), or remove the stale one."
    )

    def check(self, target: DockerfileTarget) -> Iterator[Finding]:
        mapped = _mapped_ports(target.repo.task_definitions_for(target))
        if not mapped:
            return
        where = ", ".join(sorted({taskdef.file for taskdef, _ in mapped}))
        ports = sorted({port for _, port in mapped})
        dockerfile = target.dockerfile
        for stage in final_chain(dockerfile):
            variables = dockerfile.stage_variables(stage)
            for instruction in stage.instructions:
                if instruction.keyword != "EXPOSE":
                    continue
                for port in _exposed(instruction.words, variables):
                    if port not in ports:
                        listed = ", ".join(map(str, ports))
                        message = f"EXPOSE {port}, but {where} maps containerPort {listed}"
                        yield self.at(target, instruction, message)


def _exposed(words: list[str], variables: dict[str, str]) -> Iterator[int]:
    for word in words:
        value = expand(word, variables)
        number = (value or "").split("/")[0]
        if number.isdigit():  # ranges and unresolved variables cannot be compared
            yield int(number)


def _mapped_ports(taskdefs: tuple[TaskDefTarget, ...]) -> list[tuple[TaskDefTarget, int]]:
    """containerPorts of the containers that run this image (placeholder or only image)."""
    found = []
    for taskdef in taskdefs:
        containers = [c for _, c in taskdef.containers()]
        ours = [c for c in containers if _built_here(c.get("image"))]
        for container in ours or (containers if len(containers) == 1 else []):
            for mapping in container.get("portMappings") or []:
                port = mapping.get("containerPort") if isinstance(mapping, dict) else None
                if isinstance(port, int) and not isinstance(port, bool):
                    found.append((taskdef, port))
    return found


def _built_here(image: Any) -> bool:
    """An image the pipeline fills in (``<IMAGE1_NAME>``, ``${IMAGE}``) is the one built here."""
    return isinstance(image, str) and (("<" in image and ">" in image) or "${" in image)
