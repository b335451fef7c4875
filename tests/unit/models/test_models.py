import datetime
import uuid

import pytest
from pyramid import testing
from sqlalchemy.exc import IntegrityError

from notify_pyramid.models import (
    Notification,
    NotificationHistory,
    Service,
    _needs_transaction,
)
from tests import factories


def test_history_holds_no_personal_data():
    columns = set(NotificationHistory.__table__.columns.keys())
    assert not columns & {"to", "normalised_to", "personalisation", "body"}
    assert {"to", "personalisation"} <= set(
        Notification.__table__.columns.keys()
    )


def test_timestamps_come_back_timezone_aware_utc(dbsession, sample_service):
    dbsession.expire_all()
    service = dbsession.get(Service, sample_service.id)
    assert service.created_at.tzinfo is not None
    assert service.created_at.utcoffset() == datetime.timedelta(0)


def test_timestamps_in_another_zone_are_stored_as_utc(
    dbsession, sample_template
):
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    local = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=plus_two)
    notification = factories.create_notification(
        dbsession, sample_template, created_at=local
    )
    dbsession.expire_all()
    stored = dbsession.get(Notification, notification.id).created_at
    assert stored == local
    assert stored.hour == 10


def test_naive_timestamps_are_refused(dbsession, sample_template):
    with pytest.raises(Exception, match="naive datetime"):
        factories.create_notification(
            dbsession,
            sample_template,
            created_at=datetime.datetime(2026, 1, 1),
        )


def test_primary_keys_are_uuids(sample_service):
    assert isinstance(sample_service.id, uuid.UUID)


def test_unknown_status_is_refused(dbsession, sample_template):
    savepoint = dbsession.begin_nested()
    with pytest.raises(IntegrityError):
        factories.create_notification(
            dbsession, sample_template, status="lost"
        )
    savepoint.rollback()


def test_service_names_are_unique(dbsession, sample_service):
    savepoint = dbsession.begin_nested()
    with pytest.raises(IntegrityError):
        factories.create_service(dbsession, name=sample_service.name)
    savepoint.rollback()


@pytest.mark.parametrize(
    ("method", "path", "needed"),
    [
        ("POST", "/notifications/sms/mmg", False),
        ("POST", "/notifications/sms/firetext", False),
        ("POST", "/notifications/sms", True),
        ("POST", "/v2/notifications/sms", True),
        ("POST", "/notifications/sms/mmg/", True),
        ("POST", "/service", True),
        ("PUT", "/v2/notifications/sms", True),
        ("GET", "/v2/notifications", False),
        ("HEAD", "/v2/notifications", False),
        ("GET", "/service/x", False),
    ],
)
def test_reads_and_receipts_go_without_a_request_transaction(
    method, path, needed
):
    request = testing.DummyRequest(path=path)
    request.method = method
    assert request.path_info == path

    assert _needs_transaction(request) is needed
