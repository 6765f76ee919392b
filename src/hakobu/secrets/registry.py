"""The explicit registry of secret providers, by name. A duplicate name is refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hakobu.errors import UsageError
from hakobu.secrets.interface import SecretProvider
from hakobu.secrets.local import LocalSecretProvider


@dataclass(frozen=True)
class ProviderContext:
    """What a provider may need to start: the app, and where hakobu keeps its files."""

    app: str
    home: Path | None = None  # None: $HAKOBU_HOME or its default


ProviderFactory = Callable[[ProviderContext], SecretProvider]


class ProviderRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, ProviderFactory] = {}

    def register(self, name: str, factory: ProviderFactory) -> None:
        if name in self._factories:
            raise ValueError(f"secret provider {name!r} is already registered")
        self._factories[name] = factory

    def names(self) -> tuple[str, ...]:
        return tuple(self._factories)

    def create(self, name: str, context: ProviderContext) -> SecretProvider:
        factory = self._factories.get(name)
        if factory is None:
            raise UsageError(
                f"unknown secret provider {name!r} (known: {', '.join(self._factories)})"
            )
        return factory(context)


def _local(context: ProviderContext) -> SecretProvider:
    return LocalSecretProvider.for_app(context.app, home=context.home)


def default_registry() -> ProviderRegistry:
    """Every provider hakobu ships. SecretsManagerProvider and SsmProvider will join here."""
    registry = ProviderRegistry()
    registry.register("local", _local)
    return registry


PROVIDERS = default_registry()
