"""`hakobu check` on a generated corpus, against hadolint alone and checkov on the same files.

The corpus (BENCH_APPS apps, 500 by default, in a temporary directory) is what the talk's
repositories hold: per app a Dockerfile, a task definition, a Python or Node.js source, its
dependency files and, for one app in four, a buildspec.yml; one app in three breaks a few of the
practices (unpinned base image, root, shell-form CMD, `npm install`, secrets in the environment,
hard-coded ports and credentials, log files, no SIGTERM handling). Generated from a fixed seed.

Printed, each against its target:
- hakobu check's wall time over hadolint's, alone, on the same Dockerfiles, run as a user runs
  it (one `hadolint f1 ... fN`): target <= 1.5. hakobu runs hadolint itself, in runs of 64
  files side by side, and its own rules meanwhile; both figures are printed.
- checkov's wall time (`checkov -d CORPUS`, every framework it has: it reads the Dockerfiles,
  the JSON and YAML files and scans every file for secrets) over hakobu's: target >= 5. checkov
  is not one of hakobu's dependencies: the first run installs it with pip into its own venv,
  .hakobu-setup/bench-venv (set BENCH_CHECKOV=skip to leave it out).
- hakobu's peak memory: the largest resident set of the `hakobu check` process and the
  hadolint runs it starts (getrusage of the children of a wrapper process): target < 300 MB.

Each tool runs BENCH_ROUNDS times (3), in turns; the median counts. checkov runs
BENCH_CHECKOV_ROUNDS times (1): it takes minutes.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = int(os.environ.get("BENCH_APPS", "500"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CHECKOV_ROUNDS = int(os.environ.get("BENCH_CHECKOV_ROUNDS", "1"))
BENCH_VENV = ROOT / ".hakobu-setup" / "bench-venv"
SEED = 20240611


# The corpus: apps as the talk's repositories hold them, some of them bad. ---------------------

REGISTRY = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com"
PY_BASES = ["python:3.11-slim-bookworm", "python:3.12-slim", "python:3.11-alpine3.19"]
NODE_BASES = ["node:20.12-slim", "node:22.2-alpine", "node:20.12-bookworm-slim"]
BAD_BASES = ["python:latest", "python", "node:lts", "node"]

PY_APP = '''"""{name}: a small service."""

import json
import logging
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger("{name}")
{extra}

class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({{"service": "{name}", "path": self.path}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


def main() -> int:
    {logging}
    server = ThreadingHTTPServer(("0.0.0.0", {port}), Handler)
    {signals}
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''
NODE_APP = """const express = require('express');
{extra}
const app = express();
app.get('/', (req, res) => res.json({{ service: '{name}' }}));
{logging}
const server = app.listen({port});
{signals}
"""


def write_corpus(root: Path, apps: int, rng: random.Random) -> list[Path]:
    """Write ``apps`` apps under ``root``; returns their Dockerfiles."""
    dockerfiles = []
    for index in range(apps):
        app = root / "apps" / f"svc-{index:03d}"
        app.mkdir(parents=True)
        bad = set(rng.sample(_FLAWS, rng.randint(1, 4))) if rng.random() < 0.35 else set()
        node = index % 2 == 1
        name = f"svc-{index:03d}"
        port = rng.choice([3000, 8000, 8080, 9000])
        (app / "Dockerfile").write_text(_dockerfile(rng, node, port, bad))
        (app / "taskdef.json").write_text(json.dumps(_taskdef(rng, name, port, bad), indent=2))
        (app / ".dockerignore").write_text(".git\n.env\nnode_modules\n")
        if node:
            _node_files(app, name, port, bad)
        else:
            _python_files(app, name, port, bad)
        if index % 4 == 0:
            (app / "buildspec.yml").write_text(_buildspec(name, bad))
        dockerfiles.append(app / "Dockerfile")
    return dockerfiles


_FLAWS = [
    "base",
    "root",
    "shell-cmd",
    "install",
    "env-secret",
    "port",
    "credential",
    "log-file",
    "sigterm",
    "branch",
    "taskdef",
]


def _dockerfile(rng: random.Random, node: bool, port: int, bad: set[str]) -> str:
    base = rng.choice(BAD_BASES) if "base" in bad else rng.choice(NODE_BASES if node else PY_BASES)
    lines = [f"FROM {base} AS build", "WORKDIR /app"]
    if node:
        lines += ["COPY package.json package-lock.json ./"]
        lines += ["RUN npm install" if "install" in bad else "RUN npm ci --omit=dev"]
        lines += ["COPY . .", f"FROM {base}", "WORKDIR /app", "COPY --from=build /app /app"]
        command = ["node", "server.js"]
    else:
        lines += ["COPY requirements.txt ./"]
        pip = "pip install --no-cache-dir"
        lines += [f"RUN {pip} flask" if "install" in bad else f"RUN {pip} -r requirements.txt"]
        lines += ["COPY app.py ./"]
        command = ["python", "app.py"]
    if "env-secret" in bad:
        lines += ["ENV DB_PASSWORD=hunter2"]
    lines += [f"EXPOSE {port}"]
    if "root" not in bad:
        lines += [f"USER {rng.choice([10001, 1000, 65532])}"]
    cmd = " ".join(command) if "shell-cmd" in bad else json.dumps(command)
    lines += [f"CMD {cmd}"]
    return "\n".join(lines) + "\n"


def _taskdef(rng: random.Random, name: str, port: int, bad: set[str]) -> dict[str, object]:
    flawed = "taskdef" in bad
    app: dict[str, object] = {
        "name": "app",
        "image": "nginx:latest" if flawed and rng.random() < 0.5 else "<IMAGE1_NAME>",
        "essential": True,
        "portMappings": [{"containerPort": port}],
        "environment": [{"name": "PORT", "value": str(port)}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": f"/ecs/{name}", "awslogs-region": "ap-northeast-1"},
        },
        "healthCheck": {"command": ["CMD", "/healthcheck"], "interval": 10, "retries": 3},
        "stopTimeout": 30,
        "user": "10001",
        "readonlyRootFilesystem": True,
    }
    if flawed:
        for key in rng.sample(["healthCheck", "stopTimeout", "user", "logConfiguration"], 2):
            del app[key]
    if "env-secret" in bad:
        app["environment"] = [
            {"name": "PORT", "value": str(port)},
            {"name": "API_KEY", "value": "k"},
        ]
    containers = [app]
    if rng.random() < 0.3:
        containers.append(
            {
                "name": "log_router",
                "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0",
                "essential": False,
                "firelensConfiguration": {"type": "fluentbit"},
                "logConfiguration": {"logDriver": "awslogs"},
                "stopTimeout": 10,
                "user": "0" if flawed else "10001",
                "readonlyRootFilesystem": True,
            }
        )
    cpu, memory = rng.choice([("256", "512"), ("512", "1024"), ("1024", "2048")])
    return {
        "family": name,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": cpu,
        "memory": "4096" if flawed and cpu == "256" else memory,
        "executionRoleArn": "${EXECUTION_ROLE_ARN}",
        "containerDefinitions": containers,
    }


def _python_files(app: Path, name: str, port: int, bad: set[str]) -> None:
    extra = ""
    if "credential" in bad:
        extra += 'DB_PASSWORD = "P@ssw0rd-2024"\n'
    if "branch" in bad:
        extra += 'if os.environ.get("APP_ENV") == "production":\n    log.info("production")\n'
    logging_line = (
        'logging.basicConfig(filename="/var/log/app.log")'
        if "log-file" in bad
        else "logging.basicConfig(stream=sys.stdout, level=logging.INFO)"
    )
    signals = (
        "pass"
        if "sigterm" in bad
        else "signal.signal(signal.SIGTERM, lambda *_: threading.Thread("
        "target=server.shutdown).start())"
    )
    source = PY_APP.format(
        name=name,
        extra=extra,
        logging=logging_line,
        port=port if "port" in bad else 'int(os.environ["PORT"])',
        signals=signals,
    )
    (app / "app.py").write_text(source)
    (app / "requirements.in").write_text("flask\ngunicorn\n")
    pins = "flask==3.0.3\ngunicorn==22.0.0\n" if "install" not in bad else "flask>=3\ngunicorn\n"
    (app / "requirements.txt").write_text(pins)


def _node_files(app: Path, name: str, port: int, bad: set[str]) -> None:
    extra = "const apiKey = 'Zx81kPq0LmN3vB7w';" if "credential" in bad else ""
    if "branch" in bad:
        extra += "\nif (process.env.APP_ENV === 'production') { console.log('prod'); }"
    logging = (
        "app.use(require('morgan')('combined', "
        "{ stream: require('fs').createWriteStream('access.log') }));"
        if "log-file" in bad
        else ""
    )
    signals = "" if "sigterm" in bad else "process.on('SIGTERM', () => server.close());"
    source = NODE_APP.format(
        name=name,
        extra=extra,
        logging=logging,
        port=port if "port" in bad else "Number(process.env.PORT)",
        signals=signals,
    )
    (app / "server.js").write_text(source)
    dependencies = {"express": "*" if "install" in bad else "^4.19.2", "morgan": "^1.10.0"}
    (app / "package.json").write_text(json.dumps({"name": name, "dependencies": dependencies}))
    (app / "package-lock.json").write_text(json.dumps({"name": name, "lockfileVersion": 3}))


def _buildspec(name: str, bad: set[str]) -> str:
    lint = "" if bad else "      - hadolint Dockerfile\n      - trivy image --exit-code 1 $IMAGE\n"
    tag = "latest" if bad else "${CODEBUILD_RESOLVED_SOURCE_VERSION}"
    return (
        "version: 0.2\nenv:\n  variables:\n    IMAGE_REPO_NAME: " + name + "\n"
        "phases:\n  pre_build:\n    commands:\n"
        f"      - REPOSITORY_URI={REGISTRY}/$IMAGE_REPO_NAME\n"
        f"      - IMAGE=$REPOSITORY_URI:{tag}\n"
        "  build:\n    commands:\n      - docker build -t $IMAGE .\n"
        f"{lint}      - docker push $IMAGE\n"
    )


# The runs. -------------------------------------------------------------------------------------


def hadolint_binary() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if not found:
        sys.exit("bench_check: hadolint not found (run scripts/setup)")
    return found


def checkov_binary() -> str | None:
    """checkov from the bench's own venv, installed there on first use."""
    if os.environ.get("BENCH_CHECKOV") == "skip":
        return None
    binary = BENCH_VENV / "bin" / "checkov"
    if not binary.exists():
        print(f"bench_check: installing checkov into {BENCH_VENV} (once)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        pip = [str(BENCH_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "checkov"], check=True)
    return str(binary)


def timed(argv: list[str], cwd: Path | None = None) -> float:
    start = time.monotonic()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.monotonic() - start


def hakobu_run(corpus: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one `hakobu check`, measured by a fresh wrapper
    process, so only this run's processes count."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "start = time.monotonic()\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "wall = time.monotonic() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(wall, peak)\n"
    )
    argv = [sys.executable, "-m", "hakobu.cli.main", "-C", str(corpus), "check"]
    argv += ["--format", "json", "--output", os.devnull]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *argv], capture_output=True, text=True, env=env, check=True
    )
    wall, peak = done.stdout.split()
    return float(wall), float(peak)


def report_counts(corpus: Path) -> dict[str, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    argv = [sys.executable, "-m", "hakobu.cli.main", "-C", str(corpus), "check", "--format", "json"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    summary = json.loads(done.stdout)["summary"]
    return {key: summary[key] for key in ("error", "warning", "info")} | summary["files"]


def main() -> None:
    hadolint = hadolint_binary()
    checkov = checkov_binary()
    with tempfile.TemporaryDirectory(prefix="hakobu-bench-") as tmp:
        corpus = Path(tmp)
        dockerfiles = write_corpus(corpus, APPS, random.Random(SEED))
        files = sum(1 for p in corpus.rglob("*") if p.is_file())
        hadolint_argv = [hadolint, "--no-fail", "--format", "json", *map(str, dockerfiles)]
        ours, theirs, peaks = [], [], []
        for _ in range(ROUNDS):
            wall, peak = hakobu_run(corpus)
            ours.append(wall)
            peaks.append(peak)
            theirs.append(timed(hadolint_argv))
        checkov_times = []
        if checkov:
            checkov_argv = [checkov, "-d", str(corpus), "--quiet", "--compact", "-o", "json"]
            checkov_argv += ["--skip-download"]
            for _ in range(CHECKOV_ROUNDS):
                checkov_times.append(timed(checkov_argv, cwd=corpus))
        counts = report_counts(corpus)
    hakobu_s, hadolint_s = statistics.median(ours), statistics.median(theirs)
    print(f"check_corpus: {APPS} apps, {files} files, {len(dockerfiles)} Dockerfiles; {counts}")
    print(f"check_hakobu_seconds: {hakobu_s:.2f} (target -)")
    print(f"check_hadolint_alone_seconds: {hadolint_s:.2f} (target -)")
    print(f"check_vs_hadolint_ratio: {hakobu_s / hadolint_s:.2f} (target <= 1.5)")
    if checkov_times:
        checkov_s = statistics.median(checkov_times)
        print(f"check_checkov_seconds: {checkov_s:.2f} (target -)")
        print(f"check_checkov_over_hakobu: {checkov_s / hakobu_s:.2f} (target >= 5)")
    print(f"check_peak_memory_mb: {max(peaks):.0f} (target < 300)")


if __name__ == "__main__":
    main()
