"""Just enough of a RUN command's shell to find package installs and pip calls in it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hakobu.checks.dockerfile import split_words

# Commands are split at shell operators; quoting is ignored (a lint, not a shell).
_SEPARATORS = re.compile(r"&&|\|\||[;|\n]")
_INSTALLERS = {
    ("apt-get", "install"),
    ("apt", "install"),
    ("apk", "add"),
    ("yum", "install"),
    ("dnf", "install"),
    ("microdnf", "install"),
    ("zypper", "install"),
}
_REMOVERS = {
    ("apt-get", "purge"),
    ("apt-get", "remove"),
    ("apt", "purge"),
    ("apt", "remove"),
    ("apk", "del"),
    ("yum", "remove"),
    ("yum", "erase"),
    ("dnf", "remove"),
    ("microdnf", "remove"),
    ("zypper", "remove"),
}
_OPTIONS_WITH_VALUES = {"--virtual", "-t", "--target-release", "-o", "--repository", "-X"}


def commands(script: str) -> Iterator[list[str]]:
    """Each simple command of ``script`` as words, ``sudo`` and ``env`` prefixes dropped."""
    for part in _SEPARATORS.split(script):
        words = split_words(part)
        while words and (words[0] in ("sudo", "env", "then", "do", "!") or "=" in words[0]):
            words = words[1:]
        if words:
            yield words


def installed_packages(script: str) -> list[str]:
    """Packages a script installs with an OS package manager."""
    found: list[str] = []
    for words in commands(script):
        verb = _verb(words)
        if verb in _INSTALLERS:
            found.extend(_arguments(words))
    return found


def removes_packages(script: str) -> bool:
    return any(_verb(words) in _REMOVERS for words in commands(script))


def _verb(words: list[str]) -> tuple[str, str] | None:
    tool = words[0].rsplit("/", 1)[-1]
    action = next((w for w in words[1:] if not w.startswith("-")), None)
    return (tool, action) if action else None


def _arguments(words: list[str]) -> Iterator[str]:
    """The words after the action that are not options (or an option's value)."""
    expect_value = False
    action_seen = False
    for word in words[1:]:
        if expect_value:
            expect_value = False
        elif word.startswith("-"):
            expect_value = word in _OPTIONS_WITH_VALUES
        elif not action_seen:
            action_seen = True
        else:
            yield word.split("=")[0]  # apt-get install gcc=4:12.2.0-3


def pip_installs(script: str) -> Iterator[list[str]]:
    """The words of each ``pip install`` (``pip3``, ``python -m pip``, ``/venv/bin/pip``)."""
    for words in commands(script):
        tool = words[0].rsplit("/", 1)[-1]
        if tool.startswith("python") and words[1:3] == ["-m", "pip"]:
            words = words[2:]
            tool = "pip"
        if re.fullmatch(r"pip[0-9.]*", tool) and "install" in words[1:]:
            yield words
