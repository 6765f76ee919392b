"""Run the load balancer on its own, for tests and benchmarks (not a hakobu command).

    python -m hakobu.lb --listen 127.0.0.1:8080 --target 127.0.0.1:9001 --target 127.0.0.1:9002

Targets are named t1, t2, ... in the order given. Prints one line when it listens, then runs until
SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from hakobu.errors import HakobuError
from hakobu.lb.balancer import LoadBalancer
from hakobu.lb.settings import ALGORITHMS, TargetGroupSettings


def _address(text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    if not colon or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT")
    return host, int(port)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hakobu.lb", description=__doc__.split("\n")[0])
    p.add_argument("--listen", type=_address, required=True, metavar="HOST:PORT")
    p.add_argument("--target", type=_address, action="append", default=[], metavar="HOST:PORT")
    p.add_argument("--algorithm", choices=ALGORITHMS, default="round_robin")
    p.add_argument("--health-check-path", default="/")
    p.add_argument("--interval", type=int, default=30, help="health check interval, seconds")
    p.add_argument("--timeout", type=int, default=5, help="health check timeout, seconds")
    p.add_argument("--healthy-threshold", type=int, default=5)
    p.add_argument("--unhealthy-threshold", type=int, default=2)
    p.add_argument("--matcher", default="200")
    p.add_argument("--deregistration-delay", type=int, default=300, help="seconds")
    p.add_argument("--idle-timeout", type=int, default=60, help="seconds")
    p.add_argument("--time-scale", type=float, default=1.0, help="multiplies every duration")
    return p


async def _serve(args: argparse.Namespace) -> None:
    settings = TargetGroupSettings(
        health_check_path=args.health_check_path,
        health_check_interval_seconds=args.interval,
        health_check_timeout_seconds=args.timeout,
        healthy_threshold_count=args.healthy_threshold,
        unhealthy_threshold_count=args.unhealthy_threshold,
        matcher=args.matcher,
        deregistration_delay_seconds=args.deregistration_delay,
        algorithm=args.algorithm,
    )
    host, port = args.listen
    lb = LoadBalancer(
        host, port, settings, idle_timeout_seconds=args.idle_timeout, time_scale=args.time_scale
    )
    for number, (target_host, target_port) in enumerate(args.target, start=1):
        lb.register(f"t{number}", target_host, target_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with lb:
        print(f"hakobu-lb listening on http://{host}:{lb.port}", flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except HakobuError as e:
        print(f"hakobu-lb: {e}", file=sys.stderr)
        return e.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
