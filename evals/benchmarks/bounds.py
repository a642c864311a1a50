"""What every bench shares: a bound on its wall time, and the machine's load to print beside figures."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class BenchTimeout(Exception):
    """A bench ran past its bound (raised in the main thread)."""


@contextmanager
def time_bound(seconds: int, what: str) -> Iterator[None]:
    """Raise BenchTimeout in the main thread when the block runs longer than `seconds`."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise BenchTimeout(f"the {what} bench ran past its {seconds} s bound")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or n/a where the platform has none."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"
