"""HK-DF-003: build tools or caches in the final image, which a multi-stage build leaves out."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.dockerfile import Dockerfile, Instruction, Stage, expand
from hakobu.checks.rule import Finding
from hakobu.checks.rules.dockerfile import DockerfileRule, final_chain, shell_text
from hakobu.checks.rules.dockerfile._images import ImageRef, parse_image
from hakobu.checks.rules.dockerfile._shell import (
    installed_packages,
    pip_installs,
    removes_packages,
)
from hakobu.checks.targets import DockerfileTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

BUILD_PACKAGES = frozenset(
    {
        *("gcc", "g++", "cpp", "clang", "make", "cmake", "build-essential", "build-base"),
        *("autoconf", "automake", "libtool", "pkg-config", "pkgconf", "gfortran"),
        *("musl-dev", "libc-dev", "libc6-dev", "linux-headers", "python3-dev", "python-dev"),
        *("cargo", "rustc", "golang", "golang-go", "go", "openjdk-17-jdk", "maven", "gradle"),
    }
)
# Official images that are compilers: a final stage FROM them ships the toolchain.
TOOLCHAIN_IMAGES = frozenset({"golang", "rust", "maven", "gradle", "gcc", "buildpack-deps"})
# Official images whose default variant is built on buildpack-deps (gcc, make, headers).
FULL_VARIANTS = frozenset({"python", "node", "ruby", "perl", "php"})
SMALL_VARIANTS = frozenset({"slim", "alpine", "distroless", "minimal", "windowsservercore"})


class BuildToolsInFinalImage(DockerfileRule):
    id = "HK-DF-003"
    title = "Build tools or caches in the final image"
    severity = Severity.WARNING
    design_point = DesignPoint.SMALL_IMAGES
    factor = Factor.IX
    rationale = (
        "Keep the image small and simple (slides 85-86): compilers, headers and download "
        "caches in the image that runs add vulnerabilities to patch, registry transfer and "
        "startup time, and nothing the app uses. A multi-stage build compiles in one stage "
        "and copies only the result into the final one."
    )
    fix = (
        "Build in a stage of its own (`FROM python:3.11-slim AS build`, install and compile "
        "there) and `COPY --from=build` only what runs into a slim final stage; run "
        "`pip install --no-cache-dir`; or remove build packages in the same RUN that installs "
        "them."
    )
    supersedes = ("hadolint/DL3042",)

    def check(self, target: DockerfileTarget) -> Iterator[Finding]:
        dockerfile = target.dockerfile
        chain = final_chain(dockerfile)
        single = len(dockerfile.stages) == 1
        base = _base_problem(dockerfile, chain[0])
        if base:
            yield self.at(target, chain[0].from_, base)
        for stage in chain:
            variables = dockerfile.stage_variables(stage)
            for instruction in stage.instructions:
                if instruction.keyword == "RUN":
                    yield from self._run(target, instruction, variables, single)

    def _run(
        self,
        target: DockerfileTarget,
        instruction: Instruction,
        variables: dict[str, str],
        single: bool,
    ) -> Iterator[Finding]:
        script = shell_text(instruction)
        tools = sorted({p for p in installed_packages(script) if _is_build_package(p)})
        if tools and not removes_packages(script):
            where = "a single-stage build" if single else "the final stage"
            stay = "they stay" if len(tools) > 1 else "it stays"
            message = f"RUN installs {', '.join(tools)} in {where}: {stay} in the image"
            yield self.at(target, instruction, message + "; build in an earlier stage")
        cached = "PIP_NO_CACHE_DIR" in variables or _cache_mount(instruction)
        for words in pip_installs(script):
            if "--no-cache-dir" not in words and not cached:
                message = "pip install keeps its download cache in the image: add --no-cache-dir"
                yield self.at(target, instruction, message)
                break


def _is_build_package(name: str) -> bool:
    lower = name.lower()
    return lower in BUILD_PACKAGES or lower.endswith(("-dev", "-devel"))


def _cache_mount(instruction: Instruction) -> bool:
    return any(
        name == "mount" and "type=cache" in (value or "") for name, value in instruction.flags
    )


def _base_problem(dockerfile: Dockerfile, first: Stage) -> str | None:
    defaults = {k: v for k, v in dockerfile.global_args.items() if v is not None}
    text = expand(first.base, defaults)
    if text is None:
        return None
    image = parse_image(text)
    if _is_toolchain(image):
        return (
            f"FROM {text} in the final image: a build toolchain; "
            "copy the build's output into a runtime image"
        )
    if image.official in FULL_VARIANTS and not image.tag_words & SMALL_VARIANTS:
        return (
            f"FROM {text} in the final image: the full variant carries gcc and headers; "
            "use a -slim or -alpine tag"
        )
    return None


def _is_toolchain(image: ImageRef) -> bool:
    if image.official in TOOLCHAIN_IMAGES:
        return True
    name = image.name.lower()
    return name.endswith("dotnet/sdk") or (
        image.official in ("openjdk", "eclipse-temurin", "amazoncorretto")
        and "jre" not in image.tag_words
    )
