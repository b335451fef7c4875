"""Inputs the fuzzing found that once made the API answer 500."""

import pytest

from tests import factories


@pytest.fixture
def auth(sample_service, sample_api_key):
    _, secret = sample_api_key
    return [factories.service_auth_header(sample_service.id, secret)]


def send(testapp, auth, template, **fields):
    return testapp.post_json(
        "/v2/notifications/sms",
        {
            "phone_number": "07700900123",
            "template_id": str(template.id),
            "personalisation": {"name": "Ada"},
            **fields,
        },
        headers=auth,
        expect_errors=True,
    )


def test_a_reference_with_a_nul_character_is_a_validation_error(
    testapp, auth, sample_template
):
    response = send(testapp, auth, sample_template, reference="a\x00b")
    assert response.status_int == 400
    assert response.json["errors"] == [
        {
            "error": "ValidationError",
            "message": "reference must not contain NUL characters",
        }
    ]


def test_listing_by_a_reference_with_a_nul_character_is_refused(testapp, auth):
    response = testapp.get(
        "/v2/notifications",
        {"reference": "a\x00b"},
        headers=auth,
        expect_errors=True,
    )
    assert response.status_int == 400
    assert response.json["errors"][0]["message"] == (
        "reference must not contain NUL characters"
    )


@pytest.mark.parametrize("url", ["https://a\x00b", "https://a\nb"])
def test_an_unsubscribe_url_with_control_characters_is_refused(
    testapp, auth, sample_email_template, url
):
    response = testapp.post_json(
        "/v2/notifications/email",
        {
            "email_address": "someone@example.com",
            "template_id": str(sample_email_template.id),
            "personalisation": {"name": "Ada"},
            "one_click_unsubscribe_url": url,
        },
        headers=auth,
        expect_errors=True,
    )
    assert response.status_int == 400
    assert response.json["errors"][0]["message"] == (
        "one_click_unsubscribe_url is not a valid https url"
    )


def test_a_reference_with_other_characters_is_still_taken(
    testapp, auth, sample_template
):
    response = send(testapp, auth, sample_template, reference="ä\x01b\n")
    assert response.status_int == 201
    assert response.json["reference"] == "ä\x01b\n"
