"""What the name of an environment looks like, in code (shared with the Node.js rules)."""

from __future__ import annotations

import re

# Values that name a deployment environment.
ENVIRONMENT_NAMES = frozenset(
    {"production", "prod", "prd", "staging", "stage", "stg", "development", "dev", "develop"}
    | {"test", "testing", "qa", "uat", "local", "sandbox", "preprod", "pre-prod", "live"}
)
# Names of variables and settings that hold it: ENV, APP_ENV, ENVIRONMENT, STAGE, deployEnv.
_SUBJECT = re.compile(
    r"(?:^|_)(?:env|environment|stage|tier|deploy_?env|deployment_?env|env_?name)$",
    re.IGNORECASE,
)


def names_environment(name: str) -> bool:
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)  # appEnv -> app_Env
    return bool(_SUBJECT.search(snake))
