import json

import pytest

from notify_pyramid.dao.templates import dao_update_template
from notify_pyramid.models import Notification
from notify_pyramid.notifications.content import (
    Content,
    TemplateVersionMissing,
    notification_content,
)
from tests import factories


def test_content_is_rendered_from_the_version_sent(dbsession, sample_service):
    template = factories.create_template(
        dbsession, sample_service, "email", content="Hi ((name))"
    )
    notification = factories.create_notification(
        dbsession,
        template,
        personalisation=factories.ENCRYPTOR.encrypt(
            json.dumps({"Name": "Jo"})
        ),
    )
    dao_update_template(dbsession, template, content="Bye ((name))")

    content = notification_content(
        dbsession, notification, factories.ENCRYPTOR
    )

    assert content == Content(body="Hi Jo", subject="Subject Jo")


def test_sms_content_has_no_subject(dbsession, sample_template):
    notification = factories.create_notification(
        dbsession,
        sample_template,
        personalisation=factories.ENCRYPTOR.encrypt(json.dumps({"name": "A"})),
    )
    content = notification_content(
        dbsession, notification, factories.ENCRYPTOR
    )
    assert content == Content(body="Hello A", subject=None)


def test_unknown_template_version_is_an_error(dbsession, sample_template):
    notification = Notification(
        service_id=sample_template.service_id,
        template_id=sample_template.id,
        template_version=99,
    )
    with pytest.raises(TemplateVersionMissing):
        notification_content(dbsession, notification, factories.ENCRYPTOR)
