"""Identical receipts racing each other change a notification once."""

import concurrent.futures
import datetime
import json
import logging
import threading
import time

import pytest
import requests
import webtest

from notify_pyramid.dao.notifications import dao_fetch_history
from notify_pyramid.models import Notification
from notify_pyramid.receipts.process import ReceiptOutcome, apply_receipt
from tests import factories
from tests.processes import api_processes

MMG_URL = "/notifications/sms/mmg"
THREADS = 8

pytestmark = pytest.mark.postgres


@pytest.fixture
def metrics(statsd_recorder):
    return statsd_recorder


@pytest.fixture
def notification_id(postgres, committed):
    session = committed()
    service = factories.create_service(session)
    template = factories.create_template(session, service)
    api_key, _ = factories.create_api_key(session, service)
    notification = factories.create_notification(
        session,
        template,
        api_key,
        status="sending",
        sent_at=datetime.datetime.now(datetime.UTC),
    )
    session.commit()
    session.close()
    return notification.id


def read_back(committed, notification_id):
    session = committed()
    try:
        notification = session.get(Notification, notification_id)
        history = dao_fetch_history(session, notification_id)
        return notification, history
    finally:
        session.close()


def post_receipt(app, notification_id, status=3):
    # a TestApp of its own: its own session and transaction, really
    # committed, like a request from another connection
    return webtest.TestApp(app).post(
        MMG_URL,
        params=json.dumps({"CID": str(notification_id), "status": status}),
        content_type="application/json",
        expect_errors=True,
    )


def test_eight_identical_receipts_at_once_change_the_notification_once(
    app, committed, notification_id, metrics, caplog
):
    barrier = threading.Barrier(THREADS)
    answers = []

    def send():
        barrier.wait()
        response = post_receipt(app, notification_id)
        answers.append((response.status_int, response.json))

    threads = [threading.Thread(target=send) for _ in range(THREADS)]
    with caplog.at_level(logging.INFO, logger="notify_pyramid.receipts"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert answers == [(200, {"result": "success"})] * THREADS
    metrics.assert_incremented("callback.mmg.delivered", times=1)
    metrics.assert_incremented("callback.mmg.duplicate", times=THREADS - 1)
    applied = [
        r for r in caplog.records if r.getMessage() == "Receipt applied"
    ]
    assert len(applied) == 1
    notification, history = read_back(committed, notification_id)
    assert notification.status == history.status == "delivered"
    assert notification.sent_by == history.sent_by == "mmg"
    assert notification.updated_at == history.updated_at
    assert notification.completed_at == history.completed_at
    assert notification.completed_at is not None


def test_a_receipt_waiting_on_another_sees_its_change(
    app, committed, notification_id, metrics
):
    first = committed()
    outcome = apply_receipt(first, "mmg", notification_id, "delivered")
    assert outcome is ReceiptOutcome.APPLIED
    answers = []
    second = threading.Thread(
        target=lambda: answers.append(
            post_receipt(app, notification_id, status=4).status_int
        )
    )

    # the second receipt waits on the row the first has changed
    second.start()
    time.sleep(0.5)
    assert second.is_alive()
    first.commit()
    first.close()
    second.join(timeout=30)

    assert answers == [200]
    metrics.assert_incremented("callback.mmg.duplicate", times=1)
    metrics.assert_not_sent("callback.mmg.temporary-failure")
    notification, history = read_back(committed, notification_id)
    assert notification.status == history.status == "delivered"


def test_two_api_processes_apply_racing_receipts_once_each(
    postgres, committed, app_settings, tmp_path
):
    # many notifications, each receiving the same delivery receipt four
    # times at once, spread over two server processes: every answer is
    # 200, and each notification and its history row end up the same
    # (the in-process test above counts that exactly one applied)
    session = committed()
    service = factories.create_service(session)
    template = factories.create_template(session, service)
    api_key, _ = factories.create_api_key(session, service)
    ids = [
        factories.create_notification(
            session,
            template,
            api_key,
            status="sending",
            sent_at=datetime.datetime.now(datetime.UTC),
        ).id
        for _ in range(25)
    ]
    session.commit()
    session.close()
    copies = 4

    with api_processes(tmp_path, app_settings, count=2) as urls:
        jobs = [
            (urls[copy % 2], notification_id)
            for notification_id in ids
            for copy in range(copies)
        ]

        def post(job):
            url, notification_id = job
            body = {"CID": str(notification_id), "status": "3"}
            return requests.post(url + MMG_URL, json=body, timeout=30)

        with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
            answers = list(pool.map(post, jobs))

    assert [answer.status_code for answer in answers] == [200] * len(jobs)
    for notification_id in ids:
        notification, history = read_back(committed, notification_id)
        assert notification.status == history.status == "delivered"
        assert notification.sent_by == history.sent_by == "mmg"
        assert notification.updated_at == history.updated_at
        assert notification.completed_at == history.completed_at
