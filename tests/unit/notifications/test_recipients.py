import pytest

from notify_pyramid.errors import (
    BadRequestError,
    InvalidEmailError,
    InvalidPhoneError,
)
from notify_pyramid.notifications.recipients import (
    validate_email_address,
    validate_phone_number,
)


@pytest.mark.parametrize(
    "number",
    [
        "07700900123",
        "07700 900 123",
        "+447700900123",
        "+44 7700-900-123",
        "447700900123",
        "00447700900123",
        "7700900123",
        "(07700) 900.123",
    ],
)
def test_uk_mobiles_are_normalised(number):
    recipient = validate_phone_number(number)
    assert recipient.normalised == "447700900123"
    assert recipient.international is False
    assert recipient.to == number


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("020 7946 0000", "Not a UK mobile number"),
        ("+44 20 7946 0000", "Not a UK mobile number"),
        ("0770090012", "Not enough digits"),
        ("077009001234", "Too many digits"),
        ("07700 900 12a", "Must not contain letters or symbols"),
        ("07700#900123", "Must not contain letters or symbols"),
        ("", "Must not contain letters or symbols"),
        ("+999 1234567", "Not a valid country prefix"),
        ("+1 202 555", "Not enough digits"),
        ("+33 6 12 34 56 78 90 12 34 56", "Too many digits"),
        ("+1 999 555 0123", "Not a valid phone number"),
    ],
)
def test_invalid_numbers_are_refused(number, message):
    with pytest.raises(InvalidPhoneError) as excinfo:
        validate_phone_number(number, allow_international=True)
    assert excinfo.value.message == message


def test_international_numbers_need_permission():
    with pytest.raises(BadRequestError) as excinfo:
        validate_phone_number("+33 6 12 34 56 78")
    assert excinfo.value.message == (
        "Cannot send to international mobile numbers"
    )


def test_international_numbers_are_normalised_with_permission():
    recipient = validate_phone_number("+1 202-555-0123", True)
    assert recipient.normalised == "12025550123"
    assert recipient.international is True


@pytest.mark.parametrize(
    ("address", "normalised"),
    [
        ("someone@example.com", "someone@example.com"),
        (" Someone@Example.COM ", "someone@example.com"),
        (
            "first.last+tag@sub.example.co.uk",
            "first.last+tag@sub.example.co.uk",
        ),
    ],
)
def test_email_addresses_are_normalised(address, normalised):
    assert validate_email_address(address).normalised == normalised


@pytest.mark.parametrize(
    "address",
    [
        "",
        "no-at-sign",
        "a@b",
        "two@@example.com",
        "a@example.com.",
        "a b@c.com",
    ],
)
def test_invalid_email_addresses_are_refused(address):
    with pytest.raises(InvalidEmailError) as excinfo:
        validate_email_address(address)
    assert excinfo.value.message == "Not a valid email address"
