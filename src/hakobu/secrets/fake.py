"""``FakeSecretProvider``: fixed values for tests, as httpx's MockTransport is for transports."""

from __future__ import annotations

from collections.abc import Mapping

from hakobu.secrets.interface import extract_json_key, missing
from hakobu.secrets.valuefrom import SecretReference


class FakeSecretProvider:
    """Serves ``values``, keyed by exact ``valueFrom`` string or by secret name.

    An exact ``valueFrom`` match is returned as it is. A name match stands for every version of
    that secret, and a reference's JSON key is read from it as ECS would::

        provider = FakeSecretProvider({"hello/db": '{"password": "pw"}', "/app/token": "t"})

    ``requested`` records every reference asked for, in order, for assertions.
    """

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self.requested: list[SecretReference] = []

    def __repr__(self) -> str:
        return f"FakeSecretProvider(<{len(self._values)} values>)"

    def resolve(self, ref: SecretReference) -> str:
        self.requested.append(ref)
        fix = "add it to the FakeSecretProvider's values"
        if ref.raw in self._values:
            return self._values[ref.raw]
        if ref.name in self._values:
            return extract_json_key(ref, self._values[ref.name], fix)
        raise missing(ref, "not in the FakeSecretProvider's values", fix)
