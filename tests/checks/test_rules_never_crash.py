"""No rule crashes on a Dockerfile BuildKit would take, however odd, nor on task definitions,
buildspecs, manifests and JavaScript of any shape: generated ones, checked."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
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


KEYS = ["name", "image", "user", "environment", "value", "secrets", "logConfiguration"]
KEYS += ["logDriver", "stopTimeout", "essential", "healthCheck", "privileged", "cpu", "memory"]
KEYS += ["phases", "build", "commands", "env", "variables", "dependencies"]
# Any JSON value where a task definition or buildspec expects a particular shape.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.sampled_from(["", "x", "latest", "0"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(KEYS),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(containers=json_values, top=json_values, phases=json_values)
def test_no_rule_crashes_on_odd_structures(
    tmp_path: Path, containers: object, top: object, phases: object
) -> None:
    taskdef = {"containerDefinitions": containers, "cpu": top, "memory": top}
    (tmp_path / "taskdef.json").write_text(json.dumps(taskdef))
    (tmp_path / "buildspec.yml").write_text(yaml.safe_dump({"phases": phases, "env": top}))
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": top}))
    report = run_checks(tmp_path, CheckConfig(hadolint=None))
    internal = [f.message for f in report.findings if f.rule_id == "HK-INTERNAL"]
    assert internal == [], (containers, top, phases)


SNIPPETS = ["app.listen(", "3000", ")", "process.env.", "NODE_ENV", "===", "'production'", "`"]
SNIPPETS += ["${", "}", "/", "//", "/*", "*/", "'", '"', "\\", "\n", "require('express')", "{"]
SNIPPETS += ["port:", "process.on('SIGTERM', () => {})", "createWriteStream(", "log", "["]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.lists(st.sampled_from(SNIPPETS), max_size=30))
def test_no_node_rule_crashes_on_odd_javascript(tmp_path: Path, parts: list[str]) -> None:
    (tmp_path / "app.js").write_text("".join(parts))
    report = run_checks(tmp_path, CheckConfig(hadolint=None))
    assert [f.message for f in report.findings if f.rule_id == "HK-INTERNAL"] == []
