"""A service set up from nothing through the admin API, then used.

Everything goes over HTTP to a live server: the admin client creates the
service, its key, its guest list and two templates; the official client
sends with that key; the admin client reads the statistics back.
"""

import datetime

import pytest
import requests
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from tests import factories

PHONE = "07123 456789"
EMAIL = "Someone@Example.com"
TRIAL_MODE_REFUSAL = (
    "Can\u2019t send to this recipient when service is in trial mode "
    "\u2013 see https://www.notifications.service.gov.uk/trial-mode"
)


def admin_call(live_server, method, path, body=None, status=200):
    response = requests.request(
        method,
        f"{live_server}{path}",
        json=body,
        headers=dict([factories.admin_auth_header()]),
        timeout=10,
    )
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def test_service_set_up_by_admin_api_sends_and_reports(live_server):
    service = admin_call(
        live_server, "POST", "/service", {"name": "From nothing"}, 201
    )["data"]
    assert service["restricted"] is True
    base = f"/service/{service['id']}"

    key = admin_call(
        live_server,
        "POST",
        f"{base}/api-key",
        {"name": "live key", "key_type": "normal"},
        201,
    )["data"]["key"]
    admin_call(
        live_server,
        "POST",
        f"{base}/guest-list",
        {"email_addresses": [EMAIL], "phone_numbers": [PHONE]},
        204,
    )
    sms_template = admin_call(
        live_server,
        "POST",
        f"{base}/template",
        {"name": "Text", "template_type": "sms", "content": "Hi ((name))"},
        201,
    )["data"]
    email_template = admin_call(
        live_server,
        "POST",
        f"{base}/template",
        {
            "name": "Email",
            "template_type": "email",
            "subject": "Hello ((name))",
            "content": "Dear ((name)), welcome.",
        },
        201,
    )["data"]

    client = NotificationsAPIClient(key, base_url=live_server)
    for name in ("Ada", "Grace"):
        sent = client.send_sms_notification(
            PHONE, sms_template["id"], personalisation={"name": name}
        )
        assert sent["content"]["body"] == f"Hi {name}"
    sent = client.send_email_notification(
        EMAIL, email_template["id"], personalisation={"name": "Ada"}
    )
    assert sent["content"]["subject"] == "Hello Ada"

    # a trial service reaches only its guest list
    with pytest.raises(HTTPError) as refused:
        client.send_sms_notification(
            "07123 456780", sms_template["id"], personalisation={"name": "x"}
        )
    assert refused.value.status_code == 400
    assert refused.value.message == [
        {"error": "BadRequestError", "message": TRIAL_MODE_REFUSAL}
    ]

    statistics = admin_call(
        live_server, "GET", f"{base}/notifications/statistics?days=1"
    )["data"]
    assert statistics["sms"]["requested"] == 2
    assert statistics["email"]["requested"] == 1
    for channel in ("sms", "email"):
        counts = statistics[channel]
        assert counts["delivered"] + counts["failed"] <= counts["requested"]

    [today] = admin_call(live_server, "GET", f"{base}/usage/daily?days=1")[
        "data"
    ]
    assert (
        today["day"] == datetime.datetime.now(datetime.UTC).date().isoformat()
    )
    assert today["sms"] == {"sent": 2, "billable_units": 2}
    assert today["email"]["sent"] == 1

    # the key stops working as soon as it is revoked
    [listed] = admin_call(live_server, "GET", f"{base}/api-keys")["data"]
    admin_call(
        live_server,
        "POST",
        f"{base}/api-key/revoke/{listed['id']}",
        status=202,
    )
    with pytest.raises(HTTPError) as revoked:
        client.send_sms_notification(
            PHONE, sms_template["id"], personalisation={"name": "Ada"}
        )
    assert revoked.value.status_code == 403
    assert revoked.value.message == [
        {"error": "AuthError", "message": "Invalid token: API key revoked"}
    ]
