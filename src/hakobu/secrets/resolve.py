"""Resolve every secret of a task at once, before anything starts."""

from __future__ import annotations

from collections.abc import Iterable

from hakobu.errors import InputError, MissingSecretError
from hakobu.secrets.interface import SecretProvider
from hakobu.secrets.valuefrom import SecretReference, parse_value_from


def resolve_secrets(refs: Iterable[tuple[str, str]], provider: SecretProvider) -> dict[str, str]:
    """Map each ``(key, valueFrom)`` to its value: ``key`` is the env var (or engine secret) name.

    Every reference is parsed and resolved before this returns or raises, so one
    MissingSecretError lists all that are missing and the user fixes them in one go. A key given
    twice with different ``valueFrom`` is an InputError.
    """
    parsed = _parse_all(refs)
    values: dict[str, str] = {}
    problems: list[str] = []
    for key, ref in parsed.items():
        try:
            values[key] = provider.resolve(ref)
        except MissingSecretError as e:
            problems.append(f"{key}: {e}")
    if problems:
        count = len(problems)
        what = "1 secret is missing" if count == 1 else f"{count} secrets are missing"
        raise MissingSecretError(f"{what}: {'; '.join(problems)}")
    return values


def _parse_all(refs: Iterable[tuple[str, str]]) -> dict[str, SecretReference]:
    parsed: dict[str, SecretReference] = {}
    for key, value_from in refs:
        try:
            ref = parse_value_from(value_from)
        except InputError as e:
            raise InputError(e.detail, field=f"secrets ({key})", fix=e.fix) from None
        previous = parsed.get(key)
        if previous is not None and previous.raw != ref.raw:
            raise InputError(
                f"{key} is given twice, from {previous.raw!r} and {ref.raw!r}",
                field="secrets",
                fix="give each environment variable one valueFrom",
            )
        parsed[key] = ref
    return parsed
