import uuid

import pytest

from notify_pyramid.dao.notifications import (
    dao_fetch_history,
    dao_fetch_notification_status,
    dao_update_notification_status_by_id,
)
from tests import factories


@pytest.fixture
def metrics(statsd_recorder):
    return statsd_recorder


def test_update_changes_a_row_in_an_allowed_status(
    dbsession, sample_template, metrics
):
    notification = factories.create_notification(
        dbsession, sample_template, status="sending"
    )

    change = dao_update_notification_status_by_id(
        dbsession,
        notification.id,
        "delivered",
        allowed_from=("sending",),
        sent_by="mmg",
    )

    assert change.status == "delivered"
    assert change.sent_by == "mmg"
    assert change.completed_at == change.updated_at
    assert dao_fetch_notification_status(dbsession, notification.id) == (
        "delivered"
    )
    assert dao_fetch_history(dbsession, notification.id).status == "delivered"
    metrics.assert_incremented("dao.dao_update_notification_status_by_id")
    metrics.assert_timed("dao.dao_update_notification_status_by_id")


def test_update_leaves_a_row_in_another_status_alone(
    dbsession, sample_template
):
    notification = factories.create_notification(
        dbsession, sample_template, status="pending"
    )

    change = dao_update_notification_status_by_id(
        dbsession, notification.id, "pending", allowed_from=("sending",)
    )

    assert change is None
    assert notification.status == "pending"
    assert notification.updated_at is None


def test_update_with_nothing_allowed_changes_nothing(
    dbsession, sample_template
):
    notification = factories.create_notification(dbsession, sample_template)

    change = dao_update_notification_status_by_id(
        dbsession, notification.id, "created", allowed_from=()
    )

    assert change is None
    assert notification.updated_at is None


def test_update_refuses_a_pending_status_of_another_kind(dbsession):
    with pytest.raises(ValueError, match="as final as status"):
        dao_update_notification_status_by_id(
            dbsession,
            uuid.uuid4(),
            "delivered",
            allowed_from=("sending",),
            status_if_pending="pending",
        )


def test_status_of_an_unknown_notification_is_none(dbsession):
    assert dao_fetch_notification_status(dbsession, uuid.uuid4()) is None
