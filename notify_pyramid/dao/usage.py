"""Data access for the per-service, per-day usage counters.

A counter row holds how many normal and team notifications a service has
created on one UTC day. It is changed only by single atomic statements, so
concurrent transactions never lose an increment and never pass a limit.
"""

import datetime
import uuid

from sqlalchemy import Date, cast, func, select, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from notify_statsd import statsd

from ..models import NotificationHistory, ServiceDailyUsage
from ..models.api_key import KEY_TYPE_NORMAL, KEY_TYPE_TEAM

#: key types whose notifications count towards the daily limit
COUNTED_KEY_TYPES = (KEY_TYPE_NORMAL, KEY_TYPE_TEAM)


def _dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def _upsert(session: Session):
    # both dialects spell INSERT ... ON CONFLICT the same way; statements
    # name the mapped class, not its table, so that the transaction
    # manager sees the session write and commits it
    if _dialect_name(session) == "postgresql":
        return postgresql.insert(ServiceDailyUsage)
    return sqlite.insert(ServiceDailyUsage)


@statsd(namespace="dao")
def dao_reserve_daily_usage(
    session: Session,
    service_id: uuid.UUID,
    day: datetime.date,
    limit: int,
) -> int | None:
    """Add one to a service's counter for ``day`` if it is below ``limit``.

    One statement creates the row or increments it, and only while the
    count is under the limit; a concurrent reservation waits for the row
    lock and then sees the committed count. Returns the new count, or None
    when the limit is already reached (nothing is changed then).
    """
    if limit < 1:
        return None
    stmt = _upsert(session).values(service_id=service_id, day=day, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ServiceDailyUsage.service_id, ServiceDailyUsage.day],
        set_={"count": ServiceDailyUsage.count + 1},
        where=ServiceDailyUsage.count < limit,
    ).returning(ServiceDailyUsage.count)
    return session.execute(stmt).scalar_one_or_none()


@statsd(namespace="dao")
def dao_fetch_daily_usage(
    session: Session, service_id: uuid.UUID, day: datetime.date
) -> int:
    """Return a service's counter for ``day``; 0 when it has none."""
    stmt = select(ServiceDailyUsage.count).where(
        ServiceDailyUsage.service_id == service_id,
        ServiceDailyUsage.day == day,
    )
    return session.execute(stmt).scalar_one_or_none() or 0


@statsd(namespace="dao")
def dao_fetch_daily_usage_counters(
    session: Session, day: datetime.date | None = None
) -> dict[tuple[uuid.UUID, datetime.date], int]:
    """Return every counter, or those of ``day``, keyed by service and day."""
    stmt = select(
        ServiceDailyUsage.service_id,
        ServiceDailyUsage.day,
        ServiceDailyUsage.count,
    )
    if day is not None:
        stmt = stmt.where(ServiceDailyUsage.day == day)
    return {
        (service_id, row_day): count
        for service_id, row_day, count in session.execute(stmt)
    }


def _utc_day(session: Session, column):
    if _dialect_name(session) == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    # SQLite stores the UTC time as text: its first ten characters
    return type_coerce(func.date(column), Date)


@statsd(namespace="dao")
def dao_count_daily_usage_from_history(
    session: Session, day: datetime.date | None = None
) -> dict[tuple[uuid.UUID, datetime.date], int]:
    """Count counted notifications in history per service and UTC day.

    One aggregation in the database; with ``day``, only that UTC day's
    rows are read.
    """
    history = NotificationHistory
    row_day = _utc_day(session, history.created_at).label("day")
    stmt = (
        select(history.service_id, row_day, func.count())
        .where(history.key_type.in_(COUNTED_KEY_TYPES))
        .group_by(history.service_id, row_day)
    )
    if day is not None:
        start = datetime.datetime.combine(day, datetime.time(), datetime.UTC)
        end = start + datetime.timedelta(days=1)
        stmt = stmt.where(
            history.created_at >= start, history.created_at < end
        )
    return {
        (service_id, counted_day): count
        for service_id, counted_day, count in session.execute(stmt)
    }


@statsd(namespace="dao")
def dao_correct_daily_usage(
    session: Session,
    service_id: uuid.UUID,
    day: datetime.date,
    old: int,
    new: int,
) -> bool:
    """Set a counter to ``new`` if it still reads ``old``.

    ``old`` is 0 for a counter that did not exist. Returns False, changing
    nothing, when a send changed the counter since it was read.
    """
    if old == 0:
        # the counter may not exist yet: create it, or take a 0 that does
        stmt = _upsert(session).values(
            service_id=service_id, day=day, count=new
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[
                ServiceDailyUsage.service_id,
                ServiceDailyUsage.day,
            ],
            set_={"count": new},
            where=ServiceDailyUsage.count == old,
        )
    else:
        stmt = (
            update(ServiceDailyUsage)
            .where(
                ServiceDailyUsage.service_id == service_id,
                ServiceDailyUsage.day == day,
                ServiceDailyUsage.count == old,
            )
            .values(count=new)
            .execution_options(synchronize_session=False)
        )
    stmt = stmt.returning(ServiceDailyUsage.count)
    return session.execute(stmt).scalar_one_or_none() is not None
