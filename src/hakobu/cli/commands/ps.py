"""``hakobu ps``: the app's local tasks and each container's status and health."""

from __future__ import annotations

import argparse
from typing import Any

from hakobu.cli import common, services
from hakobu.cli.commands import COMMANDS
from hakobu.containers.runtime import detect_runtime
from hakobu.engines.local.engine import TaskView, list_tasks


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("ps", help=COMMANDS["ps"])
    common.add_json_option(parser)
    parser.set_defaults(func=run)


def _as_dict(view: TaskView) -> dict[str, Any]:
    data: dict[str, Any] = view.state.to_dict() if view.state else {"task_id": view.task_id}
    data["supervisor_alive"] = view.supervisor_alive
    data["orphaned"] = view.orphaned
    if view.containers:  # a service's task: its service, deployment and revision
        data.update(services.task_service(dict(view.containers[0].labels)))
    data["engine_containers"] = [
        {"name": c.name, "status": c.status, "exit_code": c.exit_code} for c in view.containers
    ]
    return data


def run(args: argparse.Namespace) -> int:
    app = common.load_app()
    views = list_tasks(detect_runtime(), app.root)
    if args.json:
        common.print_json([_as_dict(v) for v in views])
        return 0
    for line in services.summary_lines(app.root):
        print(line)
    if not views:
        print("no tasks (start one with `hakobu up`, or a service with `hakobu deploy`)")
        return 0
    for view in views:
        _print_view(view)
    return 0


def _print_view(view: TaskView) -> None:
    s = view.state
    if s is None:
        print(f"task {view.task_id}: no state (left by a crash; `hakobu down` removes it)")
    else:
        flag = "  ORPHANED: supervisor gone, run `hakobu down`" if view.orphaned else ""
        owner = services.task_service(dict(view.containers[0].labels)) if view.containers else {}
        service = f" service={owner['service']} {owner['revision']}" if owner.get("service") else ""
        print(
            f"task {s.task_id} {s.last_status} health={s.health_status} env={s.environment}"
            f"{service}{flag}"
        )
        if s.stopped_reason:
            print(f"  stopped reason: {s.stopped_reason}")
        if s.ports:
            print(f"  ports: {', '.join(s.ports)}")
    rows = [("CONTAINER", "STATUS", "HEALTH", "EXIT", "ESSENTIAL")]
    if s is not None:
        for c in s.containers:
            health = c.health_status if c.has_health_check else "-"
            exit_code = "" if c.exit_code is None else str(c.exit_code)
            rows.append((c.name, c.last_status, health, exit_code, "yes" if c.essential else "no"))
    else:
        for e in view.containers:
            rows.append((e.name, e.status, "-", str(e.exit_code or ""), "?"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
