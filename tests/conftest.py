"""Test fixtures: one migrated database per run, one transaction per test.

The suite runs on a SQLite file by default and on PostgreSQL when
``NOTIFY_TEST_DATABASE_URL`` names one. Each test's database work happens
in a transaction that is rolled back when the test ends. Tests that need
PostgreSQL (or Redis) are skipped without it, with the reason; with
``NOTIFY_TEST_REQUIRE_SERVICES=1`` (as CI sets) such a skip is a failure.
"""

import contextlib
import os

import pytest
import transaction
import webtest
from sqlalchemy import text

from notify_pyramid import main, migrations
from notify_pyramid.models import Base, get_engine
from notify_pyramid.settings import normalize_database_url

from . import factories

pytest_plugins = ["notify_statsd.testing"]


def require_service(available: bool, reason: str) -> None:
    """Skip the test when a service is missing; fail instead in CI."""
    if available:
        return
    if os.environ.get("NOTIFY_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("NOTIFY_TEST_DATABASE_URL")
    if url:
        return normalize_database_url(url)
    path = tmp_path_factory.mktemp("db") / "test.sqlite"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def app_settings(database_url):
    return {
        "sqlalchemy.url": database_url,
        "notify.secret_key": factories.SECRET_KEY,
        "notify.admin_client_id": factories.ADMIN_CLIENT_ID,
        "notify.admin_client_secrets": factories.ADMIN_SECRET,
        "statsd.enabled": "false",
        "celery.broker_url": "",
        "redis.url": "",
    }


def reset_database(engine) -> None:
    """Drop every table, ours and Alembic's, to start from empty."""
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def dbengine(app_settings):
    engine = get_engine(app_settings)
    reset_database(engine)
    migrations.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def is_postgres(dbengine) -> bool:
    return dbengine.dialect.name == "postgresql"


@pytest.fixture
def postgres(is_postgres):
    """Skip (or, in CI, fail) a test that needs PostgreSQL."""
    require_service(
        is_postgres,
        "needs PostgreSQL: set NOTIFY_TEST_DATABASE_URL, for example "
        "postgresql://postgres@127.0.0.1:5432/test",
    )


@pytest.fixture(scope="session")
def app(app_settings, dbengine):
    return main({}, dbengine=dbengine, **app_settings)


@pytest.fixture
def tm():
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    manager.doom()
    yield manager
    manager.abort()


@pytest.fixture
def dbsession(app, tm):
    from notify_pyramid.models import get_tm_session

    session_factory = app.registry["dbsession_factory"]
    return get_tm_session(session_factory, tm)


@pytest.fixture
def testapp(app, tm, dbsession):
    """A WebTest app whose requests share the test's rolled-back session."""
    return webtest.TestApp(
        app,
        extra_environ={
            "HTTP_HOST": "example.com",
            "tm.active": True,
            "tm.manager": tm,
            "app.dbsession": dbsession,
        },
    )


@pytest.fixture
def committed(app, dbengine):
    """For tests whose work must really commit: empties tables after."""
    yield app.registry["dbsession_factory"]
    with dbengine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def sample_service(dbsession):
    return factories.create_service(dbsession)


@pytest.fixture
def sample_api_key(dbsession, sample_service):
    """``(api_key, secret)`` of a normal key of the sample service."""
    return factories.create_api_key(dbsession, sample_service)


@pytest.fixture
def sample_template(dbsession, sample_service):
    return factories.create_template(dbsession, sample_service)


@pytest.fixture
def sample_email_template(dbsession, sample_service):
    return factories.create_template(dbsession, sample_service, "email")


@pytest.fixture
def live_server(app, committed):
    """A real waitress server on a free loopback port; yields its URL.

    Requests through it commit for real (the ``committed`` fixture empties
    the tables afterwards).
    """
    with serving(app) as url:
        yield url


@contextlib.contextmanager
def serving(app):
    """Serve ``app`` with waitress in a thread; yield its URL."""
    import threading

    from waitress.server import TcpWSGIServer

    class StoppableServer(TcpWSGIServer):
        stopping = False

        def run(self):
            try:
                self.asyncore.loop(0.5, map=self._map)
            except OSError:
                # closing the sockets under the loop is how it stops
                if not self.stopping:
                    raise

        def stop(self):
            self.stopping = True
            while self._map:
                for channel in list(self._map.values()):
                    channel.handle_close()
            self.task_dispatcher.shutdown()

    server = StoppableServer(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.stop()
        thread.join(timeout=10)


@pytest.fixture
def fake_mmg():
    """A fake MMG on loopback; yields a :class:`tests.fakes.FakeProvider`."""
    from .fakes import FakeProvider

    provider = FakeProvider(body={"Reference": "mmg-1"}).start()
    yield provider
    provider.stop()


@pytest.fixture
def fake_firetext():
    """A fake Firetext on loopback."""
    from .fakes import FakeProvider

    provider = FakeProvider(body={"code": 0, "description": "OK"}).start()
    yield provider
    provider.stop()


@pytest.fixture
def delivery_app(app, app_settings, dbengine, committed):
    """Build an app with extra settings; its registry serves the tasks.

    Celery is configured from the new app until the test ends, then from
    the session's app again. Work commits for real (see ``committed``).
    """
    import notify_statsd
    from notify_pyramid.tasks import configure_celery

    def build(**overrides):
        settings = {
            **app_settings,
            "mmg.api_key": "test-mmg-key",
            "firetext.api_key": "test-firetext-key",
            # keep the statsd client the test configured (a recorder)
            "statsd.client": notify_statsd.get_client(),
            **overrides,
        }
        return main({}, dbengine=dbengine, **settings)

    yield build
    configure_celery(app.registry.settings, app.registry)


@pytest.fixture
def committed_notification(committed):
    """Create a notification in a committed transaction; return its id.

    Takes the notification type, the key type and any column override.
    """
    import json

    from notify_pyramid.models import get_tm_session

    def create(template_type="sms", key_type="normal", **overrides) -> str:
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            session = get_tm_session(committed, manager)
            service = factories.create_service(
                session, sms_sender="NOTIFYTEST", email_from="test.service"
            )
            template = factories.create_template(
                session, service, template_type
            )
            api_key, _ = factories.create_api_key(session, service, key_type)
            values = {
                "personalisation": factories.ENCRYPTOR.encrypt(
                    json.dumps({"Name": "Ada"})
                ),
                "normalised_to": "447700900123"
                if template_type == "sms"
                else "someone@example.com",
            }
            values.update(overrides)
            notification = factories.create_notification(
                session, template, api_key, **values
            )
            return str(notification.id)

    return create


@pytest.fixture
def read_notification(committed):
    """Return ``(notification, history)`` of an id, read afresh."""
    import uuid

    from notify_pyramid.models import Notification, NotificationHistory

    def read(notification_id):
        with committed() as session:
            nid = uuid.UUID(str(notification_id))
            return (
                session.get(Notification, nid),
                session.get(NotificationHistory, nid),
            )

    return read


@pytest.fixture
def redis_url():
    """The Redis database the tests may use; skips (or fails) without it."""
    import redis

    url = os.environ.get("NOTIFY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
        available = True
    except redis.RedisError:
        available = False
    finally:
        client.close()
    require_service(
        available,
        f"needs Redis at NOTIFY_TEST_REDIS_URL (now {url})",
    )
    return url
