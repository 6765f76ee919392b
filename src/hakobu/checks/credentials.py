"""Hard-coded credentials in source files, found by detect-secrets (Yelp/detect-secrets).

detect-secrets' own scanner costs about a millisecond per line (every plugin and filter is
called through signature inspection, for every line), which on a large repository would
outweigh everything else ``hakobu check`` does. So hakobu calls its parts directly:

1. a cheap prefilter (``_CANDIDATE``, one regular expression) picks the lines that could hold a
   credential: a secret-like word followed by an assignment of a quoted literal, or a known
   token prefix. detect-secrets is imported only when a file has such a line;
2. detect-secrets' plugins (``PLUGINS``: its keyword detector and the token formats the
   prefilter knows) analyze those lines;
3. detect-secrets' false-positive filters drop what they drop in its own scans (sequential
   strings, UUIDs, ID-like names, templates such as ``${X}`` and ``<x>``, ``$``-prefixed
   values, indirect references such as ``password = get_secret()``, values without letters or
   digits) and its ``pragma: allowlist secret`` comments are honoured; hakobu adds two: a
   value that only repeats its name (``SECRETS = "secrets"``), and one of three words or more
   (prose about a secret, not one).

The entropy plugins are left out: on source code they report hashes and IDs far more often
than secrets. What is found is reported by line and kind, never with the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

_CANDIDATE = re.compile(
    r"(?:pass(?:word|wd|phrase)?|pwd|secret|api_?key|auth_?key|private_?key|priv_?key"
    r"|client_?key|service_?key|account_?key|db_?key|database_?key|key_?pass|contrase)"
    r"[\w.\-\]'\"]*\s*(?:=|:|==|!=|=>|:=|\(|,)\s*[(\[]?\s*[a-z]{0,2}[\"'`]"
    r"|AKIA|ASIA|A3T[A-Z0-9]|-----BEGIN|gh[pousr]_|github_pat_|glpat-|xox[abposr]-"
    r"|[sr]k_live_|\bSG\.[\w-]{20}|npm_[a-z0-9]{36}|pypi-AgE|eyJ[\w-]{10,}\.|\bsk-[\w-]{20}"
    r"|://[^/\s:@'\"]+:[^/\s:@'\"]+@|AccountKey=|\b(?:AC|SK)[a-z0-9]{32}\b|-us[0-9]{1,2}\b",
    re.IGNORECASE,
)
_SUPPRESSION = re.compile(r"(?:#|//|/\*)\s*hakobu:")
PLUGINS = (
    "keyword.KeywordDetector",
    "aws.AWSKeyDetector",
    "private_key.PrivateKeyDetector",
    "github_token.GitHubTokenDetector",
    "gitlab_token.GitLabTokenDetector",
    "slack.SlackDetector",
    "stripe.StripeDetector",
    "sendgrid.SendGridDetector",
    "npm.NpmDetector",
    "pypi_token.PypiTokenDetector",
    "openai.OpenAIDetector",
    "jwt.JwtTokenDetector",
    "basic_auth.BasicAuthDetector",
    "azure_storage_key.AzureStorageKeyDetector",
    "twilio.TwilioKeyDetector",
    "mailchimp.MailchimpDetector",
)


@dataclass(frozen=True)
class Credential:
    line: int
    kind: str  # detect-secrets' secret type: "Secret Keyword", "AWS Access Key", ...


def find_credentials(filename: str, text: str) -> list[Credential]:
    """The credentials written in ``text``; ``filename`` picks detect-secrets' syntax rules."""
    if not _CANDIDATE.search(text):
        return []
    # hakobu's own suppression comments are cut off: detect-secrets would take the brackets of
    # `ignore[HK-PY-004]` for an indirect reference and drop the line.
    lines = [_SUPPRESSION.split(line, maxsplit=1)[0] for line in text.splitlines()]
    found: list[Credential] = []
    for number, line in enumerate(lines, start=1):
        if _CANDIDATE.search(line):
            kinds = sorted({kind for kind in _scan_line(filename, lines, number, line)})
            found.extend(Credential(number, kind) for kind in kinds)
    return found


def _scan_line(filename: str, lines: Sequence[str], number: int, line: str) -> Iterator[str]:
    detector = _detector()
    if detector.allowlisted(filename, lines, number, line):
        return
    for plugin in detector.plugins:
        for secret in plugin.analyze_line(filename=filename, line=line, line_number=number):
            value = secret.secret_value or ""
            if not detector.false_positive(value, line, plugin):
                yield str(secret.type)


class _Detector:
    """detect-secrets' plugins and filters, imported once and only when needed."""

    def __init__(self) -> None:
        import importlib

        from detect_secrets.filters import heuristic
        from detect_secrets.filters.allowlist import is_line_allowlisted
        from detect_secrets.util.code_snippet import get_code_snippet

        self.plugins: list[Any] = []
        for name in PLUGINS:
            module, _, cls = name.rpartition(".")
            plugin_module = importlib.import_module(f"detect_secrets.plugins.{module}")
            self.plugins.append(getattr(plugin_module, cls)())
        self._heuristic = heuristic
        self._is_line_allowlisted = is_line_allowlisted
        self._snippet = get_code_snippet

    def allowlisted(self, filename: str, lines: Sequence[str], number: int, line: str) -> bool:
        context = self._snippet(list(lines), number)
        return bool(self._is_line_allowlisted(filename, line, context))

    def false_positive(self, value: str, line: str, plugin: Any) -> bool:
        h = self._heuristic
        return bool(
            h.is_sequential_string(value)
            or h.is_potential_uuid(value)
            or h.is_likely_id_string(value, line, plugin)
            or h.is_templated_secret(value)
            or h.is_prefixed_with_dollar_sign(value)
            or h.is_indirect_reference(line)
            or h.is_not_alphanumeric_string(value)
            or _repeats_its_name(value, line)
            or _prose(value)
        )


@cache
def _detector() -> _Detector:
    return _Detector()


def _prose(value: str) -> bool:
    """Three words or more (``"injected from the secret store"``): a sentence about a secret,
    which the keyword detector takes for one in code; passphrases that long are rare in code."""
    return len(value.split()) >= 3


def _repeats_its_name(value: str, line: str) -> bool:
    """``SECRETS = "secrets"``, ``PASSWORD_FIELD: "password"``: a name, not a credential."""
    word = re.sub(r"[^a-z0-9]", "", value.lower())
    left = re.sub(r"[^a-z0-9]", "", line[: line.rfind(value)].lower())
    return bool(word) and word in left
