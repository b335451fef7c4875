"""A send whose request fails after the insert leaves nothing behind."""

import pytest
import webtest
from sqlalchemy import func, select

from notify_pyramid.models import Notification, NotificationHistory
from notify_pyramid.notifications import send
from notify_pyramid.tasks import names
from tests import factories


@pytest.fixture
def queued(monkeypatch):
    calls = []

    def record(committed, task_name, args):
        calls.append((committed, task_name, tuple(args)))

    monkeypatch.setattr("notify_pyramid.tasks._send_if_committed", record)
    return calls


@pytest.fixture
def inserted(monkeypatch):
    # proves the insert happened before the failure
    calls = []
    real = send.dao_insert_notification

    def spy(session, values):
        real(session, values)
        calls.append(values["id"])

    monkeypatch.setattr(send, "dao_insert_notification", spy)
    return calls


@pytest.fixture
def service(committed):
    session = committed()
    service = factories.create_service(session)
    _, secret = factories.create_api_key(session, service)
    template = factories.create_template(session, service)
    session.commit()
    session.close()
    return service, secret, template


def post(app, service, status):
    service, secret, template = service
    # no shared session: pyramid_tm commits or aborts for real
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    return testapp.post_json(
        "/v2/notifications/sms",
        {
            "phone_number": "07700900123",
            "template_id": str(template.id),
            "personalisation": {"name": "Jo"},
        },
        headers=[factories.service_auth_header(service.id, secret)],
        status=status,
    )


def count(committed, model):
    with committed() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_rolled_back_send_leaves_no_row_and_no_task(
    app, committed, service, queued, inserted, monkeypatch
):
    def explode(request):
        raise RuntimeError("after the insert")

    monkeypatch.setattr(
        "notify_pyramid.views.v2.notifications.base_url", explode
    )

    post(app, service, status=500)

    assert len(inserted) == 1
    assert count(committed, Notification) == 0
    assert count(committed, NotificationHistory) == 0
    assert queued == []


def test_committed_send_keeps_its_rows_and_queues_once(
    app, committed, service, queued, inserted
):
    response = post(app, service, status=201)

    assert count(committed, Notification) == 1
    assert count(committed, NotificationHistory) == 1
    assert queued == [(True, names.DELIVER_SMS, (response.json["id"],))]
