"""The hakobu load balancer against a direct connection to one target, and against HAProxy.

Three tiny keep-alive HTTP servers (each its own process) are the targets. One run measures, with
wrk (or a bounded asyncio client when wrk is missing), for each path: requests per second with 50
connections for 5 s, p50/p99 latency at that load, and p50 latency with one connection, which is
what a hop adds when nothing queues (the target's "added p50" is taken there: under saturation,
latency is connections / throughput and says nothing new).

HAProxy and hakobu-lb both run one thread (HAProxy's ``nbthread 1``) with the same targets, round
robin, health checks, keep-alive to the targets and X-Forwarded-For. With two or more CPUs, each
gets one to itself while it is measured, and the client and targets share the others. Rounds
alternate the three paths (BENCH_ROUNDS, default 3) and the median of each is printed: machines
are often shared, and one round can be an outlier. Only 127.0.0.1 is used; about 75 s in all.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DURATION = 5  # seconds of load per measurement
CONNECTIONS = 50
TARGETS = 3

RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nhello, world\n"
)


# -- targets -----------------------------------------------------------------------------------


class _Target(asyncio.BufferedProtocol):
    """Answers every request head with RESPONSE; requests here never have bodies.

    A buffered protocol, as hakobu-lb's: asyncio's default recv(256 KiB) per read would make the
    targets, not the load balancers, the thing measured.
    """

    def __init__(self) -> None:
        self.buffer = memoryview(bytearray(65536))
        self.pending = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.buffer

    def buffer_updated(self, nbytes: int) -> None:
        data = self.pending + bytes(self.buffer[:nbytes])
        count = data.count(b"\r\n\r\n")
        self.pending = data[data.rfind(b"\r\n\r\n") + 4 :] if count else data
        if count:
            self.transport.write(RESPONSE * count)


async def _serve_target(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(
        _Target, "127.0.0.1", port, backlog=1024
    )
    await server.serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# With two or more CPUs, each load balancer gets one to itself and the client and targets share
# the others: the measure is then the load balancer's own capacity, not how the scheduler happens
# to interleave six busy processes on two cores. Both load balancers get the same treatment.
CPUS = sorted(os.sched_getaffinity(0))
LB_CPUS = {CPUS[-1]} if len(CPUS) > 1 else set(CPUS)
OTHER_CPUS = set(CPUS[:-1]) if len(CPUS) > 1 else set(CPUS)


@contextmanager
def process(
    args: list[str], ready_url: str, cpus: set[int] = OTHER_CPUS
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a process, wait until ``ready_url`` answers 200, stop it afterwards."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.sched_setaffinity(proc.pid, cpus)
    try:
        deadline = time.monotonic() + 15
        while not _answers(ready_url):
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"{args[0]} did not become ready: {err.strip()[-500:]}")
            time.sleep(0.05)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


HAPROXY_CONFIG = """\
global
    nbthread 1
    maxconn 4096
defaults
    mode http
    timeout connect 10s
    timeout client 60s
    timeout server 60s
    option forwardfor
    http-reuse always
frontend bench
    bind 127.0.0.1:{port}
    default_backend targets
backend targets
    balance roundrobin
    option httpchk GET /
{servers}
"""


# -- load --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float


def measure(url: str, connections: int, seconds: int) -> Load:
    if shutil.which("wrk"):
        return _wrk(url, connections, seconds)
    return asyncio.run(_python_load(url, connections, seconds))


def _wrk(url: str, connections: int, seconds: int) -> Load:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        preexec_fn=lambda: os.sched_setaffinity(0, OTHER_CPUS),
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"errors while measuring {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    return Load(rps, _wrk_latency(out, "50%"), _wrk_latency(out, "99%"))


def _wrk_latency(out: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\b", out, re.M).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def _python_load(url: str, connections: int, seconds: int) -> Load:
    """A bounded closed-loop client: each connection sends the next request when one returns."""
    host, port = url.split("//")[1].rstrip("/").split(":")
    request = f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.monotonic() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head)[1])  # type: ignore[index]
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
        writer.close()

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return Load(
        len(latencies) / elapsed,
        latencies[len(latencies) // 2] * 1000,
        latencies[int(len(latencies) * 0.99)] * 1000,
    )


# -- the run -----------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--target":
        asyncio.run(_serve_target(int(sys.argv[2])))
        return
    ports = [free_port() for _ in range(TARGETS)]
    lb_port, haproxy_port = free_port(), free_port()
    urls = {"direct": f"http://127.0.0.1:{ports[0]}/", "hakobu": f"http://127.0.0.1:{lb_port}/"}
    haproxy = shutil.which("haproxy")
    pids: dict[str, int] = {}  # the process serving each path, whose CPU time is measured
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        for port in ports:
            target = [sys.executable, __file__, "--target", str(port)]
            proc = stack.enter_context(process(target, f"http://127.0.0.1:{port}/"))
            pids.setdefault("direct", proc.pid)
        targets = [arg for port in ports for arg in ("--target", f"127.0.0.1:{port}")]
        lb = [sys.executable, "-m", "hakobu.lb", "--listen", f"127.0.0.1:{lb_port}", *targets]
        pids["hakobu"] = stack.enter_context(process(lb, urls["hakobu"], LB_CPUS)).pid
        if haproxy:
            config = Path(tmp) / "haproxy.cfg"
            servers = "\n".join(f"    server t{i} 127.0.0.1:{p} check" for i, p in enumerate(ports))
            config.write_text(HAPROXY_CONFIG.format(port=haproxy_port, servers=servers))
            urls["haproxy"] = f"http://127.0.0.1:{haproxy_port}/"
            haproxy_args = [haproxy, "-db", "-f", str(config)]
            pids["haproxy"] = stack.enter_context(
                process(haproxy_args, urls["haproxy"], LB_CPUS)
            ).pid
        loaded, single, cpu = run_rounds(urls, pids)
    report(loaded, single, cpu, haproxy is not None)


def run_rounds(
    urls: dict[str, str], pids: dict[str, int]
) -> tuple[dict[str, Load], dict[str, Load], dict[str, float]]:
    loaded: dict[str, list[Load]] = {name: [] for name in urls}
    single: dict[str, list[Load]] = {name: [] for name in urls}
    cpu: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(ROUNDS):
        for name, url in urls.items():
            measure(url, CONNECTIONS, 1)  # warm up: connections opened, caches filled
            before = cpu_seconds(pids[name])
            load = measure(url, CONNECTIONS, DURATION)
            cpu[name].append((cpu_seconds(pids[name]) - before) / (load.rps * DURATION) * 1e6)
            loaded[name].append(load)
            single[name].append(measure(url, 1, 2))
    return (
        {n: _median(v) for n, v in loaded.items()},
        {n: _median(v) for n, v in single.items()},
        {n: statistics.median(v) for n, v in cpu.items()},
    )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _median(loads: list[Load]) -> Load:
    return Load(
        *(statistics.median(values) for values in zip(*(astuple(x) for x in loads), strict=True))
    )


def astuple(load: Load) -> tuple[float, float, float]:
    return (load.rps, load.p50_ms, load.p99_ms)


def report(
    loaded: dict[str, Load], single: dict[str, Load], cpu: dict[str, float], have_haproxy: bool
) -> None:
    for name, load in loaded.items():
        print(f"lb_{name}_rps: {load.rps:.0f} (target -)")
        # CPU time of the serving process per request: steadier than throughput on a shared
        # machine, and what throughput comes down to when the load balancer has a CPU of its own.
        print(f"lb_{name}_cpu_us_per_request: {cpu[name]:.1f} (target -)")
        print(f"lb_{name}_p50_ms_c{CONNECTIONS}: {load.p50_ms:.2f} (target -)")
        print(f"lb_{name}_p99_ms_c{CONNECTIONS}: {load.p99_ms:.2f} (target -)")
    for name, load in single.items():
        print(f"lb_{name}_p50_ms_c1: {load.p50_ms:.3f} (target -)")
    if have_haproxy:
        ratio = loaded["hakobu"].rps / loaded["haproxy"].rps
        print(f"lb_throughput_ratio_vs_haproxy: {ratio:.2f} (target >= 0.5)")
        efficiency = cpu["haproxy"] / cpu["hakobu"]
        print(f"lb_cpu_efficiency_vs_haproxy: {efficiency:.2f} (target -)")
        added = single["haproxy"].p50_ms - single["direct"].p50_ms
        print(f"lb_haproxy_added_p50_ms: {added:.3f} (target -)")
    else:
        print("lb_throughput_ratio_vs_haproxy: n/a, haproxy not installed (target >= 0.5)")
    added = single["hakobu"].p50_ms - single["direct"].p50_ms
    print(f"lb_added_p50_ms: {added:.3f} (target <= 1)")


if __name__ == "__main__":
    main()
