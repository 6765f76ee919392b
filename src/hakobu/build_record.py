"""The last build of an app: ``.hakobu/build.json`` at the app root.

``hakobu build`` writes it; rendering reads its ``image`` for ``<IMAGE1_NAME>``. Writes are atomic
(temporary file, then ``os.replace``) so a reader never sees half a record.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from hakobu.errors import InputError

STATE_DIR = ".hakobu"
BUILD_FILE = "build.json"


@dataclass(frozen=True)
class BuildRecord:
    image: str  # the reference to run and push, e.g. "hello:3f2a1c9" or a registry URI
    image_id: str  # the engine's image ID (sha256:...)
    digest: str | None  # the registry digest once pushed
    commit: str  # git commit built from
    dirty: bool  # the working tree had uncommitted changes
    built_at: str  # ISO 8601, UTC


def build_record_path(root: Path) -> Path:
    return root / STATE_DIR / BUILD_FILE


def read_build_record(root: Path) -> BuildRecord | None:
    """The record of the last build under ``root``, or None before any build."""
    path = build_record_path(root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise _corrupt(path, str(e)) from e
    return _from_json(path, data)


def write_build_record(root: Path, record: BuildRecord) -> Path:
    """Write ``record`` atomically; returns the file written."""
    path = build_record_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{BUILD_FILE}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(asdict(record), f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _from_json(path: Path, data: Any) -> BuildRecord:
    if not isinstance(data, dict):
        raise _corrupt(path, "not a JSON object")
    wanted = {f.name for f in fields(BuildRecord)}
    missing = sorted(wanted - set(data) - {"digest"})
    if missing:
        raise _corrupt(path, "missing " + ", ".join(missing))
    record = BuildRecord(
        **{k: v for k, v in data.items() if k in wanted} | {"digest": data.get("digest")}
    )
    if not isinstance(record.image, str) or not record.image:
        raise _corrupt(path, '"image" is not a non-empty string')
    return record


def _corrupt(path: Path, why: str) -> InputError:
    return InputError(
        f"unreadable build record: {why}",
        file=path,
        fix="run `hakobu build` again to rewrite it",
    )
