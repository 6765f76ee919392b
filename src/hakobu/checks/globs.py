"""Path globs as .gitignore writes them, for ``ignore_paths`` and ``[[check.ignore]] file``.

``*`` and ``?`` stay within one path segment, ``**`` spans any number of them; a pattern with no
``/`` (other than a trailing one) matches at any depth (``*.min.js``, ``vendor``); a pattern
matches a file when it matches the file or one of its directories (``vendor/`` leaves out
everything below ``vendor``). Paths are POSIX, relative to the checked root.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Glob:
    pattern: str
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", re.compile(_translate(self.pattern)))

    def matches(self, path: str) -> bool:
        """Whether ``path`` (or a directory it is in) matches."""
        parts = path.strip("/").split("/")
        return any(self._regex.fullmatch("/".join(parts[:n])) for n in range(len(parts), 0, -1))


def _translate(pattern: str) -> str:
    text = pattern.strip()
    text = text.removeprefix("./")
    anchored = text.startswith("/") or "/" in text.rstrip("/")
    text = text.strip("/")
    out = [] if anchored else ["(?:.*/)?"]
    i = 0
    while i < len(text):
        if text.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif text.startswith("**", i):
            out.append(".*")
            i += 2
        elif text[i] == "*":
            out.append("[^/]*")
            i += 1
        elif text[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(text[i]))
            i += 1
    return "".join(out)
