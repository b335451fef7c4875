"""Every refusal of the three auth levels, for v2 and admin routes.

The routes here are probes added to an app wired like the real one, so the
policy is tested on its own; the route walk in ``test_route_levels`` checks
the real routes.
"""

import datetime
import time
import uuid

import jwt
import pytest
import webtest
from notifications_python_client.authentication import create_jwt_token
from pyramid.config import Configurator
from pyramid.security import NO_PERMISSION_REQUIRED

from notify_pyramid.dao.api_keys import dao_revoke_api_key
from notify_pyramid.security import ADMIN, SERVICE, ServiceIdentity
from notify_pyramid.settings import load_settings
from tests import factories

V2 = "/v2/probe"
ADMIN_ROUTE = "/service/probe"
DOCS = (
    "https://docs.notifications.service.gov.uk/rest-api.html"
    "#authorisation-header"
)


def probe(request):
    identity = request.identity
    if isinstance(identity, ServiceIdentity):
        return {
            "service_id": str(identity.service_id),
            "key_type": identity.key_type,
        }
    return {"admin": identity.client_id}


def forgotten(request):
    return {"reached": True}


@pytest.fixture(scope="module")
def probe_app(app_settings, dbengine):
    return make_probe_app({**app_settings, "dbengine": dbengine})


def make_probe_app(settings):
    settings = load_settings(settings)
    with Configurator(settings=settings) as config:
        config.include("notify_pyramid.crypto")
        config.include("notify_pyramid.models")
        config.include("notify_pyramid.security")
        config.include("notify_pyramid.tweens")
        config.scan("notify_pyramid.errors")
        config.scan("notify_pyramid.security")
        config.add_route("v2.probe", V2)
        config.add_route("admin.probe", ADMIN_ROUTE)
        config.add_route("public.probe", "/public-probe")
        config.add_route("forgotten.probe", "/forgotten-probe")
        config.add_view(
            probe, route_name="v2.probe", renderer="json", permission=SERVICE
        )
        config.add_view(
            probe,
            route_name="admin.probe",
            renderer="json",
            permission=ADMIN,
        )
        config.add_view(
            forgotten,
            route_name="public.probe",
            renderer="json",
            permission=NO_PERMISSION_REQUIRED,
        )
        # a view that declares no level at all
        config.add_view(
            forgotten, route_name="forgotten.probe", renderer="json"
        )
    return config.make_wsgi_app()


@pytest.fixture
def client(probe_app, tm, dbsession):
    return webtest.TestApp(
        probe_app,
        extra_environ={
            "tm.active": True,
            "tm.manager": tm,
            "app.dbsession": dbsession,
        },
    )


def token(secret, iss, **claims):
    payload = {"iss": iss, "iat": int(time.time()), **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


def bearer(value):
    return {"Authorization": f"Bearer {value}"}


def v2_error(status, message):
    return {
        "status_code": status,
        "errors": [{"error": "AuthError", "message": message}],
    }


def legacy_error(message):
    return {"result": "error", "message": message}


@pytest.fixture
def keyed_service(dbsession):
    service = factories.create_service(dbsession)
    api_key, secret = factories.create_api_key(dbsession, service)
    return service, api_key, secret


def refusal_cases(dbsession, service, api_key, secret):
    """Yield ``(case, headers, status, message)`` for each refusal."""
    sid = str(service.id)
    yield (
        "no header",
        {},
        401,
        ("Unauthorized: authentication token must be provided"),
    )
    yield (
        "basic scheme",
        {"Authorization": "Basic abc"},
        401,
        ("Unauthorized: authentication bearer scheme must be used"),
    )
    yield (
        "not a jwt",
        bearer("not-a-token"),
        403,
        (
            "Invalid token: make sure your API token matches the example at "
            + DOCS
        ),
    )
    no_iss = jwt.encode({"iat": int(time.time())}, secret, "HS256")
    yield (
        "no iss",
        bearer(no_iss),
        403,
        ("Invalid token: iss field not provided"),
    )
    yield (
        "iss not uuid",
        bearer(token(secret, "not-a-uuid")),
        403,
        ("Invalid token: service id is not the right data type"),
    )
    yield (
        "unknown service",
        bearer(token(secret, str(uuid.uuid4()))),
        403,
        ("Invalid token: service not found"),
    )
    keyless = factories.create_service(dbsession)
    yield (
        "service without keys",
        bearer(token(secret, str(keyless.id))),
        403,
        "Invalid token: service has no API keys",
    )
    archived = factories.create_service(dbsession, active=False)
    _, archived_secret = factories.create_api_key(dbsession, archived)
    yield (
        "archived service",
        bearer(token(archived_secret, str(archived.id))),
        403,
        "Invalid token: service is archived",
    )
    # the algorithm is refused before any signature is checked
    hs512 = jwt.encode(
        {"iss": sid, "iat": int(time.time())}, secret * 2, algorithm="HS512"
    )
    yield (
        "not hs256",
        bearer(hs512),
        403,
        ("Invalid token: algorithm used is not HS256"),
    )
    old = token(secret, sid, iat=int(time.time()) - 31)
    yield (
        "iat too old",
        bearer(old),
        403,
        ("Error: Your system clock must be accurate to within 30 seconds"),
    )
    future = token(secret, sid, iat=int(time.time()) + 31)
    yield (
        "iat in the future",
        bearer(future),
        403,
        ("Error: Your system clock must be accurate to within 30 seconds"),
    )
    revoked, revoked_secret = factories.create_api_key(
        dbsession, service, name="old key"
    )
    dao_revoke_api_key(dbsession, revoked)
    yield (
        "revoked key",
        bearer(token(revoked_secret, sid)),
        403,
        ("Invalid token: API key revoked"),
    )
    yield (
        "wrong secret",
        bearer(token(str(uuid.uuid4()), sid)),
        403,
        ("Invalid token: API key not found"),
    )


def test_every_service_refusal_on_v2(client, dbsession, keyed_service):
    for case, headers, status, message in refusal_cases(
        dbsession, *keyed_service
    ):
        response = client.get(V2, headers=headers, status="*")
        assert (case, response.status_code, response.json) == (
            case,
            status,
            v2_error(status, message),
        )


def test_service_refusals_on_a_legacy_route_use_the_legacy_envelope(
    client, dbsession, keyed_service
):
    # the probe app has no legacy service route; the admin route shows the
    # legacy envelope for the refusals that do not depend on the level
    for case, headers, status, message in refusal_cases(
        dbsession, *keyed_service
    ):
        if case not in ("no header", "basic scheme", "not a jwt", "no iss"):
            continue
        response = client.get(ADMIN_ROUTE, headers=headers, status="*")
        assert (case, response.status_code, response.json) == (
            case,
            status,
            legacy_error(message),
        )


def test_official_client_token_is_accepted(client, keyed_service):
    service, _, secret = keyed_service
    headers = bearer(create_jwt_token(secret, str(service.id)))
    response = client.get(V2, headers=headers, status=200)
    assert response.json == {
        "service_id": str(service.id),
        "key_type": "normal",
    }


@pytest.mark.parametrize("key_type", ["normal", "team", "test"])
def test_key_type_is_carried_on_the_identity(
    client, dbsession, sample_service, key_type
):
    _, secret = factories.create_api_key(dbsession, sample_service, key_type)
    headers = bearer(create_jwt_token(secret, str(sample_service.id)))
    response = client.get(V2, headers=headers, status=200)
    assert response.json["key_type"] == key_type


def test_scheme_is_case_insensitive_and_extra_claims_ignored(
    client, keyed_service
):
    service, _, secret = keyed_service
    value = token(secret, str(service.id), jti="x", extra={"a": 1})
    client.get(V2, headers={"Authorization": f"bearer {value}"}, status=200)


def test_iat_within_thirty_seconds_is_accepted(client, keyed_service):
    service, _, secret = keyed_service
    for skew in (-29, 29):
        value = token(secret, str(service.id), iat=int(time.time()) + skew)
        client.get(V2, headers=bearer(value), status=200)


def test_any_live_key_of_the_service_verifies(
    client, dbsession, keyed_service
):
    service, _, _ = keyed_service
    _, second_secret = factories.create_api_key(
        dbsession, service, name="second"
    )
    value = create_jwt_token(second_secret, str(service.id))
    client.get(V2, headers=bearer(value), status=200)


def test_key_revoked_long_ago_is_not_found(client, dbsession, keyed_service):
    service, _, _ = keyed_service
    ancient, ancient_secret = factories.create_api_key(
        dbsession, service, name="ancient"
    )
    ancient.expiry_date = datetime.datetime.now(
        datetime.UTC
    ) - datetime.timedelta(days=365)
    dbsession.flush()
    value = create_jwt_token(ancient_secret, str(service.id))
    response = client.get(V2, headers=bearer(value), status=403)
    assert response.json["errors"][0]["message"] == (
        "Invalid token: API key not found"
    )


def test_admin_token_is_accepted_on_admin_routes(client):
    response = client.get(
        ADMIN_ROUTE, headers=dict([factories.admin_auth_header()])
    )
    assert response.json == {"admin": "notify-admin"}


def test_any_configured_admin_secret_verifies(
    app_settings, dbengine, tm, dbsession
):
    old_secret = "old-admin-secret-0123456789abcdef0123456789"
    app = make_probe_app(
        {
            **app_settings,
            "dbengine": dbengine,
            "notify.admin_client_secrets": f"{old_secret}, "
            + factories.ADMIN_SECRET,
        }
    )
    client = webtest.TestApp(app)
    for secret in (old_secret, factories.ADMIN_SECRET):
        headers = bearer(create_jwt_token(secret, "notify-admin"))
        response = client.get(ADMIN_ROUTE, headers=headers, status=200)
        assert response.json == {"admin": "notify-admin"}


def test_admin_token_with_a_wrong_secret_is_refused(client):
    value = create_jwt_token(
        "wrong-secret-0123456789abcdef0123", "notify-admin"
    )
    response = client.get(ADMIN_ROUTE, headers=bearer(value), status=403)
    assert response.json == legacy_error("Invalid token: API key not found")


def test_admin_token_with_a_stale_iat_is_refused(client):
    value = token(
        factories.ADMIN_SECRET, "notify-admin", iat=int(time.time()) - 60
    )
    response = client.get(ADMIN_ROUTE, headers=bearer(value), status=403)
    assert response.json == legacy_error(
        "Error: Your system clock must be accurate to within 30 seconds"
    )


def test_service_token_cannot_reach_an_admin_route(client, keyed_service):
    service, _, secret = keyed_service
    value = create_jwt_token(secret, str(service.id))
    response = client.get(ADMIN_ROUTE, headers=bearer(value), status=401)
    assert response.json == legacy_error(
        "Unauthorized: admin authentication token required"
    )


def test_admin_token_cannot_reach_a_service_route(client):
    response = client.get(
        V2, headers=dict([factories.admin_auth_header()]), status=403
    )
    assert response.json == v2_error(
        403, "Invalid token: service id is not the right data type"
    )


def test_public_view_needs_no_token(client):
    client.get("/public-probe", status=200)


def test_view_that_declares_no_level_is_refused(client, keyed_service):
    service, _, secret = keyed_service
    for headers in ({}, bearer(create_jwt_token(secret, str(service.id)))):
        response = client.get("/forgotten-probe", headers=headers, status="*")
        assert response.status_code in (401, 403)
        assert "reached" not in response.text
    admin = dict([factories.admin_auth_header()])
    client.get("/forgotten-probe", headers=admin, status=403)


def test_refusals_never_log_the_token(client, keyed_service, caplog):
    service, _, secret = keyed_service
    value = token(str(uuid.uuid4()), str(service.id))
    with caplog.at_level("DEBUG"):
        client.get(V2, headers=bearer(value), status=403)
    assert value not in caplog.text
    assert secret not in caplog.text
