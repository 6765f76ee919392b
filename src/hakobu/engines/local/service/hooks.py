"""Lifecycle hooks of blue/green, canary and linear deployments, run as local commands.

On ECS a hook is a Lambda function that answers SUCCEEDED or FAILED; locally each hook's
``hookTargetArn`` maps to a command in hakobu.toml (``[service.hooks]``), run with ``sh -c`` in
the app's directory: exit 0 is SUCCEEDED, anything else (or no answer within the hook's
``timeoutConfiguration``, 60 minutes by default) is FAILED, which rolls the deployment back.
The command learns where it is from its environment: HAKOBU_LIFECYCLE_STAGE, HAKOBU_SERVICE,
HAKOBU_DEPLOYMENT, HAKOBU_TEST_URL and HAKOBU_PRODUCTION_URL, and HAKOBU_HOOK_DETAILS (the
hook's ``hookDetails`` as JSON).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hakobu.spec.service import LifecycleHook

DEFAULT_TIMEOUT_MINUTES = 60


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
) -> list[HookResult]:
    """Run each hook in turn; stop at the first that fails (blocking: call it in a thread)."""
    results = []
    for hook in hooks:
        result = _run(hook, commands.get(hook.target_arn), cwd, env)
        results.append(result)
        if not result.succeeded:
            break
    return results


def _run(hook: LifecycleHook, command: str | None, cwd: Path, env: Mapping[str, str]) -> HookResult:
    if command is None:
        return HookResult(hook.target_arn, False, "FAILED: no command in [service.hooks]")
    timeout = (hook.timeout_minutes or DEFAULT_TIMEOUT_MINUTES) * 60
    child_env = {**os.environ, **env, "HAKOBU_HOOK_DETAILS": json.dumps(hook.details)}
    try:
        # The user's own shell command, as a CMD-SHELL health check is: sh -c, no other shell.
        done = subprocess.run(
            ["sh", "-c", command],
            cwd=cwd,
            env=child_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return HookResult(hook.target_arn, False, f"FAILED: no answer within {timeout} s")
    if done.returncode == 0:
        return HookResult(hook.target_arn, True, "SUCCEEDED")
    last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or [""]
    return HookResult(hook.target_arn, False, f"FAILED (exit {done.returncode}) {last[0]}".strip())
