from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from hakobu.errors import InputError, SecretError
from hakobu.secrets.interface import AWSCURRENT, AWSPREVIOUS
from hakobu.secrets.store import LocalSecretStore


def canary() -> str:
    return "canary-" + secrets.token_hex(16)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip(hakobu_home: Path) -> None:
    value = canary()
    store = LocalSecretStore("hello")
    result = store.put("secretsmanager", "hello/db", value)
    assert result.created
    assert result.stages == (AWSCURRENT,)
    stored = LocalSecretStore("hello").get("secretsmanager", "hello/db")
    assert stored is not None
    version = stored.select(None, None)
    assert version is not None and version.value == value
    assert store.path == hakobu_home / "secrets" / "hello.json.enc"


def test_service_is_part_of_the_key() -> None:
    store = LocalSecretStore("hello")
    store.put("ssm", "db", "from-ssm")
    store.put("secretsmanager", "db", "from-sm")
    assert _current(store, "ssm", "db") == "from-ssm"
    assert _current(store, "secretsmanager", "db") == "from-sm"


def test_apps_do_not_share_a_store() -> None:
    LocalSecretStore("hello").put("secretsmanager", "db", "x")
    assert LocalSecretStore("other").get("secretsmanager", "db") is None


def test_encrypted_at_rest() -> None:
    value = canary()
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "hello/very-secret-name", value)
    data = store.path.read_bytes()
    assert value.encode() not in data
    assert b"very-secret-name" not in data
    assert Fernet(store.key_path.read_bytes().strip()).decrypt(data)  # it is a Fernet token


def test_modes(hakobu_home: Path) -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", "x")
    assert mode(store.path) == 0o600
    assert mode(store.key_path) == 0o600
    assert mode(store.path.parent) == 0o700
    assert mode(hakobu_home) == 0o700


def test_mode_stays_0600_after_rewrite() -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", "x")
    os.chmod(store.path, 0o644)
    store.put("secretsmanager", "db", "y")
    assert mode(store.path) == 0o600


def test_key_file_is_created_once() -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "a", "1")
    key = store.key_path.read_bytes()
    store.put("secretsmanager", "b", "2")
    LocalSecretStore("other").put("secretsmanager", "c", "3")
    assert store.key_path.read_bytes() == key


def test_reading_an_empty_store_creates_nothing(hakobu_home: Path) -> None:
    store = LocalSecretStore("hello")
    assert store.entries() == []
    assert store.get("ssm", "x") is None
    assert not hakobu_home.exists()


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAKOBU_SECRET_KEY", Fernet.generate_key().decode())
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", "x")
    assert not store.key_path.exists()
    assert _current(store, "secretsmanager", "db") == "x"


def test_wrong_key(monkeypatch: pytest.MonkeyPatch) -> None:
    value = canary()
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", value)
    store.key_path.write_bytes(Fernet.generate_key())
    with pytest.raises(SecretError) as caught:
        store.get("secretsmanager", "db")
    message = str(caught.value)
    assert f"cannot decrypt {store.path}" in message
    assert f"the key at {store.key_path} does not match" in message
    assert value not in message
    monkeypatch.setenv("HAKOBU_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(SecretError, match=r"HAKOBU_SECRET_KEY does not match"):
        store.entries()


def test_wrong_key_never_overwrites_the_store() -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", "x")
    before = store.path.read_bytes()
    store.key_path.write_bytes(Fernet.generate_key())
    with pytest.raises(SecretError):
        store.put("secretsmanager", "other", "y")
    assert store.path.read_bytes() == before


def test_missing_key_file() -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", "x")
    store.key_path.unlink()
    with pytest.raises(SecretError, match=r"no key at .*secret\.key"):
        store.get("secretsmanager", "db")
    assert not store.key_path.exists()  # no new key was made for a store it cannot read


def test_invalid_environment_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAKOBU_SECRET_KEY", "not-a-key")
    with pytest.raises(SecretError, match=r"HAKOBU_SECRET_KEY is not a Fernet key"):
        LocalSecretStore("hello").put("secretsmanager", "db", "x")


def test_corrupt_file() -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", "x")
    store.path.write_bytes(b"garbage")
    with pytest.raises(SecretError, match="cannot decrypt"):
        store.get("secretsmanager", "db")


def test_decrypted_but_not_a_store() -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", "x")
    fernet = Fernet(store.key_path.read_bytes().strip())
    store.path.write_bytes(fernet.encrypt(b'{"format": 1, "secrets": [{"name": 1}]}'))
    with pytest.raises(SecretError, match="not a hakobu secret store") as caught:
        store.entries()
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_crash_during_replace_leaves_old_file(monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", "old")
    before = store.path.read_bytes()

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(SecretError, match=r"cannot write .*No space left on device"):
        store.put("secretsmanager", "db", "new")
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    assert _current(store, "secretsmanager", "db") == "old"
    assert [p.name for p in store.path.parent.iterdir() if p.suffix == ".tmp"] == []


def test_interrupt_during_write_leaves_old_file(monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", "old")

    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        store.put("secretsmanager", "db", "new")
    monkeypatch.undo()
    assert _current(store, "secretsmanager", "db") == "old"
    assert [p.name for p in store.path.parent.iterdir() if p.suffix == ".tmp"] == []


def test_new_version_keeps_previous() -> None:
    store = LocalSecretStore("hello")
    first = store.put("secretsmanager", "db", "v1")
    second = store.put("secretsmanager", "db", "v2")
    assert not second.created
    stored = store.get("secretsmanager", "db")
    assert stored is not None
    assert _value(stored.select(AWSPREVIOUS, None)) == "v1"
    assert _value(stored.select(None, first.version_id)) == "v1"
    assert _value(stored.select(None, None)) == "v2"
    store.put("secretsmanager", "db", "v3")
    stored = store.get("secretsmanager", "db")
    assert stored is not None
    # v1 lost its last stage: Secrets Manager deprecates it, the store drops it.
    assert [v.value for v in stored.versions] == ["v2", "v3"]
    assert stored.select(None, first.version_id) is None


def test_put_at_another_stage_leaves_current() -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", "current")
    store.put("secretsmanager", "db", "previous", version_stage=AWSPREVIOUS)
    store.put("secretsmanager", "db", "custom", version_stage="BLUE")
    stored = store.get("secretsmanager", "db")
    assert stored is not None
    assert _value(stored.select(None, None)) == "current"
    assert _value(stored.select(AWSPREVIOUS, None)) == "previous"
    assert _value(stored.select("BLUE", None)) == "custom"
    assert stored.select("GREEN", None) is None


def test_explicit_version_id() -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", "a", version_id="v-1")
    store.put("secretsmanager", "db", "b", version_id="v-2")
    stored = store.get("secretsmanager", "db")
    assert stored is not None
    assert _value(stored.select(None, "v-1")) == "a"
    assert _value(stored.select(AWSPREVIOUS, "v-1")) == "a"
    assert stored.select(AWSCURRENT, "v-1") is None  # stage and id must name one version
    # PutSecretValue with an existing id is idempotent for the same value, refused for another.
    store.put("secretsmanager", "db", "b", version_id="v-2")
    with pytest.raises(SecretError, match="already holds another value") as caught:
        store.put("secretsmanager", "db", "c", version_id="v-2")
    assert "'c'" not in str(caught.value)


def test_json_key_merge() -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "hello/db", "pw", json_key="password")
    store.put("secretsmanager", "hello/db", "admin", json_key="user")
    assert _current(store, "secretsmanager", "hello/db") == '{"password": "pw", "user": "admin"}'
    [info] = store.entries()
    assert info.json_keys == ("password", "user")


def test_json_key_into_non_json_value_is_refused() -> None:
    value = canary()
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "hello/db", value)
    with pytest.raises(SecretError, match="not a JSON object") as caught:
        store.put("secretsmanager", "hello/db", "pw", json_key="password")
    assert value not in str(caught.value)
    assert caught.value.__context__ is None or caught.value.__suppress_context__


def test_ssm_holds_one_value() -> None:
    store = LocalSecretStore("hello")
    store.put("ssm", "/app/token", "a")
    store.put("ssm", "/app/token", "b")
    stored = store.get("ssm", "/app/token")
    assert stored is not None and [v.value for v in stored.versions] == ["b"]
    with pytest.raises(InputError, match="an SSM parameter holds one value"):
        store.put("ssm", "/app/token", "x", json_key="k")
    with pytest.raises(InputError):
        store.put("ssm", "/app/token", "x", version_stage=AWSPREVIOUS)


def test_size_limits() -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "big", "x" * 65536)
    with pytest.raises(InputError, match="65536 bytes"):
        store.put("secretsmanager", "big", "x" * 65537)
    with pytest.raises(InputError, match="8192 bytes"):
        store.put("ssm", "big", "x" * 8193)


def test_remove() -> None:
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", "x")
    assert store.remove("secretsmanager", "db")
    assert not store.remove("secretsmanager", "db")
    assert store.get("secretsmanager", "db") is None


@pytest.mark.parametrize("app", ["../evil", "Hello", "", "a/b", "-x"])
def test_app_name_is_checked(app: str) -> None:
    with pytest.raises(InputError):
        LocalSecretStore(app)


def test_values_never_in_repr() -> None:
    value = canary()
    store = LocalSecretStore("hello")
    store.put("secretsmanager", "db", value)
    stored = store.get("secretsmanager", "db")
    assert stored is not None
    for thing in (store, stored, stored.versions[0], store.entries()):
        assert value not in repr(thing)
        assert value not in str(thing)


def _current(store: LocalSecretStore, service: str, name: str) -> str:
    stored = store.get(service, name)  # type: ignore[arg-type]
    assert stored is not None
    return _value(stored.select(None, None))


def _value(version: object) -> str:
    assert version is not None
    value: str = version.value  # type: ignore[attr-defined]
    return value
