"""Statsd clients that never let a metrics problem reach the caller.

:class:`StatsdClient` sends to a statsd server over UDP. It looks the
server's address up on the first send rather than at start-up, keeps one
socket per process, and swallows every error on the metrics path.
:class:`NullClient` has the same methods and does nothing.
"""

from __future__ import annotations

import logging
import math
import os
import re
import socket
import threading
from time import monotonic, perf_counter
from types import TracebackType
from typing import NamedTuple, Protocol, Self, runtime_checkable

import statsd

logger = logging.getLogger(__name__)

#: How many distinct metric names each client keeps ready-encoded.
NAME_CACHE_SIZE = 1024

#: Seconds to wait before looking the server up again after a failure.
MIN_RETRY_SECONDS = 5.0

#: The longest wait between lookups while the server keeps failing.
MAX_RETRY_SECONDS = 30.0

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")

# The id of the current process, kept up to date by a fork hook, because
# os.getpid() is a system call, too dear to make on every send.
_pid = os.getpid()

# Guards the creation of sockets. It is one lock for the whole module so
# that the fork hook can replace it: a child must not inherit a lock that
# some thread of its parent held at the moment of the fork.
_lock = threading.Lock()


def _after_fork_in_child() -> None:
    global _pid, _lock
    _pid = os.getpid()
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def clean_name(name: str) -> str:
    """Return *name* made safe for the statsd line format.

    Every character other than ASCII letters, digits, ``_``, ``.`` and
    ``-`` becomes ``_``, so a name can never smuggle in the ``:``, ``|``,
    ``@`` or newline that separate fields and lines.
    """
    return _UNSAFE.sub("_", name) or "_"


@runtime_checkable
class Client(Protocol):
    """The interface shared by every client in this package."""

    #: ``False`` when calls are dropped without doing any work.
    enabled: bool

    def incr(self, name: str, count: int = 1) -> None:
        """Add *count* to the counter *name*."""

    def timing(self, name: str, ms: float) -> None:
        """Record a duration of *ms* milliseconds under *name*."""

    def gauge(self, name: str, value: float) -> None:
        """Set the gauge *name* to *value*."""

    def incr_and_time(self, name: str, ms: float) -> None:
        """Count one event under *name* and record its duration."""

    def timer(self, name: str) -> Timer:
        """Return a context manager that times its block under *name*."""


class Timer:
    """Time a ``with`` block and report it with ``incr_and_time``.

    The block is counted and timed under the same name whether it returns
    or raises; the exception, if any, carries on unchanged. The elapsed
    time in milliseconds is kept in :attr:`ms` after the block ends.
    """

    __slots__ = ("_client", "_name", "_start", "ms")

    def __init__(self, client: Client, name: str) -> None:
        self._client = client
        self._name = name
        self._start = 0.0
        self.ms: float | None = None

    def __enter__(self) -> Self:
        self._start = perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.ms = (perf_counter() - self._start) * 1000.0
        self._client.incr_and_time(self._name, self.ms)


class NullClient:
    """A client that accepts every call and sends nothing."""

    __slots__ = ()

    enabled = False
    prefix = ""

    def incr(self, name: str, count: int = 1) -> None:
        """Do nothing."""

    def timing(self, name: str, ms: float) -> None:
        """Do nothing."""

    def gauge(self, name: str, value: float) -> None:
        """Do nothing."""

    def incr_and_time(self, name: str, ms: float) -> None:
        """Do nothing."""

    def timer(self, name: str) -> Timer:
        """Return a timer whose result is dropped."""
        return Timer(self, name)

    def __repr__(self) -> str:
        return "NullClient()"


class _Target(NamedTuple):
    sock: socket.socket
    addr: tuple[str, int]
    pid: int
    client: statsd.StatsClient


def _format_number(value: float) -> bytes:
    if isinstance(value, int):
        return b"%d" % value
    if not math.isfinite(value):
        raise ValueError("a gauge must be a finite number")
    text = b"%.6f" % value
    if b"." in text:
        text = text.rstrip(b"0").rstrip(b".")
    return text or b"0"


class StatsdClient:
    """Send counters, timings and gauges to a statsd server over UDP.

    :param host: name or address of the statsd server. It is looked up on
        the first send, not here, so a name that does not resolve never
        stops the program from starting.
    :param port: UDP port of the statsd server.
    :param prefix: prepended to every metric name with a ``.``; an empty
        string sends names as given.
    :param enabled: when ``False`` every method returns at once.
    :param ipv6: look the host up as an IPv6 address.

    No method raises. A failed lookup or send is logged at DEBUG level and
    the server is looked up again after a pause of
    :data:`MIN_RETRY_SECONDS`, doubling up to :data:`MAX_RETRY_SECONDS`
    while it keeps failing; metrics sent during the pause are dropped.
    """

    def __init__(
        self,
        host: str = "localhost",
        port: int = 8125,
        prefix: str = "notifications.api",
        enabled: bool = True,
        *,
        ipv6: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.prefix = clean_name(prefix) if prefix else ""
        self.enabled = enabled
        self.ipv6 = ipv6
        self._keys: dict[str, bytes] = {}
        self._pairs: dict[str, bytes] = {}
        self._target: _Target | None = None
        self._failures = 0
        self._next_lookup = 0.0

    def __repr__(self) -> str:
        return (
            f"StatsdClient(host={self.host!r}, port={self.port!r}, "
            f"prefix={self.prefix!r}, enabled={self.enabled!r})"
        )

    def incr(self, name: str, count: int = 1) -> None:
        """Add *count* to the counter *name*."""
        if self.enabled:
            try:
                key = self._keys.get(name) or self._key(name)
                self._send(b"%s%d|c" % (key, count))
            except Exception:
                logger.debug("Dropped counter %r", name, exc_info=True)

    def timing(self, name: str, ms: float) -> None:
        """Record a duration of *ms* milliseconds under *name*."""
        if self.enabled:
            try:
                key = self._keys.get(name) or self._key(name)
                self._send(b"%s%.3f|ms" % (key, ms))
            except Exception:
                logger.debug("Dropped timing %r", name, exc_info=True)

    def gauge(self, name: str, value: float) -> None:
        """Set the gauge *name* to *value*.

        A negative value is sent as a reset to zero followed by the value,
        in one datagram, because statsd reads a bare leading ``-`` as a
        change to the current value rather than a new one.
        """
        if not self.enabled:
            return
        try:
            key = self._keys.get(name) or self._key(name)
            number = _format_number(value)
            if value < 0:
                self._send(b"%s0|g\n%s%s|g" % (key, key, number))
            else:
                self._send(b"%s%s|g" % (key, number))
        except Exception:
            logger.debug("Dropped gauge %r", name, exc_info=True)

    def incr_and_time(self, name: str, ms: float) -> None:
        """Count one event under *name* and record its duration.

        Both lines travel in a single datagram, which halves the cost of
        the usual count-and-time pair.
        """
        if not self.enabled:
            return
        # this is the decorator's path, so the common case of a known
        # name and a socket of this process is written out in full
        try:
            head = self._pairs.get(name) or self._pair(name)
            data = head + b"%.3f|ms" % ms
        except Exception:
            logger.debug("Dropped timing %r", name, exc_info=True)
            return
        target = self._target
        if target is None or target.pid != _pid:
            self._send(data)
            return
        try:
            target.sock.sendto(data, target.addr)
        except Exception:
            logger.debug("Could not send to statsd", exc_info=True)
            self._drop(target)

    def timer(self, name: str) -> Timer:
        """Return a context manager that times its block under *name*.

        On leaving the block it calls :meth:`incr_and_time` with the
        elapsed milliseconds.
        """
        return Timer(self, name)

    def close(self) -> None:
        """Close the socket; the next send opens a new one."""
        with _lock:
            target, self._target = self._target, None
        if target is not None:
            _close(target)

    def _key(self, name: str) -> bytes:
        # the full name and separator, encoded once and reused, since
        # callers send the same few names over and over
        full = clean_name(name)
        if self.prefix:
            full = f"{self.prefix}.{full}"
        key = full.encode("ascii") + b":"
        if len(self._keys) >= NAME_CACHE_SIZE:
            self._keys.clear()
        self._keys[name] = key
        return key

    def _pair(self, name: str) -> bytes:
        # a counter line and the start of a timing line for the same name
        key = self._keys.get(name) or self._key(name)
        head = key + b"1|c\n" + key
        if len(self._pairs) >= NAME_CACHE_SIZE:
            self._pairs.clear()
        self._pairs[name] = head
        return head

    def _send(self, data: bytes) -> None:
        target = self._target
        if target is None or target.pid != _pid:
            target = self._connect()
            if target is None:
                return
        try:
            target.sock.sendto(data, target.addr)
        except Exception:
            # a failed send may mean the server moved: drop the socket so
            # the next lookup, once the pause is over, finds it again
            logger.debug("Could not send to statsd", exc_info=True)
            self._drop(target)

    def _connect(self) -> _Target | None:
        with _lock:
            target = self._target
            if target is not None and target.pid == _pid:
                return target
            if target is not None:
                # a socket made by another process was inherited across
                # a fork; closing this process's copy leaves the parent's
                # open, and this process has not looked the server up yet
                self._target = None
                _close(target)
            elif monotonic() < self._next_lookup:
                return None
            try:
                client = statsd.StatsClient(
                    self.host, self.port, prefix=None, ipv6=self.ipv6
                )
                # StatsClient keeps its socket and resolved address in the
                # private _sock and _addr. Sending pre-encoded bytes to
                # them skips its string formatting and encoding on every
                # call. A test checks both attributes, so a statsd release
                # that renames them fails the suite rather than metrics.
                target = _Target(client._sock, client._addr, _pid, client)
            except Exception:
                self._failures += 1
                delay = min(
                    MIN_RETRY_SECONDS * 2 ** (self._failures - 1),
                    MAX_RETRY_SECONDS,
                )
                self._next_lookup = monotonic() + delay
                logger.debug(
                    "Could not reach statsd at %s:%s; retrying in %s s",
                    self.host,
                    self.port,
                    delay,
                    exc_info=True,
                )
                return None
            self._failures = 0
            self._next_lookup = monotonic() + MIN_RETRY_SECONDS
            self._target = target
            return target

    def _drop(self, target: _Target) -> None:
        with _lock:
            if self._target is target:
                self._target = None
        _close(target)


def _close(target: _Target) -> None:
    try:
        target.client.close()
    except Exception:
        logger.debug("Could not close statsd socket", exc_info=True)
