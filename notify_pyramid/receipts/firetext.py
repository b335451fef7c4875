"""Firetext's delivery receipts: form-encoded fields.

The fields are ``mobile`` (the phone number, never logged), ``status``
(required), ``reference`` (the notification id, required), ``time`` and
``code``, which says why a message failed. An empty field is a missing one.
"""

import logging
from collections.abc import Mapping

from ..notifications.statuses import (
    DELIVERED,
    PENDING,
    PERMANENT_FAILURE,
    TECHNICAL_FAILURE,
    TEMPORARY_FAILURE,
    status_when_pending,
)
from .process import Receipt, echo, parse_reference, reject

logger = logging.getLogger(__name__)

PROVIDER = "firetext"

FAILED = "1"

#: Firetext's statuses and what they mean here; anything else is a
#: technical failure
STATUS_MAP = {
    "0": DELIVERED,
    FAILED: PERMANENT_FAILURE,
    "2": PENDING,
}

#: failure codes that say whether a failed message may get through later
CODE_MAP = {
    "000": TEMPORARY_FAILURE,
    "101": PERMANENT_FAILURE,
    "102": TEMPORARY_FAILURE,
    "103": TEMPORARY_FAILURE,
    "104": TEMPORARY_FAILURE,
    "201": PERMANENT_FAILURE,
    "301": PERMANENT_FAILURE,
    "302": TEMPORARY_FAILURE,
    "401": PERMANENT_FAILURE,
    "900": TEMPORARY_FAILURE,
}


def map_status(
    raw_status: str, code: str | None = None
) -> tuple[str, str | None]:
    """Return what Firetext's ``raw_status`` and ``code`` mean here.

    The answer is ``(status, status_if_pending)``. A failure whose code is
    known is temporary or permanent as the code says. A failure without a
    known code is permanent, unless the notification was already
    ``pending``: then ``status_if_pending`` makes it temporary. An
    unrecognised status is a technical failure, and logged as an error.
    """
    if raw_status == FAILED:
        status = CODE_MAP.get(code or "")
        if status is not None:
            return status, None
        return PERMANENT_FAILURE, status_when_pending(PERMANENT_FAILURE)
    status = STATUS_MAP.get(raw_status)
    if status is None:
        logger.error(
            "Firetext receipt status not recognised",
            extra={"provider": PROVIDER, "raw_status": echo(raw_status)},
        )
        return TECHNICAL_FAILURE, None
    return status, None


def parse_firetext_receipt(form: Mapping[str, str]) -> Receipt:
    """Return the receipt in Firetext's form fields.

    Raises :class:`~notify_pyramid.errors.BadRequestError` naming every
    missing field and an unusable reference.
    """
    problems = []
    reference = (form.get("reference") or "").strip()
    notification_id = None
    if not reference:
        problems.append("Firetext callback failed: reference missing")
    else:
        notification_id = parse_reference(reference)
        if notification_id is None:
            problems.append(
                f"Firetext callback with invalid reference {echo(reference)}"
            )

    raw_status = (form.get("status") or "").strip()
    if not raw_status:
        problems.append("Firetext callback failed: status missing")

    if problems:
        raise reject(problems)
    code = (form.get("code") or "").strip() or None
    status, status_if_pending = map_status(raw_status, code)
    return Receipt(
        provider=PROVIDER,
        notification_id=notification_id,
        raw_status=raw_status if code is None else f"{raw_status}/{code}",
        status=status,
        status_if_pending=status_if_pending,
    )
