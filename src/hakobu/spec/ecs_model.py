"""botocore's ECS API model, read straight from botocore's data files.

Importing ``botocore.model`` costs ~200 ms (it pulls in auth, HTTP and compat modules), which every
`hakobu up` would pay; the model itself is a JSON file that takes a few milliseconds to read. This
is the small part of botocore's Shape interface that validation needs, over that same file.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class Shape:
    def __init__(self, name: str, definitions: Mapping[str, Any]) -> None:
        self.name = name
        self._definitions = definitions
        self._spec: Mapping[str, Any] = definitions[name]

    @property
    def type_name(self) -> str:
        return str(self._spec["type"])

    @functools.cached_property
    def members(self) -> dict[str, Shape]:
        return {
            member: Shape(ref["shape"], self._definitions)
            for member, ref in self._spec.get("members", {}).items()
        }

    @property
    def required_members(self) -> list[str]:
        return list(self._spec.get("required", ()))

    @property
    def member(self) -> Shape:
        return Shape(self._spec["member"]["shape"], self._definitions)

    @property
    def key(self) -> Shape:
        return Shape(self._spec["key"]["shape"], self._definitions)

    @property
    def value(self) -> Shape:
        return Shape(self._spec["value"]["shape"], self._definitions)

    @property
    def enum(self) -> list[str]:
        return list(self._spec.get("enum", ()))

    @property
    def metadata(self) -> dict[str, Any]:
        return {k: self._spec[k] for k in ("min", "max") if k in self._spec}

    @property
    def is_document(self) -> bool:
        """A free-form JSON document (``hookDetails``): any value is valid."""
        return bool(self._spec.get("document"))

    @property
    def documentation(self) -> str:
        return str(self._spec.get("documentation", ""))


class ServiceModel:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self._shapes = document["shapes"]
        self._operations = document["operations"]

    def shape_for(self, name: str) -> Shape:
        return Shape(name, self._shapes)

    def input_shape(self, operation: str) -> Shape:
        return self.shape_for(self._operations[operation]["input"]["shape"])


def _ecs_model_file() -> Path:
    spec = importlib.util.find_spec("botocore")  # finds the package without importing it
    if spec is None or spec.origin is None:  # pragma: no cover - botocore is a dependency
        raise RuntimeError("botocore is not installed")
    versions = sorted((Path(spec.origin).parent / "data" / "ecs").iterdir())
    latest = versions[-1]
    for name in ("service-2.json.gz", "service-2.json"):
        if (latest / name).exists():
            return latest / name
    raise RuntimeError(f"no ECS service model in {latest}")  # pragma: no cover


@functools.cache
def ecs_model() -> ServiceModel:
    path = _ecs_model_file()
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return ServiceModel(json.loads(raw))
