import logging

import pytest

from notify_pyramid.logs import RequestFormatter


def test_unknown_url_is_404_in_the_legacy_envelope(testapp):
    response = testapp.get("/no/such/thing", status=404)
    assert response.json == {
        "result": "error",
        "message": "The requested URL was not found on the server.",
    }


def test_unknown_v2_url_is_404_in_the_v2_envelope(testapp):
    response = testapp.get("/v2/no-such-thing", status=404)
    assert response.json == {
        "status_code": 404,
        "errors": [
            {
                "error": "NoResultFound",
                "message": "The requested URL was not found on the server.",
            }
        ],
    }


def test_wrong_method_is_405(testapp):
    response = testapp.delete("/_status", status=405)
    assert response.json["result"] == "error"


def test_unexpected_exception_is_500_without_details(
    testapp, monkeypatch, caplog
):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(
        "notify_pyramid.views.status.get_status.__wrapped__",
        None,
        raising=False,
    )
    monkeypatch.setattr("sqlalchemy.orm.Session.execute", explode)
    with caplog.at_level(logging.ERROR, logger="notify_pyramid"):
        response = testapp.get(
            "/_status", headers={"X-Request-Id": "abc-123"}, status=500
        )

    assert response.json == {
        "result": "error",
        "message": "Internal server error",
    }
    assert "secret internals" not in response.text
    [record] = [r for r in caplog.records if r.exc_info]
    line = RequestFormatter("%(request_id)s %(message)s").format(record)
    assert line.startswith("abc-123 Unhandled exception")
    assert "secret internals" in line


def test_request_id_is_echoed(testapp):
    response = testapp.get("/_status", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"


@pytest.mark.parametrize("given", [None, "has spaces", "x" * 200, "a\nb"])
def test_request_id_is_generated_when_missing_or_unsafe(testapp, given):
    headers = {"X-Request-Id": given} if given else {}
    response = testapp.get("/_status", headers=headers)
    generated = response.headers["X-Request-Id"]
    assert generated != given
    assert len(generated) == 32
