"""HK-PY-004: a credential written in the source."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.credentials import find_credentials
from hakobu.checks.rule import Finding
from hakobu.checks.rules.source_python import PythonRule
from hakobu.checks.targets import PythonSourceTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

RATIONALE = (
    "A credential in the source is readable by everyone with the repository, stays in its "
    "history after it is deleted, is baked into every image and is the same in every "
    "environment (slide 71). Secrets live encrypted in Secrets Manager and reach the app as "
    "environment variables when its container starts (slides 72-73). Found with "
    "detect-secrets' keyword detector and token formats and its false-positive filters."
)
FIX = (
    'Read it from the environment (`os.environ["DB_PASSWORD"]`, `process.env.DB_PASSWORD`), '
    "put it in the task definition's `secrets` from Secrets Manager, and rotate the one that "
    "was committed. A test value that only looks like a secret: `# pragma: allowlist secret`."
)


class HardcodedCredential(PythonRule):
    id = "HK-PY-004"
    title = "Credential written in the source"
    severity = Severity.ERROR
    design_point = DesignPoint.SECRETS
    factor = Factor.III
    rationale = RATIONALE
    fix = FIX

    def check(self, target: PythonSourceTarget) -> Iterator[Finding]:
        for found in find_credentials(target.file, target.text):
            message = f"hard-coded credential ({found.kind}); read it from the environment"
            yield self.finding(target, message, line=found.line)
