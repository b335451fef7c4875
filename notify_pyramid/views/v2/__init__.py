"""The v2 public API, compatible with GOV.UK Notify's clients."""

import datetime
import uuid

from ...errors import ValidationError

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def timestamp(value: datetime.datetime | None) -> str | None:
    """Return ``value`` in UTC as the API writes times, or None."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).strftime(TIMESTAMP_FORMAT)


def validate_uuid(value: str, field: str = "template_id") -> uuid.UUID:
    """Return ``value`` as a UUID, or raise ``<field> is not a valid UUID``."""
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        raise ValidationError([f"{field} is not a valid UUID"]) from None
