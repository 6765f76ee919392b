"""``LocalSecretProvider``: secrets from the app's encrypted local store."""

from __future__ import annotations

from pathlib import Path

from hakobu.secrets.interface import extract_json_key, missing
from hakobu.secrets.store import LocalSecretStore
from hakobu.secrets.valuefrom import SecretReference


class LocalSecretProvider:
    """Resolves references as ECS would, from ``LocalSecretStore`` instead of AWS."""

    def __init__(self, store: LocalSecretStore) -> None:
        self.store = store

    @classmethod
    def for_app(cls, app: str, *, home: Path | None = None) -> LocalSecretProvider:
        return cls(LocalSecretStore(app, home=home))

    def __repr__(self) -> str:
        return f"LocalSecretProvider({self.store!r})"

    def resolve(self, ref: SecretReference) -> str:
        stored = self.store.get(ref.service, ref.name)
        if stored is None:
            raise missing(ref, f"not in the local secret store of app {self.store.app}")
        version = stored.select(ref.version_stage, ref.version_id)
        if version is None:
            raise missing(ref, f"no such version in the local secret store of app {self.store.app}")
        return extract_json_key(ref, version.value)
