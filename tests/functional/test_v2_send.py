import datetime
import json
import uuid

import pytest
from sqlalchemy import select

from notify_pyramid.dao.templates import dao_update_template
from notify_pyramid.models import Notification, NotificationHistory
from notify_pyramid.schemas import MAX_ECHO
from notify_pyramid.tasks import _send_if_committed, names
from tests import factories

from .sending import GUEST_LIST_EMAIL, GUEST_LIST_MOBILE, make_sender


@pytest.fixture
def sender(testapp, dbsession):
    return make_sender(testapp, dbsession)


def sms(sender, **overrides):
    body = {
        "phone_number": "07700 900123",
        "template_id": str(sender.sms_template.id),
        "personalisation": {"name": "Jo"},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def email(sender, **overrides):
    body = {
        "email_address": "someone@example.com",
        "template_id": str(sender.email_template.id),
        "personalisation": {"name": "Jo"},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def queued(tm):
    return [args for _, args, _ in tm.get().getAfterCommitHooks()]


def test_sms_is_sent_and_queued_for_delivery(sender, tm, dbsession):
    response = sender.post(
        "/v2/notifications/sms", sms(sender, reference="ref-1")
    )

    body = response.json
    notification_id = body["id"]
    template = sender.sms_template
    assert body == {
        "id": notification_id,
        "reference": "ref-1",
        "content": {"body": "Hello Jo", "from_number": "NOTIFY"},
        "uri": f"http://example.com/v2/notifications/{notification_id}",
        "template": {
            "id": str(template.id),
            "version": 1,
            "uri": f"http://example.com/v2/template/{template.id}/version/1",
        },
        "scheduled_for": None,
    }
    notification = dbsession.get(Notification, uuid.UUID(notification_id))
    assert notification.normalised_to == "447700900123"
    assert notification.to == "07700 900123"
    assert notification.status == "created"
    assert notification.billable_units == 1
    assert notification.key_type == "normal"
    assert notification.template_version == 1
    # the personalisation is stored encrypted, and no body at all
    assert "Jo" not in notification.personalisation
    assert json.loads(
        factories.ENCRYPTOR.decrypt(notification.personalisation)
    ) == {"name": "Jo"}
    history = dbsession.get(NotificationHistory, notification.id)
    assert history.status == "created"
    assert history.client_reference == "ref-1"
    assert queued(tm) == [(names.DELIVER_SMS, (notification_id,))]
    [(hook, _, _)] = tm.get().getAfterCommitHooks()
    assert hook is _send_if_committed


def test_email_is_sent_and_queued_for_delivery(sender, tm, dbsession):
    response = sender.post(
        "/v2/notifications/email",
        email(sender, one_click_unsubscribe_url="https://example.com/u"),
    )

    body = response.json
    assert body["content"] == {
        "body": "Hello Jo",
        "subject": "Subject Jo",
        "from_email": "notify",
    }
    notification = dbsession.get(Notification, uuid.UUID(body["id"]))
    assert notification.normalised_to == "someone@example.com"
    assert notification.one_click_unsubscribe_url == "https://example.com/u"
    assert notification.billable_units == 0
    assert queued(tm) == [(names.DELIVER_EMAIL, (body["id"],))]


def test_test_key_sends_are_queued_for_delivery_without_history(
    sender, tm, dbsession
):
    response = sender.post("/v2/notifications/sms", sms(sender), "test")

    notification_id = uuid.UUID(response.json["id"])
    assert dbsession.get(Notification, notification_id).key_type == "test"
    assert dbsession.get(NotificationHistory, notification_id) is None
    # the delivery task simulates the receipt instead of calling a provider
    assert queued(tm) == [(names.DELIVER_SMS, (str(notification_id),))]


def test_notification_records_the_template_version_used(sender, dbsession):
    dao_update_template(
        dbsession, sender.sms_template, content="Version two ((name))"
    )
    response = sender.post("/v2/notifications/sms", sms(sender))
    assert response.json["template"]["version"] == 2
    assert response.json["content"]["body"] == "Version two Jo"


def test_long_sms_counts_its_fragments(sender, dbsession):
    response = sender.post(
        "/v2/notifications/sms",
        sms(sender, personalisation={"name": "x" * 301}),
    )
    notification = dbsession.get(Notification, uuid.UUID(response.json["id"]))
    assert notification.billable_units == 3


def test_international_number_is_sent_with_permission(testapp, dbsession):
    sender = make_sender(
        testapp, dbsession, permissions=["sms", "international_sms"]
    )
    response = sender.post(
        "/v2/notifications/sms", sms(sender, phone_number="+33612345678")
    )
    notification = dbsession.get(Notification, uuid.UUID(response.json["id"]))
    assert notification.international is True
    assert notification.normalised_to == "33612345678"


@pytest.mark.parametrize(
    ("key_type", "restricted"),
    [("team", False), ("normal", True), ("team", True)],
)
def test_guest_list_recipients_can_be_reached(
    testapp, dbsession, key_type, restricted
):
    sender = make_sender(testapp, dbsession, restricted=restricted)
    sender.guest(GUEST_LIST_MOBILE, "447700900123")
    sender.guest(GUEST_LIST_EMAIL, "someone@example.com")

    sender.post(
        "/v2/notifications/sms",
        sms(sender, phone_number="+44 7700 900 123"),
        key_type,
    )
    sender.post(
        "/v2/notifications/email",
        email(sender, email_address="SomeOne@Example.com"),
        key_type,
    )


def test_test_key_reaches_anyone_in_trial_mode(testapp, dbsession):
    sender = make_sender(testapp, dbsession, restricted=True)
    sender.post("/v2/notifications/sms", sms(sender), "test")


def test_scheduled_for_null_is_accepted(sender):
    response = sender.post(
        "/v2/notifications/sms", {**sms(sender), "scheduled_for": None}
    )
    assert response.json["scheduled_for"] is None


def test_forwarded_headers_are_ignored_unless_trusted(sender):
    response = sender.post(
        "/v2/notifications/sms",
        sms(sender),
        extra_environ={
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_X_FORWARDED_HOST": "api.example.net",
        },
    )
    assert response.json["uri"].startswith("http://example.com/")


def test_forwarded_headers_are_honoured_when_trusted(sender, monkeypatch):
    settings = sender.testapp.app.registry.settings
    monkeypatch.setitem(settings, "notify.trust_forwarded_headers", True)
    response = sender.post(
        "/v2/notifications/sms",
        sms(sender),
        extra_environ={
            "HTTP_X_FORWARDED_PROTO": "https, http",
            "HTTP_X_FORWARDED_HOST": "api.example.net, proxy.internal",
        },
    )
    assert response.json["uri"].startswith("https://api.example.net/")
    assert response.json["template"]["uri"].startswith(
        "https://api.example.net/v2/template/"
    )


def test_untrustworthy_forwarded_host_is_ignored(sender, monkeypatch):
    settings = sender.testapp.app.registry.settings
    monkeypatch.setitem(settings, "notify.trust_forwarded_headers", True)
    response = sender.post(
        "/v2/notifications/sms",
        sms(sender),
        extra_environ={
            "HTTP_X_FORWARDED_PROTO": "gopher",
            "HTTP_X_FORWARDED_HOST": "evil.example/path?",
        },
    )
    assert response.json["uri"].startswith("http://example.com/")


# every refusal of a send: (name, path, body, setup, status, error, message)
def _archive(sender):
    dao_update_template(sender.dbsession, sender.sms_template, archived=True)


def _no_sms(sender):
    sender.service.permissions = ["email"]
    sender.dbsession.flush()


def _no_email(sender):
    sender.service.permissions = ["sms"]
    sender.dbsession.flush()


def _trial(sender):
    sender.service.restricted = True
    sender.dbsession.flush()


def _empty(sender):
    dao_update_template(
        sender.dbsession, sender.sms_template, content="((x??text))"
    )


TRIAL = (
    "Can’t send to this recipient when service is in trial mode – see "
    "https://www.notifications.service.gov.uk/trial-mode"
)
TEAM = "Can’t send to this recipient using a team-only API key"
LONG = (
    "Your message is too long. Text messages cannot be longer than 918 "
    "characters. Your message is 925 characters long."
)

SEND_REFUSALS = [
    # name, type, body changes, setup, key, status, error, message
    (
        "no phone",
        "sms",
        {"phone_number": None},
        None,
        "normal",
        400,
        "ValidationError",
        "phone_number is a required property",
    ),
    (
        "no email",
        "email",
        {"email_address": None},
        None,
        "normal",
        400,
        "ValidationError",
        "email_address is a required property",
    ),
    (
        "no template",
        "sms",
        {"template_id": None},
        None,
        "normal",
        400,
        "ValidationError",
        "template_id is a required property",
    ),
    (
        "extra key",
        "sms",
        {"to": "x"},
        None,
        "normal",
        400,
        "ValidationError",
        "Additional properties are not allowed (to was unexpected)",
    ),
    (
        "bad uuid",
        "sms",
        {"template_id": "nope"},
        None,
        "normal",
        400,
        "ValidationError",
        "template_id is not a valid UUID",
    ),
    (
        "personalisation",
        "sms",
        {"personalisation": "x"},
        None,
        "normal",
        400,
        "ValidationError",
        "personalisation x is not of type object",
    ),
    (
        "phone type",
        "sms",
        {"phone_number": 7700},
        None,
        "normal",
        400,
        "ValidationError",
        "phone_number 7700 is not of type string",
    ),
    (
        "spaced out phone number",
        "sms",
        {"phone_number": "0" + " " * 300 + "7700900123"},
        None,
        "normal",
        400,
        "ValidationError",
        # only the start of a long wrong value is repeated back
        f"phone_number 0{' ' * (MAX_ECHO - 2)}... is too long",
    ),
    (
        "reference",
        "sms",
        {"reference": "r" * 1001},
        None,
        "normal",
        400,
        "ValidationError",
        f"reference {'r' * (MAX_ECHO - 1)}... is too long",
    ),
    (
        "http unsubscribe",
        "email",
        {"one_click_unsubscribe_url": "http://example.com/u"},
        None,
        "normal",
        400,
        "ValidationError",
        "one_click_unsubscribe_url is not a valid https url",
    ),
    (
        "scheduled",
        "sms",
        {"scheduled_for": "2030-01-01 10:00"},
        None,
        "normal",
        400,
        "BadRequestError",
        "Scheduled notifications are not supported",
    ),
    (
        "email scheduled",
        "email",
        {"scheduled_for": "2030-01-01 10:00"},
        None,
        "normal",
        400,
        "ValidationError",
        "Additional properties are not allowed (scheduled_for was unexpected)",
    ),
    (
        "no sms permission",
        "sms",
        {},
        _no_sms,
        "normal",
        400,
        "BadRequestError",
        "Service is not allowed to send text messages",
    ),
    (
        "no email permission",
        "email",
        {},
        _no_email,
        "normal",
        400,
        "BadRequestError",
        "Service is not allowed to send emails",
    ),
    (
        "unknown template",
        "sms",
        {"template_id": str(uuid.uuid4())},
        None,
        "normal",
        400,
        "BadRequestError",
        "Template not found",
    ),
    (
        "archived",
        "sms",
        {},
        _archive,
        "normal",
        400,
        "BadRequestError",
        "Template has been deleted",
    ),
    (
        "missing",
        "sms",
        {"personalisation": {"other": "x"}},
        None,
        "normal",
        400,
        "BadRequestError",
        "Missing personalisation: name",
    ),
    (
        "null value",
        "sms",
        {"personalisation": {"name": None}},
        None,
        "normal",
        400,
        "BadRequestError",
        "Missing personalisation: name",
    ),
    (
        "empty",
        "sms",
        {"personalisation": {"x": "no"}},
        _empty,
        "normal",
        400,
        "BadRequestError",
        "Your message is empty.",
    ),
    ("team key", "sms", {}, None, "team", 400, "BadRequestError", TEAM),
    (
        "team key email",
        "email",
        {},
        None,
        "team",
        400,
        "BadRequestError",
        TEAM,
    ),
    ("trial mode", "sms", {}, _trial, "normal", 400, "BadRequestError", TRIAL),
    (
        "trial mode email",
        "email",
        {},
        _trial,
        "normal",
        400,
        "BadRequestError",
        TRIAL,
    ),
    (
        "landline",
        "sms",
        {"phone_number": "020 7946 0000"},
        None,
        "normal",
        400,
        "InvalidPhoneError",
        "Not a UK mobile number",
    ),
    (
        "short",
        "sms",
        {"phone_number": "0770090012"},
        None,
        "normal",
        400,
        "InvalidPhoneError",
        "Not enough digits",
    ),
    (
        "letters",
        "sms",
        {"phone_number": "0770090012a"},
        None,
        "normal",
        400,
        "InvalidPhoneError",
        "Must not contain letters or symbols",
    ),
    (
        "international",
        "sms",
        {"phone_number": "+33612345678"},
        None,
        "normal",
        400,
        "BadRequestError",
        "Cannot send to international mobile numbers",
    ),
    (
        "bad email",
        "email",
        {"email_address": "not-an-email"},
        None,
        "normal",
        400,
        "InvalidEmailError",
        "Not a valid email address",
    ),
    (
        "too long",
        "sms",
        {"personalisation": {"name": "x" * 919}},
        None,
        "normal",
        400,
        "BadRequestError",
        LONG,
    ),
    (
        "sms sender",
        "sms",
        {"sms_sender_id": "abc"},
        None,
        "normal",
        400,
        "BadRequestError",
        None,
    ),
    (
        "reply to",
        "email",
        {"email_reply_to_id": "abc"},
        None,
        "normal",
        400,
        "BadRequestError",
        None,
    ),
]


@pytest.mark.parametrize(
    (
        "notification_type",
        "changes",
        "setup",
        "key_type",
        "status",
        "error",
        "message",
    ),
    [case[1:] for case in SEND_REFUSALS],
    ids=[case[0] for case in SEND_REFUSALS],
)
def test_send_is_refused(
    sender,
    tm,
    dbsession,
    notification_type,
    changes,
    setup,
    key_type,
    status,
    error,
    message,
):
    if setup is not None:
        setup(sender)
    body = (sms if notification_type == "sms" else email)(sender, **changes)
    if message is None:
        field = next(iter(changes))
        message = (
            f"{field} {changes[field]} does not exist in database for "
            f"service id {sender.service.id}"
        )

    response = sender.post(
        f"/v2/notifications/{notification_type}", body, key_type, status
    )

    assert response.json == {
        "status_code": status,
        "errors": [{"error": error, "message": message}],
    }
    assert dbsession.scalars(select(Notification)).all() == []
    assert queued(tm) == []


def test_template_of_the_wrong_type_is_refused(sender):
    response = sender.post(
        "/v2/notifications/email",
        email(sender, template_id=str(sender.sms_template.id)),
        status=400,
    )
    assert response.json["errors"] == [
        {
            "error": "BadRequestError",
            "message": "sms template is not suitable for email notification",
        }
    ]


def test_every_schema_violation_is_reported(sender):
    response = sender.post(
        "/v2/notifications/sms",
        {"template_id": "nope", "personalisation": "x", "to": 1},
        status=400,
    )
    assert [e["message"] for e in response.json["errors"]] == [
        "Additional properties are not allowed (to was unexpected)",
        "phone_number is a required property",
        "personalisation x is not of type object",
        "template_id is not a valid UUID",
    ]
    assert {e["error"] for e in response.json["errors"]} == {"ValidationError"}


@pytest.mark.parametrize("body", [b"{", b"not json", b"\xff\xfe", b""])
def test_body_that_is_not_json_is_refused(sender, body):
    response = sender.testapp.post(
        "/v2/notifications/sms",
        body,
        headers=[*sender.headers(), ("Content-Type", "application/json")],
        status=400,
    )
    assert response.json == {
        "status_code": 400,
        "errors": [
            {
                "error": "BadRequestError",
                "message": "Invalid JSON supplied in POST data",
            }
        ],
    }


def test_missing_token_is_refused_in_the_v2_envelope(testapp):
    response = testapp.post_json("/v2/notifications/sms", {}, status=401)
    assert response.json == {
        "status_code": 401,
        "errors": [
            {
                "error": "AuthError",
                "message": (
                    "Unauthorized: authentication token must be provided"
                ),
            }
        ],
    }


def test_unexpected_error_is_a_bare_500_in_the_v2_envelope(
    sender, monkeypatch
):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(
        "notify_pyramid.views.v2.notifications.send_notification", explode
    )
    response = sender.post("/v2/notifications/sms", sms(sender), status=500)
    assert response.json == {
        "status_code": 500,
        "errors": [
            {
                "error": "InternalServerError",
                "message": "Internal server error",
            }
        ],
    }


def test_created_at_is_written_in_utc_with_microseconds(sender):
    response = sender.post("/v2/notifications/sms", sms(sender))
    body = sender.get(f"/v2/notifications/{response.json['id']}").json
    parsed = datetime.datetime.strptime(
        body["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ"
    )
    assert abs(
        parsed.replace(tzinfo=datetime.UTC)
        - datetime.datetime.now(datetime.UTC)
    ) < datetime.timedelta(minutes=1)
