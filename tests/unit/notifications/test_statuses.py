import pytest

from notify_pyramid.notifications import statuses
from notify_pyramid.notifications.statuses import (
    CREATED,
    DELIVERED,
    FINAL_STATUSES,
    PENDING,
    PERMANENT_FAILURE,
    SENDING,
    SENT,
    TECHNICAL_FAILURE,
    TEMPORARY_FAILURE,
)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (CREATED, ()),
        (SENDING, (CREATED,)),
        (PENDING, (CREATED, SENDING)),
        (SENT, (CREATED, SENDING, PENDING)),
        (DELIVERED, (CREATED, SENDING, PENDING)),
        (PERMANENT_FAILURE, (CREATED, SENDING, PENDING)),
        (TEMPORARY_FAILURE, (CREATED, SENDING, PENDING)),
        (TECHNICAL_FAILURE, (CREATED, SENDING, PENDING)),
    ],
)
def test_allowed_from_lists_the_earlier_statuses(status, expected):
    assert statuses.allowed_from(status) == expected


def test_allowed_from_refuses_an_unknown_status():
    with pytest.raises(ValueError, match="unknown notification status"):
        statuses.allowed_from("lost")


@pytest.mark.parametrize(
    ("current", "new", "expected"),
    [
        (CREATED, SENDING, True),
        (CREATED, PENDING, True),
        (CREATED, DELIVERED, True),
        (SENDING, PENDING, True),
        (SENDING, DELIVERED, True),
        (PENDING, DELIVERED, True),
        (PENDING, TEMPORARY_FAILURE, True),
        (SENDING, SENDING, False),
        (PENDING, PENDING, False),
        (PENDING, SENDING, False),
        (DELIVERED, DELIVERED, False),
        (SENDING, CREATED, False),
        (PENDING, CREATED, False),
    ],
)
def test_can_change_only_forward(current, new, expected):
    assert statuses.can_change(current, new) is expected


@pytest.mark.parametrize("final", FINAL_STATUSES)
@pytest.mark.parametrize("new", [CREATED, SENDING, PENDING, *FINAL_STATUSES])
def test_a_final_status_is_never_changed(final, new):
    assert statuses.can_change(final, new) is False


@pytest.mark.parametrize(
    ("status", "final"),
    [
        (CREATED, False),
        (SENDING, False),
        (PENDING, False),
        (SENT, True),
        (DELIVERED, True),
        (PERMANENT_FAILURE, True),
        (TEMPORARY_FAILURE, True),
        (TECHNICAL_FAILURE, True),
    ],
)
def test_is_final(status, final):
    assert statuses.is_final(status) is final


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (PERMANENT_FAILURE, TEMPORARY_FAILURE),
        (TEMPORARY_FAILURE, TEMPORARY_FAILURE),
        (TECHNICAL_FAILURE, TECHNICAL_FAILURE),
        (DELIVERED, DELIVERED),
    ],
)
def test_a_permanent_failure_after_pending_is_temporary(status, expected):
    assert statuses.status_when_pending(status) == expected
