import logging
import uuid

import pytest
from sqlalchemy import select

from notify_pyramid.models import TemplateHistory
from tests import factories


def admin():
    return [factories.admin_auth_header()]


def template_url(service, template_id=None):
    url = f"/service/{service.id}/template"
    return f"{url}/{template_id}" if template_id else url


def versions(dbsession, template_id):
    stmt = (
        select(TemplateHistory)
        .where(TemplateHistory.id == uuid.UUID(template_id))
        .order_by(TemplateHistory.version)
    )
    return list(dbsession.scalars(stmt))


def test_sms_template_is_created(testapp, dbsession, sample_service):
    body = {
        "name": "Reminder",
        "template_type": "sms",
        "content": "Hello ((name))",
    }
    response = testapp.post_json(
        template_url(sample_service), body, headers=admin(), status=201
    )

    data = response.json["data"]
    assert data == {
        "id": data["id"],
        "type": "sms",
        "created_at": data["created_at"],
        "updated_at": None,
        "created_by": factories.ADMIN_CLIENT_ID,
        "version": 1,
        "body": "Hello ((name))",
        "subject": None,
        "name": "Reminder",
        "archived": False,
    }
    [first] = versions(dbsession, data["id"])
    assert (first.version, first.content) == (1, "Hello ((name))")


def test_email_template_is_created_with_its_subject(testapp, sample_service):
    body = {
        "name": "Letter",
        "template_type": "email",
        "content": "Dear ((name))",
        "subject": "About ((topic))",
    }
    data = testapp.post_json(
        template_url(sample_service), body, headers=admin(), status=201
    ).json["data"]
    assert data["type"] == "email"
    assert data["subject"] == "About ((topic))"


@pytest.mark.parametrize(
    "body, field, message",
    [
        (
            {"name": "e", "template_type": "email", "content": "x"},
            "subject",
            "subject is required for an email template",
        ),
        (
            {
                "name": "s",
                "template_type": "sms",
                "content": "x",
                "subject": "no",
            },
            "subject",
            "subject is not allowed for an sms template",
        ),
        (
            {"name": "l", "template_type": "letter", "content": "x"},
            "template_type",
            "template_type letter is not one of [sms, email]",
        ),
        (
            {"name": "", "template_type": "sms", "content": "x"},
            "name",
            "name should be non-empty",
        ),
        (
            {"name": "n", "template_type": "sms"},
            "content",
            "content is a required property",
        ),
    ],
)
def test_invalid_template_is_refused(
    testapp, sample_service, body, field, message
):
    response = testapp.post_json(
        template_url(sample_service), body, headers=admin(), status=400
    )
    assert response.json == {"result": "error", "message": {field: [message]}}


def test_template_is_read(testapp, sample_service, sample_template):
    response = testapp.get(
        template_url(sample_service, sample_template.id), headers=admin()
    )
    assert response.json["data"]["id"] == str(sample_template.id)
    assert response.json["data"]["body"] == sample_template.content


@pytest.mark.parametrize("template_id", ["not-a-uuid", uuid.uuid4()])
def test_unknown_template_is_404(testapp, sample_service, template_id):
    response = testapp.get(
        template_url(sample_service, template_id), headers=admin(), status=404
    )
    assert response.json["message"] == "No result found"


def test_another_services_template_is_404(testapp, dbsession, sample_service):
    other = factories.create_service(dbsession)
    theirs = factories.create_template(dbsession, other)
    testapp.get(
        template_url(sample_service, theirs.id), headers=admin(), status=404
    )
    testapp.post_json(
        template_url(sample_service, theirs.id),
        {"content": "taken over"},
        headers=admin(),
        status=404,
    )
    assert theirs.content == "Hello ((name))"


def test_each_edit_is_a_new_version(
    testapp, dbsession, sample_service, sample_email_template
):
    url = template_url(sample_service, sample_email_template.id)
    testapp.post_json(
        url, {"content": "Second ((name))"}, headers=admin(), status=200
    )
    response = testapp.post_json(
        url,
        {"subject": "New subject", "name": "Renamed", "archived": True},
        headers=admin(),
        status=200,
    )

    data = response.json["data"]
    assert data["version"] == 3
    assert data["body"] == "Second ((name))"
    assert data["subject"] == "New subject"
    assert data["name"] == "Renamed"
    assert data["archived"] is True
    assert data["updated_at"].endswith("Z")
    history = versions(dbsession, str(sample_email_template.id))
    assert [(row.version, row.content, row.archived) for row in history] == [
        (1, "Hello ((name))", False),
        (2, "Second ((name))", False),
        (3, "Second ((name))", True),
    ]


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({}, "body", "{} should be non-empty"),
        (
            {"subject": "x"},
            "subject",
            "subject is not allowed for an sms template",
        ),
        ({"content": ""}, "content", "content should be non-empty"),
        (
            {"archived": "yes"},
            "archived",
            "archived yes is not of type boolean",
        ),
        (
            {"template_type": "email"},
            "body",
            "Additional properties are not "
            "allowed (template_type was unexpected)",
        ),
    ],
)
def test_invalid_edit_is_refused(
    testapp, dbsession, sample_service, sample_template, body, field, message
):
    response = testapp.post_json(
        template_url(sample_service, sample_template.id),
        body,
        headers=admin(),
        status=400,
    )
    assert response.json["message"] == {field: [message]}
    assert len(versions(dbsession, str(sample_template.id))) == 1


def test_template_changes_are_logged(testapp, sample_service, caplog):
    body = {"name": "n", "template_type": "sms", "content": "secret ((x))"}
    with caplog.at_level(logging.INFO, logger="notify_pyramid"):
        data = testapp.post_json(
            template_url(sample_service), body, headers=admin(), status=201
        ).json["data"]
        testapp.post_json(
            template_url(sample_service, data["id"]),
            {"content": "changed"},
            headers=admin(),
        )

    created, updated = [
        record
        for record in caplog.records
        if record.getMessage() in ("Template created", "Template updated")
    ]
    assert created.template_id == data["id"]
    assert created.admin_client_id == factories.ADMIN_CLIENT_ID
    assert updated.fields == ["content"]
    assert updated.version == 2
    assert "secret" not in str(created.__dict__)
