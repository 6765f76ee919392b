"""HK-DF-005: a secret baked into the image: in ENV or ARG, or a key file copied in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from hakobu.checks.dockerfile import Instruction, parse_assignments
from hakobu.checks.rule import Finding
from hakobu.checks.rules.dockerfile import DockerfileRule
from hakobu.checks.secretwords import SECRET_VALUES, secret_name
from hakobu.checks.targets import DockerfileTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

KEY_FILES = frozenset(
    {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".env", ".npmrc", ".pypirc", ".netrc"}
    | {".git-credentials", ".dockercfg", "credentials.json", "service-account.json"}
)
KEY_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore")
ENV_TEMPLATES = (".example", ".sample", ".template", ".dist", ".defaults", ".tmpl")


class SecretInImage(DockerfileRule):
    id = "HK-DF-005"
    title = "Secret baked into the image"
    severity = Severity.ERROR
    design_point = DesignPoint.SECRETS
    factor = Factor.III
    rationale = (
        "Secrets live in Secrets Manager or Parameter Store and reach the container as "
        "environment variables when it starts (slides 71-73). An ENV value, an ARG (recorded in "
        "the image history of every RUN that sees it) or a key file copied in is readable by "
        "anyone who can pull the image, stays in its layers after a later `rm`, and is the same "
        "in every environment."
    )
    fix = (
        "Remove it from the Dockerfile and rotate it. At run time, name it in the task "
        "definition's `secrets` (valueFrom a Secrets Manager or SSM ARN); at build time, use a "
        "build secret: `RUN --mount=type=secret,id=npm_token ...` with "
        "`docker build --secret id=npm_token,env=NPM_TOKEN`, or `--mount=type=ssh` for SSH keys."
    )
    supersedes = ("hadolint/DL3064",)

    def check(self, target: DockerfileTarget) -> Iterator[Finding]:
        for stage in target.dockerfile.stages:
            context = target.repo.build_context(target)
            for instruction in stage.instructions:
                if instruction.keyword in ("ENV", "ARG", "LABEL"):
                    yield from self._variables(target, instruction)
                elif instruction.keyword in ("COPY", "ADD"):
                    yield from self._files(target, instruction, context)
        for instruction in target.dockerfile.instructions:  # global ARGs, before any FROM
            if instruction.keyword == "FROM":
                break
            yield from self._variables(target, instruction)

    def _variables(self, target: DockerfileTarget, instruction: Instruction) -> Iterator[Finding]:
        keyword = instruction.keyword
        for name, value in parse_assignments(instruction.rest, legacy=keyword == "ENV").items():
            if value and SECRET_VALUES.search(value):
                yield self.at(target, instruction, f"{keyword} {name} holds a credential")
            elif keyword != "LABEL" and secret_name(name) and (value or keyword == "ARG"):
                yield self.at(target, instruction, _variable_message(keyword, name, value))

    def _files(
        self, target: DockerfileTarget, instruction: Instruction, context: Path
    ) -> Iterator[Finding]:
        words = list(instruction.exec_form or instruction.words)
        from_stage = instruction.flag("from") is not None
        for source in words[:-1]:
            if _key_file(source, None if from_stage else context):
                message = (
                    f"{instruction.keyword} {source}: copies a key or secrets file into the image"
                )
                yield self.at(target, instruction, message)


def _variable_message(keyword: str, name: str, value: str | None) -> str:
    if keyword == "ARG" and not value:
        return (
            f"ARG {name}: a build argument's value is recorded in the image history; "
            "pass it as a build secret"
        )
    return f"{keyword} {name} sets a secret in the image"


def _key_file(source: str, context: Path | None) -> bool:
    name = PurePosixPath(source.rstrip("/")).name.lower()
    if name in KEY_FILES:
        return True
    if name.startswith(".env.") and not name.endswith(ENV_TEMPLATES):
        return True
    if not name.endswith(KEY_SUFFIXES):
        return False
    # A .pem is often a public certificate: when the file is at hand, look for a private key.
    if context is None or "*" in source or "?" in source:
        return True
    try:
        with (context / source.lstrip("/")).open("rb") as file:
            return b"PRIVATE KEY" in file.read(65536)
    except OSError:
        return True  # not in the context (yet): judge by the name
