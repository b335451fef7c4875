"""GET requests read outside any request transaction."""

import uuid

import pytest
import webtest
from pyramid.request import Request
from pyramid.scripting import prepare
from sqlalchemy import event

from notify_pyramid.models import ApiKey, Service, Template
from tests import factories


@pytest.fixture
def reader(committed):
    """A service, its key and one notification, committed for real."""
    made = factories.commit_service(committed)
    notification_id = committed_notification_of(committed, made)
    return (made.service_id, notification_id), made.secret


def committed_notification_of(session_factory, made) -> uuid.UUID:
    session = session_factory()
    try:
        template = session.get(Template, made.template_id)
        key = session.get(ApiKey, made.key_id)
        notification = factories.create_notification(session, template, key)
        session.commit()
        return notification.id
    finally:
        session.close()


def test_a_read_runs_each_statement_in_autocommit(app, postgres, reader):
    (service_id, notification_id), secret = reader
    engines = [
        app.registry["dbengine"],
        app.registry["dbengine_autocommit"].get(),
    ]
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement.split()[0], cursor.connection.autocommit))

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "x.test"})
    try:
        response = testapp.get(
            f"/v2/notifications/{notification_id}",
            headers=[factories.service_auth_header(service_id, secret)],
        )
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)

    assert response.json["id"] == str(notification_id)
    # no BEGIN or COMMIT round trip: every statement commits on its own
    assert seen and all(autocommit for _, autocommit in seen)
    assert {verb for verb, _ in seen} == {"SELECT"}
    # and the connection went back to its pool
    assert engines[1].pool.checkedout() == 0


def test_a_read_only_request_cannot_write(app):
    with prepare(
        registry=app.registry,
        request=Request.blank("/v2/notifications", method="GET"),
    ) as env:
        session = env["request"].dbsession
        session.add(Service(name="written by a read"))
        with pytest.raises(RuntimeError, match="read-only request"):
            session.flush()


def test_a_script_transaction_on_a_made_up_get_request_writes(
    app, committed, dbengine
):
    # scripts get a GET request from bootstrap and write inside
    # ``with request.tm:``, which makes the session an ordinary one
    with prepare(
        registry=app.registry, request=Request.blank("/", method="GET")
    ) as env:
        request = env["request"]
        with request.tm:
            service = factories.create_service(request.dbsession)
            service_id = service.id

    session = committed()
    try:
        assert session.get(Service, service_id) is not None
    finally:
        session.close()
