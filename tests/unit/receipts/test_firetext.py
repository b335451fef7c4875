import logging
import uuid

import pytest

from notify_pyramid.errors import BadRequestError
from notify_pyramid.receipts.firetext import (
    CODE_MAP,
    map_status,
    parse_firetext_receipt,
)

REFERENCE = "9a3a0f7e-3a7d-4d31-8d0e-1f2b3c4d5e6f"


@pytest.mark.parametrize(
    ("raw_status", "expected"),
    [
        ("0", "delivered"),
        (" 0 ", "delivered"),
        ("2", "pending"),
    ],
)
def test_delivered_and_pending_are_mapped(raw_status, expected):
    receipt = parse_firetext_receipt(
        {"reference": REFERENCE, "status": raw_status, "mobile": "4477"}
    )
    assert receipt.status == expected
    assert receipt.status_if_pending is None
    assert receipt.notification_id == uuid.UUID(REFERENCE)
    assert receipt.provider == "firetext"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("000", "temporary-failure"),
        ("102", "temporary-failure"),
        ("103", "temporary-failure"),
        ("104", "temporary-failure"),
        ("302", "temporary-failure"),
        ("900", "temporary-failure"),
        ("101", "permanent-failure"),
        ("201", "permanent-failure"),
        ("301", "permanent-failure"),
        ("401", "permanent-failure"),
    ],
)
def test_a_known_code_decides_the_kind_of_failure(code, expected):
    receipt = parse_firetext_receipt(
        {"reference": REFERENCE, "status": "1", "code": code}
    )
    assert receipt.status == expected
    assert receipt.status_if_pending is None
    assert receipt.raw_status == f"1/{code}"


def test_the_code_table_has_every_documented_code():
    assert sorted(CODE_MAP) == [
        "000",
        "101",
        "102",
        "103",
        "104",
        "201",
        "301",
        "302",
        "401",
        "900",
    ]


@pytest.mark.parametrize("code", [None, "", "999", "abc"])
def test_a_failure_without_a_known_code_is_temporary_only_after_pending(
    code,
):
    form = {"reference": REFERENCE, "status": "1"}
    if code is not None:
        form["code"] = code
    receipt = parse_firetext_receipt(form)
    assert receipt.status == "permanent-failure"
    assert receipt.status_if_pending == "temporary-failure"


@pytest.mark.parametrize("code", [None, "000", "101"])
def test_the_code_only_refines_a_failure(code):
    assert map_status("0", code) == ("delivered", None)
    assert map_status("2", code) == ("pending", None)


@pytest.mark.parametrize("raw_status", ["3", "-1", "00", "failed", "x" * 500])
def test_any_other_status_is_a_technical_failure_logged_as_error(
    raw_status, caplog
):
    with caplog.at_level(logging.ERROR, logger="notify_pyramid"):
        receipt = parse_firetext_receipt(
            {"reference": REFERENCE, "status": raw_status}
        )
    assert receipt.status == "technical-failure"
    [record] = caplog.records
    assert record.getMessage() == "Firetext receipt status not recognised"
    assert len(record.raw_status) <= 100


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"reference": REFERENCE},
            "Firetext callback failed: status missing",
        ),
        (
            {"reference": REFERENCE, "status": ""},
            "Firetext callback failed: status missing",
        ),
        ({"status": "0"}, "Firetext callback failed: reference missing"),
        (
            {"status": "0", "reference": "  "},
            "Firetext callback failed: reference missing",
        ),
        (
            {},
            "Firetext callback failed: reference missing; "
            "Firetext callback failed: status missing",
        ),
        (
            {"status": "0", "reference": "1234"},
            "Firetext callback with invalid reference 1234",
        ),
        (
            {"reference": "x" * 10_000},
            "Firetext callback with invalid reference "
            + "x" * 100
            + "; Firetext callback failed: status missing",
        ),
    ],
)
def test_every_problem_is_named(form, message):
    with pytest.raises(BadRequestError) as raised:
        parse_firetext_receipt(form)
    assert raised.value.message == message
