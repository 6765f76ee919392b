"""What commands share: finding the app, loading its task definition, talking to the user."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hakobu.build_record import read_build_record
from hakobu.config import AppConfig, find_config, load_config
from hakobu.spec.load import LoadedTaskDefinition, load_task_definition


def load_app() -> AppConfig:
    return load_config(find_config(Path.cwd()))


def built_image(app: AppConfig) -> str | None:
    record = read_build_record(app.root)
    return record.image if record is not None else None


def load_rendered_task_definition(
    app: AppConfig, env_name: str, image: str | None = None
) -> LoadedTaskDefinition:
    """The app's task definition rendered for ``env_name``, with the built (or given) image."""
    env = app.environment(env_name)
    return load_task_definition(
        app.root / app.task_definition,
        values=app.values_for(env.name),
        image=image or built_image(app),
        env=env.name,
    )


def add_env_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env",
        default="local",
        metavar="ENV",
        help="environment from hakobu.toml (default: local)",
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def add_dry_run_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be done, change nothing"
    )


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


def note(message: str) -> None:
    """Progress and warnings go to stderr, so stdout stays clean for --json and pipes."""
    print(message, file=sys.stderr, flush=True)


def warn(message: str) -> None:
    note(f"hakobu: warning: {message}")
