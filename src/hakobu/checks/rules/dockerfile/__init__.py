"""Dockerfile rules: hakobu's own, where hadolint (run beside them) is silent or says less.

``DockerfileRule`` is the family's base: its rules read ``target.dockerfile`` (parsed by
``hakobu.checks.dockerfile``) and report at an instruction's line with ``self.at(...)``.
"""

from __future__ import annotations

from hakobu.checks.dockerfile import Dockerfile, Instruction, Stage
from hakobu.checks.rule import Finding, Rule
from hakobu.checks.targets import DockerfileTarget
from hakobu.checks.taxonomy import TargetKind


class DockerfileRule(Rule[DockerfileTarget]):
    targets = (TargetKind.DOCKERFILE,)

    def at(self, target: DockerfileTarget, instruction: Instruction, message: str) -> Finding:
        return self.finding(target, message, line=instruction.line, column=instruction.column)


def final_chain(dockerfile: Dockerfile) -> list[Stage]:
    """The final stage and the stages it is built ``FROM``, oldest first.

    ``FROM build`` carries everything of the ``build`` stage into the image, so a rule about the
    final image reads them all.
    """
    chain = [dockerfile.final_stage]
    while True:
        parent = dockerfile.stage(chain[0].base)
        if parent is None or parent.index >= chain[0].index:
            return chain
        chain.insert(0, parent)


def last_in_chain(chain: list[Stage], keyword: str) -> tuple[Instruction, Stage] | None:
    """The instruction of ``keyword`` that wins in the final image (the last one written)."""
    for stage in reversed(chain):
        found = stage.last(keyword)
        if found is not None:
            return found, stage
    return None


def shell_text(instruction: Instruction) -> str:
    """What a RUN executes: its command (exec form joined) and its heredoc bodies."""
    command = " ".join(instruction.exec_form) if instruction.exec_form else instruction.rest
    return "\n".join([command, *(doc.body for doc in instruction.heredocs)])
