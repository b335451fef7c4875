"""Data access for notifications and their history."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify_statsd import statsd

from ..models import Notification, NotificationHistory
from ..models.api_key import KEY_TYPE_TEST

#: columns a history row shares with its notification
HISTORY_COLUMNS = tuple(
    column.key
    for column in NotificationHistory.__table__.columns
    if column.key in Notification.__table__.columns
)


def history_from_notification(
    notification: Notification,
) -> NotificationHistory:
    """Return the history row of ``notification``: no personal data."""
    return NotificationHistory(
        **{name: getattr(notification, name) for name in HISTORY_COLUMNS}
    )


@statsd(namespace="dao")
def dao_create_notification(
    session: Session, notification: Notification
) -> Notification:
    """Insert ``notification`` and, unless it is a test, its history row.

    Both are written in the caller's transaction, so either both land or
    neither does.
    """
    session.add(notification)
    session.flush()
    if notification.key_type != KEY_TYPE_TEST:
        session.add(history_from_notification(notification))
        session.flush()
    return notification


@statsd(namespace="dao")
def dao_fetch_notification(
    session: Session, notification_id: uuid.UUID
) -> Notification | None:
    """Return a notification by id, or None."""
    return session.get(Notification, notification_id)


@statsd(namespace="dao")
def dao_fetch_notification_for_service(
    session: Session, service_id: uuid.UUID, notification_id: uuid.UUID
) -> Notification | None:
    """Return a service's notification by id, or None."""
    stmt = select(Notification).where(
        Notification.id == notification_id,
        Notification.service_id == service_id,
    )
    return session.scalars(stmt).first()


@statsd(namespace="dao")
def dao_fetch_history(
    session: Session, notification_id: uuid.UUID
) -> NotificationHistory | None:
    """Return the history row of a notification, or None."""
    return session.get(NotificationHistory, notification_id)
