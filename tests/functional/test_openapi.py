"""The OpenAPI document matches the live route table, and is valid."""

import schemathesis
from jsonschema import Draft202012Validator

from notify_pyramid.openapi import build_document
from notify_pyramid.views.notifications import SEND_SCHEMA
from notify_pyramid.views.v2.notifications import SEND_SCHEMAS

OPENAPI_URL = "/v2/openapi.json"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _methods(value) -> set[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return {value}
    return set(value)


def routed_operations(app) -> set[tuple[str, str]]:
    """Return ``(pattern, method)`` of every view of every route."""
    operations = set()
    for route in app.registry.introspector.get_category("routes"):
        info = route["introspectable"]
        on_route = _methods(info["request_methods"])
        for view in route["related"]:
            if view.category_name != "views":
                continue
            on_view = _methods(view["request_methods"])
            # None on both would be a view for every method
            methods = METHODS
            for narrower in (on_route, on_view):
                if narrower is not None:
                    methods = methods & narrower
            for method in methods - {"HEAD"}:
                operations.add((info["pattern"], method))
    return operations


def documented_operations(document) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
    }


def is_admin(pattern: str) -> bool:
    return pattern == "/service" or pattern.startswith("/service/")


def test_the_document_is_served_without_auth(testapp):
    response = testapp.get(OPENAPI_URL)
    assert response.status_int == 200
    assert response.content_type == "application/json"
    assert response.json["openapi"] == "3.1.0"
    assert response.json["servers"] == [{"url": "http://example.com"}]


def test_the_document_is_a_valid_openapi_3_1_document():
    schema = schemathesis.openapi.from_dict(build_document())
    schema.validate()


def test_every_public_route_is_documented_and_nothing_else(app):
    routed = {
        operation
        for operation in routed_operations(app)
        if not is_admin(operation[0])
    }
    assert len(routed) > 10
    assert documented_operations(build_document()) == routed


def test_the_walk_sees_the_admin_routes_it_leaves_out(app):
    admin = {op for op in routed_operations(app) if is_admin(op[0])}
    assert ("/service", "POST") in admin
    assert not admin & documented_operations(build_document())


def test_the_description_says_admin_routes_are_left_out():
    assert "admin API" in build_document()["info"]["description"]


def test_service_routes_need_the_bearer_token_and_others_do_not():
    document = build_document()
    for path, item in document["paths"].items():
        for operation in item.values():
            public = path == "/_status" or path in (
                OPENAPI_URL,
                "/notifications/sms/mmg",
                "/notifications/sms/firetext",
            )
            expected = [] if public else [{"bearerAuth": []}]
            assert operation["security"] == expected, path


def test_errors_are_in_the_envelope_of_the_route_family():
    document = build_document()
    for path, item in document["paths"].items():
        envelope = "V2Error" if path.startswith("/v2/") else "LegacyError"
        for operation in item.values():
            for code, answer in operation["responses"].items():
                if int(code) < 400:
                    continue
                schema = answer["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("/" + envelope), (path, code)


def test_request_schemas_are_the_views_own():
    schemas = build_document()["components"]["schemas"]
    assert schemas["SendSms"] == SEND_SCHEMAS["sms"].schema
    assert schemas["V1Send"] == SEND_SCHEMA.schema
    email = schemas["SendEmail"]["properties"]["one_click_unsubscribe_url"]
    assert email == {
        "type": "string",
        "format": "uri",
        "pattern": "^https://[^\\x00-\\x1f\\x7f]+$",
    }


def test_every_component_schema_is_valid_json_schema():
    for schema in build_document()["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_a_real_send_matches_the_documented_answer(
    testapp, sample_service, sample_api_key, sample_template
):
    from jsonschema import validate

    from tests import factories

    _, secret = sample_api_key
    response = testapp.post_json(
        "/v2/notifications/sms",
        {
            "phone_number": "07700900123",
            "template_id": str(sample_template.id),
            "personalisation": {"name": "Ada"},
        },
        headers=[factories.service_auth_header(sample_service.id, secret)],
    )
    document = build_document()
    schema = {
        **document["components"]["schemas"]["SmsSent"],
        "components": document["components"],
    }
    validate(response.json, schema)
