"""The one error an invalid CloudWatch Logs filter pattern raises, and CloudWatch's limits."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from hakobu.errors import InputError

# Limits CloudWatch enforces when a pattern is created (FilterAndPatternSyntax.html and the
# PutMetricFilter / TestMetricFilter API references): a general engine would accept more.
MAX_PATTERN_LENGTH = 1024
MAX_REGEXES = 2  # per JSON or space-delimited pattern
MAX_WILDCARDS_PER_SELECTOR = 1
MAX_WILDCARD_SELECTORS = 3  # per JSON pattern

QUOTE_FIX = "put terms with characters other than letters, digits and _ in double quotes"


class FilterPatternError(InputError):
    """A filter pattern CloudWatch Logs would reject: says what is wrong and at which column.

    ``pattern_column`` is the 1-based column in the pattern text; ``file``/``line``/``field``
    locate the pattern in a user's file when the caller knows them (hakobu.toml, ...).
    """

    def __init__(
        self,
        detail: str,
        *,
        column: int | None = None,
        fix: str | None = None,
        file: Path | str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        # Quoted pieces of the pattern may hold a tab or a newline: the message stays one line.
        detail = "".join(c if c.isprintable() else repr(c)[1:-1] for c in detail)
        self.pattern_column = column
        self.reason = detail
        # InputError keeps a column only for a file line; the pattern's own column goes in the
        # text so that a pattern typed on the command line is located too.
        where = f" at column {column}" if column is not None else ""
        super().__init__(
            f"{detail}{where}",
            file=file,
            line=line,
            field=field or "filter pattern",
            fix=fix,
        )


def invalid_characters(
    text: str, start: int, allowed: Collection[str], fix: str = QUOTE_FIX
) -> FilterPatternError:
    """CloudWatch's own wording: the run of characters it cannot take, quoted."""
    end = start
    while end < len(text) and text[end] not in allowed and not text[end].isspace():
        end += 1
    bad = text[start : max(end, start + 1)]
    return FilterPatternError(f"Invalid character(s) in term '{bad}'", column=start + 1, fix=fix)
