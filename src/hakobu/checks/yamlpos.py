"""YAML with positions: the values ``yaml.safe_load`` gives, plus the line and column of each.

The YAML twin of ``hakobu.spec.jsonpos``: a finding about ``phases.build.commands[2]`` of a
buildspec names the line where it is written. PyYAML's composer already records a mark on every
node; this module keeps them under each value's path (``("phases", "build", "commands", 2)``).
"""

from __future__ import annotations

from typing import Any

import yaml

from hakobu.spec.jsonpos import JsonPath

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line  # 1-based
        self.column = column


class YamlPositions:
    """Where each value (and each mapping key) starts, 1-based, with ``jsonpos``'s interface."""

    def __init__(self) -> None:
        self.values: dict[JsonPath, tuple[int, int]] = {}
        self.keys: dict[JsonPath, tuple[int, int]] = {}

    def line_col(self, path: JsonPath, *, key: bool = False) -> tuple[int, int]:
        """A missing path falls back to its nearest ancestor, so every finding has a line."""
        if key and path in self.keys:
            return self.keys[path]
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def line(self, path: JsonPath, *, key: bool = False) -> int:
        return self.line_col(path, key=key)[0]

    def __contains__(self, path: object) -> bool:
        return path in self.values


def load_yaml_with_positions(text: str) -> tuple[Any, YamlPositions]:
    """Parse one YAML document safely; raises ``YamlSyntaxError`` with the problem's position."""
    # libyaml's parser when PyYAML has it: the same nodes and marks, several times faster.
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        positions = YamlPositions()
        if node is not None:
            _record(loader, node, (), positions, set())
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(part for part in (e.context, e.problem) if part) or "invalid YAML"
        raise YamlSyntaxError(message, line, column) from e
    except yaml.YAMLError as e:
        raise YamlSyntaxError(str(e), 1, 1) from e
    finally:
        loader.dispose()
    return data, positions


def _record(
    loader: yaml.SafeLoader, node: yaml.Node, path: JsonPath, out: YamlPositions, seen: set[int]
) -> None:
    out.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    # An alias is the node it names: walked once, or `a: &x [*x]` would recurse forever and
    # nested aliases (`b: [*a, *a]`, `c: [*b, *b]`, ...) take exponential time. Paths through a
    # second occurrence fall back to the alias's own line.
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = _key(loader, key_node)
            child = (*path, key)
            out.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _record(loader, value_node, child, out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record(loader, item, (*path, index), out, seen)


def _key(loader: yaml.SafeLoader, node: yaml.Node) -> str | int:
    """A key as the loaded data has it (``1:`` is the int 1); complex keys by their text."""
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_object(node)
        if isinstance(value, int | str) and not isinstance(value, bool):
            return value
        return str(node.value)
    return str(node.start_mark)
