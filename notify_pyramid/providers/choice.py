"""Choosing an SMS provider: priority order, away from failing ones.

The state is kept in the memory of each worker process: every process
learns on its own that a provider is failing, after its own few errors.
"""

import collections
import logging
import threading
import time

from . import SmsClient

logger = logging.getLogger(__name__)


class ProviderHealth:
    """Remembers recent errors and benches a provider that keeps failing.

    After ``threshold`` errors within ``window_seconds`` a provider cools
    off for ``cooldown_seconds``: it is tried only after the others.
    """

    def __init__(
        self,
        threshold: int = 3,
        window_seconds: float = 60,
        cooldown_seconds: float = 300,
        clock=time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.window_seconds = window_seconds
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._errors: dict[str, collections.deque] = {}
        self._cooling_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def record_error(self, name: str) -> None:
        """Note an error of provider ``name``; bench it if it keeps failing."""
        now = self._clock()
        with self._lock:
            errors = self._errors.setdefault(name, collections.deque())
            errors.append(now)
            while errors and errors[0] <= now - self.window_seconds:
                errors.popleft()
            if len(errors) < self.threshold:
                return
            errors.clear()
            self._cooling_until[name] = now + self.cooldown_seconds
        logger.warning(
            "Provider keeps failing: moving traffic away from it",
            extra={"provider": name, "seconds": self.cooldown_seconds},
        )

    def is_cooling(self, name: str) -> bool:
        """Return whether provider ``name`` is benched right now."""
        with self._lock:
            until = self._cooling_until.get(name)
            if until is None:
                return False
            if self._clock() >= until:
                del self._cooling_until[name]
                return False
            return True


class SmsProviders:
    """The SMS providers, in the priority order of the settings."""

    def __init__(self, clients: list[SmsClient], health: ProviderHealth):
        self.clients = list(clients)
        self.health = health
        self._by_name = {client.name: client for client in self.clients}

    def get(self, name: str) -> SmsClient | None:
        """Return the client called ``name``, or None if not configured."""
        return self._by_name.get(name)

    def ordered(self) -> list[SmsClient]:
        """Return every client, healthy ones first, each by priority.

        A benched provider is still tried, last: better late than never
        when every provider has been failing.
        """
        healthy, cooling = [], []
        for client in self.clients:
            if self.health.is_cooling(client.name):
                cooling.append(client)
            else:
                healthy.append(client)
        return healthy + cooling
