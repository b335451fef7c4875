"""Models, the database engine, and the per-request session.

Each request gets a SQLAlchemy session joined to its ``pyramid_tm``
transaction through ``zope.sqlalchemy``: the transaction commits once when
the view returns and rolls back when it raises. ``pyramid_retry`` replays a
request whose transaction failed with an error the database marks as
transient (a serialization failure or a deadlock on PostgreSQL), and one
whose connection turned out to be dead before anything was committed.
"""

import contextlib
import threading

import sqlalchemy
from pyramid_retry import mark_error_retryable
from sqlalchemy import engine_from_config, event
from sqlalchemy.orm import configure_mappers, sessionmaker
from transaction.interfaces import NoTransaction
from zope.sqlalchemy.datamanager import STATUS_CHANGED, join_transaction

from ..routes import RECEIPT_PATHS
from .api_key import ApiKey
from .cache import ReadCache, watch_changes
from .meta import Base
from .notification import Notification, NotificationHistory
from .service import Service, ServiceDailyUsage, ServiceGuestList
from .template import Template, TemplateHistory

__all__ = [
    "ApiKey",
    "Base",
    "Notification",
    "NotificationHistory",
    "Service",
    "ServiceDailyUsage",
    "ServiceGuestList",
    "Template",
    "TemplateHistory",
    "get_engine",
    "get_session_factory",
    "get_tm_session",
    "ping_before_use",
]

configure_mappers()


def _sqlite_on_connect(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # wait for a writer in another thread rather than fail at once
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _retry_dead_connections(context) -> None:
    """Let ``pyramid_retry`` replay a request whose connection was dead.

    Pooled connections are not pinged before use (a round trip on every
    request); a connection the server dropped (a restart, a failover, an
    idle timeout) fails on its first statement instead. SQLAlchemy then
    marks the whole pool stale, and the request may be replayed on a fresh
    connection: a statement that failed this way was not committed, since
    the server rolls back a transaction whose connection is gone. A failed
    COMMIT has no statement here and is not replayed, because it may have
    been applied.
    """
    if context.is_disconnect and context.statement is not None:
        mark_error_retryable(context.sqlalchemy_exception)


def get_engine(
    settings, prefix="sqlalchemy.", *, pre_ping: bool = False
) -> sqlalchemy.Engine:
    """Build the engine described by the ``sqlalchemy.*`` settings.

    With ``pre_ping`` each pooled connection is tested before use: the
    worker does this, having no request to replay.
    """
    # parameters carry recipients and secrets: keep them out of errors
    engine = engine_from_config(
        settings, prefix, hide_parameters=True, pool_pre_ping=pre_ping
    )
    event.listen(engine, "handle_error", _retry_dead_connections)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def ping_before_use(registry) -> None:
    """Make the registry's sessions test each connection before use.

    For processes that, unlike the API, cannot replay their work when a
    pooled connection turns out to be dead: the Celery worker.
    """
    old = registry["dbengine"]
    engine = get_engine(registry.settings, pre_ping=True)
    registry["dbsession_factory"].configure(bind=engine)
    registry["dbengine"] = engine
    old.dispose()


# the status a transaction of the transaction package has while committing
_COMMITTING = "Committing"


class _TransactionEvents:
    """Join sessions to their transaction manager, as zope.sqlalchemy does.

    ``zope.sqlalchemy.register`` on each new session adds seven event
    listeners per request, which costs more than a simple query. These are
    registered once, on the session factory, and find each session's
    manager in ``session.info``; a session made without one is left alone.
    """

    @staticmethod
    def _manager(session):
        return session.info.get("transaction_manager")

    def _join(self, session):
        manager = self._manager(session)
        if manager is not None:
            join_transaction(session, STATUS_CHANGED, manager)

    def after_begin(self, session, transaction, connection):
        self._join(session)

    def after_attach(self, session, instance):
        self._join(session)

    def before_commit(self, session):
        manager = self._manager(session)
        if manager is None or session.in_nested_transaction():
            return
        if manager.get().status != _COMMITTING:
            raise RuntimeError(
                "commit through the transaction manager, not the session"
            )


def get_session_factory(
    engine, read_cache: ReadCache | None = None
) -> sessionmaker:
    """Return a session factory bound to ``engine``.

    Sessions made by :func:`get_tm_session` from it take part in their
    transaction manager's transactions. Given a ``read_cache``, its
    sessions carry it and forget in it what they change.
    """
    info = {} if read_cache is None else {"read_cache": read_cache}
    factory = sessionmaker(bind=engine, expire_on_commit=False, info=info)
    events = _TransactionEvents()
    for name in ("after_begin", "after_attach", "before_commit"):
        event.listen(factory, name, getattr(events, name))
    event.listen(factory, "before_flush", _refuse_writes)
    if read_cache is not None:
        watch_changes(factory)
    return factory


def get_tm_session(session_factory, transaction_manager, request=None):
    """Return a session whose life is tied to ``transaction_manager``.

    Commit and rollback belong to the transaction manager; code that uses
    the session never commits it. Every session starts as changed, so
    that Core INSERT and UPDATE statements (which the hot paths use, and
    which zope.sqlalchemy cannot see) are committed too; a read-only
    request then ends in a COMMIT instead of a ROLLBACK, which costs the
    same.
    """
    return session_factory(
        info={"request": request, "transaction_manager": transaction_manager}
    )


def includeme(config):
    """Wire the engine, ``pyramid_tm``, ``pyramid_retry`` and the session.

    A test may pass its own engine as the ``dbengine`` setting, and its own
    session in the WSGI environ as ``app.dbsession``.
    """
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    settings.setdefault("retry.attempts", 3)
    # the user id would cost an auth lookup on every request, public or not
    settings["tm.annotate_user"] = False
    settings["tm.activate_hook"] = _needs_transaction
    config.include("pyramid_tm")
    config.include("pyramid_retry")

    engine = settings.get("dbengine") or get_engine(settings)
    read_cache = ReadCache(float(settings["notify.read_cache_seconds"]))
    session_factory = get_session_factory(engine, read_cache)
    config.registry["read_cache"] = read_cache
    config.registry["dbengine"] = engine
    config.registry["dbsession_factory"] = session_factory

    autocommit = _AutocommitEngine(engine, settings)
    config.registry["dbengine_autocommit"] = autocommit

    def dbsession(request):
        session = request.environ.get("app.dbsession")
        if session is not None:
            return session
        if request.method in READ_ONLY_METHODS and not _in_transaction(
            request.tm
        ):
            return _read_only_session(request, session_factory, autocommit)
        return get_tm_session(session_factory, request.tm, request)

    config.add_request_method(dbsession, reify=True)
    config.add_request_method(
        lambda request: _single_statements(request, autocommit),
        "single_statements",
    )


#: methods whose requests only read: they get no request transaction
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def _needs_transaction(request) -> bool:
    """Whether ``pyramid_tm`` should wrap ``request`` in a transaction.

    Not a read (see :func:`_read_only_session`), and not a receipt: its
    one write commits on its own (see :func:`_single_statements`). Either
    would only begin and commit an empty transaction, two round trips.
    """
    return (
        request.method not in READ_ONLY_METHODS
        and request.path_info not in RECEIPT_PATHS
    )


def _in_transaction(manager) -> bool:
    # a script's ``with request.tm:`` begins one for a request made up as
    # a GET; pyramid_tm begins one for every request that is not a read
    try:
        manager.get()
    except NoTransaction:
        return False
    return True


def _read_only_session(request, session_factory, autocommit):
    """Return a session for a request that only reads.

    On PostgreSQL it runs on the autocommit pool: each query is its own
    transaction, with no BEGIN or COMMIT round trip around it. A request
    that reads with several queries may then see a change committed
    between two of them, which no read here depends on. Elsewhere the
    session's transaction is rolled back at the end. Either way the
    session is closed once the response is made, and refuses to flush:
    reads must not write.
    """
    bind = autocommit.get() or autocommit.engine
    session = session_factory(
        bind=bind, info={"request": request, "read_only": True}
    )
    request.add_finished_callback(lambda request: session.close())
    return session


def _refuse_writes(session, flush_context, instances) -> None:
    if session.info.get("read_only"):
        raise RuntimeError("a read-only request tried to write")


class _AutocommitEngine:
    """A second pool on the engine's database, in autocommit mode.

    Made on first use, and only for PostgreSQL. Switching a pooled
    connection in and out of autocommit costs two round trips, so
    autocommit work has connections of its own.
    """

    def __init__(self, engine, settings):
        self.engine = engine
        # as many connections as the main pool may open
        self.pool_options = {
            name: int(settings[f"sqlalchemy.{name}"])
            for name in ("pool_size", "max_overflow")
            if f"sqlalchemy.{name}" in settings
        }
        self._autocommit = None
        self._lock = threading.Lock()

    def get(self) -> sqlalchemy.Engine | None:
        if self.engine.dialect.name != "postgresql":
            return None
        if self._autocommit is None:
            with self._lock:
                if self._autocommit is None:
                    self._autocommit = sqlalchemy.create_engine(
                        self.engine.url,
                        hide_parameters=True,
                        isolation_level="AUTOCOMMIT",
                        **self.pool_options,
                    )
                    event.listen(
                        self._autocommit,
                        "handle_error",
                        _retry_dead_connections,
                    )
        return self._autocommit

    def dispose(self) -> None:
        if self._autocommit is not None:
            self._autocommit.dispose()


@contextlib.contextmanager
def _single_statements(request, autocommit: _AutocommitEngine):
    """Yield a connection outside the request's transaction.

    For work whose every write is one statement that stands on its own (a
    delivery receipt): on PostgreSQL the connection is in autocommit mode,
    so each statement commits as it runs and the work costs no BEGIN or
    COMMIT round trip. Elsewhere the block runs in a transaction of its
    own that commits when it ends. A test that gave the request its own
    session (``app.dbsession``) gets that session instead.

    The work must be safe to repeat: when a connection dies, a statement
    sent in autocommit may have been applied, and the request is replayed.
    """
    session = request.environ.get("app.dbsession")
    if session is not None:
        yield session
        return
    engine = autocommit.get()
    if engine is not None:
        with engine.connect() as connection:
            yield connection
    else:
        with autocommit.engine.begin() as connection:
            yield connection
