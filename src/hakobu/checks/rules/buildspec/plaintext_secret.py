"""HK-BS-004: a secret in plain text in ``env.variables`` (or a credential in a command)."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.buildspec import BuildspecRule, build_commands, env_variables
from hakobu.checks.secretwords import credential_value, reference_value, secret_name
from hakobu.checks.targets import BuildspecTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity


class PlaintextSecret(BuildspecRule):
    id = "HK-BS-004"
    title = "Secret in plain text in the buildspec"
    severity = Severity.ERROR
    design_point = DesignPoint.SECRETS
    factor = Factor.III
    rationale = (
        "A secret written in buildspec.yml is in the repository's history for good and in "
        "every build's environment as shown by CodeBuild (slides 71-72). CodeBuild reads "
        "secrets at build time from Secrets Manager (`env.secrets-manager`) or Parameter "
        "Store (`env.parameter-store`), and masks them in the build log."
    )
    fix = (
        "Move the value to Secrets Manager or Parameter Store and name it under "
        "`env.secrets-manager: {DOCKERHUB_TOKEN: ci/dockerhub:token}` or `env.parameter-store`; "
        "rotate the exposed value."
    )

    def check(self, target: BuildspecTarget) -> Iterator[Finding]:
        for name, value in env_variables(target).items():
            text = "" if value is None else str(value)
            path = ("env", "variables", name)
            if credential_value(text) or (
                secret_name(name) and text.strip() and not reference_value(text)
            ):
                message = f"env.variables {name} is a secret in plain text"
                yield self.finding(target, message, json_path=path)
        for command in build_commands(target):
            if credential_value(command.text):
                message = "a credential is written in this command"
                yield self.finding(target, message, json_path=command.path)
