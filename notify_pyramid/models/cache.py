"""A short-lived, in-process cache of rows that nearly every request reads.

Every authenticated request reads its service and API keys, and every send
reads its template. These rows change rarely, so each API process keeps
what it read for a few seconds (``notify.read_cache_seconds``) instead of
asking the database again. A change committed through this process's
sessions is forgotten here at once; another process sees it once its own
copy expires, so revoking a key, archiving a service or editing a template
takes effect everywhere within that many seconds.

The cache travels on each session as ``session.info["read_cache"]``, so the
data access functions that use it need nothing more than their session.
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import cachetools
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from .api_key import ApiKey
from .service import Service
from .template import Template

T = TypeVar("T")

#: services and templates are few; this bounds the memory all the same
MAX_ENTRIES = 10_000

_STALE = "read_cache_stale"


def service_key(service_id) -> tuple:
    """The cache key of a service and its API keys."""
    return ("service", service_id)


def template_key(service_id, template_id) -> tuple:
    """The cache key of a service's template, as sending reads it."""
    return ("template", service_id, template_id)


class ReadCache:
    """Values kept for ``seconds`` after they were loaded; 0 keeps none.

    ``timer`` tells the time in seconds (tests pass their own clock).

    Thread-safe. A value loaded while one of its keys was being forgotten
    is not kept, so a load that raced a commit cannot bring back what the
    commit changed.
    """

    def __init__(
        self,
        seconds: float,
        max_entries: int = MAX_ENTRIES,
        timer: Callable[[], float] = time.monotonic,
    ):
        self.seconds = seconds
        self._entries: cachetools.TTLCache | None = None
        if seconds > 0:
            self._entries = cachetools.TTLCache(
                max_entries, ttl=seconds, timer=timer
            )
        self._lock = threading.Lock()
        self._forgotten = 0

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """Return the value kept for ``key``, or what ``load()`` returns."""
        if self._entries is None:
            return load()
        with self._lock:
            value = self._entries.get(key, _MISSING)
            forgotten = self._forgotten
        if value is not _MISSING:
            return value
        value = load()
        with self._lock:
            if forgotten == self._forgotten:
                self._entries[key] = value
        return value

    def forget(self, keys) -> None:
        """Drop what is kept for each of ``keys``."""
        if self._entries is None:
            return
        with self._lock:
            self._forgotten += 1
            for key in keys:
                self._entries.pop(key, None)

    def clear(self) -> None:
        """Drop everything."""
        if self._entries is None:
            return
        with self._lock:
            self._forgotten += 1
            self._entries.clear()


_MISSING: Any = object()


def _stale_keys(instance) -> list[tuple]:
    if isinstance(instance, Service):
        return [service_key(instance.id)]
    if isinstance(instance, ApiKey):
        return [service_key(instance.service_id)]
    if isinstance(instance, Template):
        return [template_key(instance.service_id, instance.id)]
    return []


def _after_flush(session: Session, flush_context) -> None:
    cache = session.info.get("read_cache")
    if cache is None:
        return
    keys = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        keys.update(_stale_keys(instance))
    if keys:
        # at once, for this session's own later reads; and again at
        # commit, for what other sessions read in between
        cache.forget(keys)
        session.info.setdefault(_STALE, set()).update(keys)


def _after_commit(session: Session) -> None:
    stale = session.info.pop(_STALE, None)
    if stale:
        session.info["read_cache"].forget(stale)


def _after_rollback(session: Session) -> None:
    session.info.pop(_STALE, None)


def watch_changes(factory: sessionmaker) -> None:
    """Forget the rows the factory's sessions write, as they write them.

    Changes made through the ORM (the admin API, the scripts, the tests'
    factories) are seen; a Core UPDATE of services, API keys or templates
    would not be, and none is made.
    """
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "after_commit", _after_commit)
    event.listen(factory, "after_rollback", _after_rollback)
