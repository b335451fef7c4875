import threading
import types
import uuid

import pytest
from pyramid.request import Request

from notify_pyramid.errors import RateLimitError, render_error
from notify_pyramid.models import Service
from notify_pyramid.notifications.limits import (
    InProcessTokenBucket,
    RedisTokenBucket,
    check_rate_limit,
    make_rate_limiter,
)
from notify_pyramid.security import ServiceIdentity


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def service_request(limiter, rate_limit=3000, key_type="normal"):
    service = Service(id=uuid.uuid4(), name="limited", rate_limit=rate_limit)
    return types.SimpleNamespace(
        identity=ServiceIdentity(service, uuid.uuid4(), key_type),
        registry={"rate_limiter": limiter},
    )


def take_many(bucket, times, key="k", capacity=3, period=60):
    return [bucket.take(key, capacity, period) for _ in range(times)]


def test_bucket_allows_its_capacity_then_refuses():
    bucket = InProcessTokenBucket(FakeClock())

    decisions = take_many(bucket, 4)

    assert [d.allowed for d in decisions] == [True, True, True, False]
    # three tokens a minute: one is back after 20 seconds
    assert decisions[-1].retry_after == 20


def test_bucket_refills_over_time_up_to_its_capacity():
    clock = FakeClock()
    bucket = InProcessTokenBucket(clock)
    take_many(bucket, 3)

    clock.advance(20)
    assert [d.allowed for d in take_many(bucket, 2)] == [True, False]

    clock.advance(600)
    assert [d.allowed for d in take_many(bucket, 4)] == [
        True,
        True,
        True,
        False,
    ]


def test_retry_after_counts_the_seconds_until_a_token_is_back():
    clock = FakeClock()
    bucket = InProcessTokenBucket(clock)
    take_many(bucket, 3)

    clock.advance(15)
    assert bucket.take("k", 3, 60).retry_after == 5


def test_retry_after_is_at_least_one_second():
    bucket = InProcessTokenBucket(FakeClock())

    decisions = take_many(bucket, 6001, capacity=6000)

    assert decisions[-1] == (False, 1)


def test_buckets_are_kept_per_key():
    bucket = InProcessTokenBucket(FakeClock())
    take_many(bucket, 3, key="a")

    assert bucket.take("a", 3, 60).allowed is False
    assert bucket.take("b", 3, 60).allowed is True


def test_a_limit_below_one_refuses_everything():
    bucket = InProcessTokenBucket(FakeClock())

    assert bucket.take("k", 0, 60) == (False, 60)


def test_bucket_holds_its_capacity_across_threads():
    bucket = InProcessTokenBucket(FakeClock())
    allowed = []
    start = threading.Barrier(16)

    def worker():
        start.wait()
        taken = take_many(bucket, 50, capacity=300)
        allowed.append(sum(d.allowed for d in taken))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(allowed) == 300


def test_idle_buckets_are_forgotten():
    clock = FakeClock()
    bucket = InProcessTokenBucket(clock)
    for number in range(bucket.PRUNE_ABOVE):
        bucket.take(f"idle-{number}", 3, 60)

    clock.advance(60)
    bucket.take("busy", 3, 60)

    assert list(bucket._buckets) == ["busy"]


def test_rate_limit_is_refused_with_the_message_and_retry_after():
    request = service_request(InProcessTokenBucket(FakeClock()), 2)
    check_rate_limit(request)
    check_rate_limit(request)

    with pytest.raises(RateLimitError) as refused:
        check_rate_limit(request)

    assert refused.value.status_code == 429
    assert refused.value.message == (
        "Exceeded rate limit for key type LIVE of 2 requests per 60 seconds"
    )
    assert refused.value.headers == {"Retry-After": "30"}


@pytest.mark.parametrize(
    ("key_type", "name"),
    [("normal", "LIVE"), ("team", "TEAM"), ("test", "TEST")],
)
def test_rate_limit_message_names_the_key_type(key_type, name):
    request = service_request(InProcessTokenBucket(FakeClock()), 1, key_type)
    check_rate_limit(request)

    with pytest.raises(RateLimitError, match=f"key type {name} of 1 "):
        check_rate_limit(request)


def test_each_key_type_of_a_service_has_its_own_bucket():
    limiter = InProcessTokenBucket(FakeClock())
    live = service_request(limiter, 1, "normal")
    team = types.SimpleNamespace(
        identity=ServiceIdentity(live.identity.service, uuid.uuid4(), "team"),
        registry=live.registry,
    )
    check_rate_limit(live)

    check_rate_limit(team)
    with pytest.raises(RateLimitError):
        check_rate_limit(live)


def test_rate_limit_error_answers_429_with_retry_after(app):
    limited = service_request(InProcessTokenBucket(FakeClock()), 1)
    check_rate_limit(limited)
    with pytest.raises(RateLimitError) as refused:
        check_rate_limit(limited)
    request = Request.blank("/v2/notifications/sms")
    request.registry = app.registry

    response = render_error(request, refused.value)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert response.json_body == {
        "status_code": 429,
        "errors": [
            {
                "error": "RateLimitError",
                "message": "Exceeded rate limit for key type LIVE of 1 "
                "requests per 60 seconds",
            }
        ],
    }


def test_app_keeps_the_rate_limit_in_process_without_redis(app):
    assert isinstance(app.registry["rate_limiter"], InProcessTokenBucket)


def test_a_redis_url_selects_the_shared_limiter_without_connecting():
    limiter = make_rate_limiter({"redis.url": "redis://127.0.0.1:1/0"})

    assert isinstance(limiter, RedisTokenBucket)
