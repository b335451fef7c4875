"""The Celery application, and queueing tasks once a transaction commits.

With a broker configured (``celery.broker_url``) tasks go through it to
workers started with ``notify-worker``. Without one (the embedded default)
Celery runs in eager mode: a queued task runs in the API process, right
after the transaction that queued it has committed.

A task is only ever queued after commit: if the transaction rolls back,
nothing is queued, so a worker never looks for a row that does not exist.

Each task opens its own transaction, as a request does, with
:func:`task_transaction`.
"""

import contextlib
import logging

import transaction
from celery import Celery
from celery import uuid as celery_uuid
from celery.schedules import crontab
from celery.signals import worker_process_init

from ..models import get_tm_session
from . import names

logger = logging.getLogger(__name__)

#: the one Celery application; task modules register on it at import
celery_app = Celery("notify_pyramid", set_as_current=False)

#: seconds to wait for the broker to connect or answer when queueing
BROKER_TIMEOUT = 0.5

#: modules that define tasks, imported when the app is configured
TASK_MODULES: list[str] = [
    "notify_pyramid.tasks.delivery",
    "notify_pyramid.tasks.periodic",
]

#: the periodic tasks that ``notify-worker --beat`` schedules
BEAT_SCHEDULE = {
    names.TIMEOUT_NOTIFICATIONS: {
        "task": names.TIMEOUT_NOTIFICATIONS,
        "schedule": crontab(minute="*/15"),
    },
    names.PURGE_NOTIFICATIONS: {
        "task": names.PURGE_NOTIFICATIONS,
        "schedule": crontab(hour=3, minute=0),
    },
    names.REQUEUE_CREATED: {
        "task": names.REQUEUE_CREATED,
        "schedule": crontab(minute="*"),
    },
}


def configure_celery(settings, registry) -> Celery:
    """Configure :data:`celery_app` from ``settings`` and return it.

    ``registry`` is the Pyramid registry the tasks take their database
    session factory and settings from.
    """
    broker_url = settings.get("celery.broker_url") or ""
    _forget_broker_pools()
    celery_app.conf.update(
        broker_url=broker_url or "memory://",
        task_always_eager=not broker_url,
        task_serializer="json",
        accept_content=["json"],
        result_backend=None,
        task_ignore_result=True,
        # a task is acknowledged when done, so a lost worker's task is
        # delivered again; tasks are written to be safe when that happens
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # a broker that is down or hangs must not hold up the request that
        # queues: a send waits at most about a second for it, then leaves
        # the notification "created" for the re-queue sweep; without these
        # a broker that accepts connections and never answers blocks the
        # request for ever
        broker_connection_timeout=BROKER_TIMEOUT,
        broker_transport_options={
            "socket_connect_timeout": BROKER_TIMEOUT,
            "socket_timeout": BROKER_TIMEOUT,
        },
        # one quick retry on a fresh connection, for a broker that restarted
        task_publish_retry_policy={
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0,
            "interval_max": 0,
        },
        timezone="UTC",
        enable_utc=True,
        beat_schedule=BEAT_SCHEDULE,
        # logging is configured by the ini file, as for the API
        worker_hijack_root_logger=False,
    )
    celery_app.registry = registry
    for module in TASK_MODULES:
        celery_app.loader.import_task_module(module)
    return celery_app


def _forget_broker_pools() -> None:
    """Make the next send open a pool on the broker configured next.

    The app keeps the connection pool of the broker it first sent
    through, and its ``amqp`` helper keeps a producer pool on that same
    broker; each is kept until forgotten. Celery's ``close()`` forgets
    only the first (and unregisters the app), so once any task had been
    sent, even eagerly, tasks kept going to the broker named before. The
    pools themselves stay in kombu's process-wide registry, which hands
    them out again if their broker is named again. What :func:`publish`
    keeps about the broker (routes, declared queues) is forgotten too.
    """
    _declared.clear()
    _routes.clear()
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextlib.contextmanager
def task_transaction(registry=None):
    """Yield a database session in a transaction of its own.

    The transaction commits when the block ends and rolls back if it
    raises, just as ``pyramid_tm`` does around a request. ``registry``
    defaults to the one Celery was configured with.
    """
    registry = registry if registry is not None else celery_app.registry
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield get_tm_session(registry["dbsession_factory"], manager)


def queue_after_commit(request, task_name: str, *args: str) -> None:
    """Queue ``task_name(*args)`` once the request's transaction commits.

    Nothing is queued if the transaction aborts.
    """
    transaction = request.tm.get()
    transaction.addAfterCommitHook(_send_if_committed, (task_name, args))


def _send_if_committed(committed: bool, task_name: str, args) -> None:
    if not committed:
        return
    try:
        publish(task_name, [*args])
    except Exception:
        # the notification is committed and stays "created"; the sweep
        # for stuck notifications queues it again
        logger.exception("Could not queue task", extra={"task": task_name})


#: per task name, the routing options Celery's router gives it
_routes: dict[str, dict] = {}

#: names of the queues this process has declared on the broker
#: configured now
_declared: set[str] = set()


def publish(task_name: str, args: list[str]) -> None:
    """Send ``task_name(*args)`` to the broker; raise if it cannot.

    The message is the one ``apply_async`` sends, built and published by
    the same Celery calls, but without the work ``apply_async`` repeats on
    every call for nothing here: routing the task anew (routes are fixed
    by the configuration, so each task's is kept), and having kombu check
    that the queue is declared, which copies the queue for each message
    and cost as much as the publish itself. Each queue is declared with
    the first message a process sends to it, and again after any publish
    to it fails.

    In eager mode (no broker) the task runs here, through ``apply_async``.
    """
    task = celery_app.tasks.get(task_name)
    # the arguments are ids: their repr, which monitoring shows, is plain
    reprs = {"argsrepr": repr(args), "kwargsrepr": "{}"}
    if celery_app.conf.task_always_eager:
        if task is None:
            celery_app.send_task(task_name, args=args, **reprs)
        else:
            task.apply_async(args=args, **reprs)
        return
    amqp = celery_app.amqp
    route = _routes.get(task_name)
    if route is None:
        route = amqp.router.route({}, task_name, args, {}, task)
        _routes[task_name] = route
    message = amqp.create_task_message(
        celery_uuid(), task_name, args, {}, ignore_result=True, **reprs
    )
    # a route to an exchange alone has no queue to declare or remember
    queue = getattr(route.get("queue"), "name", None)
    # None has Celery declare the route's queue; [] declares nothing
    declare = [] if queue in _declared else None
    try:
        with celery_app.producer_or_acquire() as producer:
            amqp.send_task_message(
                producer, task_name, message, declare=declare, **route
            )
    except BaseException:
        _declared.discard(queue)
        raise
    if queue is not None:
        _declared.add(queue)


@worker_process_init.connect
def _new_connections_in_child(**kwargs) -> None:
    # a forked worker process must not share its parent's pooled
    # database connections; it opens its own
    registry = getattr(celery_app, "registry", None)
    if registry is not None and "dbengine" in registry:
        registry["dbengine"].dispose(close=False)


def includeme(config):
    """Configure Celery from the app's settings."""
    configure_celery(config.get_settings(), config.registry)
