import json
import logging
import uuid

import pytest

from notify_pyramid.errors import BadRequestError
from notify_pyramid.receipts.mmg import map_status, parse_mmg_receipt

REFERENCE = "9a3a0f7e-3a7d-4d31-8d0e-1f2b3c4d5e6f"


def body(**fields) -> bytes:
    return json.dumps(fields).encode()


@pytest.mark.parametrize(
    ("raw_status", "expected"),
    [
        (3, "delivered"),
        ("3", "delivered"),
        (" 3 ", "delivered"),
        (3.0, "delivered"),
        (4, "temporary-failure"),
        ("4", "temporary-failure"),
        (2, "permanent-failure"),
        ("2", "permanent-failure"),
        (5, "permanent-failure"),
        ("5", "permanent-failure"),
    ],
)
def test_known_statuses_are_mapped(raw_status, expected):
    receipt = parse_mmg_receipt(body(CID=REFERENCE, status=raw_status))
    assert receipt.status == expected
    assert receipt.status_if_pending is None
    assert receipt.notification_id == uuid.UUID(REFERENCE)
    assert receipt.provider == "mmg"


@pytest.mark.parametrize(
    "raw_status", [0, 1, 6, -3, "03", "delivered", 3.5, 10**40, "x" * 500]
)
def test_any_other_status_is_a_technical_failure_logged_as_error(
    raw_status, caplog
):
    with caplog.at_level(logging.ERROR, logger="notify_pyramid"):
        receipt = parse_mmg_receipt(body(CID=REFERENCE, status=raw_status))
    assert receipt.status == "technical-failure"
    [record] = caplog.records
    assert record.getMessage() == "MMG receipt status not recognised"
    assert len(record.raw_status) <= 100


def test_map_status_names_the_four_known_codes():
    assert {code: map_status(code) for code in "2345"} == {
        "2": "permanent-failure",
        "3": "delivered",
        "4": "temporary-failure",
        "5": "permanent-failure",
    }


def test_other_fields_are_accepted_and_ignored():
    receipt = parse_mmg_receipt(
        body(
            reference="mmg-123",
            CID=REFERENCE,
            MSISDN="447700900123",
            status="3",
            substatus="5",
            deliverytime="2024-01-01 10:00:00",
        )
    )
    assert receipt.raw_status == "3"
    assert "447700900123" not in repr(receipt)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"CID": REFERENCE}, "MMG callback failed: status missing"),
        (
            {"CID": REFERENCE, "status": None},
            "MMG callback failed: status missing",
        ),
        (
            {"CID": REFERENCE, "status": ""},
            "MMG callback failed: status missing",
        ),
        ({"status": 3}, "MMG callback failed: CID missing"),
        ({"CID": " ", "status": 3}, "MMG callback failed: CID missing"),
        (
            {},
            "MMG callback failed: CID missing; "
            "MMG callback failed: status missing",
        ),
        (
            {"CID": "1234", "status": 3},
            "MMG callback with invalid reference 1234",
        ),
        (
            {"CID": 1234, "status": 3},
            "MMG callback with invalid reference 1234",
        ),
        (
            {"CID": ["a"], "status": 3},
            "MMG callback with invalid reference ['a']",
        ),
        (
            {"CID": "not-an-id"},
            "MMG callback with invalid reference not-an-id; "
            "MMG callback failed: status missing",
        ),
        (
            {"CID": REFERENCE, "status": True},
            "MMG callback failed: status is not a string or number",
        ),
        (
            {"CID": REFERENCE, "status": [3]},
            "MMG callback failed: status is not a string or number",
        ),
        (
            {"CID": REFERENCE, "status": {"code": 3}},
            "MMG callback failed: status is not a string or number",
        ),
    ],
)
def test_every_problem_is_named(fields, message):
    with pytest.raises(BadRequestError) as raised:
        parse_mmg_receipt(json.dumps(fields).encode())
    assert raised.value.message == message


def test_a_huge_reference_is_cut_short_in_the_message():
    with pytest.raises(BadRequestError) as raised:
        parse_mmg_receipt(body(CID="a" * 100_000, status=3))
    assert raised.value.message == (
        "MMG callback with invalid reference " + "a" * 100
    )


def test_a_reference_in_other_scripts_is_not_an_id():
    # int() reads non-ASCII digits, so uuid.UUID alone would accept this
    with pytest.raises(BadRequestError, match="invalid reference"):
        parse_mmg_receipt(body(CID="\u0661" * 32, status=3))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"not json",
        b"\xff\xfe\x00",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"status": ' + b"9" * 5000 + b"}",
    ],
)
def test_a_body_that_does_not_parse_is_invalid_json(raw):
    with pytest.raises(BadRequestError) as raised:
        parse_mmg_receipt(raw)
    assert raised.value.message == "Invalid JSON supplied in POST data"


@pytest.mark.parametrize("raw", [b"[]", b"3", b'"text"', b"null"])
def test_a_body_that_is_not_an_object_is_refused(raw):
    with pytest.raises(BadRequestError) as raised:
        parse_mmg_receipt(raw)
    assert raised.value.message == "MMG callback failed: body is not an object"
