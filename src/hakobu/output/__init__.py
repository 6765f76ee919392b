"""Report formats for ``hakobu check``: text (grouped as the talk groups), JSON, SARIF, JUnit."""

from __future__ import annotations

from hakobu.output.interface import FormatError, Formatter
from hakobu.output.json import JsonFormat
from hakobu.output.junit import JunitFormat
from hakobu.output.sarif import SarifFormat
from hakobu.output.text import TextFormat

# Explicit registry, by the name `--format` takes; `hakobu check --help` lists them in this order.
FORMATS: dict[str, type[Formatter]] = {
    "text": TextFormat,
    "json": JsonFormat,
    "sarif": SarifFormat,
    "junit": JunitFormat,
}

__all__ = [
    "FORMATS",
    "FormatError",
    "Formatter",
    "JsonFormat",
    "JunitFormat",
    "SarifFormat",
    "TextFormat",
]
