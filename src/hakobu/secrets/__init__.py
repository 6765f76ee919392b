"""Secrets: ``valueFrom`` parsing, the provider extension point, the encrypted local store."""

from hakobu.secrets.fake import FakeSecretProvider
from hakobu.secrets.interface import AWSCURRENT, AWSPREVIOUS, SecretProvider, set_command
from hakobu.secrets.local import LocalSecretProvider
from hakobu.secrets.registry import PROVIDERS, ProviderContext, ProviderRegistry
from hakobu.secrets.resolve import resolve_secrets
from hakobu.secrets.store import LocalSecretStore, SecretInfo, default_home
from hakobu.secrets.valuefrom import SecretReference, parse_value_from

__all__ = [
    "AWSCURRENT",
    "AWSPREVIOUS",
    "PROVIDERS",
    "FakeSecretProvider",
    "LocalSecretProvider",
    "LocalSecretStore",
    "ProviderContext",
    "ProviderRegistry",
    "SecretInfo",
    "SecretProvider",
    "SecretReference",
    "default_home",
    "parse_value_from",
    "resolve_secrets",
    "set_command",
]
