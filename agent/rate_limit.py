"""Pacing for every thread (or Ray actor) that sends through one endpoint: requests and tokens per
minute, and one shared pause after a 429. It lives next to the gateway, which calls it."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from eprof.kernel.errors import ConfigError

@dataclass
class _Ticket:
    at: float
    tokens: int


class RateLimiter:
    """Requests and tokens per minute over a sliding 60-second window, plus a pause shared by all.

    A sliding window (not a token bucket) because that is how endpoints count "per minute": no
    60 seconds ever hold more than `rpm` requests or `tpm` tokens. A request is charged its
    reservation until `settle` puts its real token count on the ticket; one larger than `tpm`
    waits for an empty window instead of forever. Thread-safe; `clock` and `sleep` are
    injectable, so tests check the arithmetic without waiting.
    """

    WINDOW_S = 60.0

    def __init__(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        for name, value in (("rpm", rpm), ("tpm", tpm)):
            if value is not None and value < 1:
                raise ConfigError(f"{name} must be >= 1 or unset; got {value}")
        self.rpm, self.tpm = rpm, tpm
        self._clock, self._sleep = clock, sleep
        self._sent: deque[_Ticket] = deque()
        self._paused_until = float("-inf")
        self._lock = threading.Lock()

    def acquire(self, tokens: int) -> _Ticket:
        """Block until a request of `tokens` fits, then charge it to the window."""
        while True:
            ticket, delay = self.try_acquire(tokens)
            if ticket is not None:
                return ticket
            self._sleep(delay)

    def try_acquire(self, tokens: int) -> tuple[_Ticket | None, float]:
        """Charge a request of `tokens` now if it fits: (ticket, 0); else (None, seconds to wait)."""
        with self._lock:
            now = self._clock()
            delay = self._delay(now, tokens)
            if delay > 0:
                return None, delay
            ticket = _Ticket(now, min(tokens, self.tpm) if self.tpm else tokens)
            self._sent.append(ticket)
            return ticket, 0.0

    def settle(self, ticket: object, tokens: int) -> None:
        """The request's real token count replaces its reservation (timeouts keep the reservation)."""
        assert isinstance(ticket, _Ticket)
        with self._lock:
            ticket.tokens = tokens

    def back_off(self, seconds: float) -> None:
        """Nobody sends for `seconds` (an endpoint's 429 applies to every worker)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _delay(self, now: float, tokens: int) -> float:
        while self._sent and self._sent[0].at <= now - self.WINDOW_S:
            self._sent.popleft()
        delays = [self._paused_until - now]
        if self.rpm and len(self._sent) >= self.rpm:
            delays.append(self._sent[len(self._sent) - self.rpm].at + self.WINDOW_S - now)
        if self.tpm:
            need = min(tokens, self.tpm)
            excess = sum(t.tokens for t in self._sent) + need - self.tpm
            for ticket in self._sent:  # the oldest requests leave the window first
                if excess <= 0:
                    break
                excess -= ticket.tokens
                delays.append(ticket.at + self.WINDOW_S - now)
        return max(0.0, *delays)
