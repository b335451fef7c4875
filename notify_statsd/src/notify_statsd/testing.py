"""A recording client and a pytest fixture for testing code that sends
metrics.

:class:`RecordingClient` keeps what would have been sent, in order, as
:class:`Record` tuples holding full (prefixed) names. Its assertion helpers
take names without the prefix, the same names the code under test passes
to the client or that ``@statsd`` builds, and add the prefix themselves.

With pytest installed, listing this module in ``pytest_plugins`` in the
top-level ``conftest.py`` makes the :func:`statsd_recorder` fixture
available. Importing the module does not need pytest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import NamedTuple

from notify_statsd.client import Timer, clean_name
from notify_statsd.decorator import configure, get_client

logger = logging.getLogger(__name__)

__all__ = ["Record", "RecordingClient"]


class Record(NamedTuple):
    """One metric line that a :class:`RecordingClient` took in."""

    #: ``"incr"``, ``"timing"`` or ``"gauge"``.
    kind: str
    #: The full name, prefixed and cleaned as a real client would send it.
    name: str
    #: The count, the milliseconds or the gauge value.
    value: float


class RecordingClient:
    """A client that records metrics in memory instead of sending them.

    :param prefix: prepended to every recorded name, as
        :class:`~notify_statsd.StatsdClient` does.

    ``incr_and_time`` is recorded as an ``incr`` of 1 followed by a
    ``timing``, the two lines a real client puts in its datagram.
    """

    enabled = True

    def __init__(self, prefix: str = "notifications.api") -> None:
        self.prefix = clean_name(prefix) if prefix else ""
        #: Every metric recorded, oldest first.
        self.records: list[Record] = []

    def __repr__(self) -> str:
        return f"RecordingClient(prefix={self.prefix!r})"

    def incr(self, name: str, count: int = 1) -> None:
        """Record *count* added to the counter *name*."""
        self.records.append(Record("incr", self.full_name(name), count))

    def timing(self, name: str, ms: float) -> None:
        """Record a duration of *ms* milliseconds under *name*."""
        self.records.append(Record("timing", self.full_name(name), ms))

    def gauge(self, name: str, value: float) -> None:
        """Record the gauge *name* set to *value*."""
        self.records.append(Record("gauge", self.full_name(name), value))

    def incr_and_time(self, name: str, ms: float) -> None:
        """Record one increment and one timing of *ms* under *name*."""
        full = self.full_name(name)
        self.records.append(Record("incr", full, 1))
        self.records.append(Record("timing", full, ms))

    def timer(self, name: str) -> Timer:
        """Return a context manager that records its block's duration."""
        return Timer(self, name)

    def full_name(self, name: str) -> str:
        """Return *name* cleaned and prefixed, as it would be sent."""
        name = clean_name(name)
        return f"{self.prefix}.{name}" if self.prefix else name

    def names(self) -> list[str]:
        """Return the full name of every metric recorded, in order."""
        return [record.name for record in self.records]

    def clear(self) -> None:
        """Forget everything recorded so far."""
        self.records.clear()

    def assert_incremented(self, name: str, times: int | None = None) -> None:
        """Check that the counter *name* was incremented.

        :param name: the name without the prefix.
        :param times: if given, the total that must have been added to the
            counter; each decorated call adds 1.
        :raises AssertionError: if it was not incremented, or not by
            *times* in total.
        """
        full = self.full_name(name)
        counts = [
            record.value
            for record in self.records
            if record.kind == "incr" and record.name == full
        ]
        if not counts:
            raise AssertionError(
                f"{full} was not incremented; sent: {self.names()}"
            )
        if times is not None and sum(counts) != times:
            raise AssertionError(
                f"{full} was incremented by {sum(counts)}, not {times}"
            )

    def assert_timed(self, name: str) -> None:
        """Check that at least one timing was recorded under *name*.

        :param name: the name without the prefix.
        :raises AssertionError: if none was.
        """
        full = self.full_name(name)
        if not any(
            record.kind == "timing" and record.name == full
            for record in self.records
        ):
            raise AssertionError(f"{full} was not timed; sent: {self.names()}")

    def assert_not_sent(self, name: str) -> None:
        """Check that nothing at all was recorded under *name*.

        :param name: the name without the prefix.
        :raises AssertionError: if anything was.
        """
        full = self.full_name(name)
        if full in self.names():
            raise AssertionError(f"{full} was sent: {self.records}")


def _recorder() -> Iterator[RecordingClient]:
    previous = get_client()
    recorder = RecordingClient()
    configure(recorder)
    try:
        yield recorder
    finally:
        configure(previous)


try:
    import pytest
except ImportError:  # pragma: no cover - only without pytest
    pass
else:
    __all__.append("statsd_recorder")

    @pytest.fixture
    def statsd_recorder() -> Iterator[RecordingClient]:
        """Send ``@statsd`` metrics to a fresh :class:`RecordingClient`.

        Yields the recorder; the client configured before the test is put
        back after it.
        """
        yield from _recorder()
