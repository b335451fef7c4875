"""Applying a receipt's status to a notification, once and in order."""

import dataclasses
import enum
import logging
import uuid

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from notify_statsd import get_client

from ..dao.notifications import (
    dao_fetch_notification_status,
    dao_update_notification_status_by_id,
)
from ..errors import BadRequestError
from ..notifications import statuses

logger = logging.getLogger(__name__)

#: longest piece of a provider's value repeated in a message or log line
ECHO_LIMIT = 100


class ReceiptOutcome(enum.Enum):
    """What a receipt did to its notification."""

    #: the status moved forward
    APPLIED = "applied"
    #: nothing changed: the same status again, an earlier one, or the
    #: notification was already final
    DUPLICATE = "duplicate"
    #: there is no notification with that id
    UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True)
class Receipt:
    """A provider's receipt, parsed and mapped to this service's words.

    ``raw_status`` is the provider's own status, for logs only.
    ``status_if_pending``, when set, is recorded instead of ``status`` if
    the notification is ``pending`` when the receipt is applied.
    """

    provider: str
    notification_id: uuid.UUID
    raw_status: str
    status: str
    status_if_pending: str | None = None


def echo(value: object) -> str:
    """Return ``value`` as text short enough to repeat in a message."""
    text = value if isinstance(value, str) else repr(value)
    return text[:ECHO_LIMIT]


def parse_reference(value: str) -> uuid.UUID | None:
    """Return the notification id a receipt names, or None if it is not one.

    Only ASCII text that :class:`uuid.UUID` reads is an id.
    """
    if not isinstance(value, str) or not value.isascii():
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def reject(problems: list[str]) -> BadRequestError:
    """Return the 400 error that names every problem of a receipt."""
    return BadRequestError("; ".join(problems))


def process_receipt(
    dbsession: Session | Connection, receipt: Receipt
) -> ReceiptOutcome:
    """Apply a parsed receipt; see :func:`apply_receipt`."""
    return apply_receipt(
        dbsession,
        receipt.provider,
        receipt.notification_id,
        receipt.status,
        raw_status=receipt.raw_status,
        status_if_pending=receipt.status_if_pending,
    )


def apply_receipt(
    dbsession: Session | Connection,
    provider: str,
    notification_id: uuid.UUID,
    status: str,
    *,
    raw_status: str | None = None,
    status_if_pending: str | None = None,
) -> ReceiptOutcome:
    """Move a notification to the ``status`` a provider reported.

    ``status`` is already one of this service's statuses. The change is a
    compare-and-set on the notification and its history row, in the
    caller's transaction: it applies only from a status earlier in the
    lifecycle (see :mod:`notify_pyramid.notifications.statuses`), so of
    identical receipts racing each other exactly one applies. ``dbsession``
    may also be a Core connection outside any session. It fills an
    empty ``sent_by`` with ``provider`` and sets ``completed_at`` for a
    final status. ``status_if_pending`` replaces ``status`` when the
    notification is ``pending``.

    Counts ``callback.<provider>.<status>`` and times
    ``callback.<provider>.elapsed-time`` (since ``sent_at``, when set)
    when the status changed, and ``callback.<provider>.duplicate`` or
    ``callback.<provider>.unknown`` when it did not.

    Returns a :class:`ReceiptOutcome`; raises :class:`ValueError` for a
    ``status`` that is not in the lifecycle.
    """
    change = dao_update_notification_status_by_id(
        dbsession,
        notification_id,
        status,
        allowed_from=statuses.allowed_from(status),
        status_if_pending=status_if_pending,
        sent_by=provider,
    )
    client = get_client()
    fields = {
        "provider": provider,
        "reference": str(notification_id),
        "raw_status": echo(raw_status if raw_status is not None else status),
    }

    if change is None:
        current = dao_fetch_notification_status(dbsession, notification_id)
        if current is None:
            outcome = ReceiptOutcome.UNKNOWN
            message = "Receipt for an unknown notification ignored"
        else:
            outcome = ReceiptOutcome.DUPLICATE
            message = "Receipt that changes nothing ignored"
        client.incr(f"callback.{provider}.{outcome.value}")
        logger.warning(
            message,
            extra={**fields, "status": status, "current_status": current},
        )
        return outcome

    client.incr(f"callback.{provider}.{change.status}")
    if change.sent_at is not None:
        elapsed = change.updated_at - change.sent_at
        client.timing(
            f"callback.{provider}.elapsed-time",
            elapsed.total_seconds() * 1000.0,
        )
    logger.info("Receipt applied", extra={**fields, "status": change.status})
    return ReceiptOutcome.APPLIED
