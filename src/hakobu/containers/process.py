"""The one subprocess wrapper: argument lists, never a shell; errors show command, code and stderr.

Secret values never travel in arguments: callers pass them on stdin (``input``) or in the child's
environment, so the command shown in an error is always safe to print.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hakobu.errors import EngineError

_STDERR_LIMIT = 600


@dataclass(frozen=True)
class Completed:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def _short(text: str) -> str:
    text = " ".join(text.strip().split())
    return text if len(text) <= _STDERR_LIMIT else text[: _STDERR_LIMIT - 3] + "..."


def run_command(
    args: Sequence[str],
    *,
    input: str | None = None,
    timeout: float | None = None,
    check: bool = True,
    env: Mapping[str, str] | None = None,
) -> Completed:
    """Run ``args`` and capture its output. With ``check``, a non-zero exit raises EngineError."""
    argv = tuple(args)
    try:
        proc = subprocess.run(
            argv,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(env) if env is not None else None,
            check=False,
        )
    except FileNotFoundError as e:
        raise EngineError(f"{argv[0]}: command not found (install it, or see scripts/setup)") from e
    except subprocess.TimeoutExpired as e:
        raise EngineError(f"`{' '.join(argv)}` did not finish within {timeout:g} s") from e
    done = Completed(argv, proc.returncode, proc.stdout, proc.stderr)
    if check and proc.returncode != 0:
        raise EngineError(
            f"`{' '.join(argv)}` exited {proc.returncode}: {_short(proc.stderr) or '(no stderr)'}"
        )
    return done
