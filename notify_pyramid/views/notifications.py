"""v1 notifications: the legacy send, over the same domain as v2."""

import functools

from pyramid.view import view_config

from .. import tasks
from ..errors import InvalidEmailError, InvalidPhoneError
from ..models.service import EMAIL_TYPE, SMS_TYPE
from ..notifications.content import render_content
from ..notifications.limits import check_send_limits
from ..notifications.send import send_notification as send
from ..schemas import Schema, parse_json_body
from ..security import SERVICE
from .v2 import fetch_notification, timestamp, validate_uuid

SEND_SCHEMA = Schema(
    {
        "type": "object",
        "properties": {
            "to": {"type": "string", "maxLength": 255},
            "template": {"type": "string", "format": "uuid"},
            "personalisation": {"type": "object"},
        },
        "required": ["to", "template"],
        "additionalProperties": False,
    }
)
_ROUTE_TYPES = {
    "v1.notifications.sms": SMS_TYPE,
    "v1.notifications.email": EMAIL_TYPE,
}


@view_config(
    route_name="v1.notifications.sms", renderer="json", permission=SERVICE
)
@view_config(
    route_name="v1.notifications.email", renderer="json", permission=SERVICE
)
def send_notification(request):
    notification_type = _ROUTE_TYPES[request.matched_route.name]
    check_send_limits(request)
    data = SEND_SCHEMA.validate(parse_json_body(request))

    identity = request.identity
    try:
        sent = send(
            request.dbsession,
            request.encryptor,
            functools.partial(tasks.queue_after_commit, request),
            service=identity.service,
            api_key_id=identity.api_key_id,
            key_type=identity.key_type,
            notification_type=notification_type,
            template_id=validate_uuid(data["template"], "template"),
            to=data["to"],
            personalisation=data.get("personalisation"),
        )
    except (InvalidPhoneError, InvalidEmailError) as exc:
        # the legacy envelope names the field a recipient error is about
        exc.fields = {"to": [exc.message]}
        raise

    body = {
        "notification": {"id": str(sent.id)},
        "body": sent.body,
        "template_version": sent.template_version,
    }
    if notification_type == EMAIL_TYPE:
        body["subject"] = sent.subject
    request.response.status_code = 201
    return {"data": body}


@view_config(
    route_name="v1.notifications.get",
    request_method="GET",
    renderer="json",
    permission=SERVICE,
)
def get_notification_by_id(request):
    notification, template_type, content, subject = fetch_notification(request)
    rendered = render_content(
        request.encryptor,
        template_id=notification.template_id,
        template_version=notification.template_version,
        template_type=template_type,
        content=content,
        subject=subject,
        personalisation=notification.personalisation,
    )
    return {
        "data": {
            "notification": {
                "id": str(notification.id),
                "to": notification.to,
                "notification_type": notification.notification_type,
                "status": notification.status,
                "template": {
                    "id": str(notification.template_id),
                    "version": notification.template_version,
                },
                "body": rendered.body,
                "subject": rendered.subject,
                "reference": notification.client_reference,
                "billable_units": notification.billable_units,
                "key_type": notification.key_type,
                "created_at": timestamp(notification.created_at),
                "sent_at": timestamp(notification.sent_at),
                "sent_by": notification.sent_by,
                "completed_at": timestamp(notification.completed_at),
            }
        }
    }
