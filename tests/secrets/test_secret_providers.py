from __future__ import annotations

import json
import secrets

import pytest

import hakobu.secrets
from hakobu.errors import MissingSecretError, SecretError, UsageError
from hakobu.secrets import (
    PROVIDERS,
    FakeSecretProvider,
    LocalSecretProvider,
    LocalSecretStore,
    ProviderContext,
    ProviderRegistry,
    SecretProvider,
    parse_value_from,
    set_command,
)

SM = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
PROD = "arn:aws:secretsmanager:eu-west-1:999999999999:secret:"


@pytest.fixture
def provider() -> LocalSecretProvider:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "hello/db", json.dumps({"password": "pw", "port": 5432}))
    store.put("secretsmanager", "hello/api", "old-token", version_id="v-old")
    store.put("secretsmanager", "hello/api", "new-token", version_id="v-new")
    store.put("ssm", "/app/flag", "on")
    store.put("ssm", "plain", "p")
    return LocalSecretProvider(store)


@pytest.mark.parametrize(
    ("value_from", "expected"),
    [
        (SM + "hello/api-AbCdEf", "new-token"),
        (SM + "hello/api", "new-token"),
        (PROD + "hello/api-ZyXwVu", "new-token"),  # another account and Region: same store key
        (SM + "hello/api-AbCdEf::AWSPREVIOUS:", "old-token"),
        (SM + "hello/api-AbCdEf:::v-old", "old-token"),
        (SM + "hello/api-AbCdEf::AWSCURRENT:v-new", "new-token"),
        (SM + "hello/db-AbCdEf:password::", "pw"),
        (SM + "hello/db-AbCdEf:port::", "5432"),
        ("/app/flag", "on"),
        ("plain", "p"),
        ("arn:aws:ssm:us-east-1:123456789012:parameter/app/flag", "on"),
        ("arn:aws:ssm:us-east-1:123456789012:parameter/plain", "p"),
    ],
)
def test_local_provider_resolves(
    provider: LocalSecretProvider, value_from: str, expected: str
) -> None:
    assert provider.resolve(parse_value_from(value_from)) == expected


@pytest.mark.parametrize(
    ("value_from", "command"),
    [
        (SM + "hello/nope-AbCdEf", "hakobu secret set hello/nope"),
        (SM + "hello/db-AbCdEf:user::", "hakobu secret set hello/db --json-key user"),
        (SM + "hello/api::BLUE:", "hakobu secret set hello/api --version-stage BLUE"),
        (SM + "hello/api:::v-gone", "hakobu secret set hello/api --version-id v-gone"),
        (SM + "hello/api::AWSCURRENT:v-old", "--version-stage AWSCURRENT --version-id v-old"),
        ("/app/none", "hakobu secret set --ssm /app/none"),
    ],
)
def test_missing_names_the_fix(
    provider: LocalSecretProvider, value_from: str, command: str
) -> None:
    with pytest.raises(MissingSecretError) as caught:
        provider.resolve(parse_value_from(value_from))
    assert command in str(caught.value)
    assert caught.value.exit_code == 2


def test_json_key_of_a_non_json_value_hides_the_value() -> None:
    value = "canary-" + secrets.token_hex(8)
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "hello/db", value)
    with pytest.raises(SecretError, match="not a JSON object") as caught:
        LocalSecretProvider(store).resolve(parse_value_from(SM + "hello/db:password::"))
    assert not isinstance(caught.value, MissingSecretError)
    assert value not in str(caught.value)
    assert caught.value.__context__ is None  # a JSONDecodeError would carry the value in .doc


def test_json_values_are_formatted_as_ecs_does() -> None:
    document = {"s": "x", "t": True, "i": 3, "f": 1.5, "n": None, "o": {"a": 1}, "l": [1, 2]}
    fake = FakeSecretProvider({"doc": json.dumps(document)})
    got = {k: fake.resolve(parse_value_from(f"{SM}doc:{k}::")) for k in document}
    assert got == {
        "s": "x",
        "t": "true",
        "i": "3",
        "f": "1.5",
        "n": "null",
        "o": '{"a":1}',
        "l": "[1,2]",
    }


def test_fake_provider() -> None:
    exact = SM + "hello/db-AbCdEf::AWSPREVIOUS:"
    fake = FakeSecretProvider({exact: "old", "hello/db": '{"password": "pw"}', "/app/x": "x"})
    assert fake.resolve(parse_value_from(exact)) == "old"
    assert fake.resolve(parse_value_from(SM + "hello/db:password::")) == "pw"
    assert fake.resolve(parse_value_from("/app/x")) == "x"
    with pytest.raises(MissingSecretError, match="FakeSecretProvider"):
        fake.resolve(parse_value_from("/app/y"))
    assert [r.name for r in fake.requested] == ["hello/db", "hello/db", "/app/x", "/app/y"]
    assert "pw" not in repr(fake) and "old" not in repr(fake)


def test_providers_satisfy_the_protocol() -> None:
    assert isinstance(FakeSecretProvider({}), SecretProvider)
    assert isinstance(LocalSecretProvider.for_app("hello"), SecretProvider)


def test_registry() -> None:
    assert "local" in PROVIDERS.names()
    provider = PROVIDERS.create("local", ProviderContext("hello"))
    assert isinstance(provider, LocalSecretProvider)
    with pytest.raises(UsageError, match="unknown secret provider 'vault' \\(known: local\\)"):
        PROVIDERS.create("vault", ProviderContext("hello"))
    registry = ProviderRegistry()
    registry.register("fake", lambda ctx: FakeSecretProvider({}))
    with pytest.raises(ValueError, match="already registered"):
        registry.register("fake", lambda ctx: FakeSecretProvider({}))


def test_set_command_quotes() -> None:
    ref = parse_value_from(SM + "hello/db:my key::")
    assert set_command(ref) == "hakobu secret set hello/db --json-key 'my key'"


def test_public_api() -> None:
    for name in hakobu.secrets.__all__:
        assert hasattr(hakobu.secrets, name), name
    assert len(set(hakobu.secrets.__all__)) == len(hakobu.secrets.__all__)
    public = {n for n in vars(hakobu.secrets) if not n.startswith("_")}
    submodules = {
        "fake",
        "files",
        "interface",
        "local",
        "registry",
        "resolve",
        "store",
        "valuefrom",
    }
    assert public - submodules == set(hakobu.secrets.__all__)
