import pytest

from notify_pyramid.notifications.guest_list import (
    InvalidRecipient,
    normalise_email_address,
    normalise_phone_number,
)


@pytest.mark.parametrize(
    "given",
    [
        "07700900123",
        "07700 900 123",
        "+44 7700 900123",
        "0044 (0)7700-900-123",
        "447700900123",
        " 07700.900.123 ",
    ],
)
def test_uk_mobile_numbers_become_447(given):
    assert normalise_phone_number(given) == "447700900123"


def test_international_mobile_keeps_its_country_code():
    assert normalise_phone_number("+1 202 555 0143") == "12025550143"


@pytest.mark.parametrize(
    "given, reason",
    [
        ("020 7946 0000", "Not a UK mobile number"),
        ("0770090012", "Not a UK mobile number"),
        ("077009001234", "Not a UK mobile number"),
        ("0800 FLOWERS", "Not a valid phone number"),
        ("+1 555", "Not a valid phone number"),
        ("", "Not a valid phone number"),
        ("+", "Not a valid phone number"),
    ],
)
def test_numbers_that_cannot_receive_texts_are_refused(given, reason):
    with pytest.raises(InvalidRecipient) as excinfo:
        normalise_phone_number(given)
    assert str(excinfo.value) == reason


def test_email_address_is_lower_cased():
    assert normalise_email_address(" Ada@Example.COM ") == "ada@example.com"


@pytest.mark.parametrize(
    "given", ["", "ada", "ada@", "@example.com", "a b@c.d"]
)
def test_invalid_email_address_is_refused(given):
    with pytest.raises(InvalidRecipient):
        normalise_email_address(given)
