import logging
import uuid

import pytest

from notify_pyramid.dao.services import (
    dao_fetch_guest_list,
    dao_fetch_service_by_id,
)
from tests import factories


def admin():
    return [factories.admin_auth_header()]


def post(testapp, url, body, status):
    return testapp.post_json(url, body, headers=admin(), status=status)


def test_new_service_is_restricted_with_the_trial_limit(testapp, dbsession):
    response = post(testapp, "/service", {"name": "Tax reminders"}, 201)

    data = response.json["data"]
    assert data["name"] == "Tax reminders"
    assert data["restricted"] is True
    assert data["active"] is True
    assert data["message_limit"] == 50
    assert data["rate_limit"] == 3000
    assert data["permissions"] == ["sms", "email"]
    assert data["created_by"] == factories.ADMIN_CLIENT_ID
    assert data["created_at"].endswith("Z")
    stored = dao_fetch_service_by_id(dbsession, uuid.UUID(data["id"]))
    assert stored.name == "Tax reminders"


def test_live_service_gets_the_live_limit(testapp):
    response = post(
        testapp, "/service", {"name": "Live", "restricted": False}, 201
    )
    assert response.json["data"]["message_limit"] == 250_000


def test_service_is_created_with_every_field(testapp):
    body = {
        "name": "Everything",
        "message_limit": 10,
        "rate_limit": 20,
        "restricted": True,
        "permissions": ["international_sms", "email", "sms"],
        "sms_sender": "GOVUK",
        "email_from": "tax.reminders",
    }
    data = post(testapp, "/service", body, 201).json["data"]

    assert data["message_limit"] == 10
    assert data["rate_limit"] == 20
    assert data["permissions"] == ["sms", "email", "international_sms"]
    assert data["sms_sender"] == "GOVUK"
    assert data["email_from"] == "tax.reminders"


def test_every_invalid_field_is_named(testapp):
    body = {
        "message_limit": 0,
        "rate_limit": 2**31,
        "restricted": "yes",
        "permissions": ["sms", "letter"],
        "sms_sender": "TWELVE CHARS",
        "email_from": "not an address",
        "colour": "blue",
    }
    message = post(testapp, "/service", body, 400).json["message"]

    assert message["name"] == ["name is a required property"]
    assert message["message_limit"] == [
        "message_limit 0 is less than the minimum of 1"
    ]
    assert set(message) == {
        "body",
        "name",
        "message_limit",
        "rate_limit",
        "restricted",
        "permissions.1",
        "sms_sender",
        "email_from",
    }
    assert message["body"] == [
        "Additional properties are not allowed (colour was unexpected)"
    ]


def test_body_that_is_not_json_is_refused(testapp):
    response = testapp.post("/service", "{nope", headers=admin(), status=400)
    assert response.json == {
        "result": "error",
        "message": "Invalid JSON supplied in POST data",
    }


def test_nul_character_is_refused(testapp):
    message = post(testapp, "/service", {"name": "a\x00b"}, 400).json[
        "message"
    ]
    assert message == {"name": ["name must not contain NUL characters"]}


def test_duplicate_name_is_refused(testapp, sample_service):
    message = post(
        testapp, "/service", {"name": sample_service.name}, 400
    ).json["message"]
    assert message == {
        "name": [f"A service called {sample_service.name} already exists"]
    }


def test_duplicate_name_found_only_by_the_database_is_refused(
    testapp, sample_service, monkeypatch
):
    # as if another request had taken the name after the check
    monkeypatch.setattr(
        "notify_pyramid.views.admin.services.dao_service_name_taken",
        lambda *args, **kwargs: False,
    )
    response = post(testapp, "/service", {"name": sample_service.name}, 400)
    assert response.json["message"] == {
        "name": [f"A service called {sample_service.name} already exists"]
    }


def test_service_is_read(testapp, sample_service):
    response = testapp.get(f"/service/{sample_service.id}", headers=admin())
    assert response.json["data"]["id"] == str(sample_service.id)
    assert response.json["data"]["name"] == sample_service.name


@pytest.mark.parametrize("service_id", [uuid.uuid4(), "not-a-uuid"])
def test_unknown_service_is_404(testapp, service_id):
    response = testapp.get(
        f"/service/{service_id}", headers=admin(), status=404
    )
    assert response.json == {"result": "error", "message": "No result found"}


def test_service_is_updated(testapp, dbsession, sample_service):
    body = {
        "active": False,
        "restricted": True,
        "message_limit": 7,
        "permissions": ["email"],
        "sms_sender": "NEWNAME",
    }
    data = post(testapp, f"/service/{sample_service.id}", body, 200).json[
        "data"
    ]

    assert data["active"] is False
    assert data["restricted"] is True
    assert data["message_limit"] == 7
    assert data["permissions"] == ["email"]
    assert data["sms_sender"] == "NEWNAME"
    assert data["updated_at"] is not None
    assert sample_service.active is False


def test_update_keeps_its_own_name(testapp, sample_service):
    body = {"name": sample_service.name}
    data = post(testapp, f"/service/{sample_service.id}", body, 200).json
    assert data["data"]["name"] == sample_service.name


def test_update_to_another_services_name_is_refused(
    testapp, dbsession, sample_service
):
    other = factories.create_service(dbsession)
    body = {"name": other.name}
    message = post(testapp, f"/service/{sample_service.id}", body, 400).json[
        "message"
    ]
    assert message == {
        "name": [f"A service called {other.name} already exists"]
    }


def test_empty_update_is_refused(testapp, sample_service):
    message = post(testapp, f"/service/{sample_service.id}", {}, 400).json[
        "message"
    ]
    assert message == {"body": ["{} should be non-empty"]}


def test_update_of_unknown_service_is_404(testapp):
    post(testapp, f"/service/{uuid.uuid4()}", {"active": False}, 404)


def test_changes_are_logged_with_who_and_what(testapp, caplog):
    with caplog.at_level(logging.INFO, logger="notify_pyramid"):
        data = post(testapp, "/service", {"name": "Logged"}, 201).json["data"]
        post(testapp, f"/service/{data['id']}", {"rate_limit": 5}, 200)

    created, updated = [
        record
        for record in caplog.records
        if record.getMessage() in ("Service created", "Service updated")
    ]
    assert created.admin_client_id == factories.ADMIN_CLIENT_ID
    assert created.service_id == data["id"]
    assert created.fields == ["message_limit", "name", "restricted"]
    assert updated.fields == ["rate_limit"]


def test_guest_list_is_stored_normalised(testapp, dbsession, sample_service):
    body = {
        "email_addresses": ["Someone@Example.COM", "other@example.com"],
        "phone_numbers": ["07700 900123", "+44 7700 900456", "+33612345678"],
    }
    response = testapp.post_json(
        f"/service/{sample_service.id}/guest-list",
        body,
        headers=admin(),
        status=204,
    )

    assert response.body == b""
    stored = {
        (entry.recipient_type, entry.recipient)
        for entry in dao_fetch_guest_list(dbsession, sample_service.id)
    }
    assert stored == {
        ("email", "someone@example.com"),
        ("email", "other@example.com"),
        ("mobile", "447700900123"),
        ("mobile", "447700900456"),
        ("mobile", "33612345678"),
    }


def test_guest_list_is_replaced(testapp, dbsession, sample_service):
    url = f"/service/{sample_service.id}/guest-list"
    first = {"email_addresses": ["a@example.com"], "phone_numbers": []}
    second = {"email_addresses": [], "phone_numbers": ["07700900111"]}
    testapp.post_json(url, first, headers=admin(), status=204)
    testapp.post_json(url, second, headers=admin(), status=204)

    stored = dao_fetch_guest_list(dbsession, sample_service.id)
    assert [entry.recipient for entry in stored] == ["447700900111"]


def test_invalid_guest_list_entries_are_each_named(
    testapp, dbsession, sample_service
):
    body = {
        "email_addresses": ["fine@example.com", "nope", "x@localhost"],
        "phone_numbers": ["020 7946 0000", "07700 900123", "call me"],
    }
    response = testapp.post_json(
        f"/service/{sample_service.id}/guest-list",
        body,
        headers=admin(),
        status=400,
    )

    assert response.json["message"] == {
        "email_addresses": [
            "nope: Not a valid email address",
            "x@localhost: Not a valid email address",
        ],
        "phone_numbers": [
            "020 7946 0000: Not a UK mobile number",
            "call me: Not a valid phone number",
        ],
    }
    assert dao_fetch_guest_list(dbsession, sample_service.id) == []


def test_guest_list_needs_both_lists(testapp, sample_service):
    response = testapp.post_json(
        f"/service/{sample_service.id}/guest-list",
        {"email_addresses": "a@example.com"},
        headers=admin(),
        status=400,
    )
    assert response.json["message"] == {
        "email_addresses": [
            "email_addresses a@example.com is not of type array"
        ],
        "phone_numbers": ["phone_numbers is a required property"],
    }


def test_guest_list_of_unknown_service_is_404(testapp):
    testapp.post_json(
        f"/service/{uuid.uuid4()}/guest-list",
        {"email_addresses": [], "phone_numbers": []},
        headers=admin(),
        status=404,
    )
