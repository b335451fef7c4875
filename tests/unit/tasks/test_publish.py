"""Queueing a task on a real (in-memory) broker, as the API does."""

import uuid

import pytest
from kombu import Producer
from kombu.simple import SimpleQueue

from notify_pyramid import tasks
from notify_pyramid.tasks import celery_app, configure_celery, names


@pytest.fixture
def memory_broker(app):
    """Configure Celery on kombu's in-memory broker, not in eager mode."""
    settings = {**app.registry.settings, "celery.broker_url": "memory://"}
    configure_celery(settings, app.registry)
    yield
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(
            celery_app.conf.task_default_queue
        )
    configure_celery(app.registry.settings, app.registry)


def consume_one():
    queue = celery_app.amqp.queues[celery_app.conf.task_default_queue]
    with celery_app.connection_for_write() as connection:
        with SimpleQueue(connection, queue) as simple:
            message = simple.get(block=True, timeout=1)
            message.ack()
            return message


@pytest.fixture
def declares(monkeypatch):
    """Record the ``declare`` option of each message sent."""
    seen = []
    amqp = celery_app.amqp
    send = amqp.send_task_message

    def recording(producer, name, message, declare=None, **options):
        seen.append(declare)
        return send(producer, name, message, declare=declare, **options)

    monkeypatch.setattr(amqp, "send_task_message", recording)
    return seen


def test_message_is_what_a_worker_expects(memory_broker):
    notification_id = str(uuid.uuid4())

    tasks.publish(names.DELIVER_SMS, [notification_id])

    message = consume_one()
    assert message.headers["task"] == names.DELIVER_SMS
    assert message.headers["argsrepr"] == repr([notification_id])
    uuid.UUID(message.headers["id"])
    args, kwargs, _embed = message.decode()
    assert args == [notification_id]
    assert kwargs == {}
    assert message.content_type == "application/json"


def test_queue_is_declared_once_then_again_after_a_failure(
    memory_broker, declares, monkeypatch
):
    tasks.publish(names.DELIVER_SMS, [str(uuid.uuid4())])
    tasks.publish(names.DELIVER_SMS, [str(uuid.uuid4())])
    # None lets Celery declare the task's queue; [] declares nothing
    assert declares == [None, []]

    def broken(*args, **kwargs):
        raise ConnectionError("broker went away")

    with monkeypatch.context() as patch:
        patch.setattr(Producer, "publish", broken)
        with pytest.raises(ConnectionError):
            tasks.publish(names.DELIVER_SMS, [str(uuid.uuid4())])

    tasks.publish(names.DELIVER_SMS, [str(uuid.uuid4())])
    assert declares == [None, [], [], None]


def test_configuring_another_broker_declares_again(
    app, memory_broker, declares
):
    tasks.publish(names.DELIVER_SMS, [str(uuid.uuid4())])
    settings = {**app.registry.settings, "celery.broker_url": "memory://"}
    configure_celery(settings, app.registry)

    tasks.publish(names.DELIVER_SMS, [str(uuid.uuid4())])

    assert declares[-1] is None


def test_eager_mode_runs_the_task_here(app, monkeypatch):
    ran = []
    task = celery_app.tasks[names.SIMULATE_RECEIPT]
    monkeypatch.setattr(task, "run", lambda *args: ran.append(args))

    tasks.publish(names.SIMULATE_RECEIPT, ["an-id"])

    assert ran == [("an-id",)]
