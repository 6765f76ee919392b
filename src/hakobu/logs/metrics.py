"""Metric filters: per minute, the sum and count of a value for events of a log group that match
a filter pattern, as CloudWatch's PutMetricFilter publishes them.

``metric_value`` is a number (``"1"`` counts matches), a JSON selector (``$.latency``) read from
the event, or a space-delimited pattern's named field (``$size``). A value that is not a number
publishes nothing, as in CloudWatch. ``default_value``, when set, is published for each event of
the group that does not match. The counts are written in the same transaction as the events, so
a restarted collector never counts an event twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hakobu.logs.events import LogEvent
from hakobu.logs.filter_eval import load_object
from hakobu.logs.filter_pattern import FilterPattern, compile_pattern

MINUTE_MS = 60_000
MAX_FILTERS_PER_GROUP = 100  # CloudWatch's quota of metric filters per log group
METRIC_VALUE = re.compile(r"-?\d+(?:\.\d+)?|\$\.[\w.\[\]*-]+|\$[A-Za-z_]\w*")
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")

Increments = dict[tuple[str, str, int], list[float]]  # (namespace, name, minute) -> [sum, count]


@dataclass(frozen=True)
class MetricFilter:
    name: str
    log_group: str
    pattern: str
    metric_name: str
    metric_namespace: str
    metric_value: str = "1"
    default_value: float | None = None


class MetricCounter:
    """Turns batches of events into per-minute increments for the store."""

    def __init__(self, filters: Sequence[MetricFilter]) -> None:
        self._by_group: dict[str, list[tuple[MetricFilter, FilterPattern]]] = {}
        for f in filters:
            self._by_group.setdefault(f.log_group, []).append((f, compile_pattern(f.pattern)))

    def __bool__(self) -> bool:
        return bool(self._by_group)

    def increments(self, events: Iterable[tuple[str, str, LogEvent]]) -> Increments:
        totals: Increments = {}
        for group, _, event in events:
            for metric, pattern in self._by_group.get(group, ()):
                value = _value(metric, pattern, event.message)
                if value is None:
                    continue
                key = (metric.metric_namespace, metric.metric_name, _minute(event.timestamp_ms))
                total = totals.setdefault(key, [0.0, 0.0])
                total[0] += value
                total[1] += 1
        return totals


def _minute(timestamp_ms: int) -> int:
    return timestamp_ms - timestamp_ms % MINUTE_MS


def _value(metric: MetricFilter, pattern: FilterPattern, message: str) -> float | None:
    if not pattern.matches(message):
        return metric.default_value
    spec = metric.metric_value
    if not spec.startswith("$"):
        return float(spec)
    if spec.startswith("$."):
        found = _json_path(message, spec)
    else:
        found = (pattern.extract(message) or {}).get(spec)
    return _number(found)


def _json_path(message: str, selector: str) -> Any:
    # A JSON pattern has just parsed this event: load_object gives back that parse.
    value: Any = load_object(message)
    if value is None:
        try:
            value = json.loads(message)
        except (ValueError, RecursionError):
            return None
    for match in _STEP.finditer(selector[1:]):
        if match[1] is not None and isinstance(value, Mapping):
            value = value.get(match[1])
        elif match[2] is not None and isinstance(value, list) and int(match[2]) < len(value):
            value = value[int(match[2])]
        else:
            return None
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
