"""Every admin route refuses anything but the admin client's token."""

import uuid

import pytest

from tests import factories

SERVICE_ID = str(uuid.uuid4())
KEY_ID = str(uuid.uuid4())
TEMPLATE_ID = str(uuid.uuid4())

ADMIN_ROUTES = {
    "admin.services.create": ("POST", "/service"),
    "admin.services.get": ("GET", f"/service/{SERVICE_ID}"),
    "admin.services.update": ("POST", f"/service/{SERVICE_ID}"),
    "admin.api_keys.create": ("POST", f"/service/{SERVICE_ID}/api-key"),
    "admin.api_keys.list": ("GET", f"/service/{SERVICE_ID}/api-keys"),
    "admin.api_keys.revoke": (
        "POST",
        f"/service/{SERVICE_ID}/api-key/revoke/{KEY_ID}",
    ),
    "admin.guest_list.update": (
        "POST",
        f"/service/{SERVICE_ID}/guest-list",
    ),
    "admin.templates.create": ("POST", f"/service/{SERVICE_ID}/template"),
    "admin.templates.get": (
        "GET",
        f"/service/{SERVICE_ID}/template/{TEMPLATE_ID}",
    ),
    "admin.templates.update": (
        "POST",
        f"/service/{SERVICE_ID}/template/{TEMPLATE_ID}",
    ),
    "admin.statistics.notifications": (
        "GET",
        f"/service/{SERVICE_ID}/notifications/statistics",
    ),
    "admin.statistics.usage_daily": (
        "GET",
        f"/service/{SERVICE_ID}/usage/daily",
    ),
}


def test_the_table_covers_every_admin_route(app):
    routes = {
        route["introspectable"]["name"]
        for route in app.registry.introspector.get_category("routes")
    }
    assert {name for name in routes if name.startswith("admin.")} == set(
        ADMIN_ROUTES
    )


def call(testapp, route, headers, status):
    method, url = ADMIN_ROUTES[route]
    if method == "GET":
        return testapp.get(url, headers=headers, status=status)
    return testapp.post_json(url, {}, headers=headers, status=status)


@pytest.mark.parametrize("route", sorted(ADMIN_ROUTES))
def test_service_token_is_refused(testapp, sample_api_key, route):
    api_key, secret = sample_api_key
    headers = [factories.service_auth_header(api_key.service_id, secret)]

    response = call(testapp, route, headers, 401)

    assert response.json == {
        "result": "error",
        "message": "Unauthorized: admin authentication token required",
    }


@pytest.mark.parametrize("route", sorted(ADMIN_ROUTES))
def test_unsigned_request_is_refused(testapp, route):
    response = call(testapp, route, [], 401)

    assert response.json == {
        "result": "error",
        "message": "Unauthorized: authentication token must be provided",
    }


@pytest.mark.parametrize("route", sorted(ADMIN_ROUTES))
def test_admin_token_signed_with_another_secret_is_refused(testapp, route):
    headers = [
        factories.admin_auth_header(secret="not-the-admin-secret-" + "x" * 32)
    ]

    response = call(testapp, route, headers, 403)

    assert response.json == {
        "result": "error",
        "message": "Invalid token: API key not found",
    }


@pytest.mark.parametrize("route", sorted(ADMIN_ROUTES))
def test_admin_token_is_let_through(testapp, route):
    # past auth, the made-up ids name nothing (an empty create is invalid)
    expected = 400 if route == "admin.services.create" else 404
    call(testapp, route, [factories.admin_auth_header()], expected)
