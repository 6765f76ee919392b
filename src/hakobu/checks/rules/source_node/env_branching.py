"""HK-JS-005: code that branches on the name of the environment it runs in.

``NODE_ENV`` is the exception, decided once: Express, React and most of npm read it as a *mode*
(``production`` turns on view caching, turns off debug output) and the convention is to set it to
``production`` in every deployed environment, staging included. Comparing it with
``production``, ``development`` or ``test`` is therefore not branching on the environment;
comparing it with anything else (``staging``, ``prod``) is, and so is any other variable
(``APP_ENV``, ``STAGE``, ``env``) compared with an environment's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.source_node import NodeRule, source
from hakobu.checks.rules.source_python._envnames import ENVIRONMENT_NAMES, names_environment
from hakobu.checks.targets import NodeSourceTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

NODE_ENV_MODES = frozenset({"production", "development", "test"})
_SUBJECT = (
    r"""(process\s*\.\s*env\s*\[\s*['"][\w-]+['"]\s*\]"""  # process.env['APP_ENV']
    r"""|(?:[A-Za-z_$][\w$]*\s*\.\s*)*[A-Za-z_$][\w$]*)"""  # env, config.stage, process.env.X
)
_VALUE = r"""['"`]([\w-]+)['"`]"""
COMPARES = (
    re.compile(rf"{_SUBJECT}\s*[!=]==?\s*{_VALUE}"),
    re.compile(rf"{_VALUE}\s*[!=]==?\s*{_SUBJECT}"),
)
INCLUDES = re.compile(rf"\[([^\]]*)\]\s*\.\s*includes\s*\(\s*{_SUBJECT}\s*\)")


class EnvironmentBranching(NodeRule):
    id = "HK-JS-005"
    title = "Code branches on the environment's name"
    severity = Severity.WARNING
    design_point = DesignPoint.RELEASE_FLOW
    factor = Factor.X
    rationale = (
        "Keep environments alike: the code carries no logic that behaves differently per "
        "environment (slides 62-63). `if (process.env.APP_ENV === 'production')` runs code in "
        "production that staging never ran. NODE_ENV compared with production, development "
        "or test is a build mode the ecosystem reads, not a deployment environment, and is "
        "not reported; set it to production everywhere you deploy."
    )
    fix = (
        "Turn the branch into the setting it stands for (`SEND_EMAILS=true`, "
        "`PAYMENT_API_URL=...`), read from the environment and set per environment in the task "
        "definition or hakobu.toml; keep one code path."
    )

    def check(self, target: NodeSourceTarget) -> Iterator[Finding]:
        code = source(target).code
        for index, pattern in enumerate(COMPARES):
            for match in pattern.finditer(code):
                subject, value = (match[1], match[2]) if index == 0 else (match[2], match[1])
                if _branches(subject, [value]):
                    yield self.at(target, match.start(), _message(subject))
        for match in INCLUDES.finditer(code):
            values = re.findall(r"""['"`]([\w-]+)['"`]""", match[1])
            if _branches(match[2], values):
                yield self.at(target, match.start(), _message(match[2]))


def _branches(subject: str, values: list[str]) -> bool:
    key = _key(subject)
    if key is None or not names_environment(key):
        return False
    names = [v.lower() for v in values if v.lower() in ENVIRONMENT_NAMES]
    if not names:
        return False
    if re.sub(r"[^a-z]", "", key.lower()) == "nodeenv":
        return any(name not in NODE_ENV_MODES for name in names)
    return True


def _key(subject: str) -> str | None:
    """The variable's own name: `APP_ENV` of process.env.APP_ENV or process.env['APP_ENV']."""
    compact = re.sub(r"\s+", "", subject)
    if compact in ("process.env", "process"):
        return None
    bracket = re.search(r"""\[['"]([\w-]+)['"]\]$""", compact)
    return bracket[1] if bracket else compact.rsplit(".", 1)[-1]


def _message(subject: str) -> str:
    compact = re.sub(r"\s+", "", subject)
    return f"branches on {compact}: the same code must run everywhere"
