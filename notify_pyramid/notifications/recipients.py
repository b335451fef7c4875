"""Recipients: phone numbers, email addresses, and who a key may reach.

Phone numbers are parsed with ``phonenumbers``. A UK mobile (07...,
+447..., 447...) is normalised to ``447...``; a number with another
country code is international and is normalised to its E.164 digits,
without the ``+``. Email addresses are checked with ``email-validator``
(syntax only: no DNS lookups on the request path) and compared in lower
case.
"""

import dataclasses
import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from ..dao.services import dao_is_on_guest_list
from ..errors import BadRequestError, InvalidEmailError, InvalidPhoneError
from ..models.api_key import KEY_TYPE_TEAM, KEY_TYPE_TEST
from ..models.service import (
    GUEST_LIST_EMAIL,
    GUEST_LIST_MOBILE,
    INTERNATIONAL_SMS_TYPE,
    ServiceSnapshot,
)

UK_COUNTRY_CODE = 44
UK_MOBILE_DIGITS = 10  # 7 and nine more, after the country code

NOT_UK_MOBILE = "Not a UK mobile number"
LETTERS_OR_SYMBOLS = "Must not contain letters or symbols"
TOO_SHORT = "Not enough digits"
TOO_LONG = "Too many digits"
BAD_COUNTRY_CODE = "Not a valid country prefix"
NOT_VALID_NUMBER = "Not a valid phone number"
NOT_INTERNATIONAL = "Cannot send to international mobile numbers"
NOT_EMAIL = "Not a valid email address"
TEAM_ONLY = "Can’t send to this recipient using a team-only API key"
TRIAL_MODE = (
    "Can’t send to this recipient when service is in trial mode – see "
    "https://www.notifications.service.gov.uk/trial-mode"
)

# what people write around the digits of a phone number
_PHONE_PUNCTUATION = re.compile(r"[\s().\-\u2010-\u2015]")


@dataclasses.dataclass(frozen=True)
class Recipient:
    """A recipient as given, and in the form that is stored and compared."""

    to: str
    normalised: str
    international: bool = False


def validate_phone_number(
    number: str, allow_international: bool = False
) -> Recipient:
    """Return ``number`` normalised, or raise.

    Raises InvalidPhoneError for a number that is not a mobile number
    (a UK landline is ``Not a UK mobile number``), and BadRequestError
    ``Cannot send to international mobile numbers`` for an international
    number when ``allow_international`` is false.
    """
    digits = _PHONE_PUNCTUATION.sub("", number)
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = "44" + digits[1:]
    elif digits.startswith("7") and len(digits) == UK_MOBILE_DIGITS:
        digits = "44" + digits
    if not digits.isdigit() or not digits.isascii():
        raise InvalidPhoneError(LETTERS_OR_SYMBOLS)

    if digits.startswith("44"):
        national = digits[2:]
        if not national.startswith("7"):
            raise InvalidPhoneError(NOT_UK_MOBILE)
        if len(national) < UK_MOBILE_DIGITS:
            raise InvalidPhoneError(TOO_SHORT)
        if len(national) > UK_MOBILE_DIGITS:
            raise InvalidPhoneError(TOO_LONG)
        return Recipient(number, digits, international=False)

    try:
        parsed = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneError(BAD_COUNTRY_CODE) from None
    if not phonenumbers.is_valid_number(parsed):
        possible = phonenumbers.is_possible_number_with_reason(parsed)
        reason = phonenumbers.ValidationResult
        if possible == reason.INVALID_COUNTRY_CODE:
            raise InvalidPhoneError(BAD_COUNTRY_CODE)
        if possible == reason.TOO_SHORT:
            raise InvalidPhoneError(TOO_SHORT)
        if possible == reason.TOO_LONG:
            raise InvalidPhoneError(TOO_LONG)
        raise InvalidPhoneError(NOT_VALID_NUMBER)
    if not allow_international:
        raise BadRequestError(NOT_INTERNATIONAL)
    normalised = f"{parsed.country_code}{parsed.national_number}"
    return Recipient(number, normalised, international=True)


def validate_email_address(address: str) -> Recipient:
    """Return ``address`` normalised to lower case, or raise.

    Raises InvalidEmailError ``Not a valid email address``.
    """
    try:
        valid = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidEmailError(NOT_EMAIL) from None
    return Recipient(address, valid.normalized.lower())


def comparable_recipient(notification_type: str, to: str) -> str:
    """Return ``to`` in the form guest lists store, as far as it parses.

    Used to compare a recipient with the guest list before it has been
    fully validated; an unparseable recipient is compared as written.
    """
    if notification_type == "email":
        return to.strip().lower()
    try:
        return validate_phone_number(to, allow_international=True).normalised
    except (InvalidPhoneError, BadRequestError):
        return to.strip()


def check_recipient_allowed(
    dbsession,
    service: ServiceSnapshot,
    key_type: str,
    notification_type: str,
    to: str,
) -> None:
    """Raise BadRequestError if the key or trial mode forbids ``to``.

    Test keys reach anyone. Team keys, and every key of a service in
    trial mode, reach only the service's guest list.
    """
    if key_type == KEY_TYPE_TEST:
        return
    if key_type != KEY_TYPE_TEAM and not service.restricted:
        return
    recipient_type = (
        GUEST_LIST_EMAIL if notification_type == "email" else GUEST_LIST_MOBILE
    )
    recipient = comparable_recipient(notification_type, to)
    if dao_is_on_guest_list(dbsession, service.id, recipient_type, recipient):
        return
    raise BadRequestError(
        TEAM_ONLY if key_type == KEY_TYPE_TEAM else TRIAL_MODE
    )


def validate_recipient(
    service: ServiceSnapshot, notification_type: str, to: str
) -> Recipient:
    """Return the recipient normalised, or raise its validation error."""
    if notification_type == "email":
        return validate_email_address(to)
    return validate_phone_number(
        to, service.has_permission(INTERNATIONAL_SMS_TYPE)
    )
