from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from notify_statsd import configure, get_client, statsd
from notify_statsd.testing import Record, RecordingClient


@statsd(namespace="views")
def create_notification() -> str:
    return "created"


def test_records_every_kind_in_order() -> None:
    client = RecordingClient()
    client.incr("a", 2)
    client.timing("b", 1.5)
    client.gauge("c", 3)
    client.incr_and_time("d", 4.0)
    with client.timer("e") as timer:
        pass
    assert client.records == [
        Record("incr", "notifications.api.a", 2),
        Record("timing", "notifications.api.b", 1.5),
        Record("gauge", "notifications.api.c", 3),
        Record("incr", "notifications.api.d", 1),
        Record("timing", "notifications.api.d", 4.0),
        Record("incr", "notifications.api.e", 1),
        Record("timing", "notifications.api.e", timer.ms),
    ]
    assert client.records[0] == ("incr", "notifications.api.a", 2)


def test_names_are_prefixed_and_cleaned() -> None:
    client = RecordingClient(prefix="worker")
    client.incr("a:b")
    unprefixed = RecordingClient(prefix="")
    unprefixed.incr("a")
    assert client.names() == ["worker.a_b"]
    assert unprefixed.names() == ["a"]


def test_assert_incremented() -> None:
    client = RecordingClient()
    client.incr("sent")
    client.incr("sent", 2)
    client.incr("other")
    client.assert_incremented("sent")
    client.assert_incremented("sent", times=3)
    with pytest.raises(AssertionError, match="by 3, not 2"):
        client.assert_incremented("sent", times=2)
    with pytest.raises(AssertionError, match="was not incremented"):
        client.assert_incremented("missing")
    client.timing("timed.only", 1.0)
    with pytest.raises(AssertionError, match="was not incremented"):
        client.assert_incremented("timed.only")


def test_assert_timed() -> None:
    client = RecordingClient()
    client.timing("slow", 1.0)
    client.incr("counted.only")
    client.assert_timed("slow")
    with pytest.raises(AssertionError, match="was not timed"):
        client.assert_timed("counted.only")


def test_assert_not_sent() -> None:
    client = RecordingClient()
    client.gauge("depth", 1)
    client.assert_not_sent("other")
    with pytest.raises(AssertionError, match="was sent"):
        client.assert_not_sent("depth")


def test_helpers_take_unprefixed_names() -> None:
    client = RecordingClient()
    client.incr("sent")
    with pytest.raises(AssertionError):
        client.assert_incremented("notifications.api.sent")
    client.assert_not_sent("notifications.api.sent")


def test_clear() -> None:
    client = RecordingClient()
    client.incr("a")
    client.clear()
    assert client.records == []
    client.assert_not_sent("a")


def test_fixture_records_decorated_calls(
    statsd_recorder: RecordingClient,
) -> None:
    assert get_client() is statsd_recorder
    assert create_notification() == "created"
    statsd_recorder.assert_incremented("views.create_notification", times=1)
    statsd_recorder.assert_timed("views.create_notification")


def test_fixture_restores_previous_client(pytester: pytest.Pytester) -> None:
    before = RecordingClient(prefix="before")
    configure(before)
    pytester.makeconftest('pytest_plugins = ["notify_statsd.testing"]\n')
    pytester.makepyfile(
        textwrap.dedent(
            """
            from notify_statsd import get_client
            from notify_statsd.testing import RecordingClient

            def test_inside(statsd_recorder):
                assert isinstance(get_client(), RecordingClient)
                assert get_client() is statsd_recorder
                assert statsd_recorder.prefix == "notifications.api"
            """
        )
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert get_client() is before


def test_importing_testing_does_not_need_pytest() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["pytest"] = None
        import notify_statsd.testing as testing
        assert not hasattr(testing, "statsd_recorder")
        assert "statsd_recorder" not in testing.__all__
        client = testing.RecordingClient()
        client.incr("a")
        client.assert_incremented("a", times=1)
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
