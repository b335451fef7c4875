import contextlib
import datetime
import threading
import time

import pytest
import transaction

from notify_pyramid.dao.usage import dao_fetch_daily_usage
from notify_pyramid.errors import TooManyRequestsError
from notify_pyramid.models import Service, get_tm_session
from notify_pyramid.notifications import limits
from notify_pyramid.notifications.limits import (
    check_daily_limit,
    reserve_daily_allowance,
)
from tests import factories


def usage_today(dbsession, service):
    return dao_fetch_daily_usage(dbsession, service.id, limits.today())


@contextlib.contextmanager
def request_transaction(session_factory):
    """A session in a transaction of its own, as a request would have."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield get_tm_session(session_factory, manager)


def commit_service(session_factory, **values):
    with request_transaction(session_factory) as session:
        return factories.create_service(session, **values).id


def committed_usage(session_factory, service_id):
    with request_transaction(session_factory) as session:
        return dao_fetch_daily_usage(session, service_id, limits.today())


@pytest.mark.parametrize("key_type", ["normal", "team"])
def test_exactly_the_limit_is_reserved_then_refused(dbsession, key_type):
    service = factories.create_service(dbsession, message_limit=3)
    for _ in range(3):
        reserve_daily_allowance(dbsession, service, key_type)

    with pytest.raises(TooManyRequestsError) as refused:
        reserve_daily_allowance(dbsession, service, key_type)

    assert refused.value.status_code == 429
    assert refused.value.message == "Exceeded send limits (3) for today"
    assert usage_today(dbsession, service) == 3


def test_normal_and_team_keys_share_the_allowance(dbsession):
    service = factories.create_service(dbsession, message_limit=2)
    reserve_daily_allowance(dbsession, service, "normal")
    reserve_daily_allowance(dbsession, service, "team")

    with pytest.raises(TooManyRequestsError):
        reserve_daily_allowance(dbsession, service, "normal")


def test_test_keys_are_not_counted(dbsession):
    service = factories.create_service(dbsession, message_limit=1)
    reserve_daily_allowance(dbsession, service, "normal")

    for _ in range(3):
        reserve_daily_allowance(dbsession, service, "test")
    check_daily_limit(dbsession, service, "test")

    assert usage_today(dbsession, service) == 1


def test_a_limit_of_zero_refuses_the_first_send(dbsession):
    service = factories.create_service(dbsession, message_limit=0)

    with pytest.raises(TooManyRequestsError, match=r"\(0\)"):
        reserve_daily_allowance(dbsession, service, "normal")
    assert usage_today(dbsession, service) == 0


def test_check_refuses_at_the_limit_without_counting(dbsession):
    service = factories.create_service(dbsession, message_limit=2)
    check_daily_limit(dbsession, service, "normal")
    reserve_daily_allowance(dbsession, service, "normal")
    check_daily_limit(dbsession, service, "normal")
    reserve_daily_allowance(dbsession, service, "normal")

    with pytest.raises(TooManyRequestsError, match=r"send limits \(2\)"):
        check_daily_limit(dbsession, service, "team")
    assert usage_today(dbsession, service) == 2


def test_each_utc_day_has_its_own_allowance(dbsession, monkeypatch):
    service = factories.create_service(dbsession, message_limit=1)
    monkeypatch.setattr(limits, "today", lambda: datetime.date(2024, 5, 1))
    reserve_daily_allowance(dbsession, service, "normal")

    monkeypatch.setattr(limits, "today", lambda: datetime.date(2024, 5, 2))
    reserve_daily_allowance(dbsession, service, "normal")

    with pytest.raises(TooManyRequestsError):
        reserve_daily_allowance(dbsession, service, "normal")


def test_reservation_is_counted_and_timed(dbsession, statsd_recorder):
    service = factories.create_service(dbsession)

    reserve_daily_allowance(dbsession, service, "normal")

    statsd_recorder.assert_incremented("dao.dao_reserve_daily_usage", 1)
    statsd_recorder.assert_timed("dao.dao_reserve_daily_usage")


def test_rolled_back_reservation_leaves_the_allowance(committed):
    service_id = commit_service(committed, message_limit=2)
    with request_transaction(committed) as session:
        service = session.get(Service, service_id)
        reserve_daily_allowance(session, service, "normal")

    with pytest.raises(RuntimeError):
        with request_transaction(committed) as session:
            service = session.get(Service, service_id)
            reserve_daily_allowance(session, service, "normal")
            raise RuntimeError("the notification could not be inserted")

    assert committed_usage(committed, service_id) == 1


def test_refused_reservation_leaves_the_allowance(committed):
    service_id = commit_service(committed, message_limit=1)
    with request_transaction(committed) as session:
        service = session.get(Service, service_id)
        reserve_daily_allowance(session, service, "normal")

    with pytest.raises(TooManyRequestsError):
        with request_transaction(committed) as session:
            service = session.get(Service, service_id)
            reserve_daily_allowance(session, service, "normal")

    assert committed_usage(committed, service_id) == 1


def test_concurrent_reservations_never_pass_the_limit(postgres, committed):
    service_id = commit_service(committed, message_limit=50)
    outcomes = []
    start = threading.Barrier(16)

    def send(attempts):
        start.wait()
        for _ in range(attempts):
            try:
                with request_transaction(committed) as session:
                    service = session.get(Service, service_id)
                    reserve_daily_allowance(session, service, "normal")
                    # hold the transaction open as the insert would
                    time.sleep(0.001)
                outcomes.append("accepted")
            except TooManyRequestsError:
                outcomes.append("refused")

    # 200 attempts from 16 threads: eight threads make 13, eight make 12
    threads = [
        threading.Thread(target=send, args=(13 if n < 8 else 12,))
        for n in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == 200
    assert outcomes.count("accepted") == 50
    assert outcomes.count("refused") == 150
    assert committed_usage(committed, service_id) == 50
