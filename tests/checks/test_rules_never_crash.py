"""No rule crashes on a Dockerfile BuildKit would take, however odd: generated ones, checked."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hakobu.checks import CheckConfig, run_checks

KEYWORDS = ["RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "ENV", "ARG", "USER", "EXPOSE", "LABEL"]
KEYWORDS += ["WORKDIR", "HEALTHCHECK", "SHELL", "VOLUME", "STOPSIGNAL", "ONBUILD"]
WORDS = ["", "x", "$X", "${X:-y}", "[", "]", '["a"]', "[1]", "--from=0", "--chown=a", "a=b"]
WORDS += ["A_TOKEN=", "id_rsa", ".env", "http://h/x", "a.tar.gz", "root", "0:0", "80/tcp"]
WORDS += ["8000-8010", "<<EOF", "\\", '"', "'", "apt-get", "install", "gcc", "pip", "exec"]
WORDS += ["&&", ";", "|", "-y", "--no-cache-dir", "python:latest", "AS", "build", "é"]

line = st.builds(
    lambda k, ws: f"{k} {' '.join(ws)}",
    st.sampled_from(KEYWORDS),
    st.lists(st.sampled_from(WORDS), max_size=5),
)
image = st.sampled_from(["python", "python:3.11-slim AS b", "$BASE", "b", "scratch", "x@sha"])
dockerfile = st.builds(
    lambda base, body, tail: "\n".join([f"FROM {base}", *body, *tail]) + "\n",
    image,
    st.lists(line, max_size=8),
    st.lists(st.sampled_from(["EOF", "FROM b", "", "# c"]), max_size=3),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=dockerfile)
def test_no_rule_crashes(tmp_path: Path, text: str) -> None:
    (tmp_path / "Dockerfile").write_text(text)
    (tmp_path / "taskdef.json").write_text(
        '{"containerDefinitions": [{"image": "<IMAGE1_NAME>", "portMappings": [{}, 1, '
        '{"containerPort": "80"}, {"containerPort": 8080}]}, 3]}'
    )
    report = run_checks(tmp_path, CheckConfig(hadolint=None))
    internal = [f.message for f in report.findings if f.rule_id == "HK-INTERNAL"]
    assert internal == [], text
