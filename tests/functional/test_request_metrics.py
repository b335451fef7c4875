"""Request metrics as real datagrams on a loopback UDP socket."""

import logging
import socket

import pytest
import webtest

import notify_statsd
from notify_pyramid import main
from notify_pyramid.tweens import user_agent_metric


@pytest.fixture
def udp():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2)
    yield sock
    sock.close()


@pytest.fixture
def restore_statsd():
    previous = notify_statsd.get_client()
    yield
    notify_statsd.get_client().close()
    notify_statsd.configure(previous)


def make_app(app_settings, dbengine, host, port):
    return webtest.TestApp(
        main(
            {},
            **{
                **app_settings,
                "dbengine": dbengine,
                "statsd.enabled": "true",
                "statsd.host": host,
                "statsd.port": str(port),
            },
        )
    )


def received(udp) -> list[str]:
    """Return every metric line that arrived, datagram by datagram."""
    lines = []
    udp.settimeout(0.5)
    try:
        while True:
            data = udp.recv(65535).decode()
            lines.extend(data.splitlines())
    except TimeoutError:
        pass
    return lines


def names(lines) -> list[str]:
    return [line.split(":")[0] for line in lines]


@pytest.fixture
def metered(app_settings, dbengine, udp, restore_statsd):
    port = udp.getsockname()[1]
    return make_app(app_settings, dbengine, "127.0.0.1", port)


def test_request_is_counted_and_timed_under_its_view(metered, udp):
    metered.get("/_status", status=200)
    lines = received(udp)
    assert "notifications.api.GET.status.get_status.200:1|c" in lines
    timings = [
        line
        for line in lines
        if line.startswith("notifications.api.GET.status.get_status.200:")
        and line.endswith("|ms")
    ]
    assert len(timings) == 1


def test_unmatched_request_is_notfound_without_the_path(metered, udp):
    metered.get("/no/such/path/123", status=404)
    sent = names(received(udp))
    assert "notifications.api.GET.notfound.404" in sent
    assert not any("123" in name or "such" in name for name in sent)


def test_failed_request_is_counted_against_its_view(metered, udp, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("sqlalchemy.orm.Session.execute", explode)
    metered.get("/_status", status=500)
    assert "notifications.api.GET.status.get_status.500" in names(
        received(udp)
    )


def test_unusual_methods_read_other(metered, udp):
    metered.lint = False  # WebTest's linter refuses unknown methods
    metered.request("/_status", method="PROPFIND", status=405)
    assert "notifications.api.OTHER.notfound.405" in names(received(udp))


def test_official_client_user_agent_is_counted(metered, udp):
    metered.get(
        "/_status",
        headers={"User-Agent": "NOTIFY-API-PYTHON-CLIENT/13.0.0"},
    )
    metered.get("/_status", headers={"User-Agent": "curl/8.0"})
    sent = names(received(udp))
    assert "notifications.api.user-agent.notify-api-python-client.13-0-0" in (
        sent
    )
    assert "notifications.api.user-agent.other" in sent


@pytest.mark.parametrize(
    ("agent", "metric"),
    [
        (
            "NOTIFY-API-PYTHON-CLIENT/13.0.0",
            "user-agent.notify-api-python-client.13-0-0",
        ),
        (
            "NOTIFY-API-JAVA-CLIENT/5.2.1",
            "user-agent.notify-api-java-client.5-2-1",
        ),
        ("NOTIFY-API-PYTHON-CLIENT/13.0.0 extra", "user-agent.other"),
        ("NOTIFY-API-PYTHON-CLIENT/x.y", "user-agent.other"),
        ("", "user-agent.other"),
    ],
)
def test_user_agent_metric_names(agent, metric):
    assert user_agent_metric(agent) == metric


@pytest.mark.parametrize(
    ("host", "port"),
    [("no-such-host.invalid", 8125), ("127.0.0.1", 9)],
)
def test_unreachable_statsd_never_breaks_a_request(
    app_settings, dbengine, restore_statsd, caplog, host, port
):
    app = make_app(app_settings, dbengine, host, port)
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            app.get("/_status", status=200)
            app.get("/nowhere", status=404)
    assert [r for r in caplog.records if r.levelno > logging.DEBUG] == []
