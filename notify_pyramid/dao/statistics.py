"""Statistics and usage of a service, counted from notification history.

Only ``notification_history`` is read: it keeps every notification sent
with a normal or team key, and outlives the purge of ``notifications``.
Each query is one GROUP BY over the rows of one service since a moment,
which the index on ``(service_id, created_at)`` finds without reading
other services' rows.
"""

import datetime
import uuid

from sqlalchemy import Date, Select, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from notify_statsd import statsd

from ..models import NotificationHistory


class utc_day(FunctionElement):
    """The UTC calendar day of a timestamp column, as a date."""

    type = Date()
    name = "utc_day"
    inherit_cache = True


@compiles(utc_day)
def _utc_day_sqlite(element, compiler, **kw):
    # SQLite stores UTC timestamps as text: the day is its first part
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    return f"CAST(({column} AT TIME ZONE 'UTC') AS DATE)"


def _window(service_id: uuid.UUID, since: datetime.datetime):
    return (
        NotificationHistory.service_id == service_id,
        NotificationHistory.created_at >= since,
    )


def status_totals_query(
    service_id: uuid.UUID, since: datetime.datetime
) -> Select:
    """Return the query behind :func:`dao_fetch_status_totals`."""
    return (
        select(
            NotificationHistory.notification_type,
            NotificationHistory.status,
            func.count().label("count"),
        )
        .where(*_window(service_id, since))
        .group_by(
            NotificationHistory.notification_type,
            NotificationHistory.status,
        )
    )


@statsd(namespace="dao")
def dao_fetch_status_totals(
    session: Session, service_id: uuid.UUID, since: datetime.datetime
) -> dict[str, dict[str, int]]:
    """Count a service's notifications created since ``since``.

    Returns ``{notification_type: {status: count}}`` with only the types
    and statuses that occur.
    """
    totals: dict[str, dict[str, int]] = {}
    for notification_type, status, count in session.execute(
        status_totals_query(service_id, since)
    ):
        totals.setdefault(notification_type, {})[status] = count
    return totals


def daily_usage_query(
    service_id: uuid.UUID, since: datetime.datetime
) -> Select:
    """Return the query behind :func:`dao_fetch_daily_usage`."""
    day = utc_day(NotificationHistory.created_at).label("day")
    return (
        select(
            day,
            NotificationHistory.notification_type,
            func.count().label("sent"),
            func.coalesce(func.sum(NotificationHistory.billable_units), 0),
        )
        .where(*_window(service_id, since))
        .group_by(day, NotificationHistory.notification_type)
    )


@statsd(namespace="dao")
def dao_fetch_daily_usage(
    session: Session, service_id: uuid.UUID, since: datetime.datetime
) -> dict[tuple[datetime.date, str], tuple[int, int]]:
    """Count a service's notifications and billable units per UTC day.

    Returns ``{(day, notification_type): (sent, billable_units)}`` for
    the days and types with at least one notification since ``since``.
    """
    return {
        (day, notification_type): (sent, int(billable_units))
        for day, notification_type, sent, billable_units in session.execute(
            daily_usage_query(service_id, since)
        )
    }
