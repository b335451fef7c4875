"""MMG's delivery receipts: a JSON object, whatever the Content-Type.

The fields are ``reference`` (MMG's own id for the message), ``CID`` (the
notification id, required), ``MSISDN`` (the phone number, never logged),
``status`` (a string or a number, required), ``substatus`` and
``deliverytime``. Only ``CID`` and ``status`` are used.
"""

import json
import logging
import math

from ..errors import BadRequestError
from ..notifications.statuses import (
    DELIVERED,
    PERMANENT_FAILURE,
    TECHNICAL_FAILURE,
    TEMPORARY_FAILURE,
)
from ..schemas import INVALID_JSON
from .process import Receipt, echo, parse_reference, reject

logger = logging.getLogger(__name__)

PROVIDER = "mmg"

#: MMG's status codes and what they mean here; anything else is a
#: technical failure
STATUS_MAP = {
    "2": PERMANENT_FAILURE,
    "3": DELIVERED,
    "4": TEMPORARY_FAILURE,
    "5": PERMANENT_FAILURE,
}


def map_status(raw_status: str) -> str:
    """Return the notification status that MMG's ``raw_status`` means.

    An unrecognised status is a technical failure, and logged as an error
    since it means MMG is sending something this service does not know.
    """
    status = STATUS_MAP.get(raw_status)
    if status is None:
        logger.error(
            "MMG receipt status not recognised",
            extra={"provider": PROVIDER, "raw_status": echo(raw_status)},
        )
        return TECHNICAL_FAILURE
    return status


def parse_mmg_receipt(body: bytes) -> Receipt:
    """Return the receipt in an MMG request ``body``.

    Raises :class:`~notify_pyramid.errors.BadRequestError` when the body
    is not a JSON object, or naming every missing or unusable field.
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        # ValueError covers bad UTF-8 and integers too long to read
        raise BadRequestError(INVALID_JSON) from None
    if not isinstance(data, dict):
        raise BadRequestError("MMG callback failed: body is not an object")

    problems = []
    reference = data.get("CID")
    notification_id = None
    if _missing(reference):
        problems.append("MMG callback failed: CID missing")
    else:
        notification_id = parse_reference(reference)
        if notification_id is None:
            problems.append(
                f"MMG callback with invalid reference {echo(reference)}"
            )

    raw_status = data.get("status")
    if _missing(raw_status):
        problems.append("MMG callback failed: status missing")
    else:
        raw_status = _status_text(raw_status)
        if raw_status is None:
            problems.append(
                "MMG callback failed: status is not a string or number"
            )

    if problems:
        raise reject(problems)
    return Receipt(
        provider=PROVIDER,
        notification_id=notification_id,
        raw_status=raw_status,
        status=map_status(raw_status),
    )


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _status_text(value: object) -> str | None:
    # MMG sends 3 and "3" alike; a whole float is read as that number
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return _status_text(int(value))
        return repr(value)
    return None
