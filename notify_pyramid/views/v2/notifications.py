"""v2 notifications: send a text message or email, and read them back."""

import functools
import urllib.parse

from pyramid.view import view_config

from ... import tasks
from ...dao.notifications import (
    dao_fetch_notifications_page,
)
from ...errors import BadRequestError, ValidationError
from ...models.notification import FAILURE_STATUSES, STATUSES
from ...models.service import EMAIL_TYPE, SMS_TYPE
from ...notifications.content import render_content
from ...notifications.limits import check_send_limits
from ...notifications.send import send_notification
from ...schemas import NO_NUL, Schema, parse_json_body
from ...security import SERVICE
from ..urls import base_url
from . import fetch_notification, timestamp, validate_uuid

PAGE_SIZE = 250
FAILED = "failed"

_SENDING_PROPERTIES = {
    "template_id": {"type": "string", "format": "uuid"},
    "personalisation": {"type": "object"},
    "reference": {"type": "string", "maxLength": 1000, "pattern": NO_NUL},
}
SEND_SCHEMAS = {
    SMS_TYPE: Schema(
        {
            "type": "object",
            "properties": {
                "phone_number": {"type": "string", "maxLength": 255},
                "sms_sender_id": {"type": ["string", "null"]},
                "scheduled_for": {"type": ["string", "null"]},
                **_SENDING_PROPERTIES,
            },
            "required": ["phone_number", "template_id"],
            "additionalProperties": False,
        }
    ),
    EMAIL_TYPE: Schema(
        {
            "type": "object",
            "properties": {
                "email_address": {"type": "string", "maxLength": 255},
                "email_reply_to_id": {"type": ["string", "null"]},
                "one_click_unsubscribe_url": {
                    "type": "string",
                    "format": "https-uri",
                },
                **_SENDING_PROPERTIES,
            },
            "required": ["email_address", "template_id"],
            "additionalProperties": False,
        }
    ),
}
_RECIPIENT_FIELDS = {SMS_TYPE: "phone_number", EMAIL_TYPE: "email_address"}
_ROUTE_TYPES = {
    "v2.notifications.sms": SMS_TYPE,
    "v2.notifications.email": EMAIL_TYPE,
}

SCHEDULING_NOT_SUPPORTED = "Scheduled notifications are not supported"

LIST_SCHEMA = Schema(
    {
        "type": "object",
        "properties": {
            "reference": {"type": "string", "pattern": NO_NUL},
            "older_than": {"type": "string", "format": "uuid"},
            "include_jobs": {"type": "string"},
        },
        "additionalProperties": False,
    }
)
# these may be given more than once, so are checked one value at a time
_LIST_MULTIPLE = {
    "status": (*STATUSES, FAILED),
    "template_type": (SMS_TYPE, EMAIL_TYPE),
}


@view_config(
    route_name="v2.notifications.sms",
    renderer="json",
    permission=SERVICE,
)
@view_config(
    route_name="v2.notifications.email",
    renderer="json",
    permission=SERVICE,
)
def post_notification(request):
    notification_type = _ROUTE_TYPES[request.matched_route.name]
    check_send_limits(request)
    data = SEND_SCHEMAS[notification_type].validate(parse_json_body(request))

    identity = request.identity
    service = identity.service
    _refuse_unsupported_options(data, service)

    sent = send_notification(
        request.dbsession,
        request.encryptor,
        functools.partial(tasks.queue_after_commit, request),
        service=service,
        api_key_id=identity.api_key_id,
        key_type=identity.key_type,
        notification_type=notification_type,
        template_id=validate_uuid(data["template_id"]),
        to=data[_RECIPIENT_FIELDS[notification_type]],
        personalisation=data.get("personalisation"),
        reference=data.get("reference"),
        one_click_unsubscribe_url=data.get("one_click_unsubscribe_url"),
    )

    base = base_url(request)
    if notification_type == SMS_TYPE:
        content = {"body": sent.body, "from_number": service.sms_sender}
    else:
        content = {
            "body": sent.body,
            "subject": sent.subject,
            "from_email": service.email_from,
        }
    request.response.status_code = 201
    return {
        "id": str(sent.id),
        "reference": sent.reference,
        "content": content,
        "uri": f"{base}/v2/notifications/{sent.id}",
        "template": {
            "id": str(sent.template_id),
            "version": sent.template_version,
            "uri": template_uri(base, sent.template_id, sent.template_version),
        },
        "scheduled_for": None,
    }


def _refuse_unsupported_options(data: dict, service) -> None:
    # a request that asks for something this service cannot do is refused
    # rather than sent without it
    if data.get("scheduled_for") is not None:
        raise BadRequestError(SCHEDULING_NOT_SUPPORTED)
    for field in ("sms_sender_id", "email_reply_to_id"):
        if data.get(field) is not None:
            raise BadRequestError(
                f"{field} {data[field]} does not exist in database for "
                f"service id {service.id}"
            )


@view_config(
    route_name="v2.notifications.get",
    request_method="GET",
    renderer="json",
    permission=SERVICE,
)
def get_notification_by_id(request):
    row = fetch_notification(request)
    return notification_body(request, base_url(request), row)


@view_config(
    route_name="v2.notifications.list",
    request_method="GET",
    renderer="json",
    permission=SERVICE,
)
def get_notifications(request):
    query = _parse_list_query(request.GET)
    statuses = _expand_statuses(query.get("status"))
    older_than = query.get("older_than")

    identity = request.identity
    rows = dao_fetch_notifications_page(
        request.dbsession,
        identity.service.id,
        identity.key_type,
        statuses=statuses,
        notification_types=query.get("template_type"),
        reference=query.get("reference"),
        older_than=validate_uuid(older_than) if older_than else None,
        page_size=PAGE_SIZE,
    )

    base = base_url(request)
    notifications = [notification_body(request, base, row) for row in rows]
    pairs = [(k, v) for k, v in request.GET.items() if k != "older_than"]
    links = {"current": _list_url(base, list(request.GET.items()))}
    if notifications:
        last = notifications[-1]["id"]
        links["next"] = _list_url(base, [*pairs, ("older_than", last)])
    return {"notifications": notifications, "links": links}


def _parse_list_query(params) -> dict:
    single = {
        key: params.getall(key)[-1]
        for key in params
        if key not in _LIST_MULTIPLE
    }
    messages = []
    try:
        LIST_SCHEMA.validate(single)
    except ValidationError as exc:
        messages.extend(exc.messages)

    query = dict(single)
    for key, allowed in _LIST_MULTIPLE.items():
        values = params.getall(key)
        for value in values:
            if value not in allowed:
                message = "{} {} is not one of [{}]".format(
                    key, value, ", ".join(allowed)
                )
                if message not in messages:
                    messages.append(message)
        if values:
            query[key] = values
    if messages:
        raise ValidationError(messages)
    return query


def _expand_statuses(statuses: list[str] | None) -> list[str] | None:
    if not statuses:
        return None
    expanded: list[str] = []
    for status in statuses:
        for one in FAILURE_STATUSES if status == FAILED else (status,):
            if one not in expanded:
                expanded.append(one)
    return expanded


def _list_url(base: str, pairs: list[tuple[str, str]]) -> str:
    url = f"{base}/v2/notifications"
    if pairs:
        url += "?" + urllib.parse.urlencode(pairs)
    return url


def template_uri(base: str, template_id, version: int) -> str:
    return f"{base}/v2/template/{template_id}/version/{version}"


def notification_body(request, base: str, row) -> dict:
    """Return the v2 form of ``(notification, type, content, subject)``."""
    notification, template_type, content, subject = row
    rendered = render_content(
        request.encryptor,
        template_id=notification.template_id,
        template_version=notification.template_version,
        template_type=template_type,
        content=content,
        subject=subject,
        personalisation=notification.personalisation,
    )
    is_email = notification.notification_type == EMAIL_TYPE
    return {
        "id": str(notification.id),
        "reference": notification.client_reference,
        "email_address": notification.to if is_email else None,
        "phone_number": None if is_email else notification.to,
        "line_1": None,
        "line_2": None,
        "line_3": None,
        "line_4": None,
        "line_5": None,
        "line_6": None,
        "postcode": None,
        "type": notification.notification_type,
        "status": notification.status,
        "template": {
            "id": str(notification.template_id),
            "version": notification.template_version,
            "uri": template_uri(
                base, notification.template_id, notification.template_version
            ),
        },
        "body": rendered.body,
        "subject": rendered.subject,
        "created_at": timestamp(notification.created_at),
        "created_by_name": None,
        "sent_at": timestamp(notification.sent_at),
        "completed_at": timestamp(notification.completed_at),
        "scheduled_for": None,
        "postage": None,
        "one_click_unsubscribe_url": notification.one_click_unsubscribe_url,
    }
