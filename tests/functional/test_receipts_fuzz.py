"""Receipts built at random never make the API answer 500."""

import gc
import json
import urllib.parse

import pytest
import webtest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from notify_pyramid.views.receipts import MAX_BODY_BYTES
from tests import factories, strategies

MMG_URL = "/notifications/sms/mmg"
FIRETEXT_URL = "/notifications/sms/firetext"

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "",
    ]
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=100)
    | st.uuids().map(str)
    | st.sampled_from(["0", "1", "2", "3", "4", "5", 3, 4, "101", "000"])
)
json_values = strategies.json_values(json_scalars, max_leaves=12)
mmg_keys = st.sampled_from(
    ["CID", "status", "reference", "MSISDN", "substatus", "deliverytime"]
) | st.text(max_size=8)
firetext_keys = st.sampled_from(
    ["reference", "status", "code", "mobile", "time"]
) | st.text(max_size=8)
form_values = (
    st.text(max_size=100)
    | st.uuids().map(str)
    | st.sampled_from(["0", "1", "2", "9", "", "000", "101", "x" * 1000])
)


@pytest.fixture
def notification(dbsession, sample_template):
    return factories.create_notification(
        dbsession, sample_template, status="sending"
    )


def post_raw(testapp, url, body: bytes, content_type: str):
    # past webtest's own form encoding, which refuses some bodies
    headers = {"Content-Type": content_type} if content_type else {}
    return testapp.request(
        url, method="POST", body=body, headers=headers, expect_errors=True
    )


def multipart_body(fields) -> tuple[str, bytes]:
    boundary = "receipt-boundary-7d1a"
    parts = []
    for name, value in fields:
        name = name.replace('"', "").replace("\r", "").replace("\n", "")
        parts.append(
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n"
        )
    parts.append(f"--{boundary}--\r\n")
    content_type = f"multipart/form-data; boundary={boundary}"
    return content_type, "".join(parts).encode("utf-8", "surrogatepass")


def fuzz_post(testapp, url, body: bytes, content_type: str):
    # longer bodies are refused whole; tests below show that on their own
    assume(len(body) <= MAX_BODY_BYTES)
    return post_raw(testapp, url, body, content_type)


def assert_answered(response):
    assert response.status_int in (200, 400), response.text
    if response.status_int == 200:
        assert response.json == {"result": "success"}
    else:
        assert response.json["result"] == "error"
        assert isinstance(response.json["message"], str)
        assert len(response.json["message"]) < 1000


@FUZZ
@given(
    body=st.dictionaries(mmg_keys, json_values, max_size=8),
    use_notification=st.booleans(),
    content_type=CONTENT_TYPES,
)
def test_mmg_random_json_objects(
    testapp, notification, body, use_notification, content_type
):
    if use_notification:
        body["CID"] = str(notification.id)
    response = fuzz_post(
        testapp, MMG_URL, json.dumps(body).encode(), content_type
    )
    assert_answered(response)


@FUZZ
@given(body=json_values | st.binary(), content_type=CONTENT_TYPES)
def test_mmg_random_json_values_and_bytes(testapp, body, content_type):
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    response = fuzz_post(testapp, MMG_URL, body, content_type)
    assert_answered(response)


@FUZZ
@given(
    form=st.lists(st.tuples(firetext_keys, form_values), max_size=8),
    use_notification=st.booleans(),
    multipart=st.booleans(),
)
def test_firetext_random_form_fields(
    testapp, notification, form, use_notification, multipart
):
    if use_notification:
        form.append(("reference", str(notification.id)))
    if multipart:
        content_type, body = multipart_body(form)
        response = fuzz_post(testapp, FIRETEXT_URL, body, content_type)
    else:
        response = fuzz_post(
            testapp,
            FIRETEXT_URL,
            urllib.parse.urlencode(form).encode(),
            "application/x-www-form-urlencoded",
        )
    assert_answered(response)


@FUZZ
@given(body=st.binary(max_size=2000), content_type=CONTENT_TYPES)
def test_firetext_random_bytes(testapp, body, content_type):
    response = fuzz_post(testapp, FIRETEXT_URL, body, content_type)
    assert_answered(response)


@FUZZ
@given(query=st.text() | st.binary().map(urllib.parse.quote_from_bytes))
def test_random_query_strings_with_a_token_set(
    testapp, app, monkeypatch, query
):
    monkeypatch.setitem(app.registry.settings, "mmg.receipt_token", "t0k")
    response = testapp.post(
        MMG_URL + "?" + urllib.parse.quote(query, safe="=&%"),
        params=b"{}",
        expect_errors=True,
    )
    assert response.status_int in (400, 403), response.text


@pytest.mark.parametrize(
    "body",
    [
        {"CID": "x" * 9000, "status": "3"},
        {"CID": "0" * 9000, "status": 3},
        {"status": "9" * 9000},
        {"status": 10**4000},
        {"status": -1e308, "CID": ["a"] * 1000},
        {"status": {"a": [1, {"b": None}]}, "CID": {"x": 1}},
        {"status": float("nan"), "CID": None},
        {"status": float("inf"), "CID": True},
    ],
)
def test_mmg_huge_values_and_wrong_types_are_answered(
    testapp, notification, body
):
    if "CID" not in body:
        body["CID"] = str(notification.id)
    response = testapp.post(
        MMG_URL, params=json.dumps(body), expect_errors=True
    )
    assert_answered(response)


@pytest.mark.parametrize(
    "form",
    [
        {"reference": "x" * 9000, "status": "0"},
        {"status": "1" * 4000, "code": "0" * 4000},
        {"reference": "\x00" * 36, "status": "\x00"},
        {"reference": "\u0661" * 32, "status": "0"},
    ],
)
def test_firetext_huge_values_and_odd_characters_are_answered(
    testapp, notification, form
):
    form.setdefault("reference", str(notification.id))
    response = testapp.post(FIRETEXT_URL, params=form, expect_errors=True)
    assert_answered(response)


def test_too_many_fields_are_refused(testapp):
    body = "&".join(f"f{i}=1" for i in range(1000))
    response = testapp.post(
        FIRETEXT_URL, params=body, content_type="text/plain", status=400
    )
    assert response.json["message"] == (
        "Firetext callback failed: body is not form data"
    )


# pyramid_retry has WebOb copy a body over 10 KiB to a temporary file
# that nothing closes; the file is closed when collected, with a warning
spooled_body = pytest.mark.filterwarnings(
    "ignore::ResourceWarning",
    "ignore::pytest.PytestUnraisableExceptionWarning",
)


@spooled_body
@pytest.mark.parametrize(
    ("url", "provider"), [(MMG_URL, "MMG"), (FIRETEXT_URL, "Firetext")]
)
@pytest.mark.parametrize("content_type", ["application/json", ""])
def test_a_body_over_ten_thousand_bytes_is_refused(
    testapp, url, provider, content_type
):
    body = json.dumps({"status": "3", "CID": "x" * 1_000_000}).encode()
    response = post_raw(testapp, url, body, content_type)

    assert response.status_int == 400
    assert response.json == {
        "result": "error",
        "message": f"{provider} callback failed: body too large",
    }
    del response
    gc.collect()


@spooled_body
def test_a_body_without_a_length_is_still_bounded(testapp):
    request = webtest.TestRequest.blank(
        MMG_URL, method="POST", body=b"x" * 20_000
    )
    del request.environ["CONTENT_LENGTH"]
    request.environ["wsgi.input_terminated"] = True

    response = testapp.do_request(request, expect_errors=True)

    assert response.status_int == 400
    assert response.json["message"] == "MMG callback failed: body too large"
    del response, request
    gc.collect()
