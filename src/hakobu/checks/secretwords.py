"""What a secret looks like, by name and by value: shared by the Dockerfile, task definition and
buildspec rules, so ``ENV DB_PASSWORD``, ``environment: DB_PASSWORD`` and ``env.variables``
are judged alike.
"""

from __future__ import annotations

import re
from itertools import pairwise

# Words of a variable name that say it holds a secret (`DB_PASSWORD`, `NPM_TOKEN`) ...
SECRET_WORDS = frozenset(
    {"PASSWORD", "PASSWD", "PASS", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "CREDENTIALS"}
)
SECRET_PAIRS = frozenset(
    {("API", "KEY"), ("ACCESS", "KEY"), ("PRIVATE", "KEY"), ("AUTH", "KEY")}
    | {("ENCRYPTION", "KEY"), ("SIGNING", "KEY"), ("MASTER", "KEY"), ("CLIENT", "SECRET")}
)
# ... unless the name says it holds where the secret is, or something public.
NOT_A_SECRET_LAST = frozenset(
    {"FILE", "PATH", "DIR", "ARN", "NAME", "ID", "URL", "URI", "ENDPOINT", "HEADER", "TYPE"}
    | {"LENGTH", "ENABLED", "REGION", "FIELD", "VERSION", "POLICY", "EXPIRY", "TTL", "MOUNT"}
)
# Values that are credentials whatever their variable is called.
SECRET_VALUES = re.compile(
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"  # AWS access key ID
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}"
    r"|\bxox[abprs]-[A-Za-z0-9-]{10,}"  # Slack
)
# A value that names where the secret comes from, not the secret: `${DB_PASSWORD}` is filled in
# from hakobu.toml (plain text there too, but reported there), an ARN is a reference.
_REFERENCE = re.compile(r"arn:aws[a-z-]*:(?:secretsmanager|ssm|kms):")


def secret_name(name: str) -> bool:
    """``DB_PASSWORD``, ``NPM_TOKEN``, ``AWS_SECRET_ACCESS_KEY``: yes. ``DB_PASSWORD_FILE``: no."""
    split = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)  # dbPassword -> db_Password
    words = [w for w in re.split(r"[^A-Za-z0-9]+", split.upper()) if w]
    if not words or words[-1] in NOT_A_SECRET_LAST or "PUBLIC" in words:
        return False
    return bool(SECRET_WORDS & set(words)) or any(pair in SECRET_PAIRS for pair in pairwise(words))


def credential_value(value: str) -> bool:
    """A value that is a credential whatever it is called (an AWS key ID, a private key, ...)."""
    return bool(SECRET_VALUES.search(value))


def reference_value(value: str) -> bool:
    """A value that points at a secret store (an ARN of Secrets Manager, SSM or KMS)."""
    return bool(_REFERENCE.match(value.strip()))
