"""Node.js (JavaScript and TypeScript) source rules, read as text.

Python has no JavaScript parser and hakobu adds no heavy dependency for one, so these rules match
patterns in the code with its comments blanked out (``_js.code_only``: a small scanner that knows
strings, template literals, comments and regular expression literals, and keeps every offset and
line). What that approximates: calls are recognised by name and shape (``.listen(3000)``), not by
type; a value is followed only from a ``const``/``let``/``var`` of the same file; code built at
run time (``eval``, string concatenation of names) is not seen.
"""

from __future__ import annotations

import bisect
import weakref
from dataclasses import dataclass, field

from hakobu.checks.rule import Finding, Rule
from hakobu.checks.rules.source_node._js import code_only
from hakobu.checks.targets import NodeSourceTarget
from hakobu.checks.taxonomy import TargetKind


@dataclass
class Source:
    code: str  # the text with comments blanked: offsets and lines are the file's
    handles_sigterm: bool | None = None  # computed once, by the SIGTERM rule
    _starts: list[int] = field(default_factory=list, repr=False)

    def line_col(self, offset: int) -> tuple[int, int]:
        if not self._starts:
            self._starts = [0] + [i + 1 for i, c in enumerate(self.code) if c == "\n"]
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1


_CACHE: weakref.WeakKeyDictionary[NodeSourceTarget, Source] = weakref.WeakKeyDictionary()


def source(target: NodeSourceTarget) -> Source:
    found = _CACHE.get(target)
    if found is None:
        found = Source(code_only(target.text))
        _CACHE[target] = found
    return found


class NodeRule(Rule[NodeSourceTarget]):
    targets = (TargetKind.SOURCE_NODE,)

    def at(self, target: NodeSourceTarget, offset: int, message: str) -> Finding:
        line, column = source(target).line_col(offset)
        return self.finding(target, message, line=line, column=column)
