import logging
import os
import threading
import time
import urllib.parse
import uuid

import pytest
import redis

from notify_pyramid.errors import RateLimitError
from notify_pyramid.notifications import limits
from notify_pyramid.notifications.limits import (
    RedisTokenBucket,
    check_rate_limit,
    make_rate_limiter,
    make_redis_client,
)
from tests.conftest import require_service

from .test_rate_limit import FakeClock, service_request, take_many

UNREACHABLE = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_url():
    url = os.environ.get("NOTIFY_TEST_REDIS_URL", "redis://127.0.0.1:6379/4")
    try:
        make_redis_client(url).ping()
        available = True
    except redis.RedisError:
        available = False
    require_service(
        available,
        "needs Redis at NOTIFY_TEST_REDIS_URL, for example "
        "redis://127.0.0.1:6379/4",
    )
    return url


@pytest.fixture
def key_prefix(redis_url):
    """A prefix no other test uses; its keys are deleted afterwards."""
    prefix = f"notify-test:{uuid.uuid4()}:"
    yield prefix
    client = make_redis_client(redis_url)
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)


@pytest.mark.redis
def test_two_limiters_share_one_budget(redis_url, key_prefix):
    first = RedisTokenBucket(
        make_redis_client(redis_url), key_prefix=key_prefix
    )
    second = RedisTokenBucket(
        make_redis_client(redis_url), key_prefix=key_prefix
    )

    decisions = []
    for _ in range(5):
        decisions.append(first.take("service:normal", 6, 3600))
        decisions.append(second.take("service:normal", 6, 3600))

    assert [d.allowed for d in decisions] == [True] * 6 + [False] * 4
    # six tokens an hour: one is back within ten minutes
    assert 1 <= decisions[-1].retry_after <= 600


@pytest.mark.redis
def test_shared_budget_holds_under_concurrent_requests(redis_url, key_prefix):
    limiters = [
        RedisTokenBucket(make_redis_client(redis_url), key_prefix=key_prefix)
        for _ in range(2)
    ]
    allowed = []
    start = threading.Barrier(16)

    def worker(number):
        limiter = limiters[number % 2]
        start.wait()
        taken = take_many(limiter, 13, key="busy", capacity=50, period=3600)
        allowed.append(sum(d.allowed for d in taken))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(allowed) == 50


@pytest.mark.redis
def test_redis_bucket_refills_over_time(redis_url, key_prefix):
    bucket = RedisTokenBucket(
        make_redis_client(redis_url), key_prefix=key_prefix
    )
    # two tokens a second
    assert [d.allowed for d in take_many(bucket, 3, capacity=2, period=1)] == [
        True,
        True,
        False,
    ]

    time.sleep(0.6)

    assert bucket.take("k", 2, 1).allowed is True


@pytest.mark.redis
def test_redis_bucket_expires_once_it_would_be_full(redis_url, key_prefix):
    bucket = RedisTokenBucket(
        make_redis_client(redis_url), key_prefix=key_prefix
    )

    bucket.take("k", 3, 60)

    ttl = make_redis_client(redis_url).pttl(key_prefix + "k")
    assert 0 < ttl <= 60_000


@pytest.mark.redis
def test_check_rate_limit_uses_redis_when_configured(redis_url):
    limiter = make_rate_limiter({"redis.url": redis_url})
    request = service_request(limiter, 1)
    key = f"{limits.REDIS_KEY_PREFIX}{request.identity.service.id}:normal"
    try:
        check_rate_limit(request)
        with pytest.raises(RateLimitError):
            check_rate_limit(request)
        assert make_redis_client(redis_url).exists(key) == 1
    finally:
        make_redis_client(redis_url).delete(key)


def test_unreachable_redis_lets_requests_through(statsd_recorder, caplog):
    limiter = make_rate_limiter({"redis.url": UNREACHABLE})
    request = service_request(limiter, 1)

    with caplog.at_level(logging.WARNING, logger=limits.__name__):
        for _ in range(3):
            check_rate_limit(request)

    warnings = [r for r in caplog.records if r.name == limits.__name__]
    assert [r.getMessage() for r in warnings] == [
        "Rate limit store unavailable: requests are let through"
    ]
    assert warnings[0].error == "ConnectionError"
    statsd_recorder.assert_incremented(
        limits.REDIS_UNAVAILABLE_METRIC, times=3
    )


def test_unreachable_redis_is_tried_again_and_warned_about_each_minute(
    statsd_recorder, caplog
):
    clock = FakeClock()
    client = make_redis_client(UNREACHABLE)
    connect = client.connection_pool.get_connection
    calls = []

    def counting_connect(*args, **kwargs):
        calls.append(1)
        return connect(*args, **kwargs)

    client.connection_pool.get_connection = counting_connect
    bucket = RedisTokenBucket(client, clock=clock)

    with caplog.at_level(logging.WARNING, logger=limits.__name__):
        bucket.take("k", 1, 60)
        bucket.take("k", 1, 60)
        clock.advance(limits.REDIS_RETRY_INTERVAL)
        bucket.take("k", 1, 60)
        clock.advance(limits.REDIS_WARNING_INTERVAL)
        bucket.take("k", 1, 60)

    # skipped while just failed, tried again afterwards
    assert len(calls) == 3
    assert len(caplog.records) == 2
    statsd_recorder.assert_incremented(
        limits.REDIS_UNAVAILABLE_METRIC, times=4
    )


@pytest.mark.redis
def test_redis_answering_with_errors_lets_requests_through(
    redis_url, statsd_recorder, caplog
):
    # a database number the server does not have: every command fails
    broken = urllib.parse.urlsplit(redis_url)._replace(path="/9999")
    request = service_request(
        make_rate_limiter({"redis.url": broken.geturl()}), 1
    )

    with caplog.at_level(logging.WARNING, logger=limits.__name__):
        check_rate_limit(request)
        check_rate_limit(request)

    assert [r.error for r in caplog.records] == ["ResponseError"]
    statsd_recorder.assert_incremented(
        limits.REDIS_UNAVAILABLE_METRIC, times=2
    )
