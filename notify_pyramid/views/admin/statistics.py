"""Admin views that report what a service sent, from history alone."""

import datetime

from pyramid.view import view_config

from ...dao.statistics import dao_fetch_daily_usage, dao_fetch_status_totals
from ...errors import ValidationError
from ...models.meta import utcnow
from ...models.notification import (
    DELIVERED,
    FAILURE_STATUSES,
    NOTIFICATION_TYPES,
)
from ...security import ADMIN
from . import fetch_service

DEFAULT_DAYS = 7
MAX_DAYS = 366
BAD_DAYS = f"days must be a whole number from 1 to {MAX_DAYS}"


def _days(request) -> int:
    value = request.GET.get("days", str(DEFAULT_DAYS))
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_DAYS:
        return int(value)
    raise ValidationError([BAD_DAYS], fields={"days": [BAD_DAYS]})


@view_config(
    route_name="admin.statistics.notifications",
    renderer="json",
    permission=ADMIN,
)
def get_notification_statistics(request):
    """Counts per channel over the last ``days`` days (rolling).

    ``requested`` counts every notification, ``delivered`` the delivered
    ones and ``failed`` those in a failure status.
    """
    service = fetch_service(request)
    since = utcnow() - datetime.timedelta(days=_days(request))
    totals = dao_fetch_status_totals(request.dbsession, service.id, since)

    data = {}
    for notification_type in NOTIFICATION_TYPES:
        counts = totals.get(notification_type, {})
        data[notification_type] = {
            "requested": sum(counts.values()),
            "delivered": counts.get(DELIVERED, 0),
            "failed": sum(
                counts.get(status, 0) for status in FAILURE_STATUSES
            ),
        }
    return {"data": data}


@view_config(
    route_name="admin.statistics.usage_daily",
    renderer="json",
    permission=ADMIN,
)
def get_daily_usage(request):
    """Notifications and billable units per channel, per UTC day.

    The last ``days`` days up to today, oldest first; a day without
    traffic is answered with zeros.
    """
    service = fetch_service(request)
    today = utcnow().date()
    first_day = today - datetime.timedelta(days=_days(request) - 1)
    since = datetime.datetime.combine(
        first_day, datetime.time(), tzinfo=datetime.UTC
    )
    usage = dao_fetch_daily_usage(request.dbsession, service.id, since)

    days = []
    day = first_day
    while day <= today:
        entry: dict = {"day": day.isoformat()}
        for notification_type in NOTIFICATION_TYPES:
            sent, units = usage.get((day, notification_type), (0, 0))
            entry[notification_type] = {"sent": sent, "billable_units": units}
        days.append(entry)
        day += datetime.timedelta(days=1)
    return {"data": days}
