"""HK-BS-003: the image is tagged ``latest`` rather than with the commit."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.buildspec import BuildspecRule, Command, build_commands, env_variables
from hakobu.checks.rules.dockerfile._images import parse_image
from hakobu.checks.targets import BuildspecTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*?)\s*$")
_SEPARATORS = re.compile(r"&&|\|\||;|\n")
# What names the source the image is built from.
COMMIT = re.compile(r"CODEBUILD_RESOLVED_SOURCE_VERSION|CODEBUILD_SOURCE_VERSION|git\s+rev-parse")
_ENGINES = frozenset({"docker", "podman", "buildah", "nerdctl", "finch"})


class LatestTag(BuildspecRule):
    id = "HK-BS-003"
    title = "Image tagged latest instead of the commit"
    severity = Severity.ERROR  # a warning when the commit tag is pushed as well
    design_point = DesignPoint.RELEASE_FLOW
    factor = Factor.V
    rationale = (
        "The image is built once and the same image is promoted from staging to production "
        "(slides 58-59, 64); its tag says which source it was built from (slide 65). `latest` "
        "is rewritten by every build: a task started later, or a rollback, gets whatever was "
        "pushed last, and nothing tells which commit runs. CodeBuild gives the commit as "
        "CODEBUILD_RESOLVED_SOURCE_VERSION."
    )
    fix = (
        "Tag with the commit: `IMAGE_TAG=${CODEBUILD_RESOLVED_SOURCE_VERSION}` then "
        '`docker build -t "$REPOSITORY_URI:$IMAGE_TAG" .` and push that tag only; point '
        "imagedefinitions.json / imageDetail.json at it."
    )

    def check(self, target: BuildspecTarget) -> Iterator[Finding]:
        variables = {k: str(v) for k, v in env_variables(target).items()}
        latest: list[tuple[Command, str]] = []
        commit_tagged = False
        for command in build_commands(target):
            for part in _SEPARATORS.split(command.text):
                assigned = _ASSIGNMENT.match(part)
                if assigned:
                    variables[assigned[1]] = assigned[2].strip("\"'")
            for reference in _references(command):
                written = reference
                resolved = _resolve(reference, variables)
                if COMMIT.search(resolved):
                    commit_tagged = True
                elif _is_latest(resolved):
                    latest.append((command, written))
        severity = Severity.WARNING if commit_tagged else None
        reported: set[tuple[str | int, ...]] = set()
        for command, written in latest:
            if command.path not in reported:
                reported.add(command.path)
                also = "; it is tagged with the commit too: push only that" if commit_tagged else ""
                message = f"{written}: the image is tagged latest, not with the commit{also}"
                yield self.finding(target, message, json_path=command.path, severity=severity)


def _references(command: Command) -> Iterator[str]:
    """Image references a command builds, tags or pushes."""
    for words in command.simple():
        if words[0].rsplit("/", 1)[-1] not in _ENGINES:
            continue
        verbs = [w for w in words[1:] if not w.startswith("-")]
        if verbs[:1] in (["build"], ["buildx"]):
            yield from _tag_options(words)
        elif {"-a", "--all-tags"} & set(words):
            continue  # pushes the tags made before, each reported where it was made
        elif verbs[:1] in (["tag"], ["push"]) or verbs[:2] in (["image", "tag"], ["image", "push"]):
            yield from verbs[-1:]


def _tag_options(words: list[str]) -> Iterator[str]:
    for index, word in enumerate(words):
        if word in ("-t", "--tag") and index + 1 < len(words):
            yield words[index + 1]
        elif word.startswith("--tag="):
            yield word.removeprefix("--tag=")


def _resolve(reference: str, variables: dict[str, str]) -> str:
    """The reference with known variables expanded, through a few levels (IMAGE=$REPO:$TAG);
    an unknown one stays as written, so COMMIT still sees ``$CODEBUILD_RESOLVED_SOURCE_VERSION``."""
    text = reference
    for _ in range(4):
        expanded = _VARIABLE.sub(lambda m: variables.get(m[1] or m[2], m[0]), text)
        if expanded == text:
            break
        text = expanded
    return text


def _is_latest(reference: str) -> bool:
    if "$(" in reference or "`" in reference:
        return False  # a command's output: cannot tell
    image = parse_image(reference)
    if image.tag is None:
        return "$" not in image.name  # `docker push $REPO` pushes every tag: cannot tell
    return image.tag.lower() == "latest"
