"""The local secret store: one encrypted file per app, versions kept as Secrets Manager keeps them.

``$HAKOBU_HOME/secrets/<app>.json.enc`` is a Fernet token (AES-128-CBC with an HMAC-SHA256, so a
wrong key or a damaged file is detected, never misread) of a JSON document. Secrets are keyed by
(service, name) as ``parse_value_from`` returns them, without account, Region or random suffix,
so one store serves the ARNs of every environment. The key is ``HAKOBU_SECRET_KEY`` when set,
else ``$HAKOBU_HOME/secret.key``, created with mode 0600 on the first write.
"""

from __future__ import annotations

import json
import os
import re
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from cryptography.fernet import Fernet, InvalidToken

from hakobu.errors import InputError, SecretError
from hakobu.secrets.files import create_key_file, fernet_from, private_dir, write_atomic
from hakobu.secrets.interface import AWSCURRENT, AWSPREVIOUS
from hakobu.secrets.valuefrom import Service

if sys.platform != "win32":
    import fcntl

KEY_ENV = "HAKOBU_SECRET_KEY"
HOME_ENV = "HAKOBU_HOME"
FORMAT = 1
_APP_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
# Quotas of the AWS services, so that what works locally is accepted by AWS too.
MAX_VALUE_BYTES: Mapping[Service, int] = {"secretsmanager": 65536, "ssm": 8192}


def default_home() -> Path:
    """``$HAKOBU_HOME``, else ``~/.local/share/hakobu``."""
    home = os.environ.get(HOME_ENV)
    return Path(home) if home else Path.home() / ".local" / "share" / "hakobu"


@dataclass(frozen=True)
class SecretVersion:
    """One version of a secret. ``value`` is left out of the repr so it never reaches a log."""

    version_id: str
    stages: tuple[str, ...]
    created: str
    value: str = field(repr=False)


@dataclass(frozen=True)
class StoredSecret:
    service: Service
    name: str
    updated: str
    versions: tuple[SecretVersion, ...]

    def select(self, version_stage: str | None, version_id: str | None) -> SecretVersion | None:
        """The version GetSecretValue returns for these arguments (AWSCURRENT by default)."""
        if version_id is not None:
            found = next((v for v in self.versions if v.version_id == version_id), None)
            if found is not None and version_stage is not None:
                return found if version_stage in found.stages else None
            return found
        stage = version_stage or AWSCURRENT
        return next((v for v in self.versions if stage in v.stages), None)

    def info(self) -> SecretInfo:
        current = self.select(None, None)
        keys = _json_keys(current.value) if current is not None else None
        return SecretInfo(
            service=self.service,
            name=self.name,
            updated=self.updated,
            json_keys=keys,
            versions=tuple((v.version_id, v.stages) for v in self.versions),
        )


@dataclass(frozen=True)
class SecretInfo:
    """What ``secret list`` may show: everything but the values."""

    service: Service
    name: str
    updated: str
    json_keys: tuple[str, ...] | None  # keys of the AWSCURRENT value when it is a JSON object
    versions: tuple[tuple[str, tuple[str, ...]], ...]  # (version id, stages)


@dataclass(frozen=True)
class PutResult:
    created: bool  # a new secret, not a new version of an existing one
    version_id: str
    stages: tuple[str, ...]


class LocalSecretStore:
    """The encrypted store of one app. Loads the file on every call, so it holds no values."""

    def __init__(self, app: str, *, home: Path | None = None, key: bytes | None = None) -> None:
        if not _APP_NAME.fullmatch(app):
            raise InputError(
                f"app name {app!r} is not lowercase letters, digits and '-'",
                field="[app] name",
                fix="fix it in hakobu.toml",
            )
        self.app = app
        self.home = home if home is not None else default_home()
        self._key = key

    def __repr__(self) -> str:
        return f"LocalSecretStore(app={self.app!r}, path={str(self.path)!r})"

    @property
    def path(self) -> Path:
        return self.home / "secrets" / f"{self.app}.json.enc"

    @property
    def key_path(self) -> Path:
        return self.home / "secret.key"

    def get(self, service: Service, name: str) -> StoredSecret | None:
        return self._read().get((service, name))

    def entries(self) -> list[SecretInfo]:
        secrets = self._read().values()
        return [s.info() for s in sorted(secrets, key=lambda s: (s.name, s.service))]

    def put(
        self,
        service: Service,
        name: str,
        value: str,
        *,
        json_key: str | None = None,
        version_stage: str = AWSCURRENT,
        version_id: str | None = None,
    ) -> PutResult:
        """Add a version holding ``version_stage``, as PutSecretValue does; SSM keeps one value.

        With ``json_key``, the new version is the JSON object of the version now holding
        ``version_stage`` (or an empty one) with that key set to ``value``.
        """
        _check_put(service, name, json_key, version_stage, version_id)
        with self._locked():
            secrets = self._read()
            old = secrets.get((service, name))
            if json_key is not None:
                base = old.select(version_stage, None) if old is not None else None
                value = merge_json_key(name, base.value if base else None, json_key, value)
            check_value_size(service, name, value)
            new = _with_version(old, service, name, value, version_stage, version_id)
            secrets[(service, name)] = new
            self._write(secrets)
        latest = next(v for v in new.versions if version_stage in v.stages)
        return PutResult(old is None, latest.version_id, latest.stages)

    def remove(self, service: Service, name: str) -> bool:
        """Remove a secret with all its versions; False when there was none."""
        with self._locked():
            secrets = self._read()
            if secrets.pop((service, name), None) is None:
                return False
            self._write(secrets)
            return True

    # -- file and key ---------------------------------------------------------------------------

    def _read(self) -> dict[tuple[Service, str], StoredSecret]:
        try:
            token = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as e:
            raise SecretError(f"cannot read {self.path}: {e.strerror}") from None
        try:
            plain = self._fernet(create=False).decrypt(token)
        except InvalidToken:
            raise SecretError(
                f"cannot decrypt {self.path}: {self._key_source()} does not match the key that "
                f"wrote it, or the file is damaged (restore that key, or remove the file to "
                f"start over)"
            ) from None
        return _decode(self.path, plain)

    def _write(self, secrets: Mapping[tuple[Service, str], StoredSecret]) -> None:
        token = self._fernet(create=True).encrypt(_encode(self.app, secrets))
        self._private_dirs()
        write_atomic(self.path, token)

    def _private_dirs(self) -> None:
        # HAKOBU_HOME first, so that mkdir(parents=True) does not create it with the umask's mode.
        private_dir(self.home)
        private_dir(self.path.parent)

    def _fernet(self, *, create: bool) -> Fernet:
        if self._key is not None:
            return fernet_from(self._key, "the key given to LocalSecretStore")
        env_key = os.environ.get(KEY_ENV)
        if env_key:
            return fernet_from(env_key.encode(), f"${KEY_ENV}")
        return fernet_from(self._key_file(create=create), f"the key at {self.key_path}")

    def _key_source(self) -> str:
        if self._key is not None:
            return "the key given to LocalSecretStore"
        if os.environ.get(KEY_ENV):
            return f"the key in ${KEY_ENV}"
        return f"the key at {self.key_path}"

    def _key_file(self, *, create: bool) -> bytes:
        try:
            return self.key_path.read_bytes().strip()
        except FileNotFoundError:
            if not create:
                raise SecretError(
                    f"cannot decrypt {self.path}: no key at {self.key_path} and ${KEY_ENV} is "
                    f"not set (restore the key file, or set ${KEY_ENV})"
                ) from None
        return create_key_file(self.key_path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialize read-modify-write, so two `secret set` at once lose no update."""
        if sys.platform == "win32":  # pragma: no cover - no flock there; writes stay atomic
            yield
            return
        self._private_dirs()
        lock_path = self.path.with_name(f".{self.app}.lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


# -- versions ------------------------------------------------------------------------------------


def _with_version(
    old: StoredSecret | None,
    service: Service,
    name: str,
    value: str,
    stage: str,
    version_id: str | None,
) -> StoredSecret:
    now = _now()
    if service == "ssm":
        # ECS reads an SSM parameter's latest value; stages and version ids are Secrets Manager's.
        only = SecretVersion(version_id or str(uuid.uuid4()), (AWSCURRENT,), now, value)
        return StoredSecret(service, name, now, (only,))
    versions = list(old.versions) if old is not None else []
    existing = next((v for v in versions if v.version_id == version_id), None)
    if existing is not None and existing.value != value:
        raise SecretError(
            f"{name}: version {version_id} already holds another value "
            f"(choose another --version-id, or leave it out)"
        )
    vid = version_id or str(uuid.uuid4())
    versions = [_move_stage(v, stage, vid) for v in versions if v.version_id != vid]
    labels = (stage,) if existing is None else tuple(dict.fromkeys((*existing.stages, stage)))
    versions.append(SecretVersion(vid, labels, existing.created if existing else now, value))
    # A version left without any stage is deprecated by Secrets Manager; dropping it here keeps
    # no stale value on disk.
    kept = tuple(v for v in versions if v.stages)
    return StoredSecret(service, name, now, kept)


def _move_stage(version: SecretVersion, stage: str, new_id: str) -> SecretVersion:
    """Take ``stage`` off ``version``; AWSCURRENT moving away leaves AWSPREVIOUS behind."""
    stages = [s for s in version.stages if s != stage]
    if stage == AWSCURRENT:
        stages = [s for s in stages if s != AWSPREVIOUS]
        if AWSCURRENT in version.stages:
            stages.append(AWSPREVIOUS)
    return replace(version, stages=tuple(stages))


def _check_put(
    service: Service, name: str, json_key: str | None, stage: str, version_id: str | None
) -> None:
    if service == "ssm" and (json_key is not None or stage != AWSCURRENT or version_id):
        raise InputError(
            f"ssm parameter {name}: JSON keys, version stages and version ids are Secrets "
            f"Manager's; an SSM parameter holds one value",
            fix="leave out --json-key, --version-stage and --version-id",
        )
    if not stage:
        raise InputError(f"{name}: the version stage is empty", fix="leave it out for AWSCURRENT")


def merge_json_key(name: str, current: str | None, json_key: str, value: str) -> str:
    """``current`` (a JSON object, or nothing) with ``json_key`` set to ``value``."""
    document: dict[str, object] = {}
    if current is not None:
        try:
            loaded = json.loads(current)
        except ValueError:
            loaded = None
        if not isinstance(loaded, dict):
            raise SecretError(
                f"{name}: the stored value is not a JSON object, so --json-key cannot add to it "
                f"(run `hakobu secret rm {name}` first to replace it)"
            )
        document = loaded
    document[json_key] = value
    return json.dumps(document, ensure_ascii=False)


def check_value_size(service: Service, name: str, value: str) -> None:
    limit = MAX_VALUE_BYTES[service]
    if len(value.encode()) > limit:
        what = "Secrets Manager secret" if service == "secretsmanager" else "SSM parameter"
        raise InputError(
            f"{name}: the value is longer than the {limit} bytes an {what} may hold",
            fix="store a shorter value, or a reference to a file",
        )


# -- serialization -------------------------------------------------------------------------------


def _encode(app: str, secrets: Mapping[tuple[Service, str], StoredSecret]) -> bytes:
    document = {
        "format": FORMAT,
        "app": app,
        "secrets": [
            {
                "service": s.service,
                "name": s.name,
                "updated": s.updated,
                "versions": [
                    {
                        "id": v.version_id,
                        "stages": list(v.stages),
                        "created": v.created,
                        "value": v.value,
                    }
                    for v in s.versions
                ],
            }
            for s in secrets.values()
        ],
    }
    return json.dumps(document, ensure_ascii=False).encode()


def _decode(path: Path, plain: bytes) -> dict[tuple[Service, str], StoredSecret]:
    try:
        document = json.loads(plain)
        if document.get("format") != FORMAT:
            raise SecretError(
                f"{path}: store format {document.get('format')!r} is not {FORMAT} (upgrade hakobu)"
            )
        secrets = [_decode_secret(cast(dict[str, Any], s)) for s in document["secrets"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        # Never chained: the exception could quote the decrypted document.
        raise SecretError(
            f"{path}: decrypted, but not a hakobu secret store (remove it to start over)"
        ) from None
    return {(s.service, s.name): s for s in secrets}


def _decode_secret(raw: dict[str, Any]) -> StoredSecret:
    service = raw["service"]
    if service not in ("secretsmanager", "ssm"):
        raise ValueError("unknown service")
    versions = tuple(
        SecretVersion(str(v["id"]), tuple(v["stages"]), str(v["created"]), str(v["value"]))
        for v in raw["versions"]
    )
    return StoredSecret(cast(Service, service), str(raw["name"]), str(raw["updated"]), versions)


def _json_keys(value: str) -> tuple[str, ...] | None:
    try:
        document = json.loads(value)
    except ValueError:
        return None
    return tuple(sorted(document)) if isinstance(document, dict) else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
