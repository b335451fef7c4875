"""Sending: every check of a new notification, then persist-and-queue.

:func:`send_notification` applies the checks in the order clients are told
about their failures (permission, template, personalisation, recipient,
message length) and hands over to :func:`persist_and_queue`, the one place
that writes a new notification and queues its next task.
"""

import dataclasses
import datetime
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from ..crypto import Encryptor
from ..dao.notifications import dao_insert_notification
from ..dao.templates import dao_fetch_template_for_sending
from ..errors import BadRequestError
from ..models.meta import utcnow
from ..models.notification import CREATED
from ..models.service import EMAIL_TYPE, SMS_TYPE, ServiceSnapshot
from ..tasks import names
from .limits import reserve_daily_allowance
from .recipients import (
    check_recipient_allowed,
    validate_recipient,
)
from .templates import (
    check_sms_length,
    parsed_template,
    render_for_sending,
    sms_fragment_count,
)

logger = logging.getLogger(__name__)

#: queues a task by name with string arguments once the transaction commits
Queue = Callable[..., None]

_NOT_ALLOWED = {
    SMS_TYPE: "Service is not allowed to send text messages",
    EMAIL_TYPE: "Service is not allowed to send emails",
}
_DELIVERY_TASKS = {
    SMS_TYPE: names.DELIVER_SMS,
    EMAIL_TYPE: names.DELIVER_EMAIL,
}


@dataclasses.dataclass(frozen=True)
class SentNotification:
    """What a client is told about a notification it has just sent."""

    id: uuid.UUID
    notification_type: str
    reference: str | None
    template_id: uuid.UUID
    template_version: int
    body: str
    subject: str | None
    created_at: datetime.datetime


def send_notification(
    dbsession,
    encryptor: Encryptor,
    queue: Queue,
    *,
    service: ServiceSnapshot,
    api_key_id: uuid.UUID,
    key_type: str,
    notification_type: str,
    template_id: uuid.UUID,
    to: str,
    personalisation: Mapping[str, Any] | None = None,
    reference: str | None = None,
    one_click_unsubscribe_url: str | None = None,
) -> SentNotification:
    """Check a new notification, persist it and queue its delivery.

    Raises BadRequestError (or InvalidPhoneError / InvalidEmailError) with
    the client's message for the first check that fails; nothing is
    written then.
    """
    if not service.has_permission(notification_type):
        raise BadRequestError(_NOT_ALLOWED[notification_type])

    template = dao_fetch_template_for_sending(
        dbsession, service.id, template_id
    )
    if template is None:
        raise BadRequestError("Template not found")
    if template.template_type != notification_type:
        raise BadRequestError(
            f"{template.template_type} template is not suitable for "
            f"{notification_type} notification"
        )
    if template.archived:
        raise BadRequestError("Template has been deleted")
    parsed = parsed_template(
        template.id,
        template.version,
        template.template_type,
        template.content,
        template.subject,
    )
    rendered = render_for_sending(parsed, personalisation)

    check_recipient_allowed(
        dbsession, service, key_type, notification_type, to
    )
    recipient = validate_recipient(service, notification_type, to)

    billable_units = 0
    if notification_type == SMS_TYPE:
        check_sms_length(rendered.body)
        billable_units = sms_fragment_count(rendered.body)

    notification_id = uuid.uuid4()
    created_at = utcnow()
    persist_and_queue(
        dbsession,
        queue,
        service=service,
        values={
            "id": notification_id,
            "service_id": service.id,
            "template_id": template.id,
            "template_version": template.version,
            "api_key_id": api_key_id,
            "key_type": key_type,
            "notification_type": notification_type,
            "to": recipient.to,
            "normalised_to": recipient.normalised,
            "personalisation": encrypt_personalisation(
                encryptor, personalisation
            ),
            "client_reference": reference,
            "provider_reference": None,
            "international": recipient.international,
            "status": CREATED,
            "billable_units": billable_units,
            "created_at": created_at,
            "sent_at": None,
            "sent_by": None,
            "updated_at": None,
            "completed_at": None,
            "one_click_unsubscribe_url": one_click_unsubscribe_url,
        },
    )
    return SentNotification(
        id=notification_id,
        notification_type=notification_type,
        reference=reference,
        template_id=template.id,
        template_version=template.version,
        body=rendered.body,
        subject=rendered.subject,
        created_at=created_at,
    )


def persist_and_queue(
    dbsession, queue: Queue, *, service: ServiceSnapshot, values: dict
) -> None:
    """Write a new notification and queue its next task after commit.

    The notification and, for normal and team keys, its history row are
    inserted in the caller's transaction. Its delivery is queued to run
    once that transaction commits, and is never queued if it rolls back.
    """
    # the daily allowance is taken in this transaction: a rollback, or a
    # refusal here, gives it back; it is counted on the day the
    # notification is stamped with, which history and recounts go by
    reserve_daily_allowance(
        dbsession,
        service,
        values["key_type"],
        values["created_at"].date(),
    )
    dao_insert_notification(dbsession, values)

    # the delivery task claims a test key's notification like any other,
    # then simulates its receipt instead of calling a provider
    notification_id = str(values["id"])
    queue(_DELIVERY_TASKS[values["notification_type"]], notification_id)
    logger.info(
        "Notification created",
        extra={
            "notification_id": notification_id,
            "service_id": str(service.id),
            "notification_type": values["notification_type"],
            "key_type": values["key_type"],
        },
    )


def encrypt_personalisation(
    encryptor: Encryptor, personalisation: Mapping[str, Any] | None
) -> str | None:
    """Return ``personalisation`` as encrypted JSON, or None if empty."""
    if not personalisation:
        return None
    return encryptor.encrypt(json.dumps(personalisation))


def decrypt_personalisation(
    encryptor: Encryptor, stored: str | None
) -> dict[str, Any]:
    """Return the personalisation :func:`encrypt_personalisation` stored."""
    if not stored:
        return {}
    return json.loads(encryptor.decrypt(stored))
