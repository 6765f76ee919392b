"""``python -m hakobu.lb``: the stand-alone runner the benchmark uses, and the public API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.lb.conftest import WAIT, Backend, get

import hakobu.lb

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_runner_balances_and_stops_on_sigterm(backends: Callable[[str], Backend]) -> None:
    a, b = backends("a"), backends("b")
    env = {**os.environ, "PYTHONPATH": SRC}
    args = ["--listen", "127.0.0.1:0", "--target", f"127.0.0.1:{a.port}"]
    args += ["--target", f"127.0.0.1:{b.port}", "--health-check-path", "/health"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "hakobu.lb", *args], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("hakobu-lb listening on http://127.0.0.1:")
        port = int(line.rsplit(":", 1)[1])
        deadline = time.monotonic() + WAIT
        while get(port).status != 200:  # the first health checks run at registration
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert {get(port).text for _ in range(4)} == {"a", "b"}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(WAIT) == 0
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_runner_refuses_bad_settings() -> None:
    env = {**os.environ, "PYTHONPATH": SRC}
    done = subprocess.run(
        [sys.executable, "-m", "hakobu.lb", "--listen", "127.0.0.1:0", "--interval", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert done.returncode == 2
    assert "health_check_interval_seconds: 3 is outside AWS's range 5-300" in done.stderr


def test_public_api() -> None:
    assert sorted(hakobu.lb.__all__) == hakobu.lb.__all__
    for name in hakobu.lb.__all__:
        assert getattr(hakobu.lb, name) is not None


def test_settings_alone_do_not_import_asyncio() -> None:
    # The config code reads target group settings; that must stay cheap (no asyncio, no sockets).
    code = "import sys; from hakobu.lb import TargetGroupSettings; print('asyncio' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": SRC}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
