"""Data access for handing notifications to providers.

Every status change here is a compare-and-set: an UPDATE whose WHERE
clause holds the state the caller expects, so that two workers, a
duplicate task, or a receipt that arrived first can never be overwritten.
Each change is made to the notification and to its history row alike.
"""

import datetime
import uuid

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from ..models import Notification, NotificationHistory
from ..models.notification import (
    CREATED,
    PENDING,
    SENDING,
    TECHNICAL_FAILURE,
    TEMPORARY_FAILURE,
)

_TABLES = (Notification, NotificationHistory)


def _update_both(session: Session, notification_id, where, values) -> bool:
    # the notification decides; its history row (if any) follows it
    result = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, *where(Notification))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.execute(
        update(NotificationHistory)
        .where(
            NotificationHistory.id == notification_id,
            *where(NotificationHistory),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return True


def dao_claim_notification(
    session: Session,
    notification_id: uuid.UUID,
    provider: str,
    now: datetime.datetime,
) -> bool:
    """Move a ``created`` notification to ``sending`` with ``provider``.

    Returns False, changing nothing, when the notification is not
    ``created`` any more: another task claimed it, or a receipt came first.
    """
    return _update_both(
        session,
        notification_id,
        lambda table: (table.status == CREATED,),
        {
            "status": SENDING,
            "sent_at": now,
            "sent_by": provider,
            "updated_at": now,
        },
    )


def dao_switch_provider(
    session: Session,
    notification_id: uuid.UUID,
    from_provider: str,
    to_provider: str,
    now: datetime.datetime,
) -> bool:
    """Record that a claimed notification now goes to ``to_provider``.

    Returns False when it is no longer ``sending`` with ``from_provider``.
    """
    return _update_both(
        session,
        notification_id,
        lambda table: (
            table.status == SENDING,
            table.sent_by == from_provider,
        ),
        {"sent_by": to_provider, "sent_at": now, "updated_at": now},
    )


def dao_release_claim(
    session: Session,
    notification_id: uuid.UUID,
    provider: str,
    now: datetime.datetime,
) -> bool:
    """Put a claimed notification that no provider took back to ``created``.

    Only for a hand-off every provider clearly refused, so nothing was
    sent. Returns False when it is no longer ``sending`` with ``provider``.
    """
    return _update_both(
        session,
        notification_id,
        lambda table: (table.status == SENDING, table.sent_by == provider),
        {
            "status": CREATED,
            "sent_at": None,
            "sent_by": None,
            "updated_at": now,
        },
    )


def dao_fail_unsent_notification(
    session: Session, notification_id: uuid.UUID, now: datetime.datetime
) -> bool:
    """Mark a ``created`` notification ``technical-failure``.

    For one that no provider would take after every retry. Returns False
    when it is not ``created`` any more.
    """
    return _update_both(
        session,
        notification_id,
        lambda table: (table.status == CREATED,),
        {"status": TECHNICAL_FAILURE, "completed_at": now, "updated_at": now},
    )


def dao_claim_resend(
    session: Session,
    notification_id: uuid.UUID,
    provider: str,
    sent_before: datetime.datetime,
    now: datetime.datetime,
) -> bool:
    """Claim a second hand-off of a notification whose outcome is unknown.

    Succeeds only while the notification is still ``sending`` with
    ``provider`` (no receipt has arrived) and was handed off before
    ``sent_before`` (the grace period is over); it then records ``now``
    as the new hand-off time, so a duplicate check finds nothing to do.
    """
    return _update_both(
        session,
        notification_id,
        lambda table: (
            table.status == SENDING,
            table.sent_by == provider,
            table.sent_at <= sent_before,
        ),
        {"sent_at": now, "updated_at": now},
    )


def _overdue(table, cutoff):
    return and_(
        table.status.in_((SENDING, PENDING)),
        or_(
            table.sent_at < cutoff,
            and_(table.sent_at.is_(None), table.created_at < cutoff),
        ),
    )


def dao_timeout_notifications(
    session: Session,
    cutoff: datetime.datetime,
    now: datetime.datetime,
    limit: int,
) -> int:
    """Fail up to ``limit`` notifications ``sending`` or ``pending`` since
    before ``cutoff`` as ``temporary-failure``; return how many.

    History rows of the same notifications follow.
    """
    ids = list(
        session.scalars(
            select(Notification.id)
            .where(_overdue(Notification, cutoff))
            .limit(limit)
        )
    )
    if not ids:
        return 0
    values = {
        "status": TEMPORARY_FAILURE,
        "completed_at": now,
        "updated_at": now,
    }
    count = 0
    for table in _TABLES:
        result = session.execute(
            update(table)
            .where(table.id.in_(ids), _overdue(table, cutoff))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if table is Notification:
            count = result.rowcount
    return count


def dao_purge_notifications(
    session: Session, cutoff: datetime.datetime, limit: int
) -> int:
    """Delete up to ``limit`` notifications created before ``cutoff``.

    Their history rows stay. Returns how many were deleted.
    """
    ids = list(
        session.scalars(
            select(Notification.id)
            .where(Notification.created_at < cutoff)
            .order_by(Notification.created_at)
            .limit(limit)
        )
    )
    if not ids:
        return 0
    result = session.execute(
        delete(Notification)
        .where(Notification.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def dao_fetch_stuck_notifications(
    session: Session,
    created_after: datetime.datetime,
    untouched_since: datetime.datetime,
    limit: int,
) -> list[tuple[uuid.UUID, str]]:
    """Return ``(id, notification_type)`` of ``created`` notifications
    that nothing has touched since ``untouched_since``.

    Only those created after ``created_after``: older ones are past the
    point where sending them would still be useful.
    """
    stmt = (
        select(Notification.id, Notification.notification_type)
        .where(
            Notification.status == CREATED,
            Notification.created_at > created_after,
            Notification.created_at < untouched_since,
            or_(
                Notification.updated_at.is_(None),
                Notification.updated_at < untouched_since,
            ),
        )
        .order_by(Notification.created_at)
        .limit(limit)
    )
    return [(row.id, row.notification_type) for row in session.execute(stmt)]


def dao_touch_created_notifications(
    session: Session, ids: list[uuid.UUID], now: datetime.datetime
) -> None:
    """Stamp ``updated_at`` on those of ``ids`` still ``created``."""
    session.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.status == CREATED)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
