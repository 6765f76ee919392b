"""The formatter extension point: a ``CheckReport`` in, the text of one report format out."""

from __future__ import annotations

from abc import ABC, abstractmethod

from hakobu.checks.runner import CheckReport
from hakobu.checks.taxonomy import Severity
from hakobu.errors import HakobuError


class FormatError(HakobuError):
    """A report could not be rendered."""


class Formatter(ABC):
    """Renders a report. ``fail_on`` is the run's threshold: formats that tell pass from fail
    (JUnit's failures, the text summary) use it; ``color`` only matters on a terminal."""

    def __init__(self, *, fail_on: Severity = Severity.ERROR, color: bool = False) -> None:
        self.fail_on = fail_on
        self.color = color

    @abstractmethod
    def format(self, report: CheckReport) -> str:
        """The whole report, ending with a newline."""
