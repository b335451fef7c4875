import datetime
import json
import uuid

import pytest
from sqlalchemy import event, text

from notify_pyramid.dao.templates import dao_update_template
from tests import factories

from .sending import make_sender


@pytest.fixture
def sender(testapp, dbsession):
    return make_sender(testapp, dbsession)


def add(sender, key_type="normal", template=None, minutes_ago=0, **values):
    template = template or sender.sms_template
    created = datetime.datetime.now(datetime.UTC) - datetime.timedelta(
        minutes=minutes_ago
    )
    personalisation = factories.ENCRYPTOR.encrypt(json.dumps({"name": "Jo"}))
    return factories.create_notification(
        sender.dbsession,
        template,
        key_type=key_type,
        created_at=created,
        personalisation=personalisation,
        **values,
    )


def ids(response):
    return [n["id"] for n in response.json["notifications"]]


def test_notification_is_read_back_with_every_key(sender):
    notification = add(
        sender,
        template=sender.email_template,
        client_reference="ref",
        status="delivered",
        sent_at=datetime.datetime(2026, 1, 2, 3, 4, 5, 6, datetime.UTC),
    )
    template = sender.email_template

    body = sender.get(f"/v2/notifications/{notification.id}").json

    assert body == {
        "id": str(notification.id),
        "reference": "ref",
        "email_address": "someone@example.com",
        "phone_number": None,
        "line_1": None,
        "line_2": None,
        "line_3": None,
        "line_4": None,
        "line_5": None,
        "line_6": None,
        "postcode": None,
        "type": "email",
        "status": "delivered",
        "template": {
            "id": str(template.id),
            "version": 1,
            "uri": f"http://example.com/v2/template/{template.id}/version/1",
        },
        "body": "Hello Jo",
        "subject": "Subject Jo",
        "created_at": notification.created_at.strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ"
        ),
        "created_by_name": None,
        "sent_at": "2026-01-02T03:04:05.000006Z",
        "completed_at": None,
        "scheduled_for": None,
        "postage": None,
        "one_click_unsubscribe_url": None,
    }


def test_body_is_rendered_from_the_version_sent(sender):
    notification = add(sender)
    dao_update_template(sender.dbsession, sender.sms_template, content="New")
    body = sender.get(f"/v2/notifications/{notification.id}").json
    assert body["body"] == "Hello Jo"
    assert body["template"]["version"] == 1


def test_notification_of_another_service_is_not_found(sender, testapp):
    other = make_sender(testapp, sender.dbsession)
    notification = add(other)
    response = sender.get(f"/v2/notifications/{notification.id}", status=404)
    assert response.json == {
        "status_code": 404,
        "errors": [{"error": "NoResultFound", "message": "No result found"}],
    }


def test_notification_id_must_be_a_uuid(sender):
    response = sender.get("/v2/notifications/nope", status=400)
    assert response.json == {
        "status_code": 400,
        "errors": [
            {
                "error": "ValidationError",
                "message": "notification_id is not a valid UUID",
            }
        ],
    }


def test_get_on_a_send_route_is_a_lookup(sender):
    response = sender.get("/v2/notifications/sms", status=400)
    assert response.json["errors"][0]["message"] == (
        "notification_id is not a valid UUID"
    )


@pytest.mark.parametrize("key_type", ["normal", "team", "test"])
def test_list_shows_only_the_callers_key_type(sender, testapp, key_type):
    mine = {kt: add(sender, kt) for kt in ("normal", "team", "test")}
    add(make_sender(testapp, sender.dbsession), key_type)

    response = sender.get("/v2/notifications", key_type)

    assert ids(response) == [str(mine[key_type].id)]


def test_list_is_newest_first_with_links(sender):
    old = add(sender, minutes_ago=2)
    new = add(sender, minutes_ago=1)

    response = sender.get("/v2/notifications?template_type=sms")

    assert ids(response) == [str(new.id), str(old.id)]
    base = "http://example.com/v2/notifications?template_type=sms"
    assert response.json["links"] == {
        "current": base,
        "next": f"{base}&older_than={old.id}",
    }


def test_older_than_starts_after_the_named_notification(sender):
    first = add(sender, minutes_ago=3)
    second = add(sender, minutes_ago=2)
    add(sender, minutes_ago=1)

    response = sender.get(f"/v2/notifications?older_than={second.id}")

    assert ids(response) == [str(first.id)]
    assert response.json["links"]["current"].endswith(
        f"?older_than={second.id}"
    )


def test_notifications_created_at_the_same_time_are_paged_once(sender):
    created = datetime.datetime.now(datetime.UTC)
    made = [
        factories.create_notification(
            sender.dbsession, sender.sms_template, created_at=created
        )
        for _ in range(5)
    ]
    seen = []
    older_than = ""
    for _ in range(5):
        response = sender.get(f"/v2/notifications?{older_than}")
        page = ids(response)
        if not page:
            break
        seen.append(page[0])
        older_than = f"older_than={page[0]}"
        # walk one at a time by asking past only the first of each page
    assert sorted(seen) == sorted(str(n.id) for n in made)
    assert len(set(seen)) == 5


def test_empty_page_has_no_next_link(sender):
    response = sender.get("/v2/notifications")
    assert response.json == {
        "notifications": [],
        "links": {"current": "http://example.com/v2/notifications"},
    }


def test_unknown_older_than_gives_an_empty_page(sender):
    add(sender)
    response = sender.get(f"/v2/notifications?older_than={uuid.uuid4()}")
    assert ids(response) == []


def test_page_holds_250(sender):
    for minutes_ago in range(251):
        add(sender, minutes_ago=minutes_ago)
    response = sender.get("/v2/notifications")
    assert len(ids(response)) == 250
    rest = sender.get(response.json["links"]["next"])
    assert len(ids(rest)) == 1


def test_failed_status_means_every_failure(sender):
    statuses = [
        "created",
        "delivered",
        "permanent-failure",
        "temporary-failure",
        "technical-failure",
    ]
    made = {
        s: add(sender, status=s, minutes_ago=i) for i, s in enumerate(statuses)
    }

    response = sender.get("/v2/notifications?status=failed")

    assert set(ids(response)) == {
        str(made[s].id) for s in statuses if s.endswith("failure")
    }


def test_statuses_can_be_repeated(sender):
    created = add(sender, status="created", minutes_ago=1)
    delivered = add(sender, status="delivered", minutes_ago=2)
    add(sender, status="sending", minutes_ago=3)

    response = sender.get("/v2/notifications?status=created&status=delivered")

    assert ids(response) == [str(created.id), str(delivered.id)]


def test_template_type_and_reference_filter(sender):
    add(sender, client_reference="a")
    wanted = add(sender, template=sender.email_template, client_reference="a")
    add(sender, template=sender.email_template, client_reference="b")

    response = sender.get("/v2/notifications?template_type=email&reference=a")

    assert ids(response) == [str(wanted.id)]


def test_include_jobs_is_accepted(sender):
    made = add(sender)
    response = sender.get("/v2/notifications?include_jobs=true")
    assert ids(response) == [str(made.id)]


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        (
            "foo=1",
            ["Additional properties are not allowed (foo was unexpected)"],
        ),
        (
            "status=elephant",
            [
                "status elephant is not one of [created, sending, pending, "
                "sent, delivered, permanent-failure, temporary-failure, "
                "technical-failure, failed]"
            ],
        ),
        (
            "template_type=letter",
            ["template_type letter is not one of [sms, email]"],
        ),
        ("older_than=nope", ["older_than is not a valid UUID"]),
        (
            "older_than=nope&bar=2",
            [
                "Additional properties are not allowed (bar was unexpected)",
                "older_than is not a valid UUID",
            ],
        ),
    ],
)
def test_bad_queries_are_refused(sender, query, messages):
    response = sender.get(f"/v2/notifications?{query}", status=400)
    assert response.json == {
        "status_code": 400,
        "errors": [
            {"error": "ValidationError", "message": message}
            for message in messages
        ],
    }


@pytest.fixture
def statements(dbengine):
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(dbengine, "before_cursor_execute", record)
    yield seen
    event.remove(dbengine, "before_cursor_execute", record)


def test_a_page_is_one_statement(sender, statements):
    for minutes_ago in range(20):
        add(sender, minutes_ago=minutes_ago, status="delivered")
    add(sender, template=sender.email_template)
    sender.dbsession.flush()
    statements.clear()

    response = sender.get(
        "/v2/notifications?status=failed&status=delivered&older_than="
        + str(uuid.uuid4())
    )
    response = sender.get("/v2/notifications?status=delivered")

    assert len(ids(response)) == 20
    # two requests, each one listing statement; the service and its keys
    # are read once, then kept in the read cache
    assert len(statements) == 3
    assert sum("notifications" in s for s in statements) == 2


def test_listing_uses_the_service_key_type_index(sender, postgres):
    add(sender)
    dbsession = sender.dbsession
    dbsession.execute(text("SET LOCAL enable_seqscan = off"))
    from notify_pyramid.dao.notifications import dao_fetch_notifications_page

    captured = []

    def record(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    engine = dbsession.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        dao_fetch_notifications_page(
            dbsession,
            sender.service.id,
            "normal",
            statuses=["created"],
            older_than=uuid.uuid4(),
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    [(statement, parameters)] = captured
    connection = dbsession.connection().connection
    cursor = connection.cursor()
    cursor.execute("EXPLAIN " + statement, parameters)
    plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ix_notifications_service_key_type_created" in plan
