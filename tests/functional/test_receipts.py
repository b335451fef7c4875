import datetime
import json
import logging
import uuid

import pytest
import webtest

from notify_pyramid.dao.notifications import dao_fetch_history
from notify_pyramid.models.meta import utcnow
from tests import factories

MMG_URL = "/notifications/sms/mmg"
FIRETEXT_URL = "/notifications/sms/firetext"
SUCCESS = {"result": "success"}


@pytest.fixture
def metrics(statsd_recorder):
    return statsd_recorder


@pytest.fixture
def make_notification(dbsession, sample_template):
    def make(status="sending"):
        sent_at = None
        if status != "created":
            sent_at = datetime.datetime.now(datetime.UTC)
        return factories.create_notification(
            dbsession, sample_template, status=status, sent_at=sent_at
        )

    return make


def post_mmg(testapp, body, expect=200, content_type="application/json"):
    return testapp.post(
        MMG_URL,
        params=json.dumps(body),
        content_type=content_type,
        status=expect,
    )


def post_firetext(testapp, form, expect=200):
    return testapp.post(FIRETEXT_URL, params=form, status=expect)


def receipt(testapp, notification, firetext_status):
    form = {"reference": str(notification.id), "status": firetext_status}
    return post_firetext(testapp, form)


@pytest.mark.parametrize(
    ("raw_status", "expected"),
    [
        (2, "permanent-failure"),
        (3, "delivered"),
        ("3", "delivered"),
        (4, "temporary-failure"),
        (5, "permanent-failure"),
        (7, "technical-failure"),
        ("unheard of", "technical-failure"),
    ],
)
def test_mmg_receipt_sets_the_mapped_status(
    testapp, dbsession, make_notification, metrics, raw_status, expected
):
    notification = make_notification()

    response = post_mmg(
        testapp,
        {"CID": str(notification.id), "status": raw_status, "MSISDN": "4477"},
    )

    assert response.json == SUCCESS
    assert notification.status == expected
    assert dao_fetch_history(dbsession, notification.id).status == expected
    assert notification.sent_by == "mmg"
    assert notification.completed_at is not None
    metrics.assert_incremented(f"callback.mmg.{expected}", times=1)
    metrics.assert_timed("callback.mmg.elapsed-time")


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", "application/x-www-form-urlencoded"],
)
def test_mmg_body_is_json_whatever_the_content_type(
    testapp, make_notification, content_type
):
    notification = make_notification()

    post_mmg(
        testapp,
        {"CID": str(notification.id), "status": "3"},
        content_type=content_type,
    )

    assert notification.status == "delivered"


@pytest.mark.parametrize(
    ("form", "before", "expected"),
    [
        ({"status": "0"}, "sending", "delivered"),
        ({"status": "2"}, "sending", "pending"),
        ({"status": "1"}, "sending", "permanent-failure"),
        ({"status": "1"}, "pending", "temporary-failure"),
        ({"status": "1", "code": "999"}, "pending", "temporary-failure"),
        ({"status": "1", "code": "000"}, "sending", "temporary-failure"),
        ({"status": "1", "code": "102"}, "sending", "temporary-failure"),
        ({"status": "1", "code": "103"}, "sending", "temporary-failure"),
        ({"status": "1", "code": "104"}, "sending", "temporary-failure"),
        ({"status": "1", "code": "302"}, "sending", "temporary-failure"),
        ({"status": "1", "code": "900"}, "sending", "temporary-failure"),
        ({"status": "1", "code": "101"}, "sending", "permanent-failure"),
        ({"status": "1", "code": "201"}, "sending", "permanent-failure"),
        ({"status": "1", "code": "301"}, "sending", "permanent-failure"),
        ({"status": "1", "code": "401"}, "sending", "permanent-failure"),
        ({"status": "1", "code": "401"}, "pending", "permanent-failure"),
        ({"status": "9"}, "sending", "technical-failure"),
    ],
)
def test_firetext_receipt_sets_the_mapped_status(
    testapp, dbsession, make_notification, metrics, form, before, expected
):
    notification = make_notification(before)

    response = post_firetext(
        testapp, {"reference": str(notification.id), "mobile": "4477", **form}
    )

    assert response.json == SUCCESS
    assert notification.status == expected
    assert dao_fetch_history(dbsession, notification.id).status == expected
    assert notification.sent_by == "firetext"
    metrics.assert_incremented(f"callback.firetext.{expected}", times=1)


def test_delivered_then_temporary_failure_stays_delivered(
    testapp, make_notification, metrics
):
    notification = make_notification()

    post_mmg(testapp, {"CID": str(notification.id), "status": 3})
    completed_at = notification.completed_at
    response = post_mmg(testapp, {"CID": str(notification.id), "status": 4})

    assert response.json == SUCCESS
    assert notification.status == "delivered"
    assert notification.completed_at == completed_at
    metrics.assert_incremented("callback.mmg.delivered", times=1)
    metrics.assert_incremented("callback.mmg.duplicate", times=1)
    metrics.assert_not_sent("callback.mmg.temporary-failure")


def test_pending_then_delivered_ends_delivered(
    testapp, make_notification, metrics
):
    notification = make_notification()

    receipt(testapp, notification, "2")
    assert notification.status == "pending"
    receipt(testapp, notification, "0")

    assert notification.status == "delivered"
    metrics.assert_incremented("callback.firetext.pending", times=1)
    metrics.assert_incremented("callback.firetext.delivered", times=1)


def test_delivered_then_pending_stays_delivered(
    testapp, make_notification, metrics
):
    notification = make_notification()

    receipt(testapp, notification, "0")
    receipt(testapp, notification, "2")

    assert notification.status == "delivered"
    metrics.assert_incremented("callback.firetext.duplicate", times=1)


def test_pending_then_failed_is_a_temporary_failure(
    testapp, make_notification
):
    notification = make_notification()

    receipt(testapp, notification, "2")
    receipt(testapp, notification, "1")

    assert notification.status == "temporary-failure"


def test_pending_twice_is_a_duplicate(testapp, make_notification, metrics):
    notification = make_notification()

    receipt(testapp, notification, "2")
    receipt(testapp, notification, "2")

    assert notification.status == "pending"
    metrics.assert_incremented("callback.firetext.pending", times=1)
    metrics.assert_incremented("callback.firetext.duplicate", times=1)


def test_a_receipt_before_the_hand_off_applies(
    testapp, make_notification, metrics
):
    notification = make_notification("created")

    post_mmg(testapp, {"CID": str(notification.id), "status": 3})

    assert notification.status == "delivered"
    assert notification.sent_by == "mmg"
    metrics.assert_incremented("callback.mmg.delivered", times=1)
    metrics.assert_not_sent("callback.mmg.elapsed-time")


@pytest.mark.parametrize("provider", ["mmg", "firetext"])
def test_an_unknown_notification_is_answered_200_and_counted(
    testapp, metrics, caplog, provider
):
    reference = str(uuid.uuid4())

    with caplog.at_level(logging.WARNING, logger="notify_pyramid"):
        if provider == "mmg":
            response = post_mmg(testapp, {"CID": reference, "status": 3})
        else:
            response = post_firetext(
                testapp, {"reference": reference, "status": "0"}
            )

    assert response.json == SUCCESS
    metrics.assert_incremented(f"callback.{provider}.unknown", times=1)
    metrics.assert_not_sent(f"callback.{provider}.delivered")
    [record] = caplog.records
    assert (record.provider, record.reference, record.status) == (
        provider,
        reference,
        "delivered",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"CID": "abc", "status": 3},
            "MMG callback with invalid reference abc",
        ),
        (
            {"reference": "mmg-1", "MSISDN": "447700900123"},
            "MMG callback failed: CID missing; "
            "MMG callback failed: status missing",
        ),
    ],
)
def test_mmg_bad_receipt_is_400_naming_every_problem(testapp, body, message):
    response = post_mmg(testapp, body, expect=400)
    assert response.json == {"result": "error", "message": message}
    assert "447700900123" not in response.text


def test_mmg_body_that_is_not_json_is_400(testapp):
    response = testapp.post(
        MMG_URL,
        params=b"{not json",
        content_type="application/json",
        status=400,
    )
    assert response.json == {
        "result": "error",
        "message": "Invalid JSON supplied in POST data",
    }


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"reference": "abc", "status": "0"},
            "Firetext callback with invalid reference abc",
        ),
        (
            {"mobile": "447700900123", "status": "", "reference": ""},
            "Firetext callback failed: reference missing; "
            "Firetext callback failed: status missing",
        ),
    ],
)
def test_firetext_bad_receipt_is_400_naming_every_problem(
    testapp, form, message
):
    response = post_firetext(testapp, form, expect=400)
    assert response.json == {"result": "error", "message": message}
    assert "447700900123" not in response.text


def test_firetext_form_is_read_without_a_form_content_type(
    testapp, make_notification
):
    notification = make_notification()

    testapp.post(
        FIRETEXT_URL,
        params=f"status=0&reference={notification.id}",
        content_type="text/plain",
    )

    assert notification.status == "delivered"


def test_firetext_multipart_form_is_read(testapp, make_notification):
    notification = make_notification()

    testapp.post(
        FIRETEXT_URL,
        params={"status": "0", "reference": str(notification.id)},
        content_type="multipart/form-data",
    )

    assert notification.status == "delivered"


@pytest.mark.parametrize("url", [MMG_URL, FIRETEXT_URL])
def test_receipts_need_no_authorization(testapp, url):
    response = testapp.post(
        url,
        params="",
        headers={"Authorization": "Bearer nonsense"},
        status=400,
    )
    assert response.json["result"] == "error"


@pytest.mark.parametrize("url", [MMG_URL, FIRETEXT_URL])
def test_only_post_is_allowed(testapp, url):
    testapp.get(url, status=405)


@pytest.fixture
def receipt_tokens(app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "mmg.receipt_token", "mmg-t0k")
    monkeypatch.setitem(
        app.registry.settings, "firetext.receipt_token", "f1re-t0k"
    )


@pytest.mark.parametrize(
    "query", ["", "?token=", "?token=wrong", "?tok=mmg-t0k", "?token=%FF"]
)
def test_mmg_without_its_token_is_refused_when_one_is_set(
    testapp, make_notification, receipt_tokens, metrics, query
):
    notification = make_notification()

    response = testapp.post(
        MMG_URL + query,
        params=json.dumps({"CID": str(notification.id), "status": 3}),
        status=403,
    )

    assert response.json == {
        "result": "error",
        "message": "Forbidden: receipt token missing or wrong",
    }
    assert notification.status == "sending"
    metrics.assert_not_sent("callback.mmg.delivered")


def test_mmg_with_its_token_is_applied(
    testapp, make_notification, receipt_tokens
):
    notification = make_notification()

    testapp.post(
        MMG_URL + "?token=mmg-t0k",
        params=json.dumps({"CID": str(notification.id), "status": 3}),
    )

    assert notification.status == "delivered"


def test_firetext_token_is_its_own(testapp, make_notification, receipt_tokens):
    notification = make_notification()
    form = {"reference": str(notification.id), "status": "0"}

    testapp.post(FIRETEXT_URL + "?token=mmg-t0k", params=form, status=403)
    assert notification.status == "sending"
    testapp.post(FIRETEXT_URL + "?token=f1re-t0k", params=form)

    assert notification.status == "delivered"


def test_token_is_checked_before_the_body(testapp, receipt_tokens):
    response = testapp.post(MMG_URL, params=b"{not json", status=403)
    assert response.json["message"] == (
        "Forbidden: receipt token missing or wrong"
    )


def test_a_receipt_commits_on_its_own_connection(
    app, committed_notification, read_notification
):
    # no session given to the request: the receipt runs as it does in
    # production, outside the request's transaction (autocommit on
    # PostgreSQL), and is read back from another connection
    notification_id = committed_notification(
        status="sending", sent_at=utcnow()
    )
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "x.test"})

    testapp.post_json(
        "/notifications/sms/mmg",
        {"CID": notification_id, "status": "3", "reference": "mmg-1"},
    )
    testapp.post(
        "/notifications/sms/firetext",
        {"reference": notification_id, "status": "1"},
    )

    notification, history = read_notification(notification_id)
    assert (notification.status, history.status) == ("delivered",) * 2
    assert notification.sent_by == history.sent_by == "mmg"
    assert notification.completed_at == history.completed_at is not None
