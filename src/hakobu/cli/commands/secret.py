"""``hakobu secret set|list|rm``: the app's encrypted local secret store.

Values come from standard input or a hidden prompt, never from the command line (where ``ps`` and
shell history would keep them), and no output of these commands ever shows one.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from hakobu.cli.commands import COMMANDS
from hakobu.config import find_config, load_config
from hakobu.errors import InputError, MissingSecretError
from hakobu.secrets.interface import AWSCURRENT
from hakobu.secrets.store import LocalSecretStore, SecretInfo, merge_json_key
from hakobu.secrets.valuefrom import (
    SecretReference,
    parse_value_from,
    secretsmanager_reference,
    ssm_reference,
)

CONFIG_FILE = "hakobu.toml"
NAME_HELP = (
    "a Secrets Manager secret name (hello/db), an SSM parameter name with --ssm, or any valueFrom "
    "of a task definition (arn:aws:secretsmanager:...:secret:hello/db-AbCdEf:password::)"
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "secret",
        help=COMMANDS["secret"],
        description="Manage the encrypted local store that stands in for Secrets Manager and "
        "SSM Parameter Store when tasks run locally. Values are never printed.",
    )
    parser.set_defaults(func=run)
    actions = parser.add_subparsers(dest="secret_command", metavar="SUBCOMMAND", required=True)

    set_ = actions.add_parser(
        "set",
        help="store a value (from stdin, or a hidden prompt)",
        description="Store a value read from standard input when it is not a terminal (one "
        "trailing newline is dropped), else from a hidden prompt. Never from the command line.",
    )
    set_.add_argument("name", metavar="NAME", help=NAME_HELP)
    set_.add_argument("--ssm", action="store_true", help="NAME is an SSM parameter")
    set_.add_argument("--json-key", metavar="KEY", help="set one key of a JSON secret")
    set_.add_argument("--version-stage", metavar="STAGE", help=f"default {AWSCURRENT}")
    set_.add_argument("--version-id", metavar="ID", help="the version's id (default: a new UUID)")
    set_.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    set_.set_defaults(action=_set)

    list_ = actions.add_parser("list", help="names, keys and versions; never values")
    list_.add_argument("--json", action="store_true", help="print JSON")
    list_.set_defaults(action=_list)

    rm = actions.add_parser("rm", help="remove a secret and all its versions")
    rm.add_argument("name", metavar="NAME", help=NAME_HELP)
    rm.add_argument("--ssm", action="store_true", help="NAME is an SSM parameter")
    rm.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    rm.set_defaults(action=_rm)


def run(args: argparse.Namespace) -> int:
    code: int = args.action(args)
    return code


# -- set -----------------------------------------------------------------------------------------


def _set(args: argparse.Namespace) -> int:
    ref = _target(args.name, ssm=args.ssm)
    json_key = _one_of(ref.json_key, args.json_key, "--json-key")
    stage = _one_of(ref.version_stage, args.version_stage, "--version-stage") or AWSCURRENT
    version_id = _one_of(ref.version_id, args.version_id, "--version-id")
    store = _store()
    label = _label(ref.service, ref.name, json_key)
    if args.dry_run:
        print(_dry_run_set(store, ref, json_key, stage, label))
        return 0
    value = _read_value(label)
    result = store.put(
        ref.service, ref.name, value, json_key=json_key, version_stage=stage, version_id=version_id
    )
    verb = "created" if result.created else "updated"
    stages = ",".join(result.stages)
    print(f"{verb} {label} for app {store.app}: version {result.version_id} ({stages})")
    return 0


def _dry_run_set(
    store: LocalSecretStore, ref: SecretReference, json_key: str | None, stage: str, label: str
) -> str:
    existing = store.get(ref.service, ref.name)  # also proves the store can be decrypted
    if existing is not None and json_key is not None:
        base = existing.select(stage, None)
        merge_json_key(ref.name, base.value if base else None, json_key, "")  # raises if not JSON
    what = "a new secret" if existing is None else f"a new {stage} version"
    return f"would store {label} for app {store.app} as {what} (dry run: nothing written)"


def _read_value(label: str) -> str:
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():
        value = stdin.read() if stdin is not None else ""
        # `echo value | hakobu secret set` must not store the newline echo adds.
        value = value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")
    else:
        value = getpass.getpass(f"value for {label}: ")
        if getpass.getpass("again: ") != value:
            raise InputError("the two values differ: nothing was stored", fix="run it again")
    if not value:
        raise InputError(
            f"{label}: the value is empty: nothing was stored",
            fix="pipe the value in, e.g. `pass show db | hakobu secret set NAME`, or type it",
        )
    return value


# -- list and rm ---------------------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    store = _store()
    entries = store.entries()
    if args.json:
        document = {"app": store.app, "store": str(store.path), "secrets": _as_json(entries)}
        print(json.dumps(document, indent=2))
    elif not entries:
        print(f"no secrets stored for app {store.app} (add one with `hakobu secret set NAME`)")
    else:
        print(_table(entries))
    return 0


def _as_json(entries: list[SecretInfo]) -> list[dict[str, Any]]:
    return [
        {
            "service": e.service,
            "name": e.name,
            "json_keys": list(e.json_keys) if e.json_keys is not None else None,
            "versions": [{"id": vid, "stages": list(stages)} for vid, stages in e.versions],
            "updated": e.updated,
        }
        for e in entries
    ]


def _table(entries: list[SecretInfo]) -> str:
    rows = [("SERVICE", "NAME", "JSON KEYS", "STAGES", "UPDATED")]
    for e in entries:
        keys = ",".join(e.json_keys) if e.json_keys else "-"
        stages = ",".join(s for _, ss in e.versions for s in ss) if e.service != "ssm" else "-"
        rows.append((e.service, e.name, keys, stages or "-", e.updated))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in rows
    )


def _rm(args: argparse.Namespace) -> int:
    ref = _target(args.name, ssm=args.ssm)
    if ref.json_key or ref.version_stage or ref.version_id:
        raise InputError(
            f"{ref.raw}: rm removes a whole secret, with every key and version",
            fix=f"name the secret alone: hakobu secret rm {ref.name}",
        )
    store = _store()
    label = _label(ref.service, ref.name, None)
    if store.get(ref.service, ref.name) is None:
        raise MissingSecretError(
            f"{label} is not in the local secret store of app {store.app} "
            f"(see `hakobu secret list`)"
        )
    if args.dry_run:
        print(f"would remove {label} from app {store.app} (dry run: nothing written)")
        return 0
    store.remove(ref.service, ref.name)
    print(f"removed {label} from app {store.app}")
    return 0


# -- helpers -------------------------------------------------------------------------------------


def _target(name: str, *, ssm: bool) -> SecretReference:
    """NAME as the store keys it: a valueFrom is parsed, a plain name taken literally."""
    if name.startswith("arn:"):
        ref = parse_value_from(name)
        if ssm and ref.service != "ssm":
            raise InputError(f"{name} is a Secrets Manager ARN", fix="leave out --ssm")
        return ref
    # A plain name is a Secrets Manager secret unless --ssm says otherwise (in a task definition
    # a bare valueFrom is an SSM parameter: there, use the ARN or --ssm).
    return ssm_reference(name) if ssm else secretsmanager_reference(name)


def _one_of(from_name: str | None, from_flag: str | None, flag: str) -> str | None:
    if from_name and from_flag and from_name != from_flag:
        raise InputError(
            f"NAME gives {from_name!r} and {flag} gives {from_flag!r}", fix="give one of them"
        )
    return from_flag or from_name


def _label(service: str, name: str, json_key: str | None) -> str:
    prefix = "ssm parameter " if service == "ssm" else ""
    return f"{prefix}{name}" + (f" (key {json_key})" if json_key else "")


def _store() -> LocalSecretStore:
    return LocalSecretStore(load_config(find_config(Path.cwd())).name)
