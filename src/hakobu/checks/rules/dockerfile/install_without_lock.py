"""HK-DF-009: the image installs dependencies without their lock file, or without versions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from hakobu.checks.dockerfile import Instruction
from hakobu.checks.rule import Finding
from hakobu.checks.rules.dependencies._requirements import requirements_pinned
from hakobu.checks.rules.dockerfile import DockerfileRule, shell_text
from hakobu.checks.rules.dockerfile._shell import commands
from hakobu.checks.targets import DockerfileTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

_NPM_PINNED = re.compile(r"(?:@[^/@\s]+/)?[^@\s]+@\d[\w.+-]*$")  # pkg@1.2.3, @scope/pkg@1.2.3
_PIP_PINNED = re.compile(r"===?|@|://|\.whl$|\.tar\.gz$|\.zip$")
_PIP_VALUE_OPTIONS = frozenset(
    {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url"}
    | {"-t", "--target", "--prefix", "--root", "-f", "--find-links", "--platform"}
    | {"--python-version", "--implementation", "--abi", "--only-binary", "--no-binary"}
)


class InstallWithoutLock(DockerfileRule):
    id = "HK-DF-009"
    title = "Dependencies installed without their lock file or versions"
    severity = Severity.ERROR
    design_point = DesignPoint.RELEASE_FLOW
    factor = Factor.II
    rationale = (
        "The image is where dependencies are resolved for good, so it must install exactly the "
        "versions the lock file names (slide 65: `npm ci` with package-lock.json). "
        "`npm install`, `yarn install` without `--frozen-lockfile` and `pnpm install` without "
        "it may resolve anew and rewrite the lock; `pip install flask` or `-r` a file of "
        "ranges installs whatever is newest that day, so two builds of one commit differ. "
        "hadolint's DL3013/DL3016 see packages named on the command line only."
    )
    fix = (
        "`COPY package.json package-lock.json ./` then `RUN npm ci` (`yarn install "
        "--frozen-lockfile`, `pnpm install --frozen-lockfile`); for pip, `pip install "
        "--require-hashes -r requirements.txt` from a compiled, pinned file, and `==` on any "
        "package named directly."
    )
    supersedes = ("hadolint/DL3013", "hadolint/DL3016")

    def check(self, target: DockerfileTarget) -> Iterator[Finding]:
        for stage in target.dockerfile.stages:
            for instruction in stage.instructions:
                if instruction.keyword == "RUN":
                    problems = list(self._problems(target, instruction))
                    if problems:
                        yield self.at(target, instruction, "; ".join(problems))

    def _problems(self, target: DockerfileTarget, instruction: Instruction) -> Iterator[str]:
        for words in commands(shell_text(instruction)):
            tool = words[0].rsplit("/", 1)[-1]
            if tool == "uv" and words[1:2] == ["pip"]:
                tool, words = "pip", words[1:]
            if tool.startswith("python") and words[1:3] == ["-m", "pip"]:
                tool, words = "pip", words[2:]
            if tool in ("npm", "yarn", "pnpm"):
                yield from _node(tool, words)
            elif re.fullmatch(r"pip[0-9.]*", tool) and "install" in words[1:]:
                yield from _pip(target, words)
            elif tool in ("pipenv", "uv"):
                yield from _python_tools(tool, words)


def _node(tool: str, words: list[str]) -> Iterator[str]:
    args = [w for w in words[1:] if not w.startswith("-")]
    verb = args[0] if args else ("install" if tool == "yarn" else "")
    packages = args[1:]
    unpinned = [p for p in packages if not _NPM_PINNED.match(p)]
    frozen = bool({"--frozen-lockfile", "--immutable"} & set(words))
    if tool == "npm" and verb in ("install", "i", "add") and not packages:
        yield "npm install may rewrite the lock: use npm ci"
    elif tool != "npm" and verb in ("install", "i") and not packages and not frozen:
        yield f"{tool} install without --frozen-lockfile may rewrite the lock"
    elif verb in ("install", "i", "add") and unpinned:
        yield f"{tool} {verb} {' '.join(unpinned)} without a version (pkg@1.2.3)"


def _pip(target: DockerfileTarget, words: list[str]) -> Iterator[str]:
    named: list[str] = []
    files: list[str] = []
    constrained = False
    args = iter(words[words.index("install") + 1 :])
    for word in args:
        if word in ("-r", "--requirement"):
            files.append(next(args, ""))
        elif word.startswith(("-r", "--requirement=")) and len(word) > 2:
            files.append(word.split("=", 1)[-1] if "=" in word else word[2:])
        elif word in ("-c", "--constraint") or word.startswith(("-c", "--constraint=")):
            constrained = True
            if word in ("-c", "--constraint"):
                next(args, "")
        elif word in _PIP_VALUE_OPTIONS:
            next(args, "")
        elif not word.startswith("-") and not _local(word):
            named.append(word)
    hashes = "--require-hashes" in words
    for file in files:
        text = _context_file(target, file)
        if text is not None and not hashes and not requirements_pinned(text):
            yield f"pip install -r {file}: it does not pin every package (==)"
    unpinned = [p for p in named if not _PIP_PINNED.search(p)]
    if unpinned and not constrained:
        yield f"pip install {' '.join(unpinned)} without a version (==)"


def _python_tools(tool: str, words: list[str]) -> Iterator[str]:
    verbs = [w for w in words[1:] if not w.startswith("-")]
    if tool == "pipenv" and verbs[:1] == ["install"] and not verbs[1:]:
        if not {"--deploy", "--ignore-pipfile"} & set(words):
            yield "pipenv install without --deploy may resolve anew"
    elif tool == "uv" and verbs[:1] == ["sync"] and not {"--locked", "--frozen"} & set(words):
        yield "uv sync without --locked may rewrite uv.lock"


def _local(word: str) -> bool:
    """A path (``.``, ``./pkg``, ``/src/app``): the project itself, not a package by name."""
    return word.startswith((".", "/", "~")) or word == "."


def _context_file(target: DockerfileTarget, path_in_image: str) -> str | None:
    """The build context's copy of a file the image reads (found by COPY source or by name)."""
    context = target.repo.build_context(target)
    name = PurePosixPath(path_in_image).name
    candidates: list[Path] = []
    for instruction in target.dockerfile.instructions:
        if instruction.keyword in ("COPY", "ADD") and instruction.flag("from") is None:
            sources = list(instruction.exec_form or instruction.words)[:-1]
            candidates += [context / s for s in sources if PurePosixPath(s).name == name]
    candidates += [context / path_in_image.lstrip("/"), context / name]
    for candidate in candidates:
        try:
            if candidate.is_file() and candidate.resolve().is_relative_to(context.resolve()):
                return candidate.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return None
