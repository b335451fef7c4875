import pytest

from notify_pyramid.errors import BadRequestError, ValidationError
from notify_pyramid.schemas import MAX_ECHO, Schema, parse_json_body

SMS = Schema(
    {
        "type": "object",
        "properties": {
            "phone_number": {"type": "string"},
            "template_id": {"type": "string", "format": "uuid"},
            "personalisation": {"type": "object"},
            "reference": {"type": "string", "maxLength": 5},
        },
        "required": ["phone_number", "template_id"],
        "additionalProperties": False,
    }
)


def messages_for(data):
    with pytest.raises(ValidationError) as excinfo:
        SMS.validate(data)
    return excinfo.value.messages, excinfo.value.fields


def test_every_violation_is_reported_field_first_without_quotes():
    messages, fields = messages_for(
        {"template_id": "nope", "personalisation": "x", "to": 1}
    )
    assert messages == [
        "Additional properties are not allowed (to was unexpected)",
        "phone_number is a required property",
        "personalisation x is not of type object",
        "template_id is not a valid UUID",
    ]
    assert fields["phone_number"] == ["phone_number is a required property"]
    assert fields["template_id"] == ["template_id is not a valid UUID"]


def test_valid_data_is_returned():
    data = {
        "phone_number": "07700900123",
        "template_id": str(__import__("uuid").uuid4()),
    }
    assert SMS.validate(data) is data


def test_non_object_body_is_reported():
    messages, _ = messages_for([])
    assert messages == ["[] is not of type object"]


def test_duplicate_messages_are_dropped():
    schema = Schema({"allOf": [{"required": ["a"]}, {"required": ["a"]}]})
    with pytest.raises(ValidationError) as excinfo:
        schema.validate({})
    assert excinfo.value.messages == ["a is a required property"]


class FakeRequest:
    def __init__(self, body):
        self.body = body


@pytest.mark.parametrize("body", [b"", b"{", b"\xff\xfe", b"{'a': 1}"])
def test_body_that_is_not_json_is_a_bad_request(body):
    with pytest.raises(BadRequestError) as excinfo:
        parse_json_body(FakeRequest(body))
    assert excinfo.value.message == "Invalid JSON supplied in POST data"


def test_empty_string_reads_without_a_double_space():
    schema = Schema({"properties": {"name": {"minLength": 1}}})
    with pytest.raises(ValidationError) as excinfo:
        schema.validate({"name": ""})
    assert excinfo.value.messages == ["name should be non-empty"]


def test_a_long_wrong_value_is_repeated_only_in_part():
    messages, _ = messages_for(
        {
            "phone_number": "07700900123",
            "template_id": "x",
            "personalisation": "p" * 100_000,
            "reference": "r" * 10_000,
        }
    )
    shortened = "p" * (MAX_ECHO - 1) + "... is not of type object"
    assert f"personalisation {shortened}" in messages
    assert f"reference {'r' * (MAX_ECHO - 1)}... is too long" in messages
    assert all(len(message) < 2 * MAX_ECHO for message in messages)


def test_a_value_just_short_enough_is_repeated_whole():
    value = "p" * (MAX_ECHO - 2)  # its repr has two quotes: MAX_ECHO long
    messages, _ = messages_for(
        {"phone_number": "1", "template_id": "x", "personalisation": value}
    )
    assert f"personalisation {value} is not of type object" in messages
