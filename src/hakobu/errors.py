"""One root error with an exit code, and its families.

Only the CLI prints or exits: everything below it raises these. Messages are one line that names the
file (and line or field) and says what to do next.
"""

from __future__ import annotations

from pathlib import Path


class HakobuError(Exception):
    """Root of every error hakobu raises on purpose. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class UsageError(HakobuError):
    """Bad input or usage: exit code 2, and nothing was started or written."""

    exit_code = 2


class InputError(UsageError):
    """A problem in a user's file, located by file, line and field, with the fix."""

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column if line else None
        self.field = field
        self.fix = fix
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
            where += (f":{self.column}" if self.column else "") + ": "
        field = f"{self.field}: " if self.field else ""
        fix = f" ({self.fix})" if self.fix else ""
        return f"{where}{field}{self.detail}{fix}"


class SpecError(InputError):
    """A task definition, service definition or other spec file is invalid."""


class ConfigError(InputError):
    """hakobu.toml is invalid."""


class SecretError(HakobuError):
    """A secret could not be read, stored or resolved."""


class MissingSecretError(SecretError, UsageError):
    """A task definition names a secret the store does not hold."""

    exit_code = 2


class EngineError(HakobuError):
    """The container engine failed (a command exited non-zero, timed out, ...)."""


class NoEngineError(EngineError, UsageError):
    """Neither docker nor podman works here."""

    exit_code = 2


class TaskFailedError(HakobuError):
    """A task stopped or never became healthy."""
