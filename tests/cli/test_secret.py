from __future__ import annotations

import io
import json
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from hakobu.cli import main as cli
from hakobu.secrets import LocalSecretProvider, LocalSecretStore, parse_value_from

SM = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
Run = Callable[..., tuple[int, str, str]]


class TtyInput(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "hello"
    (directory / "src").mkdir(parents=True)
    (directory / "hakobu.toml").write_text('[app]\nname = "hello"\n')
    monkeypatch.chdir(directory / "src")  # hakobu.toml is found in a parent, as git does
    monkeypatch.setenv("HAKOBU_HOME", str(tmp_path / "hakobu-home"))
    monkeypatch.delenv("HAKOBU_SECRET_KEY", raising=False)
    return directory


@pytest.fixture
def run(app_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        try:
            code = cli.main(list(argv))
        except SystemExit as e:  # argparse errors
            code = int(e.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def canary() -> str:
    return "canary-" + secrets.token_hex(16)


def resolve(value_from: str) -> str:
    return LocalSecretProvider.for_app("hello").resolve(parse_value_from(value_from))


def test_set_reads_stdin_and_drops_one_newline(run: Run, canary: str) -> None:
    code, out, err = run("secret", "set", "hello/db", stdin=canary + "\n")
    assert code == 0, err
    assert out.startswith("created hello/db for app hello: version ")
    assert resolve(SM + "hello/db-AbCdEf") == canary
    run("secret", "set", "hello/multi", stdin="a\nb\n\n")
    assert resolve(SM + "hello/multi") == "a\nb\n"


def test_set_prompts_on_a_terminal(
    run: Run, canary: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return canary

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr("sys.stdin", TtyInput())
    assert cli.main(["secret", "set", "--ssm", "/app/token"]) == 0
    assert prompts == ["value for ssm parameter /app/token: ", "again: "]
    assert resolve("/app/token") == canary
    answers = iter([canary, "typo"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert cli.main(["secret", "set", "--ssm", "/app/other"]) == 2
    out, err = capsys.readouterr()
    assert "the two values differ" in err
    assert canary not in out + err


def test_value_is_never_an_argument(run: Run, canary: str) -> None:
    code, _, err = run("secret", "set", "hello/db", canary)
    assert code == 2
    assert "unrecognized arguments" in err


def test_empty_value_is_refused(run: Run) -> None:
    code, _, err = run("secret", "set", "hello/db", stdin="\n")
    assert code == 2
    assert "the value is empty: nothing was stored" in err
    assert not LocalSecretStore("hello").path.exists()


def test_set_with_a_value_from(run: Run) -> None:
    code, out, err = run("secret", "set", SM + "hello/db-AbCdEf:password::", stdin="pw")
    assert code == 0, err
    assert "hello/db (key password)" in out
    assert resolve(SM + "hello/db:password::") == "pw"
    code, _, err = run(
        "secret", "set", "arn:aws:ssm:us-east-1:123456789012:parameter/a/b", stdin="x"
    )
    assert code == 0, err
    assert resolve("/a/b") == "x"


def test_set_json_keys_merge(run: Run) -> None:
    run("secret", "set", "hello/db", "--json-key", "password", stdin="pw")
    run("secret", "set", "hello/db", "--json-key", "user", stdin="admin")
    assert json.loads(resolve(SM + "hello/db")) == {"password": "pw", "user": "admin"}
    assert resolve(SM + "hello/db-AbCdEf:user::") == "admin"


def test_set_version_stage_and_id(run: Run) -> None:
    run("secret", "set", "hello/api", stdin="current")
    code, out, _ = run(
        "secret",
        "set",
        "hello/api",
        "--version-stage",
        "AWSPREVIOUS",
        "--version-id",
        "v1",
        stdin="previous",
    )
    assert code == 0
    assert "version v1 (AWSPREVIOUS)" in out
    assert resolve(SM + "hello/api") == "current"
    assert resolve(SM + "hello/api::AWSPREVIOUS:") == "previous"
    assert resolve(SM + "hello/api:::v1") == "previous"


def test_conflicting_json_key(run: Run) -> None:
    code, _, err = run("secret", "set", SM + "hello/db:password::", "--json-key", "user", stdin="x")
    assert code == 2
    assert "NAME gives 'password' and --json-key gives 'user'" in err


def test_ssm_rejects_secrets_manager_options(run: Run) -> None:
    code, _, err = run("secret", "set", "--ssm", "/app/x", "--json-key", "k", stdin="x")
    assert code == 2
    assert "an SSM parameter holds one value" in err
    code, _, err = run("secret", "set", "--ssm", SM + "hello/db", stdin="x")
    assert code == 2 and "leave out --ssm" in err


def test_set_dry_run_writes_nothing(run: Run) -> None:
    code, out, _ = run("secret", "set", "hello/db", "--dry-run", stdin="x")
    assert code == 0
    assert out == "would store hello/db for app hello as a new secret (dry run: nothing written)\n"
    assert not LocalSecretStore("hello").path.exists()
    run("secret", "set", "hello/db", stdin="x")
    before = LocalSecretStore("hello").path.read_bytes()
    code, out, _ = run("secret", "set", "hello/db", "--dry-run", stdin="y")
    assert "a new AWSCURRENT version" in out
    assert LocalSecretStore("hello").path.read_bytes() == before


def test_list(run: Run, canary: str) -> None:
    code, out, _ = run("secret", "list")
    assert code == 0
    assert "no secrets stored for app hello" in out
    run("secret", "set", "hello/db", "--json-key", "password", stdin=canary)
    run("secret", "set", "--ssm", "/app/token", stdin=canary)
    code, out, _ = run("secret", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["SERVICE", "NAME", "JSON", "KEYS", "STAGES", "UPDATED"]
    assert lines[1].split()[:4] == ["ssm", "/app/token", "-", "-"]
    assert lines[2].split()[:4] == ["secretsmanager", "hello/db", "password", "AWSCURRENT"]
    code, out, _ = run("secret", "list", "--json")
    document = json.loads(out)
    assert document["app"] == "hello"
    [token, db] = document["secrets"]
    assert db["name"] == "hello/db" and db["json_keys"] == ["password"]
    assert db["versions"][0]["stages"] == ["AWSCURRENT"]
    assert token["service"] == "ssm" and token["json_keys"] is None


def test_rm(run: Run) -> None:
    run("secret", "set", "hello/db", stdin="x")
    code, out, _ = run("secret", "rm", SM + "hello/db-AbCdEf", "--dry-run")
    assert (code, out) == (0, "would remove hello/db from app hello (dry run: nothing written)\n")
    assert LocalSecretStore("hello").get("secretsmanager", "hello/db") is not None
    code, out, _ = run("secret", "rm", "hello/db")
    assert (code, out) == (0, "removed hello/db from app hello\n")
    code, _, err = run("secret", "rm", "hello/db")
    assert code == 2
    assert "hello/db is not in the local secret store of app hello" in err


def test_rm_refuses_a_key_or_version(run: Run) -> None:
    run("secret", "set", "hello/db", "--json-key", "password", stdin="x")
    code, _, err = run("secret", "rm", SM + "hello/db:password::")
    assert code == 2
    assert "rm removes a whole secret" in err
    assert LocalSecretStore("hello").get("secretsmanager", "hello/db") is not None


def test_no_config(run: Run, app_dir: Path) -> None:
    (app_dir / "hakobu.toml").unlink()
    code, _, err = run("secret", "list")
    assert code == 2
    assert "no hakobu.toml in" in err and "-C DIR" in err


def test_config_without_app_name(run: Run, app_dir: Path) -> None:
    (app_dir / "hakobu.toml").write_text("[values]\nX = '1'\n")
    code, _, err = run("secret", "list")
    assert code == 2
    assert "hakobu.toml: missing [app] table" in err


def test_no_command_ever_prints_a_value(
    run: Run, canary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs: list[str] = []

    def record(*argv: str, stdin: str = "") -> int:
        code, out, err = run(*argv, stdin=stdin)
        outputs.append(out + err)
        return code

    record("secret", "set", "hello/plain", stdin=canary)
    record("secret", "set", "hello/db", "--json-key", "password", stdin=canary)
    record("secret", "set", "--ssm", "/app/token", stdin=canary)
    record("secret", "set", "hello/plain", "--dry-run", stdin=canary)
    record("secret", "list")
    record("secret", "list", "--json")
    # Errors: a JSON key into a non-JSON value, a reused version id, a value too long.
    assert record("secret", "set", "hello/plain", "--json-key", "k", stdin=canary) != 0
    record("secret", "set", "hello/v", "--version-id", "v1", stdin=canary)
    assert record("secret", "set", "hello/v", "--version-id", "v1", stdin=canary + "2") != 0
    assert record("secret", "set", "--ssm", "/big", stdin=canary * 300) != 0
    record("secret", "rm", "hello/plain", "--dry-run")
    record("secret", "rm", "hello/plain")
    monkeypatch.setenv("HAKOBU_SECRET_KEY", Fernet.generate_key().decode())
    assert record("secret", "list", "--json") != 0
    assert record("secret", "set", "hello/db", stdin=canary) != 0
    assert all(canary not in output for output in outputs), outputs
    assert "cannot decrypt" in outputs[-1]
