"""What the runner tells the outside world while it works (progress bar, finding journal).

Plain values: a listener can print them, count them or write them to disk, and the runner does
not care which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from authsift.model import Finding, TaskResult


@dataclass(frozen=True, slots=True)
class ScanStarted:
    tasks: int
    estimated_requests: int


@dataclass(frozen=True, slots=True)
class TaskFinished:
    result: TaskResult
    requests_sent: int  # scan total so far


@dataclass(frozen=True, slots=True)
class FindingMade:
    finding: Finding


@dataclass(frozen=True, slots=True)
class ScanStopped:
    reason: str  # "" when the scan completed


Event = ScanStarted | TaskFinished | FindingMade | ScanStopped
Listener = Callable[[Event], None]
