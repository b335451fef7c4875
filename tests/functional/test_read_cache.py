"""Services, keys and templates read from the cache, and how stale it gets.

A change made through this process's sessions shows at once; one made
elsewhere (another API process, a script) shows once the cached copy is
older than ``notify.read_cache_seconds``.
"""

import pytest
import transaction
import webtest
from sqlalchemy.orm import Session

from notify_pyramid import main
from notify_pyramid.dao.api_keys import dao_revoke_api_key
from notify_pyramid.dao.templates import dao_update_template
from notify_pyramid.models import ApiKey, Template, get_tm_session
from notify_pyramid.models.cache import ReadCache
from tests import factories


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def cached_app(app_settings, dbengine, committed):
    """An app whose read cache keeps things 2 seconds on a test clock."""
    new = main({}, dbengine=dbengine, **app_settings)
    clock = Clock()
    new.registry["dbsession_factory"].configure(
        info={"read_cache": ReadCache(2, timer=clock)}
    )
    yield new, clock
    new.registry["statsd"].close()


@pytest.fixture
def service(committed):
    made = factories.commit_service(committed)
    return (made.service_id, made.key_id, made.template_id), made.secret


def send(testapp, service_id, secret, template_id, status):
    return testapp.post_json(
        "/v2/notifications/sms",
        {
            "phone_number": "07700900123",
            "template_id": str(template_id),
            "personalisation": {"name": "Ada"},
        },
        headers=[factories.service_auth_header(service_id, secret)],
        status=status,
    )


def test_a_key_revoked_elsewhere_stops_working_within_the_cache_seconds(
    cached_app, service, dbengine
):
    app, clock = cached_app
    (service_id, key_id, template_id), secret = service
    testapp = webtest.TestApp(app)
    send(testapp, service_id, secret, template_id, 201)

    # another process revokes the key: this one has it cached
    with Session(dbengine) as other, other.begin():
        dao_revoke_api_key(other, other.get(ApiKey, key_id))
    clock.now = 1.5
    send(testapp, service_id, secret, template_id, 201)

    clock.now = 2.5
    refused = send(testapp, service_id, secret, template_id, 403)
    assert refused.json["errors"][0]["message"] == (
        "Invalid token: API key revoked"
    )


def test_a_key_revoked_in_this_process_stops_working_at_once(
    cached_app, service
):
    app, _ = cached_app
    (service_id, key_id, template_id), secret = service
    testapp = webtest.TestApp(app)
    send(testapp, service_id, secret, template_id, 201)

    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(app.registry["dbsession_factory"], manager)
        dao_revoke_api_key(session, session.get(ApiKey, key_id))

    send(testapp, service_id, secret, template_id, 403)


def test_a_template_changed_in_this_process_is_sent_at_once(
    cached_app, service
):
    app, _ = cached_app
    (service_id, _, template_id), secret = service
    testapp = webtest.TestApp(app)
    first = send(testapp, service_id, secret, template_id, 201).json

    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(app.registry["dbsession_factory"], manager)
        dao_update_template(
            session, session.get(Template, template_id), archived=True
        )

    refused = send(testapp, service_id, secret, template_id, 400)
    assert refused.json["errors"][0]["message"] == "Template has been deleted"
    assert first["content"]["body"] == "Hello Ada"
