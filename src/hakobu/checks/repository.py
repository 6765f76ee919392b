"""The repository under check: its files by kind, each parsed on first use, and how they relate.

Relations follow hakobu.toml when there is one (``[app] dockerfile``, ``context`` and
``task_definition`` belong together) and the layout the talk's flow uses when there is none: a
Dockerfile's build context is its directory, and the task definitions beside it run its image.
"""

from __future__ import annotations

from pathlib import Path

from hakobu.checks.discovery import Discovered
from hakobu.checks.load import ParseFailure, load_target
from hakobu.checks.settings import CheckSettings
from hakobu.checks.targets import DockerfileTarget, RepositoryTarget, Target, TaskDefTarget
from hakobu.checks.taxonomy import TargetKind
from hakobu.config import AppConfig


class Repository:
    def __init__(
        self,
        root: Path,
        files: Discovered,
        app: AppConfig | None = None,
        settings: CheckSettings | None = None,
    ) -> None:
        self.root = root
        self.files = files
        self.app = app
        self.settings = settings or CheckSettings()
        self._targets: dict[TargetKind, tuple[Target, ...]] = {}
        self._failures: dict[str, ParseFailure] = {}
        self._texts: dict[str, list[str]] = {}
        self._by_directory: dict[Path, tuple[TaskDefTarget, ...]] | None = None
        self._taskdefs: tuple[TaskDefTarget, ...] | None = None
        self._app_dirs: set[Path] | None = None

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

    def loaded(self) -> tuple[Target, ...]:
        """Every target parsed so far."""
        return tuple(target for targets in self._targets.values() for target in targets)

    def line_text(self, file: str, line: int) -> str | None:
        """The text of ``line`` (1-based) of ``file``, for baseline fingerprints."""
        if not self._texts:  # the first call, made once every target is loaded
            self._texts[""] = []
            for target in self.loaded():
                text_of = getattr(target, "text", None)
                if isinstance(text_of, str):
                    self._texts[target.file] = text_of.splitlines()
        if file not in self._texts:  # a file that did not parse: read it as it is
            try:
                text = (self.root / file).read_text(encoding="utf-8-sig", errors="replace")
            except OSError:
                text = ""
            self._texts[file] = text.splitlines()
        lines = self._texts[file]
        return lines[line - 1] if 0 < line <= len(lines) else None

    @property
    def parse_failures(self) -> tuple[ParseFailure, ...]:
        return tuple(self._failures[file] for file in sorted(self._failures))

    def dockerfiles(self) -> tuple[DockerfileTarget, ...]:
        found = self.targets(TargetKind.DOCKERFILE)
        return tuple(t for t in found if isinstance(t, DockerfileTarget))

    def task_definitions(self) -> tuple[TaskDefTarget, ...]:
        if self._taskdefs is None:  # asked for by every Dockerfile: filtered once
            found = self.targets(TargetKind.TASKDEF)
            self._taskdefs = tuple(t for t in found if isinstance(t, TaskDefTarget))
        return self._taskdefs

    def _taskdefs_by_directory(self) -> dict[Path, tuple[TaskDefTarget, ...]]:
        """Task definitions by the directory they are in: every Dockerfile asks, and a scan of
        all of them for each would cost quadratic time in a large repository."""
        if self._by_directory is None:
            grouped: dict[Path, list[TaskDefTarget]] = {}
            for taskdef in self.task_definitions():
                grouped.setdefault(taskdef.path.parent, []).append(taskdef)
            self._by_directory = {d: tuple(found) for d, found in grouped.items()}
        return self._by_directory

    def task_definitions_for(self, dockerfile: DockerfileTarget) -> tuple[TaskDefTarget, ...]:
        """The task definitions that run the image built from ``dockerfile``.

        hakobu.toml's app: its task definition. Otherwise those in the Dockerfile's directory;
        when there are none and the repository has one Dockerfile, every task definition.
        """
        taskdefs = self.task_definitions()
        if self.app is not None and dockerfile.path == self.app.dockerfile:
            return tuple(t for t in taskdefs if t.path == self.app.task_definition)
        beside = self._taskdefs_by_directory().get(dockerfile.path.parent, ())
        if beside or len(self.files.get(TargetKind.DOCKERFILE, ())) > 1:
            return beside
        return taskdefs

    def app_directory(self, path: Path) -> Path:
        """The directory of the app ``path`` belongs to: the nearest directory above it holding a
        Dockerfile (its image's build context, as the talk's flow lays apps out), else the root.
        Rules that look for something anywhere in the app (a SIGTERM handler in another module)
        look there, not in the other apps of a monorepo."""
        if self._app_dirs is None:
            self._app_dirs = {p.parent for p in self.files.get(TargetKind.DOCKERFILE, ())}
        for directory in path.parents:
            if directory in self._app_dirs or directory == self.root:
                return directory
        return self.root

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
