from __future__ import annotations

import pytest

from hakobu.errors import InputError, MissingSecretError
from hakobu.secrets import FakeSecretProvider, resolve_secrets

SM = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"


def test_resolves_every_reference() -> None:
    fake = FakeSecretProvider({"hello/db": '{"password": "pw"}', "/app/token": "t"})
    refs = [("DB_PASSWORD", SM + "hello/db-AbCdEf:password::"), ("TOKEN", "/app/token")]
    assert resolve_secrets(refs, fake) == {"DB_PASSWORD": "pw", "TOKEN": "t"}


def test_lists_every_missing_one_at_once() -> None:
    fake = FakeSecretProvider({"hello/db": '{"password": "pw"}'})
    refs = [
        ("DB_PASSWORD", SM + "hello/db-AbCdEf:password::"),
        ("DB_USER", SM + "hello/db-AbCdEf:user::"),
        ("TOKEN", "/app/token"),
        ("API_KEY", SM + "hello/api"),
    ]
    with pytest.raises(MissingSecretError) as caught:
        resolve_secrets(refs, fake)
    message = str(caught.value)
    assert message.startswith("3 secrets are missing: ")
    for name in ("DB_USER", "TOKEN", "API_KEY", "/app/token", "hello/api", "json key user"):
        assert name in message
    assert "DB_PASSWORD" not in message and "pw" not in message
    assert "\n" not in message
    assert len(fake.requested) == 4  # every reference was tried before raising


def test_one_missing() -> None:
    with pytest.raises(MissingSecretError, match=r"^1 secret is missing: TOKEN: ssm parameter"):
        resolve_secrets([("TOKEN", "/app/token")], FakeSecretProvider({}))


def test_invalid_value_from_names_the_variable() -> None:
    fake = FakeSecretProvider({})
    with pytest.raises(InputError, match=r"secrets \(TOKEN\): valueFrom 'app/token'"):
        resolve_secrets([("TOKEN", "app/token")], fake)
    assert fake.requested == []  # nothing resolved before every reference parsed


def test_duplicate_names() -> None:
    fake = FakeSecretProvider({"/a": "a", "/b": "b"})
    assert resolve_secrets([("X", "/a"), ("X", "/a")], fake) == {"X": "a"}
    with pytest.raises(InputError, match="X is given twice"):
        resolve_secrets([("X", "/a"), ("X", "/b")], fake)
