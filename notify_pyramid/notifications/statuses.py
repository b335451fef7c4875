"""The lifecycle of a notification's status, in one place.

A notification moves forward only::

    created -> sending -> pending -> one final status

``sending`` is set by the hand-off to a provider, ``pending`` by a
provider's interim receipt, and a final status (``sent``, ``delivered`` or
a failure) by a receipt or by the timeout sweep. Receipts come at least
once and in any order, so a receipt may arrive while the notification is
still ``created``: it applies, and the hand-off that comes later must not
move the notification back to ``sending``. A final status is never
overwritten, and a status never moves to itself.

Writers express a change as a compare-and-set: the new status, and the
statuses :func:`allowed_from` returns, in one conditional UPDATE.
"""

from ..models.notification import (
    CREATED,
    DELIVERED,
    FAILURE_STATUSES,
    FINAL_STATUSES,
    PENDING,
    PERMANENT_FAILURE,
    SENDING,
    SENT,
    STATUSES,
    TECHNICAL_FAILURE,
    TEMPORARY_FAILURE,
)

__all__ = [
    "CREATED",
    "DELIVERED",
    "FAILURE_STATUSES",
    "FINAL_STATUSES",
    "PENDING",
    "PERMANENT_FAILURE",
    "SENDING",
    "SENT",
    "STATUSES",
    "TECHNICAL_FAILURE",
    "TEMPORARY_FAILURE",
    "allowed_from",
    "can_change",
    "is_final",
    "status_when_pending",
]

# where each status sits in the lifecycle; final statuses share a rank
_RANK = {CREATED: 0, SENDING: 1, PENDING: 2}
_FINAL_RANK = 3


def _rank(status: str) -> int:
    if status in FINAL_STATUSES:
        return _FINAL_RANK
    try:
        return _RANK[status]
    except KeyError:
        raise ValueError(f"unknown notification status: {status!r}") from None


def is_final(status: str) -> bool:
    """Return True when ``status`` ends the lifecycle."""
    return status in FINAL_STATUSES


def allowed_from(status: str) -> tuple[str, ...]:
    """Return the statuses a notification may move to ``status`` from.

    These are the statuses strictly earlier in the lifecycle: empty for
    ``created``, ``created`` for ``sending``, and so on. Raises
    :class:`ValueError` for a status that is not in the lifecycle.
    """
    rank = _rank(status)
    return tuple(
        current
        for current in (CREATED, SENDING, PENDING)
        if _RANK[current] < rank
    )


def can_change(current: str, new: str) -> bool:
    """Return True when a notification at ``current`` may move to ``new``.

    False for a final ``current``, for ``new`` equal to ``current`` (a
    duplicate), and for any step backwards.
    """
    return current in allowed_from(new)


def status_when_pending(status: str) -> str:
    """Return what ``status`` means for a notification already ``pending``.

    A permanent failure reported after the provider said it was still
    trying is a failure to reach the phone in time, not a bad number: it
    is recorded as a temporary failure. Other statuses mean themselves.
    """
    if status == PERMANENT_FAILURE:
        return TEMPORARY_FAILURE
    return status
