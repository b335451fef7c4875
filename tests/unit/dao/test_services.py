from notify_pyramid.dao.services import (
    dao_fetch_guest_list,
    dao_replace_guest_list,
)


def test_guest_list_is_replaced_and_deduplicated(dbsession, sample_service):
    dao_replace_guest_list(
        dbsession, sample_service.id, [("email", "a@example.com")]
    )
    dao_replace_guest_list(
        dbsession,
        sample_service.id,
        [
            ("email", "b@example.com"),
            ("mobile", "447700900123"),
            ("email", "b@example.com"),
        ],
    )
    entries = dao_fetch_guest_list(dbsession, sample_service.id)
    assert [(e.recipient_type, e.recipient) for e in entries] == [
        ("mobile", "447700900123"),
        ("email", "b@example.com"),
    ]
