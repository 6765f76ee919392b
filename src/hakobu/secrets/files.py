"""Files of the secret store: atomic private writes, and the Fernet key."""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from pathlib import Path

from cryptography.fernet import Fernet

from hakobu.errors import SecretError


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600: readers see the old file or the new, never half.

    The temporary file sits in the same directory, so ``os.replace`` is a rename on one
    filesystem; fsync of the file before and of the directory after make it survive a crash.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:  # mkstemp creates the file with mode 0600
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise SecretError(f"cannot write {path}: {e.strerror or e}") from None
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    with suppress(OSError):  # not every platform or filesystem can fsync a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def private_dir(directory: Path) -> None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as e:
        raise SecretError(f"cannot create {directory}: {e.strerror}") from None


def create_key_file(path: Path) -> bytes:
    """A new Fernet key at ``path`` (mode 0600), or the one another process just created."""
    private_dir(path.parent)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    except OSError as e:
        raise SecretError(f"cannot create {path}: {e.strerror}") from None
    with os.fdopen(fd, "wb") as f:
        f.write(key + b"\n")
        f.flush()
        os.fsync(f.fileno())
    return key


def fernet_from(key: bytes, source: str) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        raise SecretError(
            f"{source} is not a Fernet key (32 url-safe base64-encoded bytes; make one with "
            f"`python3 -c 'from cryptography.fernet import Fernet; "
            f"print(Fernet.generate_key().decode())'`)"
        ) from None
