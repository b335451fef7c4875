from __future__ import annotations

import asyncio
import inspect
import time
import traceback
from typing import TYPE_CHECKING

import pytest

import notify_statsd
from notify_statsd import NullClient, StatsdClient, configure, get_client
from notify_statsd import statsd as statsd_decorator
from notify_statsd.testing import RecordingClient

if TYPE_CHECKING:
    from conftest import Receiver


@statsd_decorator
def send_email(to: str, *, urgent: bool = False) -> str:
    """Pretend to send an email."""
    return f"{to}:{urgent}"


@statsd_decorator(namespace="dao")
def dao_get_service(service_id: int) -> int:
    return service_id


@statsd_decorator()
def called_with_empty_parentheses() -> None:
    pass


class DeliveryError(Exception):
    pass


@statsd_decorator
def fail_delivery() -> None:
    raise DeliveryError("provider timed out")


class Provider:
    def __init__(self, name: str) -> None:
        self.name = name

    @statsd_decorator
    def send_sms(self, number: str) -> str:
        return f"{self.name}:{number}"


@statsd_decorator(namespace="async")
async def fetch_receipt(delay: float) -> str:
    await asyncio.sleep(delay)
    return "delivered"


@statsd_decorator(namespace="async")
async def fail_receipt() -> None:
    await asyncio.sleep(0)
    raise DeliveryError("no receipt")


@pytest.fixture
def recorder() -> RecordingClient:
    recorder = RecordingClient()
    configure(recorder)
    return recorder


def test_default_client_is_null_client() -> None:
    configure(None)
    assert isinstance(get_client(), NullClient)
    assert send_email("a@example.com") == "a@example.com:False"


def test_name_is_module_tail_and_function(recorder: RecordingClient) -> None:
    send_email("a@example.com")
    assert recorder.names() == [
        "notifications.api.test_decorator.send_email",
        "notifications.api.test_decorator.send_email",
    ]
    assert [r.kind for r in recorder.records] == ["incr", "timing"]


def test_name_uses_last_part_of_dotted_module() -> None:
    def send() -> None:
        pass

    send.__module__ = "app.tasks.delivery"
    assert notify_statsd.metric_name(send, None) == "delivery.send"
    assert notify_statsd.metric_name(send, "dao") == "dao.send"
    assert notify_statsd.metric_name(send, "") == "send"


def test_name_is_fixed_at_decoration(recorder: RecordingClient) -> None:
    def send() -> None:
        pass

    send.__module__ = "app.tasks.delivery"
    decorated = statsd_decorator(send)
    decorated.__name__ = "renamed"
    decorated()
    recorder.assert_incremented("delivery.send", times=1)


def test_namespace_replaces_module(recorder: RecordingClient) -> None:
    assert dao_get_service(7) == 7
    called_with_empty_parentheses()
    recorder.assert_incremented("dao.dao_get_service", times=1)
    recorder.assert_timed("dao.dao_get_service")
    recorder.assert_incremented(
        "test_decorator.called_with_empty_parentheses", times=1
    )


def test_arguments_and_result_pass_through(recorder: RecordingClient) -> None:
    assert send_email("b@example.com", urgent=True) == "b@example.com:True"


def test_timing_covers_the_call(recorder: RecordingClient) -> None:
    @statsd_decorator(namespace="slow")
    def slow() -> None:
        time.sleep(0.02)

    slow()
    (timing,) = [r for r in recorder.records if r.kind == "timing"]
    assert 20.0 <= timing.value < 2000.0


def test_error_is_counted_and_reraised(recorder: RecordingClient) -> None:
    with pytest.raises(DeliveryError) as info:
        fail_delivery()
    recorder.assert_incremented("test_decorator.fail_delivery.error", 1)
    recorder.assert_timed("test_decorator.fail_delivery.error")
    recorder.assert_not_sent("test_decorator.fail_delivery")
    assert str(info.value) == "provider timed out"


def test_error_is_the_same_object_with_its_traceback(
    recorder: RecordingClient,
) -> None:
    raised = DeliveryError("original")

    @statsd_decorator
    def fail() -> None:
        raise raised

    try:
        fail()
    except DeliveryError as caught:
        assert caught is raised
        frames = [f.name for f in traceback.extract_tb(caught.__traceback__)]
        assert frames[-1] == "fail"
    else:
        pytest.fail("the exception was swallowed")


def test_error_is_reraised_when_disabled() -> None:
    configure(StatsdClient(enabled=False))
    with pytest.raises(DeliveryError):
        fail_delivery()


def test_method(recorder: RecordingClient) -> None:
    assert Provider("firetext").send_sms("07700900000") == (
        "firetext:07700900000"
    )
    recorder.assert_incremented("test_decorator.send_sms", times=1)


def test_async_function(recorder: RecordingClient) -> None:
    assert inspect.iscoroutinefunction(fetch_receipt)
    assert asyncio.run(fetch_receipt(0.02)) == "delivered"
    recorder.assert_incremented("async.fetch_receipt", times=1)
    (timing,) = [r for r in recorder.records if r.kind == "timing"]
    assert timing.value >= 20.0


def test_async_function_error(recorder: RecordingClient) -> None:
    assert inspect.iscoroutinefunction(fail_receipt)
    with pytest.raises(DeliveryError):
        asyncio.run(fail_receipt())
    recorder.assert_incremented("async.fail_receipt.error", times=1)
    recorder.assert_not_sent("async.fail_receipt")


def test_async_function_when_disabled() -> None:
    configure(None)
    assert asyncio.run(fetch_receipt(0)) == "delivered"


def test_wraps_keeps_metadata() -> None:
    assert send_email.__name__ == "send_email"
    assert send_email.__qualname__ == "send_email"
    assert send_email.__doc__ == "Pretend to send an email."
    assert send_email.__module__ == __name__
    assert inspect.signature(send_email) == inspect.signature(
        send_email.__wrapped__  # type: ignore[attr-defined]
    )
    assert Provider.send_sms.__qualname__ == "Provider.send_sms"
    assert fetch_receipt.__name__ == "fetch_receipt"


def test_configure_after_decoration_takes_effect() -> None:
    first = RecordingClient()
    second = RecordingClient(prefix="other")
    configure(first)
    send_email("a@example.com")
    configure(second)
    send_email("a@example.com")
    first.assert_incremented("test_decorator.send_email", times=1)
    assert second.names() == ["other.test_decorator.send_email"] * 2


def test_decorator_sends_one_datagram(
    receiver: Receiver,
) -> None:
    client = StatsdClient(host="127.0.0.1", port=receiver.port)
    configure(client)
    try:
        dao_get_service(1)
        counter, timing = receiver.recv().split(b"\n")
    finally:
        client.close()
    assert counter == b"notifications.api.dao.dao_get_service:1|c"
    assert timing.startswith(b"notifications.api.dao.dao_get_service:")
    assert timing.endswith(b"|ms")
    assert receiver.nothing_pending()


def test_disabled_client_calls_straight_through(
    receiver: Receiver,
) -> None:
    client = StatsdClient(host="127.0.0.1", port=receiver.port, enabled=False)
    configure(client)
    assert dao_get_service(2) == 2
    assert receiver.nothing_pending()


def test_disabled_client_is_not_called() -> None:
    class DisabledRecorder(RecordingClient):
        enabled = False

    recorder = DisabledRecorder()
    configure(recorder)
    assert dao_get_service(3) == 3
    assert asyncio.run(fetch_receipt(0)) == "delivered"
    assert recorder.records == []


def test_celery_task_composes_in_either_order() -> None:
    celery = pytest.importorskip(
        "celery",
        reason="celery is not installed; the library does not depend on it",
    )
    app = celery.Celery("notify_statsd_tests", set_as_current=False)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    recorder = RecordingClient()
    configure(recorder)

    @app.task(name="deliver_inner")
    @statsd_decorator(namespace="tasks")
    def deliver_inner(notification_id: int) -> int:
        return notification_id * 2

    @statsd_decorator(namespace="tasks")
    @app.task(name="deliver_outer")
    def deliver_outer(notification_id: int) -> int:
        return notification_id * 3

    @app.task(name="deliver_bound", bind=True)
    @statsd_decorator(namespace="tasks")
    def deliver_bound(self: object, notification_id: int) -> str:
        return f"{type(self).__name__}:{notification_id}"

    @app.task(name="deliver_failing")
    @statsd_decorator(namespace="tasks")
    def deliver_failing() -> None:
        raise DeliveryError("failed")

    assert deliver_inner.delay(2).get() == 4
    assert deliver_inner(5) == 10
    assert deliver_outer(3) == 9
    assert deliver_bound.delay(1).get() == "deliver_bound:1"
    with pytest.raises(DeliveryError):
        deliver_failing.delay()

    recorder.assert_incremented("tasks.deliver_inner", times=2)
    recorder.assert_incremented("tasks.deliver_outer", times=1)
    recorder.assert_incremented("tasks.deliver_bound", times=1)
    recorder.assert_incremented("tasks.deliver_failing.error", times=1)
    recorder.assert_not_sent("tasks.deliver_failing")
