import datetime
import logging
import uuid

import pytest

from notify_pyramid.dao.notifications import dao_fetch_history
from notify_pyramid.receipts.process import ReceiptOutcome, apply_receipt
from tests import factories

NOW = datetime.datetime.now(datetime.UTC)


@pytest.fixture
def metrics(statsd_recorder):
    return statsd_recorder


@pytest.fixture
def make_notification(dbsession, sample_template):
    def make(status="sending", **overrides):
        values = {"sent_at": NOW, "sent_by": None}
        values.update(overrides)
        return factories.create_notification(
            dbsession, sample_template, status=status, **values
        )

    return make


def test_a_receipt_moves_the_notification_and_its_history(
    dbsession, make_notification, metrics
):
    notification = make_notification()

    outcome = apply_receipt(dbsession, "mmg", notification.id, "delivered")

    assert outcome is ReceiptOutcome.APPLIED
    history = dao_fetch_history(dbsession, notification.id)
    for row in (notification, history):
        assert row.status == "delivered"
        assert row.sent_by == "mmg"
        assert row.completed_at is not None
        assert row.updated_at == row.completed_at
    assert history.updated_at == notification.updated_at
    metrics.assert_incremented("callback.mmg.delivered", times=1)
    metrics.assert_timed("callback.mmg.elapsed-time")


def test_elapsed_time_is_measured_from_sent_at(
    dbsession, make_notification, metrics
):
    sent_at = NOW - datetime.timedelta(seconds=90)
    notification = make_notification(sent_at=sent_at)

    apply_receipt(dbsession, "firetext", notification.id, "delivered")

    [elapsed] = [
        record.value
        for record in metrics.records
        if record.name.endswith("callback.firetext.elapsed-time")
    ]
    expected = (notification.updated_at - sent_at).total_seconds() * 1000
    assert elapsed == pytest.approx(expected)
    assert elapsed >= 90_000


def test_no_elapsed_time_without_sent_at(
    dbsession, make_notification, metrics
):
    notification = make_notification("created", sent_at=None)

    outcome = apply_receipt(dbsession, "mmg", notification.id, "delivered")

    assert outcome is ReceiptOutcome.APPLIED
    assert notification.status == "delivered"
    metrics.assert_incremented("callback.mmg.delivered", times=1)
    metrics.assert_not_sent("callback.mmg.elapsed-time")


def test_sent_by_is_kept_when_already_set(dbsession, make_notification):
    notification = make_notification(sent_by="firetext")

    apply_receipt(dbsession, "mmg", notification.id, "delivered")

    assert notification.sent_by == "firetext"
    assert dao_fetch_history(dbsession, notification.id).sent_by == "firetext"


def test_an_empty_sent_by_is_filled(dbsession, make_notification):
    notification = make_notification(sent_by="")

    apply_receipt(dbsession, "mmg", notification.id, "delivered")

    assert notification.sent_by == "mmg"


def test_pending_sets_no_completed_at(dbsession, make_notification, metrics):
    notification = make_notification()

    outcome = apply_receipt(dbsession, "firetext", notification.id, "pending")

    assert outcome is ReceiptOutcome.APPLIED
    assert notification.status == "pending"
    assert notification.completed_at is None
    assert notification.updated_at is not None
    metrics.assert_incremented("callback.firetext.pending", times=1)


@pytest.mark.parametrize(
    ("first", "second", "final"),
    [
        ("delivered", "temporary-failure", "delivered"),
        ("temporary-failure", "delivered", "temporary-failure"),
        ("pending", "delivered", "delivered"),
        ("delivered", "pending", "delivered"),
        ("pending", "pending", "pending"),
        ("delivered", "delivered", "delivered"),
    ],
)
def test_only_the_first_of_two_receipts_applies_unless_it_moves_on(
    dbsession, make_notification, metrics, first, second, final
):
    notification = make_notification()

    apply_receipt(dbsession, "firetext", notification.id, first)
    completed_at = notification.completed_at
    outcome = apply_receipt(dbsession, "firetext", notification.id, second)

    assert notification.status == final
    assert dao_fetch_history(dbsession, notification.id).status == final
    if final == first:
        assert outcome is ReceiptOutcome.DUPLICATE
        assert notification.completed_at == completed_at
        metrics.assert_incremented("callback.firetext.duplicate", times=1)
    else:
        assert outcome is ReceiptOutcome.APPLIED
        metrics.assert_not_sent("callback.firetext.duplicate")


def test_a_receipt_before_the_hand_off_applies(dbsession, make_notification):
    notification = make_notification("created", sent_at=None)

    outcome = apply_receipt(dbsession, "mmg", notification.id, "delivered")

    assert outcome is ReceiptOutcome.APPLIED
    assert notification.status == "delivered"


def test_status_if_pending_applies_only_to_a_pending_notification(
    dbsession, make_notification
):
    pending = make_notification("pending")
    sending = make_notification("sending")

    for notification in (pending, sending):
        apply_receipt(
            dbsession,
            "firetext",
            notification.id,
            "permanent-failure",
            status_if_pending="temporary-failure",
        )

    assert pending.status == "temporary-failure"
    assert pending.completed_at is not None
    assert sending.status == "permanent-failure"
    assert dao_fetch_history(dbsession, pending.id).status == (
        "temporary-failure"
    )


def test_an_unknown_notification_is_counted_and_logged(
    dbsession, metrics, caplog
):
    unknown = uuid.uuid4()

    with caplog.at_level(logging.INFO, logger="notify_pyramid"):
        outcome = apply_receipt(
            dbsession, "mmg", unknown, "delivered", raw_status="3"
        )

    assert outcome is ReceiptOutcome.UNKNOWN
    metrics.assert_incremented("callback.mmg.unknown", times=1)
    metrics.assert_not_sent("callback.mmg.delivered")
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.provider == "mmg"
    assert record.reference == str(unknown)
    assert record.status == "delivered"


def test_a_duplicate_is_logged_as_a_warning(
    dbsession, make_notification, metrics, caplog
):
    notification = make_notification("delivered")

    with caplog.at_level(logging.INFO, logger="notify_pyramid"):
        outcome = apply_receipt(
            dbsession, "mmg", notification.id, "temporary-failure"
        )

    assert outcome is ReceiptOutcome.DUPLICATE
    assert notification.status == "delivered"
    metrics.assert_incremented("callback.mmg.duplicate", times=1)
    metrics.assert_not_sent("callback.mmg.temporary-failure")
    metrics.assert_not_sent("callback.mmg.elapsed-time")
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.reference == str(notification.id)
    assert record.status == "temporary-failure"
    assert record.current_status == "delivered"


def test_an_applied_receipt_is_logged_without_the_phone_number(
    dbsession, make_notification, caplog
):
    notification = make_notification()

    with caplog.at_level(logging.INFO, logger="notify_pyramid"):
        apply_receipt(
            dbsession, "mmg", notification.id, "delivered", raw_status="3"
        )

    [record] = [
        r for r in caplog.records if r.getMessage() == "Receipt applied"
    ]
    assert record.levelno == logging.INFO
    assert (record.provider, record.reference) == ("mmg", str(notification.id))
    assert (record.raw_status, record.status) == ("3", "delivered")
    assert notification.to not in str(record.__dict__)


def test_a_test_key_notification_has_no_history_to_change(
    dbsession, sample_service, sample_template
):
    api_key, _ = factories.create_api_key(dbsession, sample_service, "test")
    notification = factories.create_notification(
        dbsession, sample_template, api_key, status="sending"
    )

    outcome = apply_receipt(dbsession, "mmg", notification.id, "delivered")

    assert outcome is ReceiptOutcome.APPLIED
    assert notification.status == "delivered"
    assert dao_fetch_history(dbsession, notification.id) is None


def test_a_status_outside_the_lifecycle_is_a_programming_error(dbsession):
    with pytest.raises(ValueError, match="unknown notification status"):
        apply_receipt(dbsession, "mmg", uuid.uuid4(), "lost")
