"""The repository under check: its files by kind, each parsed on first use, and how they relate.

Relations follow hakobu.toml when there is one (``[app] dockerfile``, ``context`` and
``task_definition`` belong together) and the layout the talk's flow uses when there is none: a
Dockerfile's build context is its directory, and the task definitions beside it run its image.
"""

from __future__ import annotations

from pathlib import Path

from hakobu.checks.discovery import Discovered
from hakobu.checks.load import ParseFailure, load_target
from hakobu.checks.targets import DockerfileTarget, RepositoryTarget, Target, TaskDefTarget
from hakobu.checks.taxonomy import TargetKind
from hakobu.config import AppConfig


class Repository:
    def __init__(self, root: Path, files: Discovered, app: AppConfig | None = None) -> None:
        self.root = root
        self.files = files
        self.app = app
        self._targets: dict[TargetKind, tuple[Target, ...]] = {}
        self._failures: dict[str, ParseFailure] = {}

    def relative(self, path: Path) -> str:
        """``path`` as findings name it: POSIX, relative to the root."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def targets(self, kind: TargetKind) -> tuple[Target, ...]:
        """The parsed files of ``kind``; those that do not parse are in ``parse_failures``."""
        if kind not in self._targets:
            self._targets[kind] = self._load(kind)
        return self._targets[kind]

    def _load(self, kind: TargetKind) -> tuple[Target, ...]:
        if kind is TargetKind.REPOSITORY:
            return (RepositoryTarget(self.root, ".", self),)
        loaded: list[Target] = []
        for path in self.files.get(kind, ()):
            result = load_target(kind, path, self)
            if isinstance(result, ParseFailure):
                self._failures[result.file] = result
            else:
                loaded.append(result)
        return tuple(loaded)

    @property
    def parse_failures(self) -> tuple[ParseFailure, ...]:
        return tuple(self._failures[file] for file in sorted(self._failures))

    def dockerfiles(self) -> tuple[DockerfileTarget, ...]:
        found = self.targets(TargetKind.DOCKERFILE)
        return tuple(t for t in found if isinstance(t, DockerfileTarget))

    def task_definitions(self) -> tuple[TaskDefTarget, ...]:
        found = self.targets(TargetKind.TASKDEF)
        return tuple(t for t in found if isinstance(t, TaskDefTarget))

    def task_definitions_for(self, dockerfile: DockerfileTarget) -> tuple[TaskDefTarget, ...]:
        """The task definitions that run the image built from ``dockerfile``.

        hakobu.toml's app: its task definition. Otherwise those in the Dockerfile's directory;
        when there are none and the repository has one Dockerfile, every task definition.
        """
        taskdefs = self.task_definitions()
        if self.app is not None and dockerfile.path == self.app.dockerfile:
            return tuple(t for t in taskdefs if t.path == self.app.task_definition)
        beside = tuple(t for t in taskdefs if t.path.parent == dockerfile.path.parent)
        if beside or len(self.files.get(TargetKind.DOCKERFILE, ())) > 1:
            return beside
        return taskdefs

    def build_context(self, dockerfile: DockerfileTarget) -> Path:
        if self.app is not None and dockerfile.path == self.app.dockerfile:
            return self.app.context
        return dockerfile.path.parent

    def dockerignore_for(self, dockerfile: DockerfileTarget) -> Path:
        """The ignore file BuildKit reads for ``dockerfile``, whether or not it exists.

        ``<Dockerfile>.dockerignore`` beside the Dockerfile wins over the context's
        ``.dockerignore``, as in BuildKit.
        """
        own = dockerfile.path.with_name(dockerfile.path.name + ".dockerignore")
        if own.is_file():
            return own
        return self.build_context(dockerfile) / ".dockerignore"
