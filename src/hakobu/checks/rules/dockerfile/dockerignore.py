"""HK-DF-007: no .dockerignore, or one that lets .git or .env into the build context."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from hakobu.checks.dockerfile import Dockerfile
from hakobu.checks.rule import Finding
from hakobu.checks.rules.dockerfile import DockerfileRule
from hakobu.checks.rules.dockerfile._dockerignore import excluded, parse_patterns
from hakobu.checks.targets import DockerfileTarget
from hakobu.checks.taxonomy import DesignPoint, Severity

# What must never reach the builder: the repository's history, and local secrets.
MUST_EXCLUDE = (".git", ".env")


class Dockerignore(DockerfileRule):
    id = "HK-DF-007"
    title = "No .dockerignore, or one that lets .git or .env in"
    severity = Severity.WARNING
    design_point = DesignPoint.IMAGE_HYGIENE
    rationale = (
        "Everything in the build context goes to the builder, and `COPY . .` puts it in the "
        "image: the .git directory (the whole history, deleted secrets included) and .env files "
        "(local secrets) with it, plus caches that make the image larger and the build cache "
        "useless. A .dockerignore keeps them out (slides 75-76)."
    )
    fix = (
        "Add a .dockerignore to the build context (or `<Dockerfile>.dockerignore` beside it) "
        "with at least `.git` and `.env`, and `.env.*`, virtualenvs and caches; or list what to "
        "send: `*` then `!app.py`."
    )

    def check(self, target: DockerfileTarget) -> Iterator[Finding]:
        if not _uses_context(target.dockerfile):
            return  # nothing is copied from the context
        repo = target.repo
        ignore = repo.dockerignore_for(target)
        try:
            text = ignore.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            context = repo.relative(repo.build_context(target)) or "."
            message = f"no .dockerignore in the build context ({context}): .git and .env go in"
            yield self.finding(target, message)
            return
        except (OSError, UnicodeDecodeError) as e:
            yield self.finding(target, f"cannot read {repo.relative(ignore)}: {e}")
            return
        patterns = parse_patterns(text)
        missing = [name for name in MUST_EXCLUDE if not excluded(name, patterns)]
        if missing:
            message = f"{repo.relative(ignore)} lets {' and '.join(missing)} into the build context"
            yield replace(self.finding(target, message), file=repo.relative(ignore))


def _uses_context(dockerfile: Dockerfile) -> bool:
    """A COPY or ADD without --from (and not only heredocs) reads the build context."""
    return any(
        instruction.keyword in ("COPY", "ADD")
        and instruction.flag("from") is None
        and not instruction.heredocs
        for instruction in dockerfile.instructions
    )
