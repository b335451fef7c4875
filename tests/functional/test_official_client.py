"""The official Python client, against a real server on a loopback port."""

import datetime
import uuid

import pytest
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient
from sqlalchemy import insert

from notify_pyramid.models import Notification
from notify_pyramid.tasks import names
from tests import factories

BULK = 300


@pytest.fixture
def queued(monkeypatch):
    calls = []

    def record(committed, task_name, args):
        calls.append((committed, task_name, tuple(args)))

    monkeypatch.setattr("notify_pyramid.tasks._send_if_committed", record)
    return calls


@pytest.fixture
def setup(committed):
    session = committed()
    service = factories.create_service(session)
    api_key, secret = factories.create_api_key(session, service, name="live")
    sms = factories.create_template(session, service, "sms")
    email = factories.create_template(session, service, "email")

    # many older notifications, inserted in one statement to be quick
    now = datetime.datetime.now(datetime.UTC)
    session.execute(
        insert(Notification.__table__),
        [
            {
                "id": uuid.uuid4(),
                "service_id": service.id,
                "template_id": sms.id,
                "template_version": 1,
                "api_key_id": api_key.id,
                "key_type": "normal",
                "notification_type": "sms",
                "to": "07700900123",
                "normalised_to": "447700900123",
                "status": "delivered",
                "billable_units": 1,
                "international": False,
                "created_at": now - datetime.timedelta(seconds=i + 1),
            }
            for i in range(BULK)
        ],
    )
    session.commit()
    session.close()
    key = f"live-{service.id}-{secret}"
    return key, service, sms, email


@pytest.fixture
def client(live_server, setup):
    client = NotificationsAPIClient(setup[0], base_url=live_server)
    # an idle keep-alive connection would hold the server's shutdown up
    client.request_session.headers["Connection"] = "close"
    return client


def test_official_client_round_trip(live_server, setup, client, queued):
    _, service, sms, email = setup

    sent_sms = client.send_sms_notification(
        "07700 900 456", str(sms.id), {"name": "Jo"}, reference="r1"
    )
    assert sent_sms["content"] == {"body": "Hello Jo", "from_number": "NOTIFY"}
    assert sent_sms["reference"] == "r1"
    assert sent_sms["uri"] == (
        f"{live_server}/v2/notifications/{sent_sms['id']}"
    )

    sent_email = client.send_email_notification(
        "someone@example.com", str(email.id), {"name": "Al"}
    )
    assert sent_email["content"]["subject"] == "Subject Al"

    # delivery was queued once per send, after each request committed
    assert queued == [
        (True, names.DELIVER_SMS, (sent_sms["id"],)),
        (True, names.DELIVER_EMAIL, (sent_email["id"],)),
    ]

    read = client.get_notification_by_id(sent_sms["id"])
    assert read["phone_number"] == "07700 900 456"
    assert read["body"] == "Hello Jo"
    assert read["status"] == "created"
    assert read["reference"] == "r1"

    first_page = client.get_all_notifications()
    assert len(first_page["notifications"]) == 250
    assert [n["id"] for n in first_page["notifications"][:2]] == [
        sent_email["id"],
        sent_sms["id"],
    ]
    assert "older_than=" in first_page["links"]["next"]

    filtered = client.get_all_notifications(
        status="created", template_type="sms", reference="r1"
    )
    assert [n["id"] for n in filtered["notifications"]] == [sent_sms["id"]]

    everything = list(client.get_all_notifications_iterator())
    assert len(everything) == BULK + 2
    assert len({n["id"] for n in everything}) == BULK + 2

    template = client.get_template(str(email.id))
    assert template["subject"] == "Subject ((name))"
    assert template["personalisation"] == {"name": {"required": True}}
    version = client.get_template_version(str(sms.id), 1)
    assert (version["version"], version["body"]) == (1, "Hello ((name))")
    assert len(client.get_all_templates()["templates"]) == 2
    assert [
        t["id"] for t in client.get_all_templates("email")["templates"]
    ] == [str(email.id)]
    preview = client.post_template_preview(str(email.id), {"name": "Mo"})
    assert (preview["body"], preview["subject"]) == ("Hello Mo", "Subject Mo")

    with pytest.raises(HTTPError) as excinfo:
        client.send_sms_notification(
            "020 7946 0000", str(sms.id), {"name": "x"}
        )
    assert excinfo.value.status_code == 400
    assert excinfo.value.message == [
        {"error": "InvalidPhoneError", "message": "Not a UK mobile number"}
    ]
    assert len(queued) == 2
