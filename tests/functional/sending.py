"""Helpers shared by the tests of the sending API."""

import dataclasses

from notify_pyramid.models import ServiceGuestList
from notify_pyramid.models.service import GUEST_LIST_EMAIL, GUEST_LIST_MOBILE
from tests import factories


@dataclasses.dataclass
class Sender:
    """A service, its keys and templates, and a way to call the API."""

    testapp: object
    dbsession: object
    service: object
    secrets: dict
    sms_template: object
    email_template: object

    def headers(self, key_type="normal"):
        return [
            factories.service_auth_header(
                self.service.id, self.secrets[key_type]
            )
        ]

    def post(self, path, body, key_type="normal", status=201, **kw):
        return self.testapp.post_json(
            path, body, headers=self.headers(key_type), status=status, **kw
        )

    def get(self, path, key_type="normal", status=200, **kw):
        return self.testapp.get(
            path, headers=self.headers(key_type), status=status, **kw
        )

    def guest(self, recipient_type, recipient):
        self.dbsession.add(
            ServiceGuestList(
                service_id=self.service.id,
                recipient_type=recipient_type,
                recipient=recipient,
            )
        )
        self.dbsession.flush()


def make_sender(testapp, dbsession, **service_values) -> Sender:
    service = factories.create_service(dbsession, **service_values)
    secrets = {}
    for key_type in ("normal", "team", "test"):
        _, secrets[key_type] = factories.create_api_key(
            dbsession, service, key_type
        )
    return Sender(
        testapp=testapp,
        dbsession=dbsession,
        service=service,
        secrets=secrets,
        sms_template=factories.create_template(dbsession, service, "sms"),
        email_template=factories.create_template(dbsession, service, "email"),
    )


__all__ = ["GUEST_LIST_EMAIL", "GUEST_LIST_MOBILE", "Sender", "make_sender"]
