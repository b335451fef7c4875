"""A real Celery worker, on the Redis broker, against fake providers."""

import os
import time
import uuid

import pytest
import redis
import transaction
from celery.contrib.testing.worker import start_worker
from sqlalchemy import update

from notify_pyramid.models import (
    Notification,
    NotificationHistory,
    get_tm_session,
)
from notify_pyramid.tasks import celery_app
from notify_pyramid.tasks.delivery import deliver_sms

from ..conftest import require_service

REDIS_URL = os.environ.get("NOTIFY_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


@pytest.fixture
def broker():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
        available = True
    except redis.RedisError:
        available = False
    require_service(
        available,
        f"needs Redis at NOTIFY_TEST_REDIS_URL (now {REDIS_URL})",
    )
    # the database is the tests' own: start and end with it empty
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture
def worker(broker, delivery_app, fake_mmg, fake_firetext):
    """Start a worker thread on the broker; yields a function to do so."""
    started = []

    def start(**overrides):
        app = delivery_app(
            **{
                "celery.broker_url": broker,
                "sms.providers": "mmg firetext",
                "mmg.url": fake_mmg.url,
                "firetext.url": fake_firetext.url,
                **overrides,
            }
        )
        context = start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=20,
        )
        context.__enter__()
        started.append(context)
        return app

    yield start
    for context in started:
        context.__exit__(None, None, None)


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def set_status(committed, notification_id, status):
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(committed, manager)
        for table in (Notification, NotificationHistory):
            session.execute(
                update(table)
                .where(table.id == uuid.UUID(notification_id))
                .values(status=status)
            )


def test_tasks_go_to_a_broker_configured_after_an_eager_send(
    broker, delivery_app
):
    # eager mode still takes a producer from the app's pool
    deliver_sms.apply_async(args=["not-a-notification-id"])
    delivery_app(**{"celery.broker_url": broker})

    deliver_sms.apply_async(args=["not-a-notification-id"])

    client = redis.Redis.from_url(broker)
    assert client.llen("celery") == 1
    client.close()


def test_worker_sends_each_notification_once(
    worker, fake_mmg, committed_notification, read_notification
):
    worker()
    ids = [committed_notification() for _ in range(3)]

    for nid in ids:
        deliver_sms.apply_async(args=[nid])
    # a broker delivering the first task again
    deliver_sms.apply_async(args=[ids[0]])

    assert wait_until(
        lambda: all(read_notification(n)[0].status == "sending" for n in ids),
        timeout=20,
    )
    assert fake_mmg.wait_for(3, timeout=5)
    time.sleep(0.5)
    assert sorted(body["cid"] for body in fake_mmg.json_bodies()) == sorted(
        ids
    )
    for nid in ids:
        notification, history = read_notification(nid)
        assert notification.sent_by == history.sent_by == "mmg"


def test_timeout_is_resent_only_after_the_grace_period(
    worker, fake_mmg, fake_firetext, committed_notification, read_notification
):
    grace = 3
    worker(
        **{
            "providers.read_timeout_seconds": "0.5",
            "delivery.grace_period_seconds": str(grace),
        }
    )
    # the provider takes the first request but answers too late
    fake_mmg.delays = [2]
    nid = committed_notification()

    deliver_sms.apply_async(args=[nid])

    assert fake_mmg.wait_for(1, timeout=20)
    first_at = time.monotonic()
    assert not fake_mmg.wait_for(2, timeout=grace - 0.5)
    assert fake_firetext.requests == []
    assert read_notification(nid)[0].status == "sending"

    assert fake_mmg.wait_for(2, timeout=grace + 10)
    assert time.monotonic() - first_at >= grace
    assert [body["cid"] for body in fake_mmg.json_bodies()] == [nid, nid]
    # the second answer came in time: no third request
    assert not fake_mmg.wait_for(3, timeout=grace + 1)
    assert read_notification(nid)[0].status == "sending"


def test_timeout_with_a_receipt_in_the_grace_period_is_not_resent(
    worker, fake_mmg, committed, committed_notification, read_notification
):
    grace = 2
    worker(
        **{
            "providers.read_timeout_seconds": "0.5",
            "delivery.grace_period_seconds": str(grace),
        }
    )
    fake_mmg.delays = [1]
    nid = committed_notification()

    deliver_sms.apply_async(args=[nid])
    assert fake_mmg.wait_for(1, timeout=20)
    set_status(committed, nid, "delivered")

    assert not fake_mmg.wait_for(2, timeout=grace + 2)
    assert read_notification(nid)[0].status == "delivered"


def test_sends_through_the_api_reach_the_provider_once(
    worker, fake_mmg, committed, read_notification
):
    from notifications_python_client.notifications import (
        NotificationsAPIClient,
    )

    from tests import factories
    from tests.conftest import serving

    app = worker()
    made = factories.commit_service(committed)
    key = made.official_client_key
    template_id = str(made.template_id)

    with serving(app) as url:
        client = NotificationsAPIClient(key, base_url=url)
        ids = [
            client.send_sms_notification(
                "07700900123", template_id, personalisation={"name": "A"}
            )["id"]
            for _ in range(3)
        ]

    assert wait_until(
        lambda: all(read_notification(n)[0].status == "sending" for n in ids),
        timeout=20,
    )
    assert fake_mmg.wait_for(3, timeout=5)
    time.sleep(0.5)
    assert sorted(body["cid"] for body in fake_mmg.json_bodies()) == sorted(
        ids
    )
