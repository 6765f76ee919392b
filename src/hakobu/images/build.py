"""Build the app's image, tagged with the git commit (never ``latest``), and record it.

The tag says exactly which source is inside: ``<commit12>`` for a clean tree, and
``<commit12>-dirty-<hash8>`` when the tree has changes, where the hash covers those changes, so two
different dirty trees never share a tag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from hakobu.build_record import BuildRecord, write_build_record
from hakobu.config import AppConfig
from hakobu.containers.process import run_command
from hakobu.containers.runtime import ContainerRuntime
from hakobu.errors import EngineError, InputError


@dataclass(frozen=True)
class SourceRevision:
    commit: str
    dirty: bool
    tag: str


def source_revision(root: Path) -> SourceRevision:
    try:
        head = run_command(["git", "-C", str(root), "rev-parse", "HEAD"], timeout=30)
    except EngineError as e:
        raise InputError(
            f"{root} is not in a git repository with a commit",
            fix="commit the app first: the image tag names the commit it was built from",
        ) from e
    commit = head.stdout.strip()
    status = run_command(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=all", "--", "."],
        timeout=60,
    ).stdout
    if not status.strip():
        return SourceRevision(commit, False, commit[:12])
    diff = run_command(["git", "-C", str(root), "diff", "HEAD", "--", "."], timeout=60).stdout
    digest = hashlib.sha256((status + diff).encode()).hexdigest()[:8]
    return SourceRevision(commit, True, f"{commit[:12]}-dirty-{digest}")


def build_image(runtime: ContainerRuntime, app: AppConfig, *, dry_run: bool = False) -> BuildRecord:
    revision = source_revision(app.root)
    image = f"{app.image}:{revision.tag}"
    dockerfile = app.root / app.dockerfile
    if not dockerfile.is_file():
        raise InputError(
            "Dockerfile not found", file=dockerfile, fix="set [app] dockerfile in hakobu.toml"
        )
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if dry_run:
        return BuildRecord(image, "", None, revision.commit, revision.dirty, now)
    labels = {
        "org.opencontainers.image.revision": revision.commit,
        "org.opencontainers.image.created": now,
        "org.opencontainers.image.title": app.name,
    }
    image_id = runtime.build(app.root / app.context, dockerfile, [image], labels)
    inspected = runtime.inspect_image(image) or {}
    record = BuildRecord(
        image=image,
        image_id=image_id,
        digest=inspected.get("Digest") or None,
        commit=revision.commit,
        dirty=revision.dirty,
        built_at=now,
    )
    write_build_record(app.root, record)
    return record
