from notify_pyramid.dao.notifications import (
    dao_fetch_history,
    dao_fetch_notification_for_service,
)
from tests import factories


def test_normal_and_team_notifications_get_a_history_row(
    dbsession, sample_service, sample_template
):
    for key_type in ("normal", "team"):
        api_key, _ = factories.create_api_key(
            dbsession, sample_service, key_type
        )
        notification = factories.create_notification(
            dbsession, sample_template, api_key
        )
        history = dao_fetch_history(dbsession, notification.id)
        assert history.status == "created"
        assert history.key_type == key_type
        assert history.template_version == notification.template_version


def test_test_key_notifications_get_no_history_row(
    dbsession, sample_service, sample_template
):
    api_key, _ = factories.create_api_key(dbsession, sample_service, "test")
    notification = factories.create_notification(
        dbsession, sample_template, api_key
    )
    assert dao_fetch_history(dbsession, notification.id) is None


def test_notification_is_only_found_for_its_service(
    dbsession, sample_template
):
    notification = factories.create_notification(dbsession, sample_template)
    other = factories.create_service(dbsession)
    assert (
        dao_fetch_notification_for_service(
            dbsession, sample_template.service_id, notification.id
        )
        is notification
    )
    assert (
        dao_fetch_notification_for_service(
            dbsession, other.id, notification.id
        )
        is None
    )


def test_notification_dao_calls_are_counted_and_timed(
    dbsession, sample_template, statsd_recorder
):
    notification = factories.create_notification(dbsession, sample_template)
    dao_fetch_history(dbsession, notification.id)

    statsd_recorder.assert_incremented("dao.dao_create_notification", 1)
    statsd_recorder.assert_timed("dao.dao_create_notification")
    statsd_recorder.assert_incremented("dao.dao_fetch_history", 1)
