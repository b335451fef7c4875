"""Admin requests built at random never make the API answer 500.

The admin API is not in the OpenAPI document, so the schemathesis run
does not reach it; these tests fuzz it with Hypothesis instead, with a
valid admin token, over every admin route: JSON objects that fit the
route's schema, nearly fit it, or have keys and values of any type and
size (NUL characters included), bodies of random bytes, path ids that do
and do not exist or are not ids at all, and random query strings.
"""

import json
import urllib.parse
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notify_pyramid.views.admin.api_keys import CREATE_API_KEY
from notify_pyramid.views.admin.services import (
    CREATE_SERVICE,
    UPDATE_GUEST_LIST,
    UPDATE_SERVICE,
)
from notify_pyramid.views.admin.templates import (
    CREATE_TEMPLATE,
    UPDATE_TEMPLATE,
)
from tests import factories, strategies

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

#: POST routes with a body: path, with ``{service}`` and ``{template}``
#: placeholders, and the schema the body is validated against
POSTS = {
    "create service": ("/service", CREATE_SERVICE),
    "update service": ("/service/{service}", UPDATE_SERVICE),
    "create api key": ("/service/{service}/api-key", CREATE_API_KEY),
    "update guest list": ("/service/{service}/guest-list", UPDATE_GUEST_LIST),
    "create template": ("/service/{service}/template", CREATE_TEMPLATE),
    "update template": (
        "/service/{service}/template/{template}",
        UPDATE_TEMPLATE,
    ),
}

#: every admin path, for the id and query string fuzzing
PATHS = [
    ("GET", "/service/{service}"),
    ("POST", "/service/{service}"),
    ("POST", "/service/{service}/api-key"),
    ("GET", "/service/{service}/api-keys"),
    ("POST", "/service/{service}/api-key/revoke/{key}"),
    ("POST", "/service/{service}/guest-list"),
    ("POST", "/service/{service}/template"),
    ("GET", "/service/{service}/template/{template}"),
    ("POST", "/service/{service}/template/{template}"),
    ("GET", "/service/{service}/notifications/statistics"),
    ("GET", "/service/{service}/usage/daily"),
]

text = st.text(max_size=60) | st.text(
    alphabet=st.sampled_from(["\x00", "a", "é", "\u2028", "'", "%", "/"]),
    max_size=20,
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([10**40, -(10**40), 0, -1, 2**31, 2**63])
    | st.floats()
    | text
    | st.uuids().map(str)
    | st.sampled_from(["sms", "email", "letter", "normal", "team", "test"])
    | st.sampled_from(["07700900123", "someone@example.com", "x" * 5000])
)
json_values = strategies.json_values(json_scalars, max_leaves=10)


def fitting(schema: dict):
    """Values that fit ``schema``, for the keywords the admin schemas use."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(
                lambda value: len(value) <= schema.get("maxLength", 10**6)
            )
        return st.text(
            min_size=schema.get("minLength", 0),
            max_size=min(schema.get("maxLength", 300), 300),
        )
    if kind == "array":
        return st.lists(
            fitting(schema["items"]),
            max_size=5,
            unique=schema.get("uniqueItems", False),
        )
    if kind == "object":
        properties = schema["properties"]
        required = set(schema.get("required", ()))

        def value(name):
            # mostly a fitting value, at times anything at all
            return fitting(properties[name]) | json_values

        return st.fixed_dictionaries(
            {name: value(name) for name in properties if name in required},
            optional={
                name: value(name)
                for name in properties
                if name not in required
            },
        )
    raise ValueError(f"no strategy for {schema}")


def bodies(schema):
    """JSON objects that fit the schema, nearly fit it, or do not at all."""
    keys = st.sampled_from(sorted(schema.schema["properties"])) | st.text(
        max_size=8
    )
    return fitting(schema.schema) | st.dictionaries(
        keys, json_values, max_size=8
    )


path_ids = st.sampled_from(["existing", "unknown"]) | text.map(
    lambda value: urllib.parse.quote(value, safe="")
)


@pytest.fixture
def admin_headers():
    """Headers with a token signed now: a run outlasts a token's life."""
    return lambda: dict([factories.admin_auth_header()])


@pytest.fixture
def ids(sample_service, sample_template, sample_api_key):
    key, _secret = sample_api_key
    return {
        "service": str(sample_service.id),
        "template": str(sample_template.id),
        "key": str(key.id),
    }


def fill(path: str, ids: dict, choice: str | None = None) -> str:
    """Put ids into ``path``: existing ones, unknown ones, or ``choice``."""
    values = {}
    for name in ("service", "template", "key"):
        if choice in (None, "existing"):
            values[name] = ids[name]
        elif choice == "unknown":
            values[name] = str(uuid.uuid4())
        else:
            values[name] = choice or "x"
    return path.format(**values)


def assert_answered(response):
    """A success, or an error in the legacy envelope: never a 500."""
    assert response.status_int < 500, response.text
    assert response.status_int in (200, 201, 202, 204, 400, 404), response.text
    if response.status_int >= 400:
        body = response.json
        assert body["result"] == "error"
        assert isinstance(body["message"], (str, dict))
        assert len(json.dumps(body)) < 20_000


def post(testapp, path, body: bytes, headers):
    return testapp.request(
        path,
        method="POST",
        body=body,
        headers={**headers(), "Content-Type": "application/json"},
        expect_errors=True,
    )


@pytest.mark.parametrize("route", sorted(POSTS))
def test_random_json_bodies(testapp, ids, admin_headers, route):
    path, schema = POSTS[route]

    @FUZZ
    @given(body=bodies(schema))
    def fuzz(body):
        response = post(
            testapp,
            fill(path, ids),
            json.dumps(body).encode(),
            admin_headers,
        )
        assert_answered(response)

    fuzz()


@pytest.mark.parametrize("route", sorted(POSTS))
def test_random_bytes_and_json_values(testapp, ids, admin_headers, route):
    path, _schema = POSTS[route]

    @FUZZ
    @given(body=st.binary(max_size=500) | json_values.map(json.dumps))
    def fuzz(body):
        if isinstance(body, str):
            body = body.encode()
        response = post(testapp, fill(path, ids), body, admin_headers)
        assert_answered(response)

    fuzz()


@FUZZ
@given(
    method_and_path=st.sampled_from(PATHS),
    choice=path_ids,
    query=st.dictionaries(
        st.sampled_from(["days", "year", "limit_days"]) | st.text(max_size=5),
        text | st.integers().map(str),
        max_size=3,
    ),
)
def test_random_ids_and_query_strings(
    testapp, ids, admin_headers, method_and_path, choice, query
):
    method, path = method_and_path
    url = fill(path, ids, choice)
    if query:
        url += "?" + urllib.parse.urlencode(query)
    response = testapp.request(
        url,
        method=method,
        body=b"{}" if method == "POST" else b"",
        headers={**admin_headers(), "Content-Type": "application/json"},
        expect_errors=True,
    )
    assert_answered(response)
