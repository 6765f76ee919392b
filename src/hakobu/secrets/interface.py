"""The extension point for where secret values come from, and the rules every provider shares.

A provider turns a parsed ``valueFrom`` into the value ECS would inject. ``LocalSecretProvider``
reads the encrypted local store; ``SecretsManagerProvider`` and ``SsmProvider`` (later) call AWS;
``FakeSecretProvider`` serves users' tests. Providers raise ``MissingSecretError`` for a secret,
version or JSON key that does not exist, naming the command that creates it, and ``SecretError``
for anything else. No message ever carries a value.
"""

from __future__ import annotations

import json
import shlex
from typing import Protocol, runtime_checkable

from hakobu.errors import MissingSecretError, SecretError
from hakobu.secrets.valuefrom import SecretReference

AWSCURRENT = "AWSCURRENT"
AWSPREVIOUS = "AWSPREVIOUS"


@runtime_checkable
class SecretProvider(Protocol):
    """Resolves one reference to the string ECS would put in the container's environment."""

    def resolve(self, ref: SecretReference) -> str:
        """Return the value, or raise MissingSecretError (absent) or SecretError (unreadable)."""
        ...


def set_command(ref: SecretReference) -> str:
    """The ``hakobu secret set`` command that creates what ``ref`` names."""
    words = ["hakobu", "secret", "set"]
    if ref.service == "ssm":
        words.append("--ssm")
    words.append(ref.name)
    if ref.json_key:
        words += ["--json-key", ref.json_key]
    if ref.version_stage:
        words += ["--version-stage", ref.version_stage]
    if ref.version_id:
        words += ["--version-id", ref.version_id]
    return shlex.join(words)


def missing(ref: SecretReference, why: str, fix: str | None = None) -> MissingSecretError:
    """A MissingSecretError for ``ref``: what is absent and what fixes it (by default, the
    ``hakobu secret set`` command that creates it)."""
    return MissingSecretError(f"{ref.describe()}: {why} ({fix or f'run `{set_command(ref)}`'})")


def extract_json_key(ref: SecretReference, value: str, fix: str | None = None) -> str:
    """The value of ``ref.json_key`` inside the JSON object ``value``, as ECS injects it.

    Strings are injected as they are. ECS formats other JSON values with Go's ``%v``; booleans
    and numbers come out the same here, while null, arrays and objects are written as compact
    JSON (ECS would write Go's ``map[...]`` form, which no application should depend on).
    """
    key = ref.json_key
    if key is None:
        return value
    document = _json_object(value)
    if document is None:
        # Never chain the JSONDecodeError: its ``doc`` attribute holds the secret value.
        raise SecretError(
            f"{ref.describe()}: the stored value is not a JSON object, so key {key!r} cannot be "
            f"read (store a JSON object, e.g. `{set_command(ref)}`, after `hakobu secret rm "
            f"{shlex.quote(ref.name)}`)"
        )
    if key not in document:
        raise missing(ref, f"retrieved secret did not contain json key {key}", fix)
    return _format_json_value(document[key])


def _json_object(value: str) -> dict[str, object] | None:
    try:
        document = json.loads(value)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _format_json_value(item: object) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, float) and item.is_integer():
        return str(int(item))
    if isinstance(item, int | float):
        return str(item)
    return json.dumps(item, separators=(",", ":"))
