"""hakobu.toml: the example of docs/config.md loads; every mistake is one located line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hakobu.config import LOCAL, AppConfig, find_config, find_key_line, load_config
from hakobu.errors import ConfigError

DOCS = Path(__file__).resolve().parents[1] / "docs" / "config.md"


def docs_example() -> str:
    match = re.search(r"```toml\n(.*?)```", DOCS.read_text(), re.DOTALL)
    assert match
    return match.group(1)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hakobu.toml"
    path.write_text(text)
    return path


def test_docs_example_loads(tmp_path: Path) -> None:
    app = load_config(write(tmp_path, docs_example()))
    root = tmp_path.resolve()
    assert app.name == "hello"
    assert app.root == root
    assert app.path == root / "hakobu.toml"
    assert app.dockerfile == root / "Dockerfile"
    assert app.context == root
    assert app.task_definition == root / "taskdef.json"
    assert app.image == "hello"
    assert list(app.environments) == ["local", "staging", "prod"]
    local = app.environment("local")
    assert local.ports == {8080: 18080}
    assert local.environment_files == {
        "arn:aws:s3:::hello-config/hello.env": root / "config" / "local.env"
    }
    assert app.values_for("local") == {"LOG_GROUP": "/ecs/hello", "LOG_LEVEL": "debug"}
    assert app.values_for("prod") == {"LOG_GROUP": "/ecs/hello", "LOG_LEVEL": "warn"}


def test_minimal_config_has_defaults_and_local(tmp_path: Path) -> None:
    app = load_config(write(tmp_path, '[app]\nname = "hello"\n'))
    assert list(app.environments) == [LOCAL]
    assert app.values_for(LOCAL) == {}
    assert app.image == "hello"
    assert app.environment(LOCAL).ports == {}


def test_environment_values_override_shared_ones(tmp_path: Path) -> None:
    text = """
[app]
name = "hello"
[values]
A = "shared"
B = "shared"
[environments.local.values]
B = "local"
"""
    assert load_config(write(tmp_path, text)).values_for("local") == {"A": "shared", "B": "local"}


def test_settings_are_frozen(tmp_path: Path) -> None:
    app = load_config(write(tmp_path, docs_example()))
    with pytest.raises(AttributeError):
        app.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        app.environments["x"] = app.environment("local")  # type: ignore[index]


def test_unknown_environment_lists_the_known_ones(tmp_path: Path) -> None:
    app = load_config(write(tmp_path, docs_example()))
    with pytest.raises(ConfigError) as info:
        app.environment("stagin")
    message = str(info.value)
    assert "unknown environment 'stagin'" in message
    assert 'did you mean "staging"?' in message
    assert "local, staging, prod" in message
    assert info.value.exit_code == 2


def test_find_config_walks_up(tmp_path: Path) -> None:
    path = write(tmp_path, '[app]\nname = "hello"\n')
    deep = tmp_path / "src" / "pkg"
    deep.mkdir(parents=True)
    assert find_config(deep) == path.resolve()
    assert find_config(tmp_path) == path.resolve()


def test_find_config_without_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no hakobu\.toml in") as info:
        find_config(tmp_path)
    assert "-C DIR" in str(info.value)


BAD = [
    # (text, line, words)
    ('[app]\nname = "hello"\ndockerfle = "Dockerfile"\n', 3, 'unknown key "dockerfle"'),
    ('[app]\nname = "hello"\ndockerfle = "x"\n', 3, 'did you mean "dockerfile"?'),
    ('[ap]\nname = "hello"\n', 1, 'unknown key "ap"'),
    ('[app]\nname = "Hello World"\n', 2, 'invalid app name "Hello World"'),
    ('[app]\nimage = "x"\n', 1, 'missing "name"'),
    ("[app]\nname = 3\n", 2, "expected a non-empty string, got the number 3"),
    ('[app]\nname = "hello"\n\n[values]\nPORT = 8080\n', 5, 'quote it: PORT = "8080"'),
    ('[app]\nname = "hello"\n\n[values]\n"A-B" = "x"\n', 5, 'invalid value name "A-B"'),
    (
        '[app]\nname = "hello"\n\n[environments.staging]\nvalue = { A = "b" }\n',
        5,
        'did you mean "values"?',
    ),
    (
        '[app]\nname = "hello"\n[environments.local]\nports = { "http" = 8080 }\n',
        4,
        '"http" is not a port',
    ),
    (
        '[app]\nname = "hello"\n[environments.local]\nports = { "80" = 70000 }\n',
        4,
        "host port must be 1-65535",
    ),
    (
        '[app]\nname = "hello"\n[environments.local]\nenvironment_files = { "s3://b/f" = "x" }\n',
        4,
        "is not an ARN",
    ),
    ('environments = 1\n[app]\nname = "hello"\n', 1, "expected a table"),
    ('[app]\nname = "hello"\nenvironments = 1\n', 3, 'unknown key "environments"'),
    ('[app]\nname = "hello\n', 2, "invalid TOML"),
    ('[app]\nname = "hello"\n[environments."prod env"]\n', 3, "invalid environment name"),
]


@pytest.mark.parametrize(("text", "line", "words"), BAD)
def test_mistakes_are_one_located_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path.resolve()}:{line}"), message
    assert words in message
    assert info.value.exit_code == 2


def test_missing_app_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing \[app\] table"):
        load_config(write(tmp_path, '[values]\nA = "b"\n'))


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "hakobu.toml")


@pytest.mark.parametrize(
    ("keys", "line"),
    [
        (("app", "name"), 2),
        (("environments", "staging"), 6),
        (("environments", "staging", "values"), 7),
        (("environments", "prod", "values", "LOG_LEVEL"), 10),
        (("environments", "local", "ports", "8080"), 4),
        (("nothing",), None),
    ],
)
def test_find_key_line(keys: tuple[str, ...], line: int | None) -> None:
    text = """[app]
name = "hello"
[environments.local]
ports = { "8080" = 18080 }

[environments.staging]
values = { LOG_LEVEL = "info" }

[environments.prod]
values.LOG_LEVEL = "warn"
"""
    assert find_key_line(text, keys) == line


def test_app_config_can_be_built_directly(tmp_path: Path) -> None:
    # Other modules' tests construct settings without a file.
    app = AppConfig(
        name="hello",
        dockerfile=tmp_path / "Dockerfile",
        context=tmp_path,
        task_definition=tmp_path / "taskdef.json",
        image="hello",
        root=tmp_path,
        environments={},
    )
    assert app.path.name == "hakobu.toml"
