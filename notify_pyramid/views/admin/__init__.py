"""The admin API: services, API keys, guest lists, templates, statistics.

Every view here is reached only with a token signed by the admin client
and answers in the legacy envelope: ``{"data": ...}`` on success,
``{"result": "error", "message": ...}`` on error. An id in the path that
is not a UUID, or names nothing, is answered 404 ``No result found``.
"""

import datetime
import logging
import uuid
from typing import Any

from ...dao.services import dao_fetch_service_by_id
from ...errors import NoResultFound, ValidationError
from ...models import Service
from ...schemas import Schema, parse_json_body

logger = logging.getLogger(__name__)

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

#: the largest value an integer column holds on every database
MAX_INTEGER = 2**31 - 1


def timestamp(value: datetime.datetime | None) -> str | None:
    """Return ``value`` as the API writes times, or None."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).strftime(TIMESTAMP_FORMAT)


def path_uuid(request, name: str) -> uuid.UUID:
    """Return the path segment ``name`` as a UUID, or raise a 404."""
    try:
        return uuid.UUID(request.matchdict[name])
    except ValueError:
        raise NoResultFound() from None


def fetch_service(request) -> Service:
    """Return the service named in the path, or raise a 404."""
    service = dao_fetch_service_by_id(
        request.dbsession, path_uuid(request, "service_id")
    )
    if service is None:
        raise NoResultFound()
    return service


def validated_body(request, schema: Schema) -> dict[str, Any]:
    """Return the JSON body of ``request`` once ``schema`` accepts it.

    Strings holding a NUL character are refused as well: no database
    column can store one.
    """
    data = schema.validate(parse_json_body(request))
    fields = {
        field: [f"{field} must not contain NUL characters"]
        for field, value in data.items()
        if _has_nul(value)
    }
    if fields:
        raise ValidationError(
            [message for messages in fields.values() for message in messages],
            fields=fields,
        )
    return data


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def admin_client_id(request) -> str:
    """Return the id of the admin client that signed the request."""
    return request.identity.client_id
