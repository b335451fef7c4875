import logging
import uuid

import pytest
from pyramid.interfaces import ISecurityPolicy
from pyramid.request import Request, apply_request_extensions

from notify_pyramid.dao.api_keys import dao_fetch_api_key
from notify_pyramid.security import AuthDenied, ServiceIdentity
from tests import factories


def admin():
    return [factories.admin_auth_header()]


def create_key(testapp, service, name="Main key", key_type="normal"):
    response = testapp.post_json(
        f"/service/{service.id}/api-key",
        {"name": name, "key_type": key_type},
        headers=admin(),
        status=201,
    )
    return response.json["data"]


def identify(app, dbsession, key):
    """Return who a fresh request signed with ``key`` is taken to be."""
    # the client reads the service id and the secret from the key's end
    service_id, secret = key[-73:-37], key[-36:]
    request = Request.blank(
        "/v2/notifications",
        headers=dict([factories.service_auth_header(service_id, secret)]),
    )
    request.environ["app.dbsession"] = dbsession
    request.registry = app.registry
    apply_request_extensions(request)
    return app.registry.getUtility(ISecurityPolicy).identity(request)


def test_key_string_is_shown_at_creation(testapp, dbsession, sample_service):
    data = create_key(testapp, sample_service)

    assert data["name"] == "Main key"
    assert data["key_type"] == "normal"
    key = data["key"]
    assert key.startswith(f"Main key-{sample_service.id}-")
    assert key[-73:-37] == str(sample_service.id)
    stored = dao_fetch_api_key(
        dbsession, sample_service.id, uuid.UUID(data["id"])
    )
    # stored encrypted, not as given
    assert stored.secret != key[-36:]
    assert factories.ENCRYPTOR.decrypt(stored.secret) == key[-36:]
    assert str(uuid.UUID(key[-36:])) == key[-36:]


def test_created_key_signs_requests(app, testapp, dbsession, sample_service):
    data = create_key(testapp, sample_service, key_type="team")

    identity = identify(app, dbsession, data["key"])

    assert isinstance(identity, ServiceIdentity)
    assert str(identity.api_key_id) == data["id"]
    assert identity.key_type == "team"


def test_each_key_gets_its_own_secret(testapp, sample_service):
    first = create_key(testapp, sample_service, name="a")["key"]
    second = create_key(testapp, sample_service, name="a")["key"]
    assert first[-36:] != second[-36:]


def test_listing_never_shows_the_secret(testapp, sample_service):
    key = create_key(testapp, sample_service)["key"]

    response = testapp.get(
        f"/service/{sample_service.id}/api-keys", headers=admin()
    )

    assert key[-36:] not in response.text
    [listed] = response.json["data"]
    assert set(listed) == {
        "id",
        "name",
        "key_type",
        "created_by",
        "created_at",
        "expiry_date",
    }
    assert listed["created_by"] == factories.ADMIN_CLIENT_ID
    assert listed["expiry_date"] is None


def test_listing_shows_only_the_services_keys(
    testapp, dbsession, sample_service
):
    other = factories.create_service(dbsession)
    factories.create_api_key(dbsession, other)
    mine = create_key(testapp, sample_service)

    response = testapp.get(
        f"/service/{sample_service.id}/api-keys", headers=admin()
    )
    assert [key["id"] for key in response.json["data"]] == [mine["id"]]


def test_revoked_key_stops_working_on_the_next_request(
    app, testapp, dbsession, sample_service
):
    data = create_key(testapp, sample_service)
    assert isinstance(identify(app, dbsession, data["key"]), ServiceIdentity)

    response = testapp.post(
        f"/service/{sample_service.id}/api-key/revoke/{data['id']}",
        headers=admin(),
        status=202,
    )

    assert response.json["data"]["expiry_date"] is not None
    refusal = identify(app, dbsession, data["key"])
    assert isinstance(refusal, AuthDenied)
    assert refusal.message == "Invalid token: API key revoked"


def test_revoked_key_is_listed_with_its_expiry(testapp, sample_service):
    data = create_key(testapp, sample_service)
    testapp.post(
        f"/service/{sample_service.id}/api-key/revoke/{data['id']}",
        headers=admin(),
        status=202,
    )
    response = testapp.get(
        f"/service/{sample_service.id}/api-keys", headers=admin()
    )
    assert response.json["data"][0]["expiry_date"].endswith("Z")


@pytest.mark.parametrize("key_id", ["not-a-uuid", str(uuid.uuid4())])
def test_revoking_an_unknown_key_is_404(testapp, sample_service, key_id):
    response = testapp.post(
        f"/service/{sample_service.id}/api-key/revoke/{key_id}",
        headers=admin(),
        status=404,
    )
    assert response.json["message"] == "No result found"


def test_another_services_key_cannot_be_revoked(
    testapp, dbsession, sample_service
):
    other = factories.create_service(dbsession)
    theirs, _ = factories.create_api_key(dbsession, other)
    testapp.post(
        f"/service/{sample_service.id}/api-key/revoke/{theirs.id}",
        headers=admin(),
        status=404,
    )
    assert theirs.expiry_date is None


def test_key_fields_are_validated(testapp, sample_service):
    response = testapp.post_json(
        f"/service/{sample_service.id}/api-key",
        {"key_type": "superuser"},
        headers=admin(),
        status=400,
    )
    assert response.json["message"] == {
        "key_type": ["key_type superuser is not one of [normal, team, test]"],
        "name": ["name is a required property"],
    }


def test_key_for_unknown_service_is_404(testapp):
    testapp.post_json(
        f"/service/{uuid.uuid4()}/api-key",
        {"name": "x", "key_type": "normal"},
        headers=admin(),
        status=404,
    )


def test_key_changes_are_logged_without_the_secret(
    testapp, sample_service, caplog
):
    with caplog.at_level(logging.INFO, logger="notify_pyramid"):
        data = create_key(testapp, sample_service)
        testapp.post(
            f"/service/{sample_service.id}/api-key/revoke/{data['id']}",
            headers=admin(),
            status=202,
        )

    created, revoked = [
        record
        for record in caplog.records
        if record.getMessage() in ("API key created", "API key revoked")
    ]
    for record in (created, revoked):
        assert record.admin_client_id == factories.ADMIN_CLIENT_ID
        assert record.api_key_id == data["id"]
        assert data["key"][-36:] not in str(record.__dict__)
