"""Periodic tasks, scheduled by beat: timeouts, the purge, the re-queue.

Each works through its rows in batches, one transaction a batch, so that
no run holds many locks for long.
"""

import datetime
import logging

from notify_statsd import statsd

from ..dao.delivery import (
    dao_fetch_stuck_notifications,
    dao_purge_notifications,
    dao_timeout_notifications,
    dao_touch_created_notifications,
)
from ..models.meta import utcnow
from . import celery_app, names, task_transaction
from .delivery import EMAIL_TYPE, SMS_TYPE, deliver_email, deliver_sms

logger = logging.getLogger(__name__)


@celery_app.task(name=names.TIMEOUT_NOTIFICATIONS)
@statsd(namespace="tasks")
def timeout_notifications() -> int:
    """Fail as ``temporary-failure`` what is still ``sending`` or
    ``pending`` after the timeout period (72 hours); return how many.
    """
    settings = celery_app.registry.settings
    now = utcnow()
    cutoff = now - datetime.timedelta(
        hours=settings["delivery.sending_timeout_hours"]
    )
    total = _in_batches(
        lambda session, batch: dao_timeout_notifications(
            session, cutoff, now, batch
        )
    )
    logger.info("Timed out notifications", extra={"count": total})
    return total


@celery_app.task(name=names.PURGE_NOTIFICATIONS)
@statsd(namespace="tasks")
def purge_notifications() -> int:
    """Delete notifications older than the retention period.

    Their history rows stay. Return how many were deleted.
    """
    settings = celery_app.registry.settings
    cutoff = utcnow() - datetime.timedelta(
        days=settings["notify.retention_days"]
    )
    total = _in_batches(
        lambda session, batch: dao_purge_notifications(session, cutoff, batch)
    )
    logger.info("Purged notifications", extra={"count": total})
    return total


@celery_app.task(name=names.REQUEUE_CREATED)
@statsd(namespace="tasks")
def requeue_created() -> int:
    """Queue again the notifications left ``created`` for too long.

    Covers a broker that was down when the API queued them. Return how
    many were queued.
    """
    settings = celery_app.registry.settings
    now = utcnow()
    untouched_since = now - datetime.timedelta(
        seconds=settings["delivery.requeue_after_seconds"]
    )
    created_after = now - datetime.timedelta(
        hours=settings["delivery.sending_timeout_hours"]
    )
    with task_transaction() as session:
        stuck = dao_fetch_stuck_notifications(
            session,
            created_after,
            untouched_since,
            settings["delivery.purge_batch_size"],
        )
        # the next sweep leaves them alone while this queueing is tried
        dao_touch_created_notifications(
            session, [nid for nid, _ in stuck], now
        )

    tasks = {SMS_TYPE: deliver_sms, EMAIL_TYPE: deliver_email}
    for nid, notification_type in stuck:
        tasks[notification_type].apply_async(args=[str(nid)])
    if stuck:
        logger.warning(
            "Queued stuck notifications again", extra={"count": len(stuck)}
        )
    return len(stuck)


def _in_batches(step) -> int:
    """Run ``step(session, batch)`` until it does less than a batch.

    Each run is its own short transaction, so locks stay brief on a
    large backlog; returns the total done.
    """
    batch = celery_app.registry.settings["delivery.purge_batch_size"]
    total = 0
    while True:
        with task_transaction() as session:
            count = step(session, batch)
        total += count
        if count < batch:
            return total
