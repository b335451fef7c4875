from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
import statsd

from notify_statsd import (
    Client,
    NullClient,
    StatsdClient,
    Timer,
    clean_name,
)
from notify_statsd import client as client_module
from notify_statsd.testing import RecordingClient

if TYPE_CHECKING:
    from conftest import Receiver


@pytest.fixture
def make_client() -> Iterator[Callable[..., StatsdClient]]:
    made: list[StatsdClient] = []

    def make(receiver: Receiver, **kwargs: Any) -> StatsdClient:
        client = StatsdClient(host="127.0.0.1", port=receiver.port, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_incr_sends_counter_line(
    make_client: Callable[..., StatsdClient], receiver: Receiver
) -> None:
    make_client(receiver).incr("delivery.send")
    assert receiver.recv() == b"notifications.api.delivery.send:1|c"


def test_incr_sends_count(
    make_client: Callable[..., StatsdClient], receiver: Receiver
) -> None:
    make_client(receiver).incr("sms.parts", 3)
    assert receiver.recv() == b"notifications.api.sms.parts:3|c"


def test_timing_sends_milliseconds(
    make_client: Callable[..., StatsdClient], receiver: Receiver
) -> None:
    make_client(receiver).timing("dao.get", 12.5)
    assert receiver.recv() == b"notifications.api.dao.get:12.500|ms"


def test_gauge_sends_value(
    make_client: Callable[..., StatsdClient], receiver: Receiver
) -> None:
    client = make_client(receiver)
    client.gauge("queue.depth", 42)
    client.gauge("queue.ratio", 0.25)
    assert receiver.recv() == b"notifications.api.queue.depth:42|g"
    assert receiver.recv() == b"notifications.api.queue.ratio:0.25|g"


def test_negative_gauge_resets_first_in_one_datagram(
    make_client: Callable[..., StatsdClient],
    receiver: Receiver,
) -> None:
    make_client(receiver).gauge("balance", -3)
    assert receiver.recv() == (
        b"notifications.api.balance:0|g\nnotifications.api.balance:-3|g"
    )


def test_non_finite_gauge_is_dropped(
    make_client: Callable[..., StatsdClient], receiver: Receiver
) -> None:
    client = make_client(receiver)
    client.gauge("broken", float("nan"))
    client.gauge("fine", 1)
    assert receiver.recv() == b"notifications.api.fine:1|g"


def test_incr_and_time_sends_one_datagram_with_two_lines(
    make_client: Callable[..., StatsdClient],
    receiver: Receiver,
) -> None:
    make_client(receiver).incr_and_time("delivery.send", 7.25)
    assert receiver.recv() == (
        b"notifications.api.delivery.send:1|c\n"
        b"notifications.api.delivery.send:7.250|ms"
    )
    assert receiver.nothing_pending()


def test_prefix_is_applied_and_can_be_empty(
    make_client: Callable[..., StatsdClient], receiver: Receiver
) -> None:
    make_client(receiver, prefix="notify.worker").incr("a")
    make_client(receiver, prefix="").incr("a")
    assert receiver.recv() == b"notify.worker.a:1|c"
    assert receiver.recv() == b"a:1|c"


def test_names_are_cleaned_on_the_wire(
    make_client: Callable[..., StatsdClient], receiver: Receiver
) -> None:
    client = make_client(receiver, prefix="my app")
    client.incr("a:b|c@d\ne f/g\u00e9")
    assert receiver.recv() == b"my_app.a_b_c_d_e_f_g_:1|c"


def test_clean_name_keeps_safe_characters() -> None:
    assert clean_name("Delivery-1.send_sms") == "Delivery-1.send_sms"
    assert clean_name("a:1|c\r\n@0.5") == "a_1_c___0.5"
    assert clean_name("") == "_"


def test_encoded_names_are_cached_with_a_bound(
    make_client: Callable[..., StatsdClient],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client_module, "NAME_CACHE_SIZE", 3)
    client = make_client(receiver)
    for name in ["a", "b", "a", "c", "d"]:
        client.incr(name)
    assert len(client._keys) <= 3
    assert "d" in client._keys
    assert [receiver.recv() for _ in range(5)] == [
        b"notifications.api.%s:1|c" % n for n in [b"a", b"b", b"a", b"c", b"d"]
    ]


def test_timer_sends_count_and_time(
    make_client: Callable[..., StatsdClient], receiver: Receiver
) -> None:
    client = make_client(receiver)
    with client.timer("block") as timer:
        pass
    assert isinstance(timer, Timer)
    assert timer.ms is not None and timer.ms >= 0
    counter, timing = receiver.recv().split(b"\n")
    assert counter == b"notifications.api.block:1|c"
    assert timing == b"notifications.api.block:%.3f|ms" % timer.ms


def test_timer_reports_and_reraises_when_block_raises(
    make_client: Callable[..., StatsdClient],
    receiver: Receiver,
) -> None:
    client = make_client(receiver)
    with pytest.raises(KeyError), client.timer("block"):
        raise KeyError("x")
    assert receiver.recv().startswith(b"notifications.api.block:1|c\n")


def test_disabled_client_sends_nothing_and_looks_nothing_up(
    make_client: Callable[..., StatsdClient],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("disabled client looked up an address")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    client = make_client(receiver, enabled=False)
    client.incr("a")
    client.timing("a", 1.0)
    client.gauge("a", 1)
    client.incr_and_time("a", 1.0)
    with client.timer("a"):
        pass
    assert client._target is None
    assert receiver.nothing_pending()


def test_every_client_has_the_shared_interface() -> None:
    assert isinstance(StatsdClient(), Client)
    assert isinstance(NullClient(), Client)
    assert isinstance(RecordingClient(), Client)
    assert not isinstance(object(), Client)


def test_null_client_accepts_everything() -> None:
    client = NullClient()
    assert client.enabled is False
    client.incr("a")
    client.timing("a", 1.0)
    client.gauge("a", 1)
    client.incr_and_time("a", 1.0)
    with client.timer("a") as timer:
        pass
    assert timer.ms is not None


def test_construction_does_no_lookup(
    make_client: Callable[..., StatsdClient],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[object, ...]] = []
    real_getaddrinfo = socket.getaddrinfo

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real_getaddrinfo(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    client = make_client(receiver)
    assert calls == []

    client.incr("a")
    client.incr("b")
    assert len(calls) == 1
    assert calls[0][:2] == ("127.0.0.1", receiver.port)
    assert receiver.recv() == b"notifications.api.a:1|c"
    assert receiver.recv() == b"notifications.api.b:1|c"


def test_unresolvable_host_is_silent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = StatsdClient(host="no-such-host.invalid")
    for _ in range(3):
        client.incr("a")
        client.timing("a", 1.0)
        client.gauge("a", 1)
        client.incr_and_time("a", 1.0)
        with client.timer("a"):
            pass
    assert client._target is None
    assert caplog.records, "the failed lookup should be logged at DEBUG"
    assert max(r.levelno for r in caplog.records) == logging.DEBUG


def test_port_with_no_listener_is_silent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # bind then close a socket to get a port that nothing listens on
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()

    caplog.set_level(logging.DEBUG)
    client = StatsdClient(host="127.0.0.1", port=port)
    for _ in range(20):
        client.incr_and_time("a", 1.0)
    client.close()
    assert all(r.levelno <= logging.DEBUG for r in caplog.records)


def test_failed_lookup_backs_off(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    calls: list[object] = []

    def failing(*args: object, **kwargs: object) -> object:
        calls.append(args)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(client_module, "monotonic", lambda: now[0])
    monkeypatch.setattr(socket, "getaddrinfo", failing)
    client = StatsdClient(host="statsd.example")

    client.incr("a")
    client.incr("a")
    assert len(calls) == 1

    now[0] += client_module.MIN_RETRY_SECONDS - 0.1
    client.incr("a")
    assert len(calls) == 1

    now[0] += 0.2
    client.incr("a")
    assert len(calls) == 2

    # the pause doubles while the lookup keeps failing, up to the maximum
    now[0] += client_module.MIN_RETRY_SECONDS + 0.1
    client.incr("a")
    assert len(calls) == 2
    now[0] += client_module.MIN_RETRY_SECONDS
    client.incr("a")
    assert len(calls) == 3
    for _ in range(5):
        now[0] += client_module.MAX_RETRY_SECONDS
        client.incr("a")
    assert len(calls) == 8


def test_lookup_recovers_after_failure(
    make_client: Callable[..., StatsdClient],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    real_getaddrinfo = socket.getaddrinfo
    failing = [True]

    def flaky(*args: object, **kwargs: object) -> object:
        if failing[0]:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure")
        return real_getaddrinfo(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(client_module, "monotonic", lambda: now[0])
    monkeypatch.setattr(socket, "getaddrinfo", flaky)
    client = make_client(receiver)
    client.incr("lost")
    failing[0] = False
    client.incr("lost")
    now[0] += client_module.MIN_RETRY_SECONDS
    client.incr("kept")
    assert receiver.recv() == b"notifications.api.kept:1|c"
    assert receiver.nothing_pending()


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.incr("lost"),
        lambda c: c.incr_and_time("lost", 1.0),
    ],
    ids=["incr", "incr_and_time"],
)
def test_failed_send_drops_the_socket_and_reconnects_later(
    make_client: Callable[..., StatsdClient],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    send: Callable[[StatsdClient], None],
) -> None:
    now = [1000.0]
    monkeypatch.setattr(client_module, "monotonic", lambda: now[0])
    caplog.set_level(logging.DEBUG)
    client = make_client(receiver)
    client.incr("first")
    assert receiver.recv() == b"notifications.api.first:1|c"

    # closing the socket under the client makes its next sendto fail
    assert client._target is not None
    client._target.sock.close()
    send(client)
    assert client._target is None
    assert caplog.records
    assert max(r.levelno for r in caplog.records) == logging.DEBUG

    # no new lookup until the pause since the last one is over
    client.incr("too.soon")
    assert client._target is None
    now[0] += client_module.MIN_RETRY_SECONDS
    client.incr("after")
    assert receiver.recv() == b"notifications.api.after:1|c"
    assert receiver.nothing_pending()


def test_bad_arguments_never_raise(
    make_client: Callable[..., StatsdClient],
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(receiver)
    client.incr(None, 1)  # type: ignore[arg-type]
    client.timing("a", "slow")  # type: ignore[arg-type]
    client.gauge("a", "full")  # type: ignore[arg-type]
    client.incr_and_time("a", None)  # type: ignore[arg-type]
    client.incr("ok")
    assert receiver.recv() == b"notifications.api.ok:1|c"
    assert max(r.levelno for r in caplog.records) == logging.DEBUG


def test_wrapped_statsclient_still_has_the_private_attributes() -> None:
    # the client sends through StatsClient._sock and StatsClient._addr;
    # if a statsd release renames them this test says so
    wrapped = statsd.StatsClient("127.0.0.1", 8125)
    try:
        assert isinstance(wrapped._sock, socket.socket)
        assert wrapped._addr == ("127.0.0.1", 8125)
    finally:
        wrapped.close()


def test_close_then_send_opens_a_new_socket(
    make_client: Callable[..., StatsdClient], receiver: Receiver
) -> None:
    client = make_client(receiver)
    client.incr("a")
    _, first = receiver.recvfrom()
    client.close()
    assert client._target is None
    client._next_lookup = 0.0
    client.incr("b")
    data, second = receiver.recvfrom()
    assert data == b"notifications.api.b:1|c"
    assert second != first


def test_forked_child_uses_its_own_socket(
    make_client: Callable[..., StatsdClient], receiver: Receiver
) -> None:
    client = make_client(receiver)
    client.incr("parent")
    data, parent_addr = receiver.recvfrom()
    assert data == b"notifications.api.parent:1|c"

    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            client.incr_and_time("child", 1.0)
            client.incr("child")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)

    data, child_addr = receiver.recvfrom()
    assert data == (
        b"notifications.api.child:1|c\nnotifications.api.child:1.000|ms"
    )
    assert child_addr != parent_addr
    data, second_child_addr = receiver.recvfrom()
    assert data == b"notifications.api.child:1|c"
    assert second_child_addr == child_addr

    # the parent keeps the socket it had
    client.incr("parent")
    data, again = receiver.recvfrom()
    assert again == parent_addr


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.incr("b"),
        lambda c: c.timing("b", 1.0),
        lambda c: c.gauge("b", 1),
        lambda c: c.incr_and_time("b", 1.0),
    ],
    ids=["incr", "timing", "gauge", "incr_and_time"],
)
def test_socket_made_by_another_process_is_replaced(
    make_client: Callable[..., StatsdClient],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    send: Callable[[StatsdClient], None],
) -> None:
    client = make_client(receiver)
    client.incr("a")
    _, first = receiver.recvfrom()
    # what the fork hook does in a child: the current process id changes
    monkeypatch.setattr(client_module, "_pid", client_module._pid + 1)
    send(client)
    data, second = receiver.recvfrom()
    assert data.startswith(b"notifications.api.b:")
    assert second != first


def test_many_threads_share_one_socket(
    make_client: Callable[..., StatsdClient],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[object] = []
    real_client = statsd.StatsClient

    def counting(*args: object, **kwargs: object) -> object:
        made.append(args)
        return real_client(*args, **kwargs)

    monkeypatch.setattr(statsd, "StatsClient", counting)
    client = make_client(receiver)
    threads, per_thread = 8, 50
    barrier = threading.Barrier(threads)
    received: list[bytes] = []

    # room for every datagram even if the collector falls behind; the
    # kernel caps this at its own maximum
    receiver.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)

    def receive() -> None:
        try:
            for _ in range(threads * per_thread):
                received.append(receiver.recv())
        except TimeoutError:
            pass

    def send(index: int) -> None:
        barrier.wait()
        for n in range(per_thread):
            client.incr_and_time(f"t{index}.n{n}", 1.0)

    collector = threading.Thread(target=receive)
    collector.start()
    senders = [
        threading.Thread(target=send, args=(i,)) for i in range(threads)
    ]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    collector.join()

    assert len(made) == 1
    expected = {
        b"notifications.api.t%d.n%d:1|c\nnotifications.api.t%d.n%d:1.000|ms"
        % (i, n, i, n)
        for i in range(threads)
        for n in range(per_thread)
    }
    assert len(received) == threads * per_thread
    assert set(received) == expected
