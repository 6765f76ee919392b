"""HK-DF-004: CMD or ENTRYPOINT in shell form: the stop signal may never reach the app."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from hakobu.checks.dockerfile import Instruction, split_words
from hakobu.checks.rule import Finding
from hakobu.checks.rules.dockerfile import DockerfileRule, final_chain, last_in_chain
from hakobu.checks.targets import DockerfileTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

# A command with these needs a shell: the fix is `exec`, not a JSON array.
_SHELL_SYNTAX = re.compile(r"[$&|;<>*?`(){}~]|\\")


class ShellFormCommand(DockerfileRule):
    id = "HK-DF-004"
    title = "CMD or ENTRYPOINT in shell form"
    severity = Severity.ERROR
    design_point = DesignPoint.DEMAND_CHANGE
    factor = Factor.IX
    rationale = (
        "ECS stops a task (scale-in, a deployment, a host retired) with SIGTERM, then SIGKILL "
        "after stopTimeout; the app must get the SIGTERM to finish its work and exit (slides "
        '81-82). In shell form the process is `/bin/sh -c "..."`: the shell is PID 1, and '
        "most shells neither pass SIGTERM on nor exit on it, so the app is killed mid-request."
    )
    fix = (
        'Write the exec form, `CMD ["python", "app.py"]`; when the command needs a shell '
        "(variables, `&&`), make the app replace it: `CMD exec python app.py`, or a script "
        'that ends with `exec "$@"`.'
    )
    supersedes = ("hadolint/DL3025",)

    def check(self, target: DockerfileTarget) -> Iterator[Finding]:
        chain = final_chain(target.dockerfile)
        entrypoint = last_in_chain(chain, "ENTRYPOINT")
        command = last_in_chain(chain, "CMD")
        candidates = [entrypoint[0] if entrypoint else None]
        if entrypoint is None or entrypoint[0].exec_form is not None:
            candidates.append(command[0] if command else None)  # a shell ENTRYPOINT drops CMD
        for instruction in candidates:
            if instruction is not None and _is_shell_form(instruction):
                yield self.at(target, instruction, _message(instruction))


def _is_shell_form(instruction: Instruction) -> bool:
    if instruction.exec_form is not None or not instruction.rest.strip():
        return False
    return not instruction.rest.lstrip().startswith("exec ")


def _message(instruction: Instruction) -> str:
    text = instruction.rest.strip()
    keyword = instruction.keyword
    head = f"{keyword} {text} is shell form: /bin/sh is PID 1 and SIGTERM may never reach the app"
    if _SHELL_SYNTAX.search(text):
        return f"{head}; write `{keyword} exec {text}`"
    return f"{head}; write `{keyword} {json.dumps(split_words(text))}`"
