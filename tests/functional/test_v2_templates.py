import uuid

import pytest

from notify_pyramid.dao.templates import dao_update_template
from tests import factories

from .sending import make_sender


@pytest.fixture
def sender(testapp, dbsession):
    return make_sender(testapp, dbsession)


def test_template_is_read_with_its_placeholders(sender):
    template = factories.create_template(
        sender.dbsession,
        sender.service,
        "email",
        name="Welcome",
        subject="Hi ((First name))",
        content="((first_name)), ((code)) ((extra??P.S.))",
        created_by="someone@example.com",
    )

    body = sender.get(f"/v2/template/{template.id}").json

    assert body == {
        "id": str(template.id),
        "type": "email",
        "created_at": template.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "updated_at": None,
        "created_by": "someone@example.com",
        "version": 1,
        "body": "((first_name)), ((code)) ((extra??P.S.))",
        "subject": "Hi ((First name))",
        "name": "Welcome",
        "personalisation": {
            "First name": {"required": True},
            "code": {"required": True},
            "extra": {"required": True},
        },
    }


def test_sms_template_has_no_subject(sender):
    body = sender.get(f"/v2/template/{sender.sms_template.id}").json
    assert body["subject"] is None
    assert body["type"] == "sms"


def test_template_versions_are_kept(sender):
    template = sender.sms_template
    dao_update_template(sender.dbsession, template, content="Two ((x))")

    first = sender.get(f"/v2/template/{template.id}/version/1").json
    second = sender.get(f"/v2/template/{template.id}/version/2").json
    current = sender.get(f"/v2/template/{template.id}").json

    assert (first["version"], first["body"]) == (1, "Hello ((name))")
    assert (second["version"], second["body"]) == (2, "Two ((x))")
    assert second["personalisation"] == {"x": {"required": True}}
    assert current["version"] == 2


def test_templates_are_listed_by_type(sender):
    factories.create_template(sender.dbsession, sender.service, archived=True)

    everything = sender.get("/v2/templates").json["templates"]
    emails = sender.get("/v2/templates?type=email").json["templates"]

    assert {t["id"] for t in everything} == {
        str(sender.sms_template.id),
        str(sender.email_template.id),
    }
    assert [t["id"] for t in emails] == [str(sender.email_template.id)]


def test_templates_of_other_services_are_not_listed(sender, testapp):
    make_sender(testapp, sender.dbsession)
    assert len(sender.get("/v2/templates").json["templates"]) == 2


def test_preview_fills_the_template_in(sender):
    template = sender.email_template
    response = sender.post(
        f"/v2/template/{template.id}/preview",
        {"personalisation": {"Name": "Jo"}},
        status=200,
    )
    assert response.json == {
        "id": str(template.id),
        "type": "email",
        "version": 1,
        "body": "Hello Jo",
        "subject": "Subject Jo",
    }


def error(status, name, message):
    return {
        "status_code": status,
        "errors": [{"error": name, "message": message}],
    }


TEMPLATE_REFUSALS = [
    (
        "get",
        "/v2/template/nope",
        400,
        error(400, "ValidationError", "template_id is not a valid UUID"),
    ),
    (
        "get",
        "/v2/template/{unknown}",
        404,
        error(404, "NoResultFound", "No result found"),
    ),
    (
        "get",
        "/v2/template/{other}",
        404,
        error(404, "NoResultFound", "No result found"),
    ),
    (
        "get",
        "/v2/template/{sms}/version/3",
        404,
        error(404, "NoResultFound", "No result found"),
    ),
    (
        "get",
        "/v2/template/{sms}/version/99999999999999999999",
        404,
        error(404, "NoResultFound", "No result found"),
    ),
    (
        "get",
        "/v2/template/{sms}/version/x",
        400,
        error(400, "ValidationError", "version x is not of type integer"),
    ),
    (
        "get",
        "/v2/template/nope/version/1",
        400,
        error(400, "ValidationError", "template_id is not a valid UUID"),
    ),
    (
        "get",
        "/v2/templates?type=letter",
        400,
        error(
            400, "ValidationError", "type letter is not one of [sms, email]"
        ),
    ),
    (
        "get",
        "/v2/templates?colour=red",
        400,
        error(
            400,
            "ValidationError",
            "Additional properties are not allowed (colour was unexpected)",
        ),
    ),
    (
        "post",
        "/v2/template/{sms}/preview",
        400,
        error(400, "BadRequestError", "Missing personalisation: name"),
    ),
    (
        "post",
        "/v2/template/{unknown}/preview",
        404,
        error(404, "NoResultFound", "No result found"),
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "status", "expected"), TEMPLATE_REFUSALS
)
def test_template_requests_are_refused(
    sender, testapp, method, path, status, expected
):
    other = make_sender(testapp, sender.dbsession)
    path = path.format(
        unknown=uuid.uuid4(),
        other=other.sms_template.id,
        sms=sender.sms_template.id,
    )
    if method == "get":
        response = sender.get(path, status=status)
    else:
        response = sender.post(path, {"personalisation": {}}, status=status)
    assert response.json == expected


def test_preview_personalisation_must_be_an_object(sender):
    response = sender.post(
        f"/v2/template/{sender.sms_template.id}/preview",
        {"personalisation": []},
        status=400,
    )
    assert response.json == error(
        400, "ValidationError", "personalisation [] is not of type object"
    )
