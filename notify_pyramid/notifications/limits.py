"""Sending limits: the per-minute rate limit and the daily message limit.

The rate limit is a token bucket per service and key type: it holds
``rate_limit`` tokens, refills at ``rate_limit`` tokens per
:data:`RATE_LIMIT_PERIOD` seconds, and each request takes one. With
``redis.url`` set, every API process shares the buckets in Redis, one
atomic script call per request; without it each process keeps its own.
A Redis that cannot be reached lets requests through (fail open), with a
warning at most once a minute and a counter per request let through.

The daily limit is a counter per service and UTC day, reserved by one
atomic statement in the transaction that inserts the notification: a send
that is refused or rolled back consumes nothing, and concurrent sends
never pass the limit. Normal and team keys count; test keys do not.
"""

import dataclasses
import datetime
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from typing import NamedTuple, Protocol

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

import notify_statsd

from ..dao.usage import (
    COUNTED_KEY_TYPES,
    dao_correct_daily_usage,
    dao_count_daily_usage_from_history,
    dao_fetch_daily_usage,
    dao_fetch_daily_usage_counters,
    dao_reserve_daily_usage,
)
from ..errors import RateLimitError, TooManyRequestsError
from ..models.api_key import KEY_TYPE_NORMAL, KEY_TYPE_TEAM, KEY_TYPE_TEST
from ..models.meta import utcnow

logger = logging.getLogger(__name__)

#: the window of the per-minute rate limit, in seconds
RATE_LIMIT_PERIOD = 60
#: connect and read timeout of every Redis call, in seconds
REDIS_TIMEOUT = 0.2
#: after Redis failed, requests skip it for this long instead of waiting
REDIS_RETRY_INTERVAL = 1.0
#: the least time between two warnings that Redis is unavailable
REDIS_WARNING_INTERVAL = 60.0
REDIS_KEY_PREFIX = "notify:rate-limit:"
REDIS_UNAVAILABLE_METRIC = "rate-limit.redis-unavailable"

KEY_TYPE_NAMES = {
    KEY_TYPE_NORMAL: "LIVE",
    KEY_TYPE_TEAM: "TEAM",
    KEY_TYPE_TEST: "TEST",
}

# KEYS[1]: the bucket; ARGV: capacity, period in seconds. Redis's own
# clock is used so that processes whose clocks differ agree. Returns
# {1, 0} when a token was taken, {0, seconds until one is back} if not.
BUCKET_SCRIPT = """
local capacity = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local rate = capacity / period
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
    tokens = capacity
    at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
local retry_after = 0
if tokens >= 1 then
    tokens = tokens - 1
    allowed = 1
else
    retry_after = math.max(1, math.ceil((1 - tokens) / rate))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(period * 1000))
return {allowed, retry_after}
"""


class Decision(NamedTuple):
    """Whether a request may go ahead, and if not, when to try again."""

    allowed: bool
    #: whole seconds until a token is back; 0 when allowed
    retry_after: int


ALLOWED = Decision(True, 0)


class RateLimiter(Protocol):
    def take(self, key: str, capacity: int, period: float) -> Decision:
        """Take one token from the bucket ``key``."""


def _refused_outright(capacity: int, period: float) -> Decision | None:
    # a limit below one request per period refuses everything
    if capacity < 1:
        return Decision(False, max(1, math.ceil(period)))
    return None


class InProcessTokenBucket:
    """Token buckets kept in this process's memory, safe across threads.

    Each API process has its own buckets, so N processes together let up
    to N times the limit through. ``clock`` returns seconds and must never
    go backwards.
    """

    #: idle buckets are forgotten once there are more than this many
    PRUNE_ABOVE = 1024

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (tokens left, when they were counted)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._prune_above = self.PRUNE_ABOVE

    def take(
        self, key: str, capacity: int, period: float = RATE_LIMIT_PERIOD
    ) -> Decision:
        """Take one token from the bucket ``key``, full when first seen."""
        refused = _refused_outright(capacity, period)
        if refused is not None:
            return refused
        rate = capacity / period
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + max(0.0, now - at) * rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                decision = ALLOWED
            else:
                self._buckets[key] = (tokens, now)
                retry_after = max(1, math.ceil((1 - tokens) / rate))
                decision = Decision(False, retry_after)
            if len(self._buckets) > self._prune_above:
                self._prune(now, period)
        return decision

    def _prune(self, now: float, period: float) -> None:
        # a bucket idle for a whole period is full again: same as absent
        self._buckets = {
            key: (tokens, at)
            for key, (tokens, at) in self._buckets.items()
            if now - at < period
        }
        self._prune_above = max(self.PRUNE_ABOVE, 2 * len(self._buckets))


class RedisTokenBucket:
    """Token buckets in Redis, shared by every process that uses it.

    Each :meth:`take` is one call of a Lua script, which Redis runs
    atomically. When Redis fails, the request is let through; for
    :data:`REDIS_RETRY_INTERVAL` seconds afterwards requests do not try
    Redis at all, so a Redis that hangs slows down one request a second
    rather than every request.
    """

    def __init__(
        self,
        client: redis.Redis,
        clock: Callable[[], float] = time.monotonic,
        key_prefix: str = REDIS_KEY_PREFIX,
    ) -> None:
        self._script = client.register_script(BUCKET_SCRIPT)
        self._clock = clock
        self._key_prefix = key_prefix
        self._lock = threading.Lock()
        self._skip_until: float | None = None
        self._warned_at: float | None = None

    def take(
        self, key: str, capacity: int, period: float = RATE_LIMIT_PERIOD
    ) -> Decision:
        """Take one token from the bucket ``key``; allow if Redis fails."""
        refused = _refused_outright(capacity, period)
        if refused is not None:
            return refused
        if self._skipping():
            self._let_through(None)
            return ALLOWED

        try:
            allowed, retry_after = self._script(
                keys=[self._key_prefix + key], args=[capacity, period]
            )
        except redis.RedisError as exc:
            self._let_through(exc)
            return ALLOWED

        if allowed:
            return ALLOWED
        return Decision(False, max(1, int(retry_after)))

    def _skipping(self) -> bool:
        with self._lock:
            if self._skip_until is None:
                return False
            if self._clock() < self._skip_until:
                return True
            self._skip_until = None
            return False

    def _let_through(self, exc: Exception | None) -> None:
        notify_statsd.get_client().incr(REDIS_UNAVAILABLE_METRIC)
        if exc is None:
            return
        with self._lock:
            now = self._clock()
            self._skip_until = now + REDIS_RETRY_INTERVAL
            if (
                self._warned_at is not None
                and now - self._warned_at < REDIS_WARNING_INTERVAL
            ):
                return
            self._warned_at = now
        logger.warning(
            "Rate limit store unavailable: requests are let through",
            extra={"error": type(exc).__name__},
        )


def make_redis_client(url: str) -> redis.Redis:
    """Return a pooled Redis client that gives up fast and never retries."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT,
        socket_timeout=REDIS_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )


def make_rate_limiter(settings) -> RateLimiter:
    """Return the Redis limiter if ``redis.url`` is set, else in-process."""
    url = (settings.get("redis.url") or "").strip()
    if url:
        return RedisTokenBucket(make_redis_client(url))
    return InProcessTokenBucket()


def rate_limit_message(key_type: str, limit: int) -> str:
    name = KEY_TYPE_NAMES.get(key_type, key_type.upper())
    return (
        f"Exceeded rate limit for key type {name} of {limit} requests "
        f"per {RATE_LIMIT_PERIOD} seconds"
    )


def check_rate_limit(request) -> None:
    """Take one request from the caller's per-minute allowance.

    The bucket is the service's and the API key type's. Raises
    :class:`~notify_pyramid.errors.RateLimitError` with a ``Retry-After``
    header when it is empty.
    """
    identity = request.identity
    service = identity.service
    key_type = identity.key_type
    limit = service.rate_limit
    limiter: RateLimiter = request.registry["rate_limiter"]
    decision = limiter.take(
        f"{service.id}:{key_type}", limit, RATE_LIMIT_PERIOD
    )
    if decision.allowed:
        return

    logger.info(
        "Rate limit exceeded",
        extra={"service_id": str(service.id), "key_type": key_type},
    )
    raise RateLimitError(
        rate_limit_message(key_type, limit),
        headers={"Retry-After": str(decision.retry_after)},
    )


def today() -> datetime.date:
    """Return the current UTC day, the day that sends are counted on."""
    return utcnow().date()


def _daily_limit_error(service) -> TooManyRequestsError:
    logger.info("Daily limit reached", extra={"service_id": str(service.id)})
    return TooManyRequestsError(
        f"Exceeded send limits ({service.message_limit}) for today"
    )


def check_daily_limit(dbsession, service, key_type: str) -> None:
    """Refuse early when the service has used up today's allowance.

    Reads one counter row and changes nothing; the reservation made when
    the notification is inserted is what holds exactly. Test keys are not
    counted. Raises :class:`~notify_pyramid.errors.TooManyRequestsError`.
    """
    if key_type not in COUNTED_KEY_TYPES:
        return
    used = dao_fetch_daily_usage(dbsession, service.id, today())
    if used >= service.message_limit:
        raise _daily_limit_error(service)


def reserve_daily_allowance(
    dbsession, service, key_type: str, day: datetime.date | None = None
) -> None:
    """Reserve one of the service's sends for ``day`` (today), or refuse.

    Call it in the transaction that inserts the notification, just before
    the insert: a rollback gives the send back. Pass the UTC day of the
    notification's ``created_at``, so that a send across midnight is
    counted on the day history says it was made. Test keys are not
    counted. Raises :class:`~notify_pyramid.errors.TooManyRequestsError`
    when the service's ``message_limit`` for that day is already reached.
    """
    if key_type not in COUNTED_KEY_TYPES:
        return
    reserved = dao_reserve_daily_usage(
        dbsession,
        service.id,
        today() if day is None else day,
        service.message_limit,
    )
    if reserved is None:
        raise _daily_limit_error(service)


def check_send_limits(request) -> None:
    """Apply the per-minute and the daily limit to a send request.

    Called by the sending views before the body is even parsed, so a
    client over a limit costs as little as possible.
    """
    check_rate_limit(request)
    identity = request.identity
    check_daily_limit(request.dbsession, identity.service, identity.key_type)


@dataclasses.dataclass(frozen=True)
class UsageCorrection:
    """A counter that disagreed with history, and what became of it."""

    service_id: uuid.UUID
    day: datetime.date
    old: int
    new: int
    #: False when a send changed the counter during the recount
    applied: bool


@dataclasses.dataclass(frozen=True)
class RecountResult:
    #: how many (service, day) pairs were compared
    checked: int
    corrections: list[UsageCorrection]


def recount_daily_usage(
    dbsession, day: datetime.date | None = None
) -> RecountResult:
    """Make the daily counters agree with ``notification_history``.

    Compares every counter (or those of ``day``) with the number of normal
    and team notifications history holds for that service and UTC day, and
    sets the ones that differ. A counter that a send changes while this
    runs is left alone and reported as not applied: the counters are read
    before history, and each correction only applies if its counter still
    holds what was read.
    """
    counters = dao_fetch_daily_usage_counters(dbsession, day)
    counted = dao_count_daily_usage_from_history(dbsession, day)

    corrections = []
    for service_id, counted_day in sorted(counters.keys() | counted.keys()):
        old = counters.get((service_id, counted_day), 0)
        new = counted.get((service_id, counted_day), 0)
        if old == new:
            continue
        applied = dao_correct_daily_usage(
            dbsession, service_id, counted_day, old, new
        )
        corrections.append(
            UsageCorrection(service_id, counted_day, old, new, applied)
        )
    return RecountResult(len(counters.keys() | counted.keys()), corrections)


def includeme(config):
    """Build this app's rate limiter once; tests may pass their own."""
    settings = config.get_settings()
    limiter = settings.get("rate_limit.limiter") or make_rate_limiter(settings)
    config.registry["rate_limiter"] = limiter
