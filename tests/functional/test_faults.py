"""Faults in what the API depends on: each is cut, and the API behaves.

PostgreSQL lost mid-run answers 503 and leaves no half-written row; Redis
and statsd lost change nothing; a broker lost at send time leaves the
notification stored for the re-queue sweep; a provider that hangs costs
one read timeout, not the worker.
"""

import contextlib
import logging
import select
import socket
import threading
import time
import uuid

import pytest
import transaction
import webtest
from sqlalchemy import event, func, text
from sqlalchemy import select as sql_select
from sqlalchemy.engine import make_url

import notify_statsd
from notify_pyramid import main
from notify_pyramid.models import (
    Notification,
    NotificationHistory,
    get_tm_session,
    ping_before_use,
)
from notify_pyramid.tasks import configure_celery, task_transaction
from notify_pyramid.tasks.delivery import deliver_sms
from notify_pyramid.tasks.periodic import requeue_created
from tests import factories
from tests.fakes import FakeProvider


class TcpProxy:
    """Forwards loopback connections to ``upstream``; can be cut."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut_off = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.listener.settimeout(0.05)
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.cut_off.is_set():
                client.close()
                continue
            server = socket.create_connection(self.upstream, timeout=5)
            with self.lock:
                self.sockets += [client, server]
            threading.Thread(
                target=self._pump, args=(client, server), daemon=True
            ).start()

    def _pump(self, a: socket.socket, b: socket.socket):
        with contextlib.suppress(OSError, ValueError):
            while not self.stopping.is_set():
                ready, _, _ = select.select([a, b], [], [], 0.05)
                for source in ready:
                    data = source.recv(65536)
                    if not data:
                        return
                    (b if source is a else a).sendall(data)
        for sock in (a, b):
            with contextlib.suppress(OSError):
                sock.close()

    def cut(self):
        """Refuse new connections and drop the open ones."""
        self.cut_off.set()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()
            self.sockets.clear()

    def restore(self):
        self.cut_off.clear()

    def drop_open(self):
        """Drop the open connections, as a database restart does."""
        self.cut()
        self.restore()

    def stop(self):
        self.cut()
        self.stopping.set()
        self.listener.close()
        self.thread.join(timeout=5)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sender:
    """A committed service with a normal key and an SMS template."""

    def __init__(self, session_factory):
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            session = get_tm_session(session_factory, manager)
            service = factories.create_service(session)
            template = factories.create_template(session, service)
            _, self.secret = factories.create_api_key(session, service)
            self.service_id = service.id
            self.template_id = str(template.id)

    def headers(self):
        return [factories.service_auth_header(self.service_id, self.secret)]

    def send(self, testapp, status="*"):
        return testapp.post_json(
            "/v2/notifications/sms",
            {
                "phone_number": "07700900123",
                "template_id": self.template_id,
                "personalisation": {"name": "Ada"},
            },
            headers=self.headers(),
            status=status,
        )


def count_rows(dbengine) -> tuple[int, int]:
    with dbengine.connect() as connection:
        return tuple(
            connection.execute(
                sql_select(func.count()).select_from(table)
            ).scalar_one()
            for table in (Notification, NotificationHistory)
        )


@pytest.fixture
def sender(committed):
    return Sender(committed)


@pytest.fixture
def build_app(app_settings, dbengine):
    """Build an app with settings changed; restore Celery and statsd."""
    client = notify_statsd.get_client()
    built = []

    def build(**overrides):
        new = main({}, **{"dbengine": dbengine, **app_settings, **overrides})
        built.append(new)
        return new

    yield build
    notify_statsd.configure(client)
    for new in built:
        new.registry["statsd"].close()
        if new.registry["dbengine"] is not dbengine:
            new.registry["dbengine"].dispose()


@pytest.fixture
def restore_celery(app):
    yield
    configure_celery(app.registry.settings, app.registry)


@pytest.fixture
def postgres_proxy(postgres, database_url):
    url = make_url(database_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    yield proxy, url.set(host="127.0.0.1", port=proxy.port)
    proxy.stop()


def test_postgres_lost_mid_run_answers_503_and_recovers(
    postgres_proxy, build_app, dbengine, sender, restore_celery
):
    proxy, proxied_url = postgres_proxy
    new = build_app(
        **{
            "dbengine": None,
            "sqlalchemy.url": proxied_url.render_as_string(
                hide_password=False
            ),
        }
    )
    testapp = webtest.TestApp(new, extra_environ={"HTTP_HOST": "x.test"})
    sent = sender.send(testapp, 201).json["id"]
    before = count_rows(dbengine)

    proxy.cut()
    response = sender.send(testapp, 503)
    assert response.json == {
        "status_code": 503,
        "errors": [
            {
                "error": "ServiceUnavailableError",
                "message": "Service temporarily unavailable",
            }
        ],
    }
    legacy = testapp.get(
        f"/notifications/{sent}", headers=sender.headers(), status=503
    )
    assert legacy.json == {
        "result": "error",
        "message": "Service temporarily unavailable",
    }
    assert count_rows(dbengine) == before

    proxy.restore()
    sender.send(testapp, 201)
    assert count_rows(dbengine) == (before[0] + 1, before[1] + 1)


def test_postgres_lost_inside_a_send_writes_nothing(
    postgres_proxy, build_app, dbengine, sender, restore_celery
):
    proxy, proxied_url = postgres_proxy
    new = build_app(
        **{
            "dbengine": None,
            "sqlalchemy.url": proxied_url.render_as_string(
                hide_password=False
            ),
        }
    )
    testapp = webtest.TestApp(new, extra_environ={"HTTP_HOST": "x.test"})
    sender.send(testapp, 201)
    before = count_rows(dbengine)

    # cut the line just after the notification row was inserted
    def cut_after_insert(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS"):
            proxy.cut()

    engine = new.registry["dbengine"]
    event.listen(engine, "after_cursor_execute", cut_after_insert)
    try:
        sender.send(testapp, 503)
    finally:
        event.remove(engine, "after_cursor_execute", cut_after_insert)
    assert proxy.cut_off.is_set()
    assert count_rows(dbengine) == before

    proxy.restore()
    sender.send(testapp, 201)
    assert count_rows(dbengine) == (before[0] + 1, before[1] + 1)


def test_a_dropped_pooled_connection_is_replaced_unnoticed(
    postgres_proxy, build_app, dbengine, sender, restore_celery
):
    proxy, proxied_url = postgres_proxy
    new = build_app(
        **{
            "dbengine": None,
            "sqlalchemy.url": proxied_url.render_as_string(
                hide_password=False
            ),
        }
    )
    testapp = webtest.TestApp(new, extra_environ={"HTTP_HOST": "x.test"})
    sender.send(testapp, 201)
    before = count_rows(dbengine)

    # the pooled connection dies between requests, unknown to the pool:
    # its first statement fails and the request is replayed on a new one
    proxy.drop_open()
    sent = sender.send(testapp, 201).json["id"]
    assert count_rows(dbengine) == (before[0] + 1, before[1] + 1)
    testapp.get(f"/v2/notifications/{sent}", headers=sender.headers())


def test_a_failed_commit_is_not_replayed(
    postgres_proxy, build_app, dbengine, sender, restore_celery
):
    proxy, proxied_url = postgres_proxy
    new = build_app(
        **{
            "dbengine": None,
            "sqlalchemy.url": proxied_url.render_as_string(
                hide_password=False
            ),
        }
    )
    testapp = webtest.TestApp(new, extra_environ={"HTTP_HOST": "x.test"})
    sender.send(testapp, 201)
    engine = new.registry["dbengine"]
    commits = []

    # the line drops as the COMMIT is sent: whether it was applied is
    # unknown, so the request must not be made again
    def drop_on_commit(connection):
        commits.append(connection)
        proxy.drop_open()

    event.listen(engine, "commit", drop_on_commit)
    try:
        sender.send(testapp, 503)
    finally:
        event.remove(engine, "commit", drop_on_commit)
    assert len(commits) == 1


def test_the_worker_tests_connections_before_use(
    postgres_proxy, build_app, restore_celery
):
    proxy, proxied_url = postgres_proxy
    new = build_app(
        **{
            "dbengine": None,
            "sqlalchemy.url": proxied_url.render_as_string(
                hide_password=False
            ),
        }
    )
    ping_before_use(new.registry)
    with task_transaction(new.registry) as session:
        session.execute(text("SELECT 1"))
    proxy.drop_open()
    # a task has no request to replay: the pool finds the dead connection
    with task_transaction(new.registry) as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1


def test_redis_unreachable_lets_sends_through(
    build_app, sender, restore_celery
):
    new = build_app(**{"redis.url": f"redis://127.0.0.1:{closed_port()}/0"})
    testapp = webtest.TestApp(new, extra_environ={"HTTP_HOST": "x.test"})
    started = time.monotonic()
    for _ in range(3):
        sender.send(testapp, 201)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "host, port",
    [("127.0.0.1", closed_port()), ("statsd.unresolvable.invalid", 8125)],
)
def test_statsd_unreachable_changes_nothing(
    build_app, sender, restore_celery, caplog, host, port
):
    new = build_app(
        **{
            "statsd.enabled": "true",
            "statsd.host": host,
            "statsd.port": str(port),
        }
    )
    testapp = webtest.TestApp(new, extra_environ={"HTTP_HOST": "x.test"})
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            sender.send(testapp, 201)
    from_metrics = [
        record
        for record in caplog.records
        if record.name.startswith(("notify_statsd", "notify_pyramid.metrics"))
    ]
    assert all(r.levelno <= logging.DEBUG for r in from_metrics)
    assert (
        new.registry["statsd"].enabled
        if hasattr(new.registry["statsd"], "enabled")
        else True
    )


def test_broker_down_stores_the_send_and_the_sweep_requeues_it(
    build_app, sender, restore_celery, read_notification, caplog
):
    down = build_app(
        **{"celery.broker_url": f"redis://127.0.0.1:{closed_port()}/0"}
    )
    testapp = webtest.TestApp(down, extra_environ={"HTTP_HOST": "x.test"})
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG):
        response = sender.send(testapp, 201)
    assert time.monotonic() - started < 2
    assert "Could not queue task" in [r.getMessage() for r in caplog.records]
    notification, history = read_notification(response.json["id"])
    assert notification.status == "created"
    assert history.status == "created"

    # the broker is back (here: eager mode) and the sweep runs
    build_app(**{"delivery.requeue_after_seconds": "0"})
    assert requeue_created() == 1
    notification, history = read_notification(response.json["id"])
    assert notification.status == "sending"
    assert history.status == "sending"


def test_a_hanging_broker_costs_at_most_about_a_second(
    build_app, sender, restore_celery, read_notification
):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    accepted = []
    stopping = threading.Event()

    def accept_and_say_nothing():
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        hanging = build_app(
            **{"celery.broker_url": f"redis://127.0.0.1:{port}/0"}
        )
        testapp = webtest.TestApp(
            hanging, extra_environ={"HTTP_HOST": "x.test"}
        )
        started = time.monotonic()
        response = sender.send(testapp, 201)
        assert time.monotonic() - started < 1.5
        assert accepted
    finally:
        stopping.set()
        thread.join(timeout=5)
        listener.close()
        for sock in accepted:
            sock.close()
    notification, _ = read_notification(response.json["id"])
    assert notification.status == "created"


def test_a_hanging_provider_costs_one_read_timeout(
    delivery_app, committed_notification, read_notification
):
    hanging = FakeProvider(body={"Reference": "mmg-1"}).start()
    # the first request is never answered; the second is, at once
    hanging.delays = [60]
    try:
        delivery_app(
            **{
                "sms.providers": "mmg",
                "mmg.url": hanging.url,
                "providers.read_timeout_seconds": "0.5",
                "providers.error_threshold": "100",
            }
        )
        first = committed_notification()
        second = committed_notification()

        started = time.monotonic()
        deliver_sms.apply(args=[first])
        elapsed = time.monotonic() - started
        assert 0.5 <= elapsed < 3
        notification, _ = read_notification(first)
        assert notification.status == "sending"
        assert notification.sent_by == "mmg"

        started = time.monotonic()
        deliver_sms.apply(args=[second])
        assert time.monotonic() - started < 2
        assert hanging.wait_for(2, timeout=1)
        notification, _ = read_notification(second)
        assert notification.status == "sending"
        assert notification.sent_by == "mmg"
    finally:
        hanging.stop()
    assert uuid.UUID(first) != uuid.UUID(second)
