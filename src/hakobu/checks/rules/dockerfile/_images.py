"""Image references as FROM writes them: ``registry:5000/team/app:1.2@sha256:...``."""

from __future__ import annotations

from dataclasses import dataclass

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
