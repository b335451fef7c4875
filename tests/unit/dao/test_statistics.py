import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from notify_pyramid.dao.statistics import (
    daily_usage_query,
    dao_fetch_daily_usage,
    dao_fetch_status_totals,
    status_totals_query,
)
from notify_statsd import configure, get_client
from notify_statsd.testing import RecordingClient
from tests import factories

INDEX = "ix_notification_history_service_created"


@pytest.fixture
def recorder():
    previous = get_client()
    recording = RecordingClient()
    configure(recording)
    yield recording
    configure(previous)


def test_status_totals_group_by_type_and_status(
    dbsession, sample_template, sample_email_template
):
    for template, status in [
        (sample_template, "delivered"),
        (sample_template, "delivered"),
        (sample_template, "sending"),
        (sample_email_template, "permanent-failure"),
    ]:
        factories.create_notification_history(
            dbsession, template, status=status
        )
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)

    totals = dao_fetch_status_totals(
        dbsession, sample_template.service_id, since
    )

    assert totals == {
        "sms": {"delivered": 2, "sending": 1},
        "email": {"permanent-failure": 1},
    }


def test_daily_usage_sums_billable_units(dbsession, sample_template):
    now = datetime.datetime.now(datetime.UTC)
    for units in (1, 2, 4):
        factories.create_notification_history(
            dbsession, sample_template, billable_units=units, created_at=now
        )
    since = now - datetime.timedelta(minutes=1)

    usage = dao_fetch_daily_usage(dbsession, sample_template.service_id, since)

    assert usage == {(now.date(), "sms"): (3, 7)}


def test_queries_are_counted_and_timed(dbsession, sample_service, recorder):
    now = datetime.datetime.now(datetime.UTC)
    dao_fetch_status_totals(dbsession, sample_service.id, now)
    dao_fetch_daily_usage(dbsession, sample_service.id, now)

    for name in ("dao.dao_fetch_status_totals", "dao.dao_fetch_daily_usage"):
        recorder.assert_incremented(name, times=1)
        recorder.assert_timed(name)


@pytest.mark.parametrize("query", [status_totals_query, daily_usage_query])
def test_queries_use_the_service_and_time_index(
    postgres, dbsession, sample_service, query
):
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=7)
    sql = query(sample_service.id, since).compile(
        dialect=postgresql.dialect(),
        compile_kwargs={"literal_binds": True},
    )
    # on a near-empty table the planner would rightly scan it whole;
    # SET LOCAL ends with the test's rolled-back transaction
    dbsession.execute(text("SET LOCAL enable_seqscan = off"))

    plan = "\n".join(
        row[0] for row in dbsession.execute(text(f"EXPLAIN {sql}"))
    )

    assert INDEX in plan
    # both columns bound the scan: one service, one window
    assert "service_id =" in plan
    assert "created_at >=" in plan
