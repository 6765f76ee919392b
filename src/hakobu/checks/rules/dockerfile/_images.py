"""Image references as FROM writes them: ``registry:5000/team/app:1.2@sha256:...``."""

from __future__ import annotations

from dataclasses import dataclass

# Tags that name a channel, not a version: they move with every release.
MOVING_TAGS = frozenset(
    {"latest", "stable", "edge", "lts", "current", "mainline", "nightly", "rolling", "devel"}
)
# Official images of a language: a tag without a version number (`python:slim`,
# `node:alpine`) is the newest release of the language, whichever that is on the day.
LANGUAGE_IMAGES = frozenset(
    {"python", "node", "ruby", "golang", "rust", "php", "perl", "openjdk", "eclipse-temurin"}
    | {"amazoncorretto", "maven", "gradle", "elixir", "erlang", "dotnet"}
)
# Where the Docker official images are published under other names.
_OFFICIAL_PREFIXES = (
    "docker.io/library/",
    "index.docker.io/library/",
    "registry-1.docker.io/library/",
    "public.ecr.aws/docker/library/",
    "library/",
)


@dataclass(frozen=True)
class ImageRef:
    name: str  # everything before the tag and digest
    tag: str | None
    digest: str | None

    @property
    def official(self) -> str | None:
        """``python`` for ``python``, ``docker.io/library/python``, ...; None for others."""
        name = self.name.lower()
        for prefix in _OFFICIAL_PREFIXES:
            name = name.removeprefix(prefix)
        return None if "/" in name else name

    @property
    def tag_words(self) -> set[str]:
        """``3.11-slim-bookworm`` -> {"3.11", "slim", "bookworm"}."""
        return set((self.tag or "").lower().split("-")) - {""}


def parse_image(reference: str) -> ImageRef:
    """Split a reference; a ``:`` before the last ``/`` is a registry port, not a tag."""
    name, _, digest = reference.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return ImageRef(name, tag or None, digest or None)


def unpinned(image: ImageRef) -> str | None:
    """Why ``image`` is not pinned, or None when it is."""
    if image.digest:
        return None
    if image.tag is None:
        return "no tag, so the build gets whatever `latest` is that day"
    if image.tag.lower() == "latest":
        return "`latest` moves: two builds of one commit can get different images"
    if image.tag_words & MOVING_TAGS:
        return f"`{image.tag}` names a release channel, not a version: it moves with every release"
    if image.official in LANGUAGE_IMAGES and not any(c.isdigit() for c in image.tag):
        return f"`{image.tag}` names no {image.official} version: it moves with every release"
    return None
