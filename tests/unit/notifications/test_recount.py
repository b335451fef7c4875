import datetime

from notify_pyramid.dao.usage import (
    dao_correct_daily_usage,
    dao_fetch_daily_usage,
    dao_reserve_daily_usage,
)
from notify_pyramid.notifications.limits import (
    UsageCorrection,
    recount_daily_usage,
)
from tests import factories

MAY_1 = datetime.date(2024, 5, 1)
MAY_2 = datetime.date(2024, 5, 2)


def at(day, hour, minute=0, tz=datetime.UTC):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tz)


def send(dbsession, template, api_key, created_at, times=1):
    for _ in range(times):
        factories.create_notification(
            dbsession, template, api_key, created_at=created_at
        )


def set_counter(dbsession, service, day, count):
    for _ in range(count):
        dao_reserve_daily_usage(dbsession, service.id, day, count)


def test_recount_corrects_a_drifted_counter(
    dbsession, sample_service, sample_template
):
    live, _ = factories.create_api_key(dbsession, sample_service, "normal")
    team, _ = factories.create_api_key(dbsession, sample_service, "team")
    test, _ = factories.create_api_key(dbsession, sample_service, "test")
    send(dbsession, sample_template, live, at(MAY_1, 9), times=3)
    send(dbsession, sample_template, team, at(MAY_1, 10))
    send(dbsession, sample_template, test, at(MAY_1, 11), times=2)
    set_counter(dbsession, sample_service, MAY_1, 7)

    result = recount_daily_usage(dbsession, MAY_1)

    assert result.corrections == [
        UsageCorrection(sample_service.id, MAY_1, 7, 4, True)
    ]
    assert dao_fetch_daily_usage(dbsession, sample_service.id, MAY_1) == 4


def test_recount_creates_a_missing_counter_and_zeroes_an_empty_one(
    dbsession, sample_service, sample_template
):
    send(dbsession, sample_template, None, at(MAY_1, 9), times=2)
    set_counter(dbsession, sample_service, MAY_2, 5)

    result = recount_daily_usage(dbsession)

    corrections = {(c.day, c.old, c.new) for c in result.corrections}
    assert {(MAY_1, 0, 2), (MAY_2, 5, 0)} <= corrections
    assert dao_fetch_daily_usage(dbsession, sample_service.id, MAY_1) == 2
    assert dao_fetch_daily_usage(dbsession, sample_service.id, MAY_2) == 0


def test_recount_leaves_counters_that_agree(
    dbsession, sample_service, sample_template
):
    send(dbsession, sample_template, None, at(MAY_1, 9), times=2)
    set_counter(dbsession, sample_service, MAY_1, 2)

    result = recount_daily_usage(dbsession, MAY_1)

    assert result.checked >= 1
    assert [
        c for c in result.corrections if c.service_id == sample_service.id
    ] == []


def test_recount_of_one_day_leaves_other_days_alone(
    dbsession, sample_service, sample_template
):
    send(dbsession, sample_template, None, at(MAY_1, 9))
    set_counter(dbsession, sample_service, MAY_2, 3)

    recount_daily_usage(dbsession, MAY_1)

    assert dao_fetch_daily_usage(dbsession, sample_service.id, MAY_1) == 1
    assert dao_fetch_daily_usage(dbsession, sample_service.id, MAY_2) == 3


def test_recount_counts_by_utc_day(dbsession, sample_service, sample_template):
    paris = datetime.timezone(datetime.timedelta(hours=2))
    # 00:30 in Paris on 2 May is 22:30 UTC on 1 May
    send(dbsession, sample_template, None, at(MAY_2, 0, 30, paris))
    send(dbsession, sample_template, None, at(MAY_1, 23, 59))
    send(dbsession, sample_template, None, at(MAY_2, 0, 0))

    recount_daily_usage(dbsession)

    assert dao_fetch_daily_usage(dbsession, sample_service.id, MAY_1) == 2
    assert dao_fetch_daily_usage(dbsession, sample_service.id, MAY_2) == 1


def test_correction_is_not_applied_to_a_counter_that_moved(
    dbsession, sample_service
):
    set_counter(dbsession, sample_service, MAY_1, 6)

    applied = dao_correct_daily_usage(
        dbsession, sample_service.id, MAY_1, old=5, new=3
    )

    assert applied is False
    assert dao_fetch_daily_usage(dbsession, sample_service.id, MAY_1) == 6


def test_correction_is_not_applied_to_a_counter_created_meanwhile(
    dbsession, sample_service
):
    set_counter(dbsession, sample_service, MAY_1, 1)

    applied = dao_correct_daily_usage(
        dbsession, sample_service.id, MAY_1, old=0, new=4
    )

    assert applied is False
    assert dao_fetch_daily_usage(dbsession, sample_service.id, MAY_1) == 1
