import uuid

import pytest

from notify_pyramid.models import Notification
from notify_pyramid.tasks import names

from .sending import make_sender


@pytest.fixture
def sender(testapp, dbsession):
    return make_sender(testapp, dbsession)


def queued(tm):
    return [args for _, args, _ in tm.get().getAfterCommitHooks()]


def test_sms_is_sent(sender, tm, dbsession):
    response = sender.post(
        "/notifications/sms",
        {
            "to": "07700900123",
            "template": str(sender.sms_template.id),
            "personalisation": {"name": "Jo"},
        },
    )

    data = response.json["data"]
    notification_id = data["notification"]["id"]
    assert data == {
        "notification": {"id": notification_id},
        "body": "Hello Jo",
        "template_version": 1,
    }
    notification = dbsession.get(Notification, uuid.UUID(notification_id))
    assert notification.normalised_to == "447700900123"
    assert queued(tm) == [(names.DELIVER_SMS, (notification_id,))]


def test_email_is_sent_with_its_subject(sender, tm):
    response = sender.post(
        "/notifications/email",
        {
            "to": "someone@example.com",
            "template": str(sender.email_template.id),
            "personalisation": {"name": "Jo"},
        },
    )
    data = response.json["data"]
    assert data["subject"] == "Subject Jo"
    assert data["body"] == "Hello Jo"
    assert queued(tm) == [(names.DELIVER_EMAIL, (data["notification"]["id"],))]


def test_sent_notification_is_read_back(sender):
    sent = sender.post(
        "/notifications/sms",
        {
            "to": "07700900123",
            "template": str(sender.sms_template.id),
            "personalisation": {"name": "Jo"},
        },
        key_type="test",
    ).json["data"]
    notification_id = sent["notification"]["id"]

    body = sender.get(f"/notifications/{notification_id}").json

    notification = body["data"]["notification"]
    assert notification["id"] == notification_id
    assert notification["to"] == "07700900123"
    assert notification["body"] == "Hello Jo"
    assert notification["status"] == "created"
    assert notification["key_type"] == "test"
    assert notification["template"] == {
        "id": str(sender.sms_template.id),
        "version": 1,
    }


V1_REFUSALS = [
    ("sms", {"to": None}, 400, {"to": ["to is a required property"]}),
    (
        "sms",
        {"template": "nope"},
        400,
        {"template": ["template is not a valid UUID"]},
    ),
    (
        "sms",
        {"extra": 1},
        400,
        {
            "body": [
                "Additional properties are not allowed (extra was unexpected)"
            ]
        },
    ),
    ("sms", {"to": "020 7946 0000"}, 400, {"to": ["Not a UK mobile number"]}),
    ("email", {"to": "nope"}, 400, {"to": ["Not a valid email address"]}),
    ("sms", {"personalisation": {}}, 400, "Missing personalisation: name"),
    ("sms", {"template": str(uuid.UUID(int=1))}, 400, "Template not found"),
]


@pytest.mark.parametrize(
    ("notification_type", "changes", "status", "message"),
    V1_REFUSALS,
)
def test_send_is_refused_in_the_legacy_envelope(
    sender, tm, notification_type, changes, status, message
):
    template = (
        sender.sms_template
        if notification_type == "sms"
        else sender.email_template
    )
    body = {
        "to": "07700900123"
        if notification_type == "sms"
        else "someone@example.com",
        "template": str(template.id),
        "personalisation": {"name": "Jo"},
    }
    body.update(changes)
    body = {k: v for k, v in body.items() if v is not None}

    response = sender.post(
        f"/notifications/{notification_type}", body, status=status
    )

    assert response.json == {"result": "error", "message": message}
    assert queued(tm) == []


def test_unknown_notification_is_not_found(sender):
    response = sender.get(f"/notifications/{uuid.uuid4()}", status=404)
    assert response.json == {"result": "error", "message": "No result found"}


def test_notification_id_must_be_a_uuid(sender):
    response = sender.get("/notifications/nope", status=400)
    assert response.json == {
        "result": "error",
        "message": "notification_id is not a valid UUID",
    }
