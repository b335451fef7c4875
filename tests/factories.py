"""Builders of sample rows for tests: each flushes and returns its row."""

import dataclasses
import datetime
import uuid

from notifications_python_client.authentication import create_jwt_token

from notify_pyramid.crypto import Encryptor
from notify_pyramid.dao.api_keys import dao_create_api_key
from notify_pyramid.dao.notifications import dao_create_notification
from notify_pyramid.dao.services import dao_create_service
from notify_pyramid.dao.templates import dao_create_template
from notify_pyramid.models import ApiKey, Notification, Service, Template

SECRET_KEY = "test-secret-key-for-encrypting-api-keys-0123456789"
ADMIN_CLIENT_ID = "notify-admin"
ADMIN_SECRET = "test-admin-secret-0123456789abcdef0123456789abcdef"
ENCRYPTOR = Encryptor(SECRET_KEY)


def create_service(dbsession, **overrides) -> Service:
    values = {
        "name": f"Sample service {uuid.uuid4()}",
        "restricted": False,
        "message_limit": 1000,
        "permissions": ["sms", "email"],
    }
    values.update(overrides)
    return dao_create_service(dbsession, Service(**values))


def create_api_key(dbsession, service, key_type="normal", secret=None, **kw):
    """Return ``(api_key, secret)``: the row and the plain secret."""
    secret = secret or str(uuid.uuid4())
    api_key = dao_create_api_key(
        dbsession,
        ApiKey(
            service_id=service.id,
            name=kw.pop("name", f"key {key_type}"),
            key_type=key_type,
            secret=ENCRYPTOR.encrypt(secret),
            **kw,
        ),
    )
    return api_key, secret


def create_template(dbsession, service, template_type="sms", **overrides):
    values = {
        "service_id": service.id,
        "template_type": template_type,
        "name": f"Sample {template_type} template",
        "content": "Hello ((name))",
        "subject": "Subject ((name))" if template_type == "email" else None,
    }
    values.update(overrides)
    return dao_create_template(dbsession, Template(**values))


def create_notification(dbsession, template, api_key=None, **overrides):
    values = {
        "service_id": template.service_id,
        "template_id": template.id,
        "template_version": template.version,
        "api_key_id": api_key.id if api_key else None,
        "key_type": api_key.key_type if api_key else "normal",
        "notification_type": template.template_type,
        "to": "07700900123"
        if template.template_type == "sms"
        else "someone@example.com",
        "status": "created",
        "created_at": datetime.datetime.now(datetime.UTC),
    }
    values.update(overrides)
    return dao_create_notification(dbsession, Notification(**values))


def service_auth_header(service_id, secret) -> tuple[str, str]:
    """Return an Authorization header as the official client signs it."""
    token = create_jwt_token(secret, str(service_id))
    return ("Authorization", f"Bearer {token}")


def admin_auth_header(secret=ADMIN_SECRET) -> tuple[str, str]:
    token = create_jwt_token(secret, ADMIN_CLIENT_ID)
    return ("Authorization", f"Bearer {token}")


def create_notification_history(dbsession, template, **overrides):
    """Add a history row alone, as if its notification had been purged."""
    from notify_pyramid.models import NotificationHistory

    values = {
        "id": uuid.uuid4(),
        "service_id": template.service_id,
        "template_id": template.id,
        "template_version": template.version,
        "key_type": "normal",
        "notification_type": template.template_type,
        "status": "created",
        "billable_units": 0,
        "created_at": datetime.datetime.now(datetime.UTC),
    }
    values.update(overrides)
    history = NotificationHistory(**values)
    dbsession.add(history)
    dbsession.flush()
    return history


@dataclasses.dataclass(frozen=True)
class CommittedService:
    """The ids and secret of a service made by :func:`commit_service`."""

    service_id: uuid.UUID
    key_id: uuid.UUID
    key_name: str
    template_id: uuid.UUID
    secret: str

    @property
    def official_client_key(self) -> str:
        """The key string the official client is given."""
        return f"{self.key_name}-{self.service_id}-{self.secret}"


def commit_service(session_factory, key_type="normal") -> CommittedService:
    """Create a service with an API key and an SMS template, committed.

    For tests whose requests read from other connections (live servers,
    apps without a test session) than the test's rolled-back one.
    """
    import transaction

    from notify_pyramid.models import get_tm_session

    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(session_factory, manager)
        service = create_service(session)
        key, secret = create_api_key(session, service, key_type)
        template = create_template(session, service)
        made = CommittedService(
            service.id, key.id, key.name, template.id, secret
        )
    return made
