import datetime
import uuid

import transaction
from sqlalchemy import func, select, update

from notify_pyramid.models import (
    Notification,
    NotificationHistory,
    get_tm_session,
)
from notify_pyramid.tasks.periodic import (
    purge_notifications,
    requeue_created,
    timeout_notifications,
)


def ago(**kwargs):
    return datetime.datetime.now(datetime.UTC) - datetime.timedelta(**kwargs)


def set_columns(committed, notification_id, **values):
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(committed, manager)
        for table in (Notification, NotificationHistory):
            session.execute(
                update(table)
                .where(table.id == uuid.UUID(notification_id))
                .values(**values)
            )


def test_timeout_fails_only_what_is_overdue(
    committed, committed_notification, read_notification
):
    overdue_sending = committed_notification()
    set_columns(
        committed, overdue_sending, status="sending", sent_at=ago(hours=73)
    )
    overdue_pending = committed_notification()
    set_columns(
        committed, overdue_pending, status="pending", sent_at=ago(hours=80)
    )
    recent = committed_notification()
    set_columns(committed, recent, status="sending", sent_at=ago(hours=71))
    final = committed_notification()
    set_columns(committed, final, status="delivered", sent_at=ago(hours=90))

    count = timeout_notifications.apply().get()

    assert count == 2
    for nid in (overdue_sending, overdue_pending):
        notification, history = read_notification(nid)
        assert notification.status == history.status == "temporary-failure"
        assert notification.completed_at is not None
        assert history.completed_at == notification.completed_at
    assert read_notification(recent)[0].status == "sending"
    assert read_notification(final)[0].status == "delivered"
    assert read_notification(final)[0].completed_at is None


def test_timeout_works_in_batches(
    delivery_app, committed, committed_notification, read_notification
):
    delivery_app(**{"delivery.purge_batch_size": "2"})
    ids = [committed_notification() for _ in range(5)]
    for nid in ids:
        set_columns(committed, nid, status="sending", sent_at=ago(hours=73))

    assert timeout_notifications.apply().get() == 5

    assert {read_notification(nid)[0].status for nid in ids} == {
        "temporary-failure"
    }


def test_purge_deletes_old_notifications_and_keeps_history(
    delivery_app, committed, committed_notification, read_notification
):
    delivery_app(**{"delivery.purge_batch_size": "2"})
    old = [committed_notification(created_at=ago(days=8)) for _ in range(3)]
    old_test = committed_notification(key_type="test", created_at=ago(days=9))
    young = committed_notification(created_at=ago(days=6))

    assert purge_notifications.apply().get() == 4

    for nid in old:
        notification, history = read_notification(nid)
        assert notification is None
        assert history is not None
    assert read_notification(old_test) == (None, None)
    assert read_notification(young)[0] is not None
    with committed() as session:
        assert session.scalar(select(func.count(NotificationHistory.id))) == 4


def test_requeue_sends_what_was_left_created(
    committed, committed_notification, read_notification
):
    stuck = committed_notification(created_at=ago(minutes=20))
    fresh = committed_notification(created_at=ago(minutes=1))
    too_old = committed_notification(created_at=ago(hours=80))

    assert requeue_created.apply().get() == 1

    assert read_notification(stuck)[0].status == "sending"
    assert read_notification(fresh)[0].status == "created"
    assert read_notification(too_old)[0].status == "created"
