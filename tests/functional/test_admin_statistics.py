import datetime
import uuid

import pytest
from sqlalchemy import delete

from notify_pyramid.models import Notification
from tests import factories

NOW = datetime.datetime.now(datetime.UTC)


def admin():
    return [factories.admin_auth_header()]


def statistics(testapp, service, days=None, status=200):
    query = "" if days is None else f"?days={days}"
    return testapp.get(
        f"/service/{service.id}/notifications/statistics{query}",
        headers=admin(),
        status=status,
    ).json


def usage(testapp, service, days, status=200):
    return testapp.get(
        f"/service/{service.id}/usage/daily?days={days}",
        headers=admin(),
        status=status,
    ).json


@pytest.fixture
def history(dbsession, sample_template, sample_email_template):
    """Rows of several channels, statuses and ages, and another service."""
    sms, email = sample_template, sample_email_template
    ago = datetime.timedelta
    rows = [
        (sms, "delivered", ago(hours=1)),
        (sms, "delivered", ago(days=2)),
        (sms, "permanent-failure", ago(days=3)),
        (sms, "temporary-failure", ago(days=4)),
        (sms, "technical-failure", ago(days=6, hours=23)),
        (sms, "sending", ago(minutes=5)),
        (sms, "sent", ago(days=1)),
        (email, "delivered", ago(days=1)),
        (email, "created", ago(seconds=1)),
        # outside a 7-day window
        (sms, "delivered", ago(days=7, hours=1)),
        (email, "permanent-failure", ago(days=20)),
    ]
    for template, status, age in rows:
        factories.create_notification_history(
            dbsession, template, status=status, created_at=NOW - age
        )
    other = factories.create_service(dbsession)
    factories.create_notification_history(
        dbsession,
        factories.create_template(dbsession, other),
        status="delivered",
    )


def test_statistics_count_each_channel(testapp, sample_service, history):
    assert statistics(testapp, sample_service, days=7) == {
        "data": {
            "sms": {"requested": 7, "delivered": 2, "failed": 3},
            "email": {"requested": 2, "delivered": 1, "failed": 0},
        }
    }


def test_statistics_default_to_seven_days(testapp, sample_service, history):
    assert statistics(testapp, sample_service) == statistics(
        testapp, sample_service, days=7
    )


def test_longer_window_counts_older_notifications(
    testapp, sample_service, history
):
    data = statistics(testapp, sample_service, days=30)["data"]
    assert data["sms"] == {"requested": 8, "delivered": 3, "failed": 3}
    assert data["email"] == {"requested": 3, "delivered": 1, "failed": 1}


def test_service_without_traffic_has_zeros(testapp, sample_service):
    zeros = {"requested": 0, "delivered": 0, "failed": 0}
    assert statistics(testapp, sample_service)["data"] == {
        "sms": zeros,
        "email": zeros,
    }


def test_statistics_outlive_the_notifications(
    testapp, dbsession, sample_service, sample_template, sample_api_key
):
    api_key, _ = sample_api_key
    for status in ("delivered", "delivered", "technical-failure"):
        factories.create_notification(
            dbsession, sample_template, api_key, status=status
        )
    test_key, _ = factories.create_api_key(
        dbsession, sample_service, key_type="test"
    )
    # test keys leave no history and are not counted
    factories.create_notification(dbsession, sample_template, test_key)
    before = statistics(testapp, sample_service)

    # what the retention purge does
    dbsession.execute(delete(Notification))
    dbsession.flush()

    after = statistics(testapp, sample_service)
    assert after == before
    assert after["data"]["sms"] == {
        "requested": 3,
        "delivered": 2,
        "failed": 1,
    }


@pytest.mark.parametrize(
    "days", ["0", "367", "-1", "1.5", "seven", "", "%E2%91%A7"]
)
@pytest.mark.parametrize("path", ["notifications/statistics", "usage/daily"])
def test_bad_days_are_refused(testapp, sample_service, days, path):
    response = testapp.get(
        f"/service/{sample_service.id}/{path}?days={days}",
        headers=admin(),
        status=400,
    )
    assert response.json == {
        "result": "error",
        "message": {"days": ["days must be a whole number from 1 to 366"]},
    }


@pytest.mark.parametrize("path", ["notifications/statistics", "usage/daily"])
@pytest.mark.parametrize("service_id", [uuid.uuid4(), "nope"])
def test_statistics_of_unknown_service_are_404(testapp, path, service_id):
    response = testapp.get(
        f"/service/{service_id}/{path}", headers=admin(), status=404
    )
    assert response.json["message"] == "No result found"


def test_daily_usage_has_every_day_oldest_first(
    testapp, dbsession, sample_service, sample_template, sample_email_template
):
    today = datetime.datetime.now(datetime.UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    one_day = datetime.timedelta(days=1)
    second = datetime.timedelta(seconds=1)
    rows = [
        # the first second of today and the last of yesterday
        (sample_template, "delivered", 2, today),
        (sample_template, "technical-failure", 1, today - second),
        (sample_template, "delivered", 3, today - one_day - second),
        (sample_email_template, "delivered", 0, today),
        # before the window
        (sample_template, "delivered", 5, today - 3 * one_day + second),
    ]
    for template, status, units, created_at in rows:
        factories.create_notification_history(
            dbsession,
            template,
            status=status,
            billable_units=units,
            created_at=created_at,
        )

    data = usage(testapp, sample_service, days=3)["data"]

    def day(offset):
        return (today.date() - datetime.timedelta(days=offset)).isoformat()

    assert data == [
        {
            "day": day(2),
            "sms": {"sent": 1, "billable_units": 3},
            "email": {"sent": 0, "billable_units": 0},
        },
        {
            "day": day(1),
            "sms": {"sent": 1, "billable_units": 1},
            "email": {"sent": 0, "billable_units": 0},
        },
        {
            "day": day(0),
            "sms": {"sent": 1, "billable_units": 2},
            "email": {"sent": 1, "billable_units": 0},
        },
    ]


def test_one_day_of_usage_is_today(testapp, sample_service):
    data = usage(testapp, sample_service, days=1)["data"]
    assert [entry["day"] for entry in data] == [
        datetime.datetime.now(datetime.UTC).date().isoformat()
    ]
