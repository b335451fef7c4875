"""Request validation with JSON Schema (draft 7), in the API's own words.

Every violation of a body is reported at once, each as one sentence that
starts with the field it concerns, with quotes removed and duplicates
dropped, for example ``phone_number is a required property`` or
``template_id is not a valid UUID``.
"""

import json
import uuid
from typing import Any

from jsonschema import Draft7Validator, FormatChecker

from .errors import BadRequestError, ValidationError

INVALID_JSON = "Invalid JSON supplied in POST data"

#: a pattern for strings stored or compared in SQL: PostgreSQL's text
#: cannot hold a NUL character, and the driver refuses to send one
NO_NUL = "^[^\\x00]*$"

FORMAT_CHECKER = FormatChecker()
_FORMAT_MESSAGES = {
    "uuid": "is not a valid UUID",
    "https-uri": "is not a valid https url",
}
_PATTERN_MESSAGES = {NO_NUL: "must not contain NUL characters"}


@FORMAT_CHECKER.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True  # the type keyword reports non-strings
    uuid.UUID(value)
    return True


@FORMAT_CHECKER.checks("https-uri", raises=ValueError)
def _is_https_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    # control characters, NUL among them, have no place in a URL
    if any(ord(char) < 0x20 or char == "\x7f" for char in value):
        return False
    return value.startswith("https://") and len(value) > len("https://")


class Schema:
    """A compiled JSON schema whose errors read as the API reports them."""

    def __init__(self, schema: dict) -> None:
        Draft7Validator.check_schema(schema)
        self.schema = schema
        self._validator = Draft7Validator(
            schema, format_checker=FORMAT_CHECKER
        )

    def validate(self, data: Any) -> Any:
        """Return ``data`` if it is valid; raise ValidationError if not.

        The error carries every message, and the same messages grouped by
        field for the legacy envelope.
        """
        described = sorted(
            ([str(part) for part in error.path], *_describe(error))
            for error in self._validator.iter_errors(data)
        )
        if not described:
            return data
        messages: list[str] = []
        fields: dict[str, list[str]] = {}
        for _, field, message in described:
            if message not in messages:
                messages.append(message)
                fields.setdefault(field or "body", []).append(message)
        raise ValidationError(messages, fields=fields)


def _describe(error) -> tuple[str, str]:
    field = ".".join(str(part) for part in error.path)
    if error.validator == "required":
        # jsonschema words it "'name' is a required property" already
        missing = error.message.split("'")[1]
        field = f"{field}.{missing}" if field else missing
        return field, f"{field} is a required property"
    if error.validator == "format" and error.validator_value in (
        _FORMAT_MESSAGES
    ):
        text = _FORMAT_MESSAGES[error.validator_value]
    elif error.validator == "pattern" and error.validator_value in (
        _PATTERN_MESSAGES
    ):
        text = _PATTERN_MESSAGES[error.validator_value]
    else:
        # an empty string quoted as '' would leave a leading space behind;
        # spaces inside the value are the caller's and are kept
        text = _shorten_echo(error).replace("'", "").strip()
    if field:
        return field, f"{field} {text}"
    return field, text


#: how much of a wrong value an error message repeats back
MAX_ECHO = 100


def _shorten_echo(error) -> str:
    # jsonschema starts most messages with the wrong value itself: a
    # value of megabytes would come back whole, so only its start does
    shown = repr(error.instance)
    if len(shown) > MAX_ECHO and error.message.startswith(shown):
        return shown[:MAX_ECHO] + "..." + error.message[len(shown) :]
    return error.message


def parse_json_body(request) -> Any:
    """Return the request body parsed as JSON.

    Raises BadRequestError with the API's message when it is not JSON.
    """
    try:
        return json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise BadRequestError(INVALID_JSON) from None
