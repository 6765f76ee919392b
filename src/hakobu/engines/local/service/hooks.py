"""Lifecycle hooks of blue/green, canary and linear deployments, run as local commands.

On ECS a hook is a Lambda function that answers SUCCEEDED or FAILED; locally each hook's
``hookTargetArn`` maps to a command in hakobu.toml (``[service.hooks]``), run with ``sh -c`` in
the app's directory: exit 0 is SUCCEEDED, anything else (or no answer within the hook's
``timeoutConfiguration``, 60 minutes by default) is FAILED, which rolls the deployment back.
The command learns where it is from its environment: HAKOBU_LIFECYCLE_STAGE, HAKOBU_SERVICE,
HAKOBU_DEPLOYMENT, HAKOBU_TEST_URL and HAKOBU_PRODUCTION_URL, and HAKOBU_HOOK_DETAILS (the
hook's ``hookDetails`` as JSON).

Each command runs in a session of its own, so that a timeout, ``deploy --stop`` or the
controller's shutdown ends the command and everything it started (``sh -c 'sleep 60; curl'``
leaves ``sleep`` holding the output pipe if only ``sh`` is killed), and the controller's thread
returns instead of waiting for the hook to end by itself. A hook is done when its command exits,
as a Lambda function is when it returns: what it left running in the background is ended.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hakobu.spec.service import LifecycleHook

DEFAULT_TIMEOUT_MINUTES = 60
POLL_SECONDS = 0.2  # how soon a cancelled hook is ended


@dataclass(frozen=True)
class HookResult:
    arn: str
    succeeded: bool
    detail: str  # "SUCCEEDED", or why it failed


def hooks_for(hooks: Sequence[LifecycleHook], stage: str) -> list[LifecycleHook]:
    return [h for h in hooks if stage in h.stages]


def run_hooks(
    hooks: Sequence[LifecycleHook],
    commands: Mapping[str, str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    cancel: threading.Event | None = None,
) -> list[HookResult]:
    """Run each hook in turn; stop at the first that fails (blocking: call it in a thread).
    Setting ``cancel`` ends the running command and its children, and runs no more."""
    results = []
    for hook in hooks:
        result = _run(hook, commands.get(hook.target_arn), cwd, env, cancel or threading.Event())
        results.append(result)
        if not result.succeeded:
            break
    return results


def _run(
    hook: LifecycleHook,
    command: str | None,
    cwd: Path,
    env: Mapping[str, str],
    cancel: threading.Event,
) -> HookResult:
    if command is None:
        return HookResult(hook.target_arn, False, "FAILED: no command in [service.hooks]")
    if cancel.is_set():
        return HookResult(hook.target_arn, False, "FAILED: cancelled")
    timeout = (hook.timeout_minutes or DEFAULT_TIMEOUT_MINUTES) * 60
    child_env = {**os.environ, **env, "HAKOBU_HOOK_DETAILS": json.dumps(hook.details)}
    # The user's own shell command, as a CMD-SHELL health check is: sh -c, no other shell.
    with subprocess.Popen(
        ["sh", "-c", command],
        cwd=cwd,
        env=child_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: ended with everything it started
    ) as proc:
        out, err, why = _wait(proc, timeout, cancel)
    if why:
        return HookResult(hook.target_arn, False, f"FAILED: {why}")
    if proc.returncode == 0:
        return HookResult(hook.target_arn, True, "SUCCEEDED")
    last = (err.strip() or out.strip()).splitlines()[-1:] or [""]
    return HookResult(hook.target_arn, False, f"FAILED (exit {proc.returncode}) {last[0]}".strip())


def _wait(
    proc: subprocess.Popen[str], timeout: float, cancel: threading.Event
) -> tuple[str, str, str]:
    """The command's output, and why it was ended ("" when it exited by itself)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            out, err = proc.communicate(timeout=POLL_SECONDS)
            return out, err, ""
        except subprocess.TimeoutExpired:
            pass
        if proc.poll() is not None:
            why = ""  # it exited; what it left running in the background holds its output open
        elif cancel.is_set():
            why = "cancelled"
        elif time.monotonic() >= deadline:
            why = f"no answer within {timeout:g} s"
        else:
            continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return out, err, why
