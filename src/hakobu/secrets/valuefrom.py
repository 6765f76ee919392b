"""Parse the ``valueFrom`` of a container's ``secrets`` entry, in every form ECS accepts.

Forms (ECS developer guide, "Pass Secrets Manager secrets through Amazon ECS environment
variables" and "Pass Systems Manager parameters through Amazon ECS environment variables"):

- ``arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME[:JSON_KEY[:STAGE[:VERSION_ID]]]``,
  each of the three trailing fields possibly empty (``...:secret:hello/db-AbCdEf:password::``);
- ``arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME``: for a hierarchical name ``/app/x`` the ARN
  is ``parameter/app/x``, the leading slash is not doubled;
- a bare parameter name (``my-param``, ``/app/db/password``): an SSM parameter of the task's
  own Region, as ECS reads it.

Secrets Manager ARNs end their name with ``-`` and six random characters that AWS appends at
creation (the "complete" ARN); a "partial" ARN leaves them out. Secrets Manager itself reads an
ARN whose name ends in a hyphen and six characters as a complete ARN (Secrets Manager user guide,
"Finding a secret from a partial ARN"), so hakobu does the same: the suffix is stripped exactly
when the name ends in ``-`` followed by six ASCII letters or digits. A secret really named
``hello/db-prod12`` is then read as ``hello/db``: AWS recommends against such names, as do we.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from hakobu.errors import InputError

Service = Literal["secretsmanager", "ssm"]

# Secrets Manager names: 1-512 of letters, digits and /_+=.@- (CreateSecret's Name).
_SM_NAME = re.compile(r"[A-Za-z0-9/_+=.@-]{1,512}")
# SSM parameter names: letters, digits, _.- and / between levels (PutParameter's Name).
_SSM_NAME = re.compile(r"[A-Za-z0-9_.\-/]{1,1011}")
_RANDOM_SUFFIX = re.compile(r"^(?P<name>.+)-[A-Za-z0-9]{6}$")
_PARTITION = re.compile(r"aws(-[a-z]+)*")
_REGION = re.compile(r"[a-z]{2}(-[a-z0-9]+)+")
_ACCOUNT = re.compile(r"\d{12}")

SM_FORM = "arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME[:JSON_KEY[:STAGE[:VERSION_ID]]]"
SSM_FORM = "arn:aws:ssm:REGION:ACCOUNT:parameter/NAME, or a parameter name such as /app/db/password"


@dataclass(frozen=True)
class SecretReference:
    """Where a secret lives, as a ``valueFrom`` names it. Holds no value."""

    service: Service
    name: str  # without the random suffix: the key of the local store
    json_key: str | None = None
    version_stage: str | None = None
    version_id: str | None = None
    region: str | None = None
    account: str | None = None
    raw: str = ""

    def describe(self) -> str:
        """Short human form for messages: ``hello/db (key password, stage AWSPREVIOUS)``."""
        parts = [f"key {self.json_key}"] if self.json_key else []
        if self.version_stage:
            parts.append(f"stage {self.version_stage}")
        if self.version_id:
            parts.append(f"version {self.version_id}")
        prefix = "ssm parameter " if self.service == "ssm" else ""
        detail = f" ({', '.join(parts)})" if parts else ""
        return f"{prefix}{self.name}{detail}"


def parse_value_from(value_from: str) -> SecretReference:
    """Parse one ``valueFrom``; raise InputError naming the form expected."""
    raw = value_from
    if value_from != value_from.strip() or not value_from:
        raise _invalid(raw, "it is empty or has surrounding spaces", SM_FORM)
    if not value_from.startswith("arn:"):
        return ssm_reference(value_from, raw=raw)
    parts = value_from.split(":")
    if len(parts) < 6:
        raise _invalid(raw, "an ARN has at least six ':'-separated fields", SM_FORM)
    _, partition, service, region, account = parts[:5]
    _check_arn_head(raw, partition, region, account)
    if service == "secretsmanager":
        return _parse_secretsmanager_arn(raw, parts[5:], region, account)
    if service == "ssm":
        return _parse_ssm_arn(raw, ":".join(parts[5:]), region, account)
    raise _invalid(raw, f"service {service!r} holds no ECS secrets", f"{SM_FORM} or {SSM_FORM}")


def secretsmanager_reference(name: str, *, raw: str | None = None) -> SecretReference:
    """A Secrets Manager secret by its plain name: taken literally, no suffix is stripped."""
    if not _SM_NAME.fullmatch(name):
        raise _invalid(
            raw or name,
            "a Secrets Manager name is 1-512 letters, digits or /_+=.@-",
            SM_FORM,
        )
    return SecretReference("secretsmanager", name, raw=raw or name)


def ssm_reference(name: str, *, raw: str | None = None) -> SecretReference:
    """An SSM parameter by name; a name with a hierarchy must start with '/', as in SSM."""
    if not _SSM_NAME.fullmatch(name) or "//" in name or name.endswith("/"):
        raise _invalid(
            raw or name,
            "an SSM parameter name is letters, digits, _.- and /-separated levels",
            SSM_FORM,
        )
    if "/" in name and not name.startswith("/"):
        raise _invalid(
            raw or name,
            "an SSM parameter name with a hierarchy starts with '/'",
            f"write /{name}",
        )
    return SecretReference("ssm", name, raw=raw or name)


def _check_arn_head(raw: str, partition: str, region: str, account: str) -> None:
    if not _PARTITION.fullmatch(partition):
        raise _invalid(raw, f"partition {partition!r} is not aws, aws-cn, aws-us-gov, ...", SM_FORM)
    if not _REGION.fullmatch(region):
        raise _invalid(raw, f"region {region!r} is not a Region such as us-east-1", SM_FORM)
    if not _ACCOUNT.fullmatch(account):
        raise _invalid(raw, f"account {account!r} is not a 12-digit account ID", SM_FORM)


def _parse_secretsmanager_arn(
    raw: str, resource: list[str], region: str, account: str
) -> SecretReference:
    # resource is ["secret", NAME, JSON_KEY?, STAGE?, VERSION_ID?]; names never contain ':'.
    if resource[0] != "secret" or len(resource) < 2:
        raise _invalid(raw, "a Secrets Manager ARN names a secret after ':secret:'", SM_FORM)
    if len(resource) > 5:
        raise _invalid(raw, "too many ':'-separated fields after the secret name", SM_FORM)
    name = strip_random_suffix(resource[1])
    base = secretsmanager_reference(name, raw=raw)
    extra = [field or None for field in resource[2:]] + [None] * (5 - len(resource))
    json_key, stage, version_id = extra
    return SecretReference(
        "secretsmanager",
        base.name,
        json_key=json_key,
        version_stage=stage,
        version_id=version_id,
        region=region,
        account=account,
        raw=raw,
    )


def _parse_ssm_arn(raw: str, resource: str, region: str, account: str) -> SecretReference:
    if not resource.startswith("parameter/") or resource == "parameter/":
        raise _invalid(raw, "an SSM ARN names a parameter after ':parameter/'", SSM_FORM)
    rest = resource.removeprefix("parameter/")
    if rest.startswith("/"):
        raise _invalid(
            raw,
            "the ARN of parameter /NAME is ...:parameter/NAME (the leading slash is not doubled)",
            f"write ...:parameter/{rest.lstrip('/')}",
        )
    # A name holding '/' is hierarchical, and hierarchical names start with '/' (SSM's rule).
    name = "/" + rest if "/" in rest else rest
    base = ssm_reference(name, raw=raw)
    return SecretReference("ssm", base.name, region=region, account=account, raw=raw)


def strip_random_suffix(name: str) -> str:
    """Drop the ``-XXXXXX`` AWS appends to a secret's name in its complete ARN, if present."""
    match = _RANDOM_SUFFIX.fullmatch(name)
    return match.group("name") if match else name


def _invalid(raw: str, why: str, form: str) -> InputError:
    """``form`` is the expected form, or (starting with "write") the corrected string."""
    fix = form if form.startswith("write ") else f"expected {form}"
    return InputError(f"valueFrom {raw!r}: {why}", fix=fix)
