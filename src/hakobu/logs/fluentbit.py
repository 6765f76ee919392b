"""Fluent Bit's classic configuration format, read as far as FireLens emulation needs it.

A file is sections (``[SERVICE]``, ``[INPUT]``, ``[FILTER]``, ``[OUTPUT]``, ``[PARSER]``...)
of ``Key Value`` lines; keys are case-insensitive and may repeat (``Regex``, ``Add``). ``@INCLUDE
FILE`` reads another file (relative to the including one), ``@SET NAME=VALUE`` defines
``${NAME}``, which environment-free local runs otherwise leave as is.

Paths in a FireLens task definition are paths inside the log router's image. Locally they are
looked up under the app's root: ``/fluent-bit/etc/extra.conf`` is
``<root>/fluent-bit/etc/extra.conf``, else ``<root>/extra.conf``. The files the AWS for Fluent
Bit image ships under ``/fluent-bit/configs/`` and its ``/fluent-bit/parsers/parsers.conf`` are
known without a copy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from hakobu.errors import InputError

# The AWS for Fluent Bit image's own files (github.com/aws/aws-for-fluent-bit, configs/).
BUILTIN_FILES: Mapping[str, str] = {
    "/fluent-bit/configs/parse-json.conf": (
        "[SERVICE]\n    Parsers_File /fluent-bit/parsers/parsers.conf\n    Flush 1\n"
        "    Grace 30\n\n[FILTER]\n    Name parser\n    Match *\n    Key_Name log\n"
        "    Parser json\n    Reserve_Data True\n"
    ),
    "/fluent-bit/configs/minimize-log-loss.conf": "[SERVICE]\n    Flush 1\n    Grace 30\n",
    "/fluent-bit/parsers/parsers.conf": (
        "[PARSER]\n    Name json\n    Format json\n\n[PARSER]\n    Name docker\n    Format json\n"
    ),
}
_SECTION = re.compile(r"\[\s*([A-Za-z_]+)\s*\]")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_INCLUDE_DEPTH = 10


@dataclass
class Section:
    kind: str  # lowercase: service, input, filter, output, parser, ...
    entries: list[tuple[str, str]] = field(default_factory=list)  # (lowercase key, value)
    file: str = ""
    line: int = 0

    def get(self, key: str, default: str | None = None) -> str | None:
        for name, value in self.entries:
            if name == key:
                return value
        return default

    def all(self, key: str) -> list[str]:
        return [value for name, value in self.entries if name == key]

    @property
    def name(self) -> str:
        return (self.get("name") or "").lower()

    def error(self, message: str, fix: str | None = None, key: str | None = None) -> InputError:
        """An error located in the config file, or at the task definition options it came from
        (``file`` is then their JSON path)."""
        name = f"[{self.kind.upper()}]" + (f" {self.get('name')}" if self.get("name") else "")
        if self.line:
            return InputError(f"{name}: {message}", file=self.file, line=self.line, fix=fix)
        field = ".".join(part for part in (self.file, key) if part) or None
        return InputError(message, field=field, fix=fix)

    def where(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        name = f" {self.get('name')}" if self.get("name") else ""
        return f"[{self.kind.upper()}]{name}" + (f" ({place})" if place else "")


@dataclass
class FluentBitConfig:
    sections: list[Section] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Section]:
        return [s for s in self.sections if s.kind == kind]


def resolve_image_path(path: str, root: Path) -> Path | str:
    """Where a file named by its path in the log router image is, locally.

    Returns the built-in key when the AWS image ships it, else a path under ``root``; raises
    InputError naming both places tried when neither exists.
    """
    if path in BUILTIN_FILES:
        return path
    relative = PurePosixPath(path.lstrip("/"))
    candidates = [root / relative, root / relative.name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = " or ".join(str(c) for c in dict.fromkeys(candidates))
    raise InputError(
        f"Fluent Bit file {path} is not in the app: looked for {tried}",
        fix="keep the file in the repository at the path it has in the log router image "
        "(hakobu reads it from there; docs/logs.md)",
    )


def load_config(path: str, root: Path) -> FluentBitConfig:
    """Read the config named ``path`` (an image path), following ``@INCLUDE``."""
    config = FluentBitConfig()
    _read(resolve_image_path(path, root), root, config, {}, depth=0)
    return config


def _text_of(source: Path | str) -> tuple[str, str]:
    if isinstance(source, str):
        return BUILTIN_FILES[source], f"{source} (AWS for Fluent Bit image)"
    try:
        return source.read_text(encoding="utf-8"), str(source)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", file=source) from e


def _read(
    source: Path | str, root: Path, config: FluentBitConfig, variables: dict[str, str], depth: int
) -> None:
    if depth > MAX_INCLUDE_DEPTH:
        raise InputError("@INCLUDE nests too deep (a file includes itself?)", file=str(source))
    if isinstance(source, Path) and source.suffix in (".yaml", ".yml"):
        raise InputError(
            "Fluent Bit's YAML format is not read by hakobu",
            file=source,
            fix="use the classic format (sections in [brackets])",
        )
    text, name = _text_of(source)
    current: Section | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = _VARIABLE.sub(lambda m: variables.get(m[1], m[0]), line)
        if line.startswith("@"):
            _directive(line, source, root, config, variables, depth, name, number)
            current = None
            continue
        section = _SECTION.fullmatch(line)
        if section:
            current = Section(section[1].lower(), file=name, line=number)
            config.sections.append(current)
            continue
        if current is None:
            raise InputError(f"'{line}' is outside any [SECTION]", file=name, line=number)
        key, _, value = line.partition(" ")
        current.entries.append((key.lower(), value.strip()))


def _directive(
    line: str,
    source: Path | str,
    root: Path,
    config: FluentBitConfig,
    variables: dict[str, str],
    depth: int,
    name: str,
    number: int,
) -> None:
    word, _, rest = line.partition(" ")
    word = word.upper()
    if word == "@SET":
        key, sep, value = rest.partition("=")
        if not sep:
            raise InputError("@SET needs NAME=VALUE", file=name, line=number)
        variables[key.strip()] = value.strip()
    elif word == "@INCLUDE":
        target = rest.strip()
        if isinstance(source, Path) and not target.startswith("/"):
            _read(source.parent / target, root, config, variables, depth + 1)
        else:
            _read(resolve_image_path(target, root), root, config, variables, depth + 1)
    else:
        raise InputError(f"unknown directive {word}", file=name, line=number)


def tag_matches(pattern: str, tag: str) -> bool:
    """Fluent Bit's ``Match``: ``*`` matches any run of characters, everything else itself."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, tag) is not None


def section_matches(section: Section, tag: str) -> bool:
    regex = section.get("match_regex")
    if regex is not None:
        return re.search(regex, tag) is not None
    return tag_matches(section.get("match") or "", tag)


def is_on(value: str | None, default: bool = False) -> bool:
    """Fluent Bit booleans: on/off, true/false, yes/no, 1/0 in any case."""
    if value is None:
        return default
    return value.strip().lower() in ("on", "true", "yes", "1")
