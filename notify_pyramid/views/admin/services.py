"""Admin views that create, read and update services and guest lists."""

import logging

from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy.exc import IntegrityError

from ...dao.services import (
    dao_create_service,
    dao_replace_guest_list,
    dao_service_name_taken,
    dao_update_service,
)
from ...errors import ValidationError
from ...models import Service
from ...models.service import (
    GUEST_LIST_EMAIL,
    GUEST_LIST_MOBILE,
    LIVE_MESSAGE_LIMIT,
    SERVICE_PERMISSIONS,
    TRIAL_MESSAGE_LIMIT,
)
from ...notifications.guest_list import (
    InvalidRecipient,
    normalise_email_address,
    normalise_phone_number,
)
from ...schemas import Schema
from ...security import ADMIN
from . import (
    MAX_INTEGER,
    admin_client_id,
    fetch_service,
    timestamp,
    validated_body,
)

logger = logging.getLogger(__name__)

_LIMIT = {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}
SERVICE_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 255},
    "message_limit": _LIMIT,
    "rate_limit": _LIMIT,
    "restricted": {"type": "boolean"},
    "permissions": {
        "type": "array",
        "items": {"enum": list(SERVICE_PERMISSIONS)},
        "uniqueItems": True,
    },
    "sms_sender": {"type": "string", "minLength": 1, "maxLength": 11},
    "email_from": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        # the local part of the address emails are sent from
        "pattern": "^[A-Za-z0-9][A-Za-z0-9._+-]*$",
    },
}

CREATE_SERVICE = Schema(
    {
        "type": "object",
        "properties": SERVICE_FIELDS,
        "required": ["name"],
        "additionalProperties": False,
    }
)
UPDATE_SERVICE = Schema(
    {
        "type": "object",
        "properties": {**SERVICE_FIELDS, "active": {"type": "boolean"}},
        "minProperties": 1,
        "additionalProperties": False,
    }
)


def service_json(service: Service) -> dict:
    """Return the admin API's view of ``service``."""
    return {
        "id": str(service.id),
        "name": service.name,
        "active": service.active,
        "restricted": service.restricted,
        "message_limit": service.message_limit,
        "rate_limit": service.rate_limit,
        "permissions": list(service.permissions or []),
        "sms_sender": service.sms_sender,
        "email_from": service.email_from,
        "created_by": service.created_by,
        "created_at": timestamp(service.created_at),
        "updated_at": timestamp(service.updated_at),
    }


def _canonical(data: dict) -> dict:
    # permissions are kept in one order whatever order they came in
    if "permissions" in data:
        given = set(data["permissions"])
        data["permissions"] = [p for p in SERVICE_PERMISSIONS if p in given]
    for field in ("message_limit", "rate_limit"):
        if field in data:
            data[field] = int(data[field])
    return data


def _name_taken(name: str) -> ValidationError:
    message = f"A service called {name} already exists"
    return ValidationError([message], fields={"name": [message]})


@view_config(
    route_name="admin.services.create",
    renderer="json",
    permission=ADMIN,
)
def create_service(request):
    data = _canonical(validated_body(request, CREATE_SERVICE))
    session = request.dbsession

    if dao_service_name_taken(session, data["name"]):
        raise _name_taken(data["name"])

    restricted = data.setdefault("restricted", True)
    data.setdefault(
        "message_limit",
        TRIAL_MESSAGE_LIMIT if restricted else LIVE_MESSAGE_LIMIT,
    )
    service = Service(created_by=admin_client_id(request), **data)
    try:
        dao_create_service(session, service)
    except IntegrityError:
        # another request took the name since the check; the transaction
        # is rolled back as the error is answered
        raise _name_taken(data["name"]) from None

    logger.info(
        "Service created",
        extra={
            "admin_client_id": admin_client_id(request),
            "service_id": str(service.id),
            "fields": sorted(data),
        },
    )
    request.response.status_code = 201
    return {"data": service_json(service)}


@view_config(
    route_name="admin.services.get",
    renderer="json",
    permission=ADMIN,
)
def get_service(request):
    return {"data": service_json(fetch_service(request))}


@view_config(
    route_name="admin.services.update",
    renderer="json",
    permission=ADMIN,
)
def update_service(request):
    service = fetch_service(request)
    data = _canonical(validated_body(request, UPDATE_SERVICE))
    session = request.dbsession

    if "name" in data and dao_service_name_taken(
        session, data["name"], except_id=service.id
    ):
        raise _name_taken(data["name"])

    try:
        dao_update_service(session, service, **data)
    except IntegrityError:
        if "name" not in data:
            raise
        raise _name_taken(data["name"]) from None

    logger.info(
        "Service updated",
        extra={
            "admin_client_id": admin_client_id(request),
            "service_id": str(service.id),
            "fields": sorted(data),
        },
    )
    return {"data": service_json(service)}


UPDATE_GUEST_LIST = Schema(
    {
        "type": "object",
        "properties": {
            "email_addresses": {
                "type": "array",
                "items": {"type": "string", "maxLength": 255},
            },
            "phone_numbers": {
                "type": "array",
                "items": {"type": "string", "maxLength": 255},
            },
        },
        "required": ["email_addresses", "phone_numbers"],
        "additionalProperties": False,
    }
)


def _normalised_entries(data: dict) -> list[tuple[str, str]]:
    entries = []
    fields: dict[str, list[str]] = {}
    checks = (
        ("email_addresses", GUEST_LIST_EMAIL, normalise_email_address),
        ("phone_numbers", GUEST_LIST_MOBILE, normalise_phone_number),
    )
    for field, recipient_type, normalise in checks:
        for value in data[field]:
            try:
                entries.append((recipient_type, normalise(value)))
            except InvalidRecipient as exc:
                fields.setdefault(field, []).append(f"{value}: {exc}")
    if fields:
        raise ValidationError(
            [message for messages in fields.values() for message in messages],
            fields=fields,
        )
    return entries


@view_config(
    route_name="admin.guest_list.update",
    permission=ADMIN,
)
def update_guest_list(request):
    service = fetch_service(request)
    data = validated_body(request, UPDATE_GUEST_LIST)
    entries = _normalised_entries(data)

    dao_replace_guest_list(request.dbsession, service.id, entries)

    logger.info(
        "Guest list replaced",
        extra={
            "admin_client_id": admin_client_id(request),
            "service_id": str(service.id),
            "email_addresses": len(data["email_addresses"]),
            "phone_numbers": len(data["phone_numbers"]),
        },
    )
    return Response(status=204)
