"""The chat protocol's limits, each answered with an error frame and then a close code."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

MAX_FRAME_BYTES = 16 * 1024
"""A message is at most 4,000 characters; a frame past 16 kB is refused with close code 1009."""
HELLO_TIMEOUT_SECONDS = 10.0
MESSAGES_PER_MINUTE = 20
"""Per resident, across their connections: a person types far fewer; a script is stopped (4429)."""
CONNECTIONS_PER_RESIDENT = 5
SEND_QUEUE_FRAMES = 256
"""Frames waiting to go out on one connection; a client that stops reading is closed, not buffered."""


class CloseCode:
    NORMAL = 1000
    TOO_LARGE = 1009
    UNAUTHORIZED = 4401
    HELLO_TIMEOUT = 4408
    RATE_LIMITED = 4429
    PROTOCOL = 4400
    SLOW_CONSUMER = 4413
    TRY_AGAIN_LATER = 1013


@dataclass
class ResidentLimits:
    """Messages per minute and open connections, per resident, in this process."""

    per_minute: int = MESSAGES_PER_MINUTE
    max_connections: int = CONNECTIONS_PER_RESIDENT
    _sent: defaultdict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _connections: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))

    def allow_message(self, resident: str, *, now: float | None = None) -> bool:
        """Record a message from `resident`; False when it is over the per-minute limit."""
        moment = time.monotonic() if now is None else now
        sent = self._sent[resident]
        while sent and moment - sent[0] >= 60.0:
            sent.popleft()
        if len(sent) >= self.per_minute:
            return False
        sent.append(moment)
        return True

    def open(self, resident: str) -> bool:
        if self._connections[resident] >= self.max_connections:
            return False
        self._connections[resident] += 1
        return True

    def close(self, resident: str) -> None:
        self._connections[resident] -= 1
        if self._connections[resident] <= 0:
            del self._connections[resident]
