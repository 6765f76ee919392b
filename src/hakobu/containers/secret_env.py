"""Secrets as environment variables that ``podman inspect`` never shows.

Podman 4 lists ``--secret ...,type=env`` values in the container's ``Config.Env``, which
``podman inspect`` prints. So hakobu mounts each secret as a file (``type=mount``: podman keeps it
out of the container config) and starts the container through a small wrapper that reads the
files into the environment and then ``exec``s the real command, which ends up with the variables
exactly as ECS would set them. The wrapper is a static busybox from the host (Debian's
busybox-static), mounted read-only, so it works in any image, even one without a shell.
"""

from __future__ import annotations

import os
import shlex
import shutil
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

MOUNTED_BUSYBOX = "/run/hakobu/busybox"
# Not /run/secrets: podman cannot create that mount point on a read-only root filesystem.
SECRETS_DIR = "/run/hakobu/secrets"
PT_INTERP = 3


def static_busybox() -> Path | None:
    """A statically linked busybox on this machine, or None (a dynamic one can't run in images)."""
    candidates = [os.environ.get("HAKOBU_STATIC_BUSYBOX"), "/bin/busybox", shutil.which("busybox")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and _is_static_elf(Path(candidate)):
            return Path(candidate)
    return None


def _is_static_elf(path: Path) -> bool:
    with path.open("rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:  # 64-bit ELF only
            return False
        endian = "<" if header[5] == 1 else ">"
        phoff = struct.unpack_from(endian + "Q", header, 32)[0]
        phentsize, phnum = struct.unpack_from(endian + "HH", header, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    types = [struct.unpack_from(endian + "I", table, i * phentsize)[0] for i in range(phnum)]
    return PT_INTERP not in types


def process_argv(
    image_config: Mapping[str, Any],
    entry_point: Sequence[str] | None,
    command: Sequence[str] | None,
) -> list[str]:
    """The argv the container would run, with Docker's rules (which ECS follows): an entryPoint
    override also drops the image's CMD unless a command is given."""
    image_entry = list(image_config.get("Entrypoint") or [])
    image_cmd = list(image_config.get("Cmd") or [])
    if isinstance(image_config.get("Entrypoint"), str):
        image_entry = [image_config["Entrypoint"]]
    entry = list(entry_point) if entry_point is not None else image_entry
    if command is not None:
        return entry + list(command)
    return entry + ([] if entry_point is not None else image_cmd)


def wrapper_script(env_to_secret: Sequence[tuple[str, str]]) -> str:
    """Read each mounted secret into its variable (exactly: trailing newlines kept), then exec.

    The command is resolved on PATH by the script itself and exec'd by absolute path, because
    busybox's shell would otherwise prefer its own applets (its `sleep` over the image's)."""
    lines = [f"B={MOUNTED_BUSYBOX}"]
    for env_name, secret in env_to_secret:
        path = shlex.quote(f"{SECRETS_DIR}/{secret}")
        lines.append(f'v="$($B cat {path}; printf x)"; export {env_name}="${{v%x}}"')
    lines += [
        "unset v B",
        'cmd="$1"; shift',
        'case "$cmd" in */*) ;; *) IFS=:; for d in $PATH; do',
        '  if [ -x "$d/$cmd" ] && [ ! -d "$d/$cmd" ]; then cmd="$d/$cmd"; break; fi',
        "done; unset IFS;; esac",
        'exec "$cmd" "$@"',
    ]
    return "\n".join(lines)


def secret_mount_option(user: str | None) -> str:
    """Readable by the task's user only when its uid is known; else by every user in it."""
    uid = (user or "0").split(":", 1)[0]
    if uid.isdigit():
        return f"uid={uid},mode=0400"
    return "mode=0444"
