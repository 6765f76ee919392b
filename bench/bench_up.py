"""`hakobu up` until the task is healthy, against `podman run` plus polling for the same health.

Both sides run the same busybox HTTP server with the same health check (interval 5 s: Docker and
ECS run the first check one interval after start), in a pod publishing the same port. The
baseline polls `podman exec` on the same schedule. Several rounds, alternating, median of each.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUSYBOX = "localhost/hakobu/busybox:1.35"
SCRIPT = "exec httpd -f -p 8080 -h /"
CHECK = ["CMD-SHELL", "wget -q -O /dev/null http://localhost:8080/ || true"]
INTERVAL = 5
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hakobu(root: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "hakobu.cli.main", "-C", str(root), *args],
                   check=True, capture_output=True)


def time_hakobu(root: Path) -> float:
    start = time.monotonic()
    hakobu(root, "up")
    elapsed = time.monotonic() - start
    hakobu(root, "down")
    return elapsed


def time_podman(port: int) -> float:
    name = f"bench-baseline-{port}"
    start = time.monotonic()
    subprocess.run(["podman", "pod", "create", "--name", name, "-p", f"127.0.0.1:{port}:8080"],
                   check=True, capture_output=True)
    subprocess.run(["podman", "run", "-d", "--pod", name, "--name", f"{name}-app", BUSYBOX,
                    "sh", "-c", SCRIPT], check=True, capture_output=True)
    started = time.monotonic()
    time.sleep(max(0.0, started + INTERVAL - time.monotonic()))
    while subprocess.run(["podman", "exec", f"{name}-app", "/bin/sh", "-c", CHECK[1]],
                         capture_output=True).returncode != 0:
        time.sleep(INTERVAL)
    elapsed = time.monotonic() - start
    subprocess.run(["podman", "pod", "rm", "-f", "-t", "0", name], capture_output=True)
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        port = free_port()
        taskdef = {
            "family": "bench", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": "256", "memory": "512",
            "containerDefinitions": [{
                "name": "app", "image": BUSYBOX, "essential": True,
                "command": ["sh", "-c", SCRIPT], "stopTimeout": 2,
                "portMappings": [{"containerPort": 8080}],
                "healthCheck": {"command": CHECK, "interval": INTERVAL, "timeout": 2, "retries": 3},
            }],
        }
        (root / "taskdef.json").write_text(json.dumps(taskdef))
        (root / "hakobu.toml").write_text(
            f'[app]\nname = "bench"\n[environments.local]\nports = {{ "8080" = {port} }}\n'
        )
        ours, theirs = [], []
        for _ in range(ROUNDS):
            ours.append(time_hakobu(root))
            theirs.append(time_podman(free_port()))
    hakobu_s, podman_s = statistics.median(ours), statistics.median(theirs)
    print(f"up_until_healthy_hakobu_seconds: {hakobu_s:.2f} (target -)")
    print(f"up_until_healthy_podman_seconds: {podman_s:.2f} (target -)")
    print(f"up_overhead_ratio: {hakobu_s / podman_s:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
