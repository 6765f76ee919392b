"""HK-TD-001: a secret in a container's ``environment`` instead of its ``secrets``."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.taskdef import TaskDefRule, is_placeholder
from hakobu.checks.secretwords import credential_value, reference_value, secret_name
from hakobu.checks.targets import TaskDefTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity


class SecretInEnvironment(TaskDefRule):
    id = "HK-TD-001"
    title = "Secret in environment instead of secrets"
    severity = Severity.ERROR
    design_point = DesignPoint.SECRETS
    factor = Factor.III
    rationale = (
        "Secrets are kept encrypted in Secrets Manager or Parameter Store and reach the "
        "container as environment variables when it starts (slides 71-73). A value under "
        "`environment` is plain text in the task definition: in the repository, in every "
        "revision ECS keeps, and in the output of `describe-task-definition` for anyone with "
        "read access. A `${NAME}` placeholder only moves the plain text to hakobu.toml or the "
        "pipeline."
    )
    fix = (
        "Move it to the container's `secrets`: "
        '`{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:...:secret:app/db"}` '
        "(give the execution role secretsmanager:GetSecretValue on it), and rotate the value "
        "that was exposed. Locally, `hakobu secret set` stands in for Secrets Manager."
    )

    def check(self, target: TaskDefTarget) -> Iterator[Finding]:
        for path, container in target.containers():
            variables = container.get("environment")
            for index, item in enumerate(variables if isinstance(variables, list) else []):
                if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                    continue
                name, value = item["name"], item.get("value")
                text = value if isinstance(value, str) else ""
                where = (*path, "environment", index)
                if credential_value(text):
                    message = f"environment {name} holds a credential in plain text; use secrets"
                    yield self.finding(target, message, json_path=(*where, "value"))
                elif secret_name(name) and text and not reference_value(text):
                    how = "from a plain value" if is_placeholder(text) else "in plain text"
                    message = f"environment {name} holds a secret {how}; move it to secrets"
                    yield self.finding(target, message, json_path=(*where, "name"))
