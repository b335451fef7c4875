import datetime
import sys
import threading
import types
import uuid

import pytest
import transaction
from sqlalchemy import update

from notify_pyramid.models import (
    Notification,
    NotificationHistory,
    get_tm_session,
)
from notify_pyramid.tasks.delivery import (
    check_sending,
    deliver_email,
    deliver_sms,
    simulated_status,
)
from notify_statsd import configure, get_client
from notify_statsd.testing import RecordingClient


@pytest.fixture
def metrics():
    previous = get_client()
    recorder = RecordingClient()
    configure(recorder)
    yield recorder
    configure(previous)


@pytest.fixture
def providers(delivery_app, fake_mmg, fake_firetext):
    """Configure the tasks to use the fake MMG then the fake Firetext."""

    def build(**overrides):
        settings = {
            "sms.providers": "mmg firetext",
            "mmg.url": fake_mmg.url,
            "firetext.url": fake_firetext.url,
            "providers.read_timeout_seconds": "0.5",
            "delivery.retry_backoff_seconds": "0",
            **overrides,
        }
        return delivery_app(**settings)

    return build


@pytest.fixture
def receipts(monkeypatch):
    """Record the receipts the receipt processing code is given."""
    applied = []

    def apply_receipt(dbsession, provider, notification_id, status, **kw):
        applied.append((provider, notification_id, status))

    try:
        import notify_pyramid.receipts.process as process
    except ImportError:
        package = types.ModuleType("notify_pyramid.receipts")
        package.__path__ = []
        process = types.ModuleType("notify_pyramid.receipts.process")
        process.apply_receipt = apply_receipt
        monkeypatch.setitem(sys.modules, "notify_pyramid.receipts", package)
        monkeypatch.setitem(
            sys.modules, "notify_pyramid.receipts.process", process
        )
    else:
        monkeypatch.setattr(process, "apply_receipt", apply_receipt)
    return applied


def set_columns(committed, notification_id, **values):
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(committed, manager)
        nid = uuid.UUID(notification_id)
        for table in (Notification, NotificationHistory):
            session.execute(
                update(table).where(table.id == nid).values(**values)
            )


def test_mmg_gets_its_json_request_and_status_becomes_sending(
    providers, fake_mmg, committed_notification, read_notification
):
    providers()
    nid = committed_notification()

    deliver_sms.apply(args=[nid])

    assert fake_mmg.json_bodies() == [
        {
            "reqType": "BULK",
            "MSISDN": "447700900123",
            "msg": "Hello Ada",
            "sender": "NOTIFYTEST",
            "cid": nid,
            "multi": True,
        }
    ]
    headers = fake_mmg.requests[0]["headers"]
    assert headers["Authorization"] == "Basic test-mmg-key"
    assert headers["Content-Type"] == "application/json"
    notification, history = read_notification(nid)
    assert notification.status == history.status == "sending"
    assert notification.sent_by == history.sent_by == "mmg"
    assert notification.sent_at is not None
    assert history.sent_at == notification.sent_at


def test_firetext_gets_a_form_with_our_id_as_reference(
    providers, fake_firetext, committed_notification, read_notification
):
    providers(**{"sms.providers": "firetext mmg"})
    nid = committed_notification()

    deliver_sms.apply(args=[nid])

    assert fake_firetext.form_bodies() == [
        {
            "apiKey": "test-firetext-key",
            "from": "NOTIFYTEST",
            "to": "447700900123",
            "message": "Hello Ada",
            "reference": nid,
        }
    ]
    assert read_notification(nid)[0].sent_by == "firetext"


def test_first_provider_500_delivers_through_the_second(
    providers,
    fake_mmg,
    fake_firetext,
    committed_notification,
    read_notification,
    metrics,
):
    providers()
    fake_mmg.status = 500
    nid = committed_notification()

    deliver_sms.apply(args=[nid])

    assert len(fake_mmg.requests) == 1
    assert [body["reference"] for body in fake_firetext.form_bodies()] == [nid]
    notification, history = read_notification(nid)
    assert notification.status == history.status == "sending"
    assert notification.sent_by == history.sent_by == "firetext"
    metrics.assert_incremented("clients.mmg.error", times=1)
    metrics.assert_incremented("clients.firetext.success", times=1)
    metrics.assert_timed("clients.mmg.request-time")
    metrics.assert_incremented("tasks.deliver_sms", times=1)


def test_firetext_code_other_than_zero_is_an_error(
    providers, fake_mmg, fake_firetext, committed_notification
):
    providers(**{"sms.providers": "firetext mmg"})
    fake_firetext.body = {"code": 1, "description": "Invalid number"}
    nid = committed_notification()

    deliver_sms.apply(args=[nid])

    assert len(fake_firetext.requests) == 1
    assert [body["cid"] for body in fake_mmg.json_bodies()] == [nid]


def test_same_task_delivered_twice_sends_once(
    providers, fake_mmg, committed_notification, read_notification
):
    providers()
    nid = committed_notification()

    deliver_sms.apply(args=[nid])
    deliver_sms.apply(args=[nid])

    assert len(fake_mmg.requests) == 1
    assert read_notification(nid)[0].status == "sending"


def test_receipt_before_the_claim_is_not_overwritten(
    providers, fake_mmg, committed, committed_notification, read_notification
):
    providers()
    nid = committed_notification()
    set_columns(committed, nid, status="delivered")

    deliver_sms.apply(args=[nid])

    assert fake_mmg.requests == []
    assert read_notification(nid)[0].status == "delivered"


def test_every_provider_failing_ends_as_technical_failure(
    providers,
    fake_mmg,
    fake_firetext,
    committed_notification,
    read_notification,
):
    providers(**{"delivery.max_attempts": "3"})
    fake_mmg.status = 503
    fake_firetext.status = 500
    nid = committed_notification()

    deliver_sms.apply(args=[nid])

    # each attempt tries both providers, and there are three attempts
    assert len(fake_mmg.requests) == 3
    assert len(fake_firetext.requests) == 3
    notification, history = read_notification(nid)
    assert notification.status == history.status == "technical-failure"
    assert notification.completed_at is not None
    assert history.completed_at == notification.completed_at


def test_unreachable_provider_fails_over(
    providers, fake_firetext, committed_notification, read_notification
):
    providers(**{"mmg.url": "http://127.0.0.1:9/send"})
    nid = committed_notification()

    deliver_sms.apply(args=[nid])

    assert len(fake_firetext.requests) == 1
    assert read_notification(nid)[0].sent_by == "firetext"


def test_read_timeout_keeps_sending_without_a_second_provider(
    providers,
    fake_mmg,
    fake_firetext,
    committed_notification,
    read_notification,
    metrics,
):
    providers()
    fake_mmg.delays = [2]
    nid = committed_notification()

    deliver_sms.apply(args=[nid])

    # the outcome is unknown: no failover, and nothing re-sent at once
    assert len(fake_mmg.requests) == 1
    assert fake_firetext.requests == []
    notification, _ = read_notification(nid)
    assert notification.status == "sending"
    assert notification.sent_by == "mmg"
    metrics.assert_incremented("clients.mmg.error", times=1)


def test_check_resends_after_the_grace_period_with_same_reference(
    providers, fake_mmg, committed, committed_notification, read_notification
):
    providers(**{"delivery.grace_period_seconds": "60"})
    nid = committed_notification()
    deliver_sms.apply(args=[nid])
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(
        seconds=61
    )
    set_columns(committed, nid, sent_at=long_ago)

    check_sending.apply(args=[nid, "mmg", 1])
    check_sending.apply(args=[nid, "mmg", 1])

    assert [body["cid"] for body in fake_mmg.json_bodies()] == [nid, nid]
    notification, history = read_notification(nid)
    assert notification.status == "sending"
    assert notification.sent_at > long_ago
    assert history.sent_at == notification.sent_at


def test_check_within_the_grace_period_does_not_resend(
    providers, fake_mmg, committed_notification
):
    providers(**{"delivery.grace_period_seconds": "60"})
    nid = committed_notification()
    deliver_sms.apply(args=[nid])

    check_sending.apply(args=[nid, "mmg", 1])

    assert len(fake_mmg.requests) == 1


@pytest.mark.parametrize("status", ["delivered", "pending"])
def test_check_after_a_receipt_does_not_resend(
    providers, fake_mmg, committed, committed_notification, status
):
    providers(**{"delivery.grace_period_seconds": "60"})
    nid = committed_notification()
    deliver_sms.apply(args=[nid])
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(
        seconds=61
    )
    set_columns(committed, nid, sent_at=long_ago, status=status)

    check_sending.apply(args=[nid, "mmg", 1])

    assert len(fake_mmg.requests) == 1


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("07700900003", "temporary-failure"),
        ("+447700900002", "permanent-failure"),
        ("07700900123", "delivered"),
    ],
)
def test_test_key_sms_is_simulated_by_recipient(
    providers,
    fake_mmg,
    fake_firetext,
    committed_notification,
    read_notification,
    receipts,
    to,
    expected,
):
    providers()
    nid = committed_notification(key_type="test", to=to, normalised_to=to)

    deliver_sms.apply(args=[nid])

    assert fake_mmg.requests == []
    assert fake_firetext.requests == []
    assert receipts == [("mmg", uuid.UUID(nid), expected)]
    notification, history = read_notification(nid)
    assert notification.status == "sending"
    assert notification.sent_by == "mmg"
    assert history is None


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("temp-fail@simulator.notify", "temporary-failure"),
        ("perm-fail@simulator.notify", "permanent-failure"),
        ("someone@example.com", "delivered"),
    ],
)
def test_test_key_email_is_simulated_by_recipient(
    committed_notification, receipts, to, expected
):
    nid = committed_notification("email", key_type="test", to=to)

    deliver_email.apply(args=[nid])

    assert receipts == [("log", uuid.UUID(nid), expected)]


def test_simulated_status_ignores_other_numbers():
    assert simulated_status("sms", "07700900004") == "delivered"
    assert simulated_status("email", "TEMP-FAIL@simulator.notify") == (
        "temporary-failure"
    )


def test_unknown_notification_is_ignored(providers, fake_mmg):
    providers()

    deliver_sms.apply(args=[str(uuid.uuid4())])
    deliver_sms.apply(args=["not-a-uuid"])

    assert fake_mmg.requests == []


def test_log_provider_logs_ids_without_body_or_recipient(
    committed_notification, read_notification, caplog
):
    nid = committed_notification()
    caplog.set_level("INFO", logger="notify_pyramid")

    deliver_sms.apply(args=[nid])

    assert read_notification(nid)[0].sent_by == "log"
    sent = [r for r in caplog.records if r.name.endswith("providers.log")]
    assert [r.notification_id for r in sent] == [nid]
    text = caplog.text
    assert "Ada" not in text
    assert "7700900123" not in text


def test_same_task_delivered_by_racing_workers_sends_once(
    postgres, providers, fake_mmg, committed_notification, read_notification
):
    # as when a broker redelivers a task while its first run is going on
    providers()
    nid = committed_notification()
    racers = 6
    barrier = threading.Barrier(racers)

    def deliver():
        barrier.wait()
        deliver_sms.apply(args=[nid])

    threads = [threading.Thread(target=deliver) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(fake_mmg.requests) == 1
    assert read_notification(nid)[0].status == "sending"
