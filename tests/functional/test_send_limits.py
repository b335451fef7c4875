"""The daily and per-minute limits, as clients of the sending API see them."""

import concurrent.futures
import datetime
import uuid

import pytest
import requests
import transaction
from notifications_python_client.authentication import create_jwt_token
from sqlalchemy import func, select

from notify_pyramid.models import (
    Notification,
    NotificationHistory,
    Service,
    ServiceDailyUsage,
    get_tm_session,
)
from tests import factories
from tests.functional.sending import make_sender
from tests.processes import api_processes

SMS = "/v2/notifications/sms"


@pytest.fixture
def sender(testapp, dbsession):
    return make_sender(testapp, dbsession, message_limit=2, rate_limit=1000)


def sms_body(sender):
    return {
        "phone_number": "07700900123",
        "template_id": str(sender.sms_template.id),
        "personalisation": {"name": "Ada"},
    }


def test_send_over_the_daily_limit_is_429(sender):
    sender.post(SMS, sms_body(sender))
    sender.post(SMS, sms_body(sender))
    response = sender.post(SMS, sms_body(sender), status=429)
    assert response.json == {
        "status_code": 429,
        "errors": [
            {
                "error": "TooManyRequestsError",
                "message": "Exceeded send limits (2) for today",
            }
        ],
    }


def test_daily_limit_is_checked_before_the_body_is_parsed(sender):
    sender.post(SMS, sms_body(sender), status=201)
    sender.post(SMS, sms_body(sender), status=201)
    response = sender.testapp.post(
        SMS, "{not json", headers=sender.headers(), status=429
    )
    assert response.json["errors"][0]["error"] == "TooManyRequestsError"


def test_test_keys_do_not_use_the_daily_allowance(sender):
    for _ in range(3):
        sender.post(SMS, sms_body(sender), key_type="test")
    sender.post(SMS, sms_body(sender))
    sender.post(SMS, sms_body(sender))


def test_refused_send_uses_no_allowance(sender):
    bad = {**sms_body(sender), "phone_number": "01234 567890"}
    sender.post(SMS, bad, status=400)
    sender.post(SMS, sms_body(sender))
    sender.post(SMS, sms_body(sender))


def test_v1_send_over_the_daily_limit_uses_the_legacy_envelope(sender):
    body = {"to": "07700900123", "template": str(sender.sms_template.id)}
    body["personalisation"] = {"name": "Ada"}
    for _ in range(2):
        sender.post("/notifications/sms", body)
    response = sender.post("/notifications/sms", body, status=429)
    assert response.json == {
        "result": "error",
        "message": "Exceeded send limits (2) for today",
    }


def test_rate_limit_refuses_with_retry_after(testapp, dbsession):
    sender = make_sender(testapp, dbsession, rate_limit=2)
    sender.post(SMS, sms_body(sender), key_type="test")
    sender.post(SMS, sms_body(sender), key_type="test")
    response = sender.post(SMS, sms_body(sender), key_type="test", status=429)
    assert response.json["errors"] == [
        {
            "error": "RateLimitError",
            "message": "Exceeded rate limit for key type TEST of 2 "
            "requests per 60 seconds",
        }
    ]
    assert int(response.headers["Retry-After"]) >= 1
    # another key type has a bucket of its own
    sender.post(SMS, sms_body(sender), key_type="normal")


def committed_sender(session_factory, message_limit):
    """Create a service, a normal key and a template, and commit them."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(session_factory, manager)
        service = factories.create_service(
            session, message_limit=message_limit, rate_limit=100_000
        )
        _, secret = factories.create_api_key(session, service)
        template = factories.create_template(session, service)
        ids = (str(service.id), secret, str(template.id))
    return ids


def fire(urls, service_id, secret, template_id, total, threads):
    """Send ``total`` SMS from ``threads`` threads over ``urls``."""

    def send(n):
        token = create_jwt_token(secret, service_id)
        response = requests.post(
            urls[n % len(urls)] + SMS,
            json={
                "phone_number": "07700900123",
                "template_id": template_id,
                "personalisation": {"name": "Ada"},
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        return response.status_code

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(send, range(total)))


def counts(session_factory, service_id):
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(session_factory, manager)
        return tuple(
            session.scalar(
                select(func.count()).where(table.service_id == service_id)
            )
            for table in (Notification, NotificationHistory)
        ) + (
            session.scalar(
                select(func.sum(ServiceDailyUsage.count)).where(
                    ServiceDailyUsage.service_id == service_id
                )
            ),
        )


def check_exactly_fifty(committed, urls):
    service_id, secret, template_id = committed_sender(committed, 50)
    statuses = fire(urls, service_id, secret, template_id, 200, 16)
    assert statuses.count(201) == 50
    assert statuses.count(429) == 150
    assert counts(committed, service_id) == (50, 50, 50)


def test_parallel_sends_never_pass_the_daily_limit(
    postgres, committed, live_server
):
    check_exactly_fifty(committed, [live_server])


def test_two_api_processes_never_pass_the_daily_limit(
    postgres, committed, app_settings, tmp_path
):
    with api_processes(tmp_path, app_settings, count=2) as urls:
        check_exactly_fifty(committed, urls)


def test_rate_limit_holds_across_processes_with_redis(
    postgres, committed, app_settings, tmp_path, redis_url
):
    service_id, secret, template_id = committed_sender(committed, 1000)
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(committed, manager)
        service = session.get(Service, uuid.UUID(service_id))
        service.rate_limit = 10
    settings = {**app_settings, "redis.url": redis_url}
    with api_processes(tmp_path, settings, count=2) as urls:
        statuses = fire(urls, service_id, secret, template_id, 30, 4)
    assert statuses.count(201) == 10
    assert statuses.count(429) == 20


def test_a_send_across_midnight_counts_on_the_day_it_is_stamped(
    sender, dbsession, monkeypatch
):
    from notify_pyramid.dao.usage import dao_fetch_daily_usage
    from notify_pyramid.notifications import limits, send

    stamped = datetime.datetime(
        2024, 5, 1, 23, 59, 59, 999_999, tzinfo=datetime.UTC
    )
    monkeypatch.setattr(send, "utcnow", lambda: stamped)
    # the clock has passed midnight by the time the allowance is reserved
    monkeypatch.setattr(limits, "today", lambda: datetime.date(2024, 5, 2))

    response = sender.post(SMS, sms_body(sender), status=201)

    notification = dbsession.get(Notification, uuid.UUID(response.json["id"]))
    assert notification.created_at == stamped
    service_id = sender.service.id
    day = datetime.date(2024, 5, 1)
    assert dao_fetch_daily_usage(dbsession, service_id, day) == 1
    next_day = datetime.date(2024, 5, 2)
    assert dao_fetch_daily_usage(dbsession, service_id, next_day) == 0
