"""Data access for notifications and their history."""

import dataclasses
import datetime
import functools
import uuid

from sqlalchemy import (
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import identity_key
from zope.sqlalchemy import mark_changed

from notify_statsd import statsd

from ..models import Notification, NotificationHistory, TemplateHistory
from ..models.api_key import KEY_TYPE_TEST
from ..models.meta import utcnow
from ..models.notification import FINAL_STATUSES, PENDING

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


_INSERT_NOTIFICATION = insert(Notification.__table__)
_INSERT_HISTORY = insert(NotificationHistory.__table__)


@statsd(namespace="dao")
def dao_insert_notification(session: Session, values: dict) -> None:
    """Insert a notification, and its history row unless it is a test.

    ``values`` holds every column of the notification. Core statements,
    because the unit of work adds nothing to two plain inserts; the
    session is marked changed so that its transaction commits them.
    """
    # straight to the connection: the session adds nothing to Core inserts
    connection = session.connection()
    connection.execute(_INSERT_NOTIFICATION, values)
    if values["key_type"] != KEY_TYPE_TEST:
        history = {name: values[name] for name in HISTORY_COLUMNS}
        connection.execute(_INSERT_HISTORY, history)
    mark_changed(session)


#: a notification with the template version it was rendered from
_WITH_TEMPLATE = (
    Notification,
    TemplateHistory.template_type,
    TemplateHistory.content,
    TemplateHistory.subject,
)


def _join_template_version(stmt):
    return stmt.join(
        TemplateHistory,
        and_(
            TemplateHistory.id == Notification.template_id,
            TemplateHistory.version == Notification.template_version,
        ),
    )


# built once: constructing it cost more than running it from the cache
_FETCH_WITH_TEMPLATE = _join_template_version(select(*_WITH_TEMPLATE)).where(
    Notification.id == bindparam("notification_id"),
    Notification.service_id == bindparam("service_id"),
)


@statsd(namespace="dao")
def dao_fetch_notification_with_template(
    session: Session, service_id: uuid.UUID, notification_id: uuid.UUID
):
    """Return ``(notification, template_type, content, subject)`` or None.

    One statement: the service's notification joined to the template
    version it was rendered from.
    """
    params = {"notification_id": notification_id, "service_id": service_id}
    return session.execute(_FETCH_WITH_TEMPLATE, params).first()


@statsd(namespace="dao")
def dao_fetch_notifications_page(
    session: Session,
    service_id: uuid.UUID,
    key_type: str,
    *,
    statuses: list[str] | None = None,
    notification_types: list[str] | None = None,
    reference: str | None = None,
    older_than: uuid.UUID | None = None,
    page_size: int = 250,
):
    """Return a page of a service's notifications, newest first.

    Only notifications sent with keys of ``key_type``; each row is
    ``(notification, template_type, content, subject)``. ``older_than``
    names a notification: the page starts after it (after nothing when it
    is unknown). One statement, on the (service, key type, created at)
    index.
    """
    stmt = _join_template_version(select(*_WITH_TEMPLATE)).where(
        Notification.service_id == service_id,
        Notification.key_type == key_type,
    )
    if statuses:
        stmt = stmt.where(Notification.status.in_(statuses))
    if notification_types:
        stmt = stmt.where(
            Notification.notification_type.in_(notification_types)
        )
    if reference is not None:
        stmt = stmt.where(Notification.client_reference == reference)
    if older_than is not None:
        # (created_at, id) strictly before the named notification's
        anchor = aliased(Notification)
        anchor_created = (
            select(anchor.created_at)
            .where(
                anchor.id == older_than,
                anchor.service_id == service_id,
            )
            .scalar_subquery()
        )
        stmt = stmt.where(
            or_(
                Notification.created_at < anchor_created,
                and_(
                    Notification.created_at == anchor_created,
                    Notification.id < older_than,
                ),
            )
        )
    stmt = stmt.order_by(
        Notification.created_at.desc(), Notification.id.desc()
    ).limit(page_size)
    return session.execute(stmt).all()


@dataclasses.dataclass(frozen=True)
class StatusChange:
    """What a conditional status update wrote to a notification."""

    status: str
    sent_at: datetime.datetime | None
    sent_by: str | None
    updated_at: datetime.datetime
    completed_at: datetime.datetime | None

    FIELDS = ("status", "sent_at", "sent_by", "updated_at", "completed_at")


@statsd(namespace="dao")
def dao_update_notification_status_by_id(
    session: Session | Connection,
    notification_id: uuid.UUID,
    status: str,
    *,
    allowed_from: tuple[str, ...],
    status_if_pending: str | None = None,
    sent_by: str | None = None,
) -> StatusChange | None:
    """Move a notification to ``status`` if it is in ``allowed_from``.

    A single conditional UPDATE, so that of concurrent callers exactly one
    finds the row in an allowed status and changes it: no read-then-write
    race. ``status_if_pending`` is written instead of ``status`` when the
    notification is ``pending``; ``sent_by`` fills an empty ``sent_by``;
    ``completed_at`` is set when the new status is final. The history row,
    if there is one, gets the same change in the same transaction.

    ``session`` may be a Core connection, for a caller that runs this
    outside any session (on PostgreSQL it is then safe in autocommit mode:
    it is one statement there).

    Returns the :class:`StatusChange` written, or None when the
    notification does not exist or is not in an allowed status.
    """
    if status_if_pending is not None and (
        (status in FINAL_STATUSES) != (status_if_pending in FINAL_STATUSES)
    ):
        raise ValueError("status_if_pending must be as final as status")
    if not allowed_from:
        return None
    with_pending_case = (
        status_if_pending is not None and PENDING in allowed_from
    )
    shape = (
        with_pending_case,
        status in FINAL_STATUSES,
        sent_by is not None,
        tuple(allowed_from),
    )
    params = {
        "p_id": notification_id,
        "p_status": status,
        "p_status_if_pending": status_if_pending,
        "p_now": utcnow(),
        "p_sent_by": sent_by,
    }
    in_session = isinstance(session, Session)
    connection = session.connection() if in_session else session
    if connection.dialect.name == "postgresql":
        # one round trip: the history UPDATE rides on the notification's
        stmt = _status_update_with_history(*shape)
        row = connection.execute(stmt, params).one_or_none()
        change = None if row is None else StatusChange(*row)
    else:
        row = connection.execute(_status_update(*shape), params)
        row = row.one_or_none()
        change = None if row is None else StatusChange(*row[1:])
        if change is not None:
            connection.execute(
                _HISTORY_UPDATE,
                {
                    "p_id": notification_id,
                    "p_status": change.status,
                    "p_sent_by": change.sent_by,
                    "p_updated_at": change.updated_at,
                    "p_completed_at": change.completed_at,
                },
            )
    if change is not None and in_session:
        # a copy of either row already in the session would now be stale
        _expire_cached(session, Notification, notification_id)
        _expire_cached(session, NotificationHistory, notification_id)
    return change


_NOTIFICATIONS = Notification.__table__
_HISTORY = NotificationHistory.__table__
_TIMESTAMP = _NOTIFICATIONS.c.updated_at.type


# Core statements on the tables, each shape built once: the ORM's bulk
# UPDATE machinery, and building the statement anew, cost more than the
# round trip; no instance needs syncing. The statuses allowed are part of
# the shape (they come from a short fixed list): an IN of a list given at
# run time would have SQLAlchemy render the SQL anew on every execution
@functools.cache
def _status_update(
    with_pending_case: bool,
    final: bool,
    with_sent_by: bool,
    allowed_from: tuple[str, ...],
):
    columns = _NOTIFICATIONS.c
    new_status = bindparam("p_status")
    if with_pending_case:
        new_status = case(
            (columns.status == PENDING, bindparam("p_status_if_pending")),
            else_=new_status,
        )
    now = bindparam("p_now", type_=_TIMESTAMP)
    values = {"status": new_status, "updated_at": now}
    if final:
        values["completed_at"] = now
    if with_sent_by:
        values["sent_by"] = func.coalesce(
            func.nullif(columns.sent_by, ""), bindparam("p_sent_by")
        )
    return (
        update(_NOTIFICATIONS)
        .where(
            columns.id == bindparam("p_id"),
            or_(*(columns.status == allowed for allowed in allowed_from)),
        )
        .values(values)
        .returning(columns.id, *[columns[n] for n in StatusChange.FIELDS])
    )


# the history row mirrors what the notification now holds
_HISTORY_UPDATE = (
    update(_HISTORY)
    .where(_HISTORY.c.id == bindparam("p_id"))
    .values(
        status=bindparam("p_status"),
        sent_by=bindparam("p_sent_by"),
        updated_at=bindparam("p_updated_at", type_=_TIMESTAMP),
        completed_at=bindparam("p_completed_at", type_=_TIMESTAMP),
    )
)


@functools.cache
def _status_update_with_history(*shape):
    # PostgreSQL's data-modifying WITH runs both UPDATEs as one statement;
    # the history row takes what the notification's UPDATE returned
    changed = _status_update(*shape).cte("changed")
    history = (
        update(_HISTORY)
        .where(_HISTORY.c.id == changed.c.id)
        .values(
            status=changed.c.status,
            sent_by=changed.c.sent_by,
            updated_at=changed.c.updated_at,
            completed_at=changed.c.completed_at,
        )
        .cte("history")
    )
    return select(*[changed.c[name] for name in StatusChange.FIELDS]).add_cte(
        history
    )


def _expire_cached(session: Session, model, row_id: uuid.UUID) -> None:
    # a copy of the row already in the session would be stale; expiring it
    # makes the next read fetch what the UPDATE wrote
    instance = session.identity_map.get(identity_key(model, row_id))
    if instance is not None:
        session.expire(instance)


@statsd(namespace="dao")
def dao_fetch_notification_status(
    session: Session | Connection, notification_id: uuid.UUID
) -> str | None:
    """Return the status of a notification, or None if there is none."""
    stmt = select(Notification.status).where(
        Notification.id == notification_id
    )
    return session.scalars(stmt).first()
