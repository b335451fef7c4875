"""The v2 public API, compatible with GOV.UK Notify's clients."""

import datetime
import uuid

from ...dao.notifications import dao_fetch_notification_with_template
from ...errors import NoResultFound, ValidationError

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


def fetch_notification(request):
    """Return the caller's notification named in the path.

    The row comes with its template version's type, content and subject.
    Raises a ValidationError for an id that is not a UUID, and
    NoResultFound when the caller's service has no such notification.
    """
    notification_id = validate_uuid(request.matchdict["id"], "notification_id")
    row = dao_fetch_notification_with_template(
        request.dbsession, request.identity.service.id, notification_id
    )
    if row is None:
        raise NoResultFound()
    return row
