"""Normalising the recipients a service puts on its guest list.

A guest list entry is compared with the normalised recipient of each
message, so it is stored in the same form: email addresses in lower case,
UK mobile numbers as ``447...`` and other numbers as their international
digits without the ``+``.
"""

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

UK_COUNTRY_CODE = 44

# what people write around the digits of a phone number; letters are not
# accepted even though phonenumbers would read them as keypad digits
_PHONE_CHARACTERS = re.compile(r"^\+?[0-9\s().-]+$")


class InvalidRecipient(ValueError):
    """A guest list entry that is not a usable email address or number."""


def normalise_email_address(value: str) -> str:
    """Return ``value`` as stored on a guest list: checked, lower case.

    Raises :class:`InvalidRecipient` when it is not an email address.
    """
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidRecipient("Not a valid email address") from None
    return checked.normalized.lower()


def normalise_phone_number(value: str) -> str:
    """Return ``value`` as stored on a guest list: international digits.

    A UK number must be a mobile (``07...`` with ten digits after the 0)
    and becomes ``447...``; a number elsewhere must be one that
    phonenumbers knows to be valid. Raises :class:`InvalidRecipient`
    otherwise.
    """
    if not _PHONE_CHARACTERS.match(value.strip()):
        raise InvalidRecipient("Not a valid phone number")
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        raise InvalidRecipient("Not a valid phone number") from None

    if number.country_code == UK_COUNTRY_CODE:
        # judged by its form, not by phonenumbers' list of allocated
        # ranges, which leaves out the ranges reserved for drama and tests
        national = phonenumbers.national_significant_number(number)
        if len(national) == 10 and national.startswith("7"):
            return f"{UK_COUNTRY_CODE}{national}"
        raise InvalidRecipient("Not a UK mobile number")

    if not phonenumbers.is_valid_number(number):
        raise InvalidRecipient("Not a valid phone number")
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.E164
    ).lstrip("+")
