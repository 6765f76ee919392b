"""Secret masking: the values of a task's secrets become ``***`` before any sink sees a line.

A value is looked for as written and as it appears inside a JSON string (escaped quotes,
backslashes, control characters, ``\\uXXXX`` for non-ASCII), because apps log JSON. A JSON line
that hides a value behind escapes the text search cannot see (``\\u0073ecret``) is decoded,
masked and written again.

Values shorter than ``MIN_SECRET_LENGTH`` are not masked: replacing every ``on`` or ``1`` in the
logs would destroy them while protecting nothing such a value could protect. A multi-line value
(a PEM key) is also masked line by line, since logs are read line by line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

MASK = "***"
MIN_SECRET_LENGTH = 4


def _forms(value: str) -> set[str]:
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    forms.add(value.replace("/", "\\/"))  # JSON allows escaping '/', and some encoders do
    for line in value.splitlines():
        if len(line.strip()) >= MIN_SECRET_LENGTH:
            forms.add(line)
    return {f for f in forms if len(f) >= MIN_SECRET_LENGTH}


class SecretMasker:
    """Replaces secret values in text; ``skipped`` counts values too short to mask."""

    def __init__(self, values: Iterable[str]) -> None:
        unique = {v for v in values if v}
        self.skipped = sum(1 for v in unique if len(v) < MIN_SECRET_LENGTH)
        self._values = sorted(
            {v for v in unique if len(v) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )
        forms: set[str] = set()
        for value in self._values:
            forms |= _forms(value)
        # Longest first: a secret that contains another is masked whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def mask(self, text: str) -> str:
        if not self._forms:
            return text
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        if "\\u" in text or "\\/" in text:
            text = self._mask_decoded_json(text)
        return text

    def mask_all(self, texts: Sequence[str], joined: str | None = None) -> Sequence[str]:
        """``mask`` of each of ``texts`` (``joined``: their concatenation, when the caller has
        it). The usual batch holds no secret: one search of the whole text for each form says
        so, and ``texts`` come back as they are. A form found, perhaps across two texts, or a
        backslash that may hide one, masks them one by one."""
        if not self._forms:
            return texts
        whole = "".join(texts) if joined is None else joined
        suspect = any(form in whole for form in self._forms)
        if not suspect and "\\" in whole:
            suspect = "\\u" in whole or "\\/" in whole
        return list(map(self.mask, texts)) if suspect else texts

    def mask_value(self, value: Any) -> Any:
        """``value`` (a parsed JSON value) with every string in it masked."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, list):
            return [self.mask_value(v) for v in value]
        if isinstance(value, dict):
            return {self.mask(str(k)): self.mask_value(v) for k, v in value.items()}
        return value

    def _mask_decoded_json(self, text: str) -> str:
        stripped = text.strip()
        if not stripped.startswith(("{", "[", '"')):
            return text
        try:
            data = json.loads(stripped)
        except ValueError:
            return text
        if not self._hides_secret(data):
            return text
        return json.dumps(self.mask_value(data), ensure_ascii=False, separators=(",", ":"))

    def _hides_secret(self, data: Any) -> bool:
        if isinstance(data, str):
            return any(v in data for v in self._values)
        if isinstance(data, list):
            return any(self._hides_secret(v) for v in data)
        if isinstance(data, dict):
            return any(self._hides_secret(k) or self._hides_secret(v) for k, v in data.items())
        return False
