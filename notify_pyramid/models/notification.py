"""Notifications, and the history that outlives them.

``notifications`` holds personal data (the recipient and the
personalisation) and is purged after the retention period.
``notification_history`` holds the same facts without any personal data,
for normal and team keys only, and is kept: statistics and usage come from
it.
"""

import datetime
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base, new_id, utcnow
from .template import template_version_fk

NOTIFICATION_TYPES = ("sms", "email")

CREATED = "created"
SENDING = "sending"
PENDING = "pending"
SENT = "sent"
DELIVERED = "delivered"
PERMANENT_FAILURE = "permanent-failure"
TEMPORARY_FAILURE = "temporary-failure"
TECHNICAL_FAILURE = "technical-failure"

FAILURE_STATUSES = (
    PERMANENT_FAILURE,
    TEMPORARY_FAILURE,
    TECHNICAL_FAILURE,
)
FINAL_STATUSES = (SENT, DELIVERED, *FAILURE_STATUSES)
STATUSES = (CREATED, SENDING, PENDING, *FINAL_STATUSES)

_STATUS_CHECK = "status IN ({})".format(
    ", ".join(f"'{status}'" for status in STATUSES)
)
_TYPE_CHECK = "notification_type IN ('sms', 'email')"
_KEY_TYPE_CHECK = "key_type IN ('normal', 'team', 'test')"


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_STATUS_CHECK, name="status"),
        CheckConstraint(_TYPE_CHECK, name="notification_type"),
        CheckConstraint(_KEY_TYPE_CHECK, name="key_type"),
        template_version_fk(),
        # GET /v2/notifications: one service and key type, newest first
        Index(
            "ix_notifications_service_key_type_created",
            "service_id",
            "key_type",
            "created_at",
        ),
        # the 72-hour timeout sweep
        Index("ix_notifications_status_sent_at", "status", "sent_at"),
        # the retention purge
        Index("ix_notifications_created_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("services.id"))
    template_id: Mapped[uuid.UUID]
    template_version: Mapped[int]
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_keys.id")
    )
    key_type: Mapped[str] = mapped_column(String(10))
    notification_type: Mapped[str] = mapped_column(String(10))
    to: Mapped[str] = mapped_column(String(255))
    normalised_to: Mapped[str | None] = mapped_column(String(255))
    # the personalisation, JSON encrypted with the server's secret key
    personalisation: Mapped[str | None] = mapped_column(Text)
    client_reference: Mapped[str | None] = mapped_column(String(1000))
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    international: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=CREATED)
    billable_units: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    # an email's one-click unsubscribe link, given by the sender
    one_click_unsubscribe_url: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime.datetime | None]
    sent_by: Mapped[str | None] = mapped_column(String(50))
    updated_at: Mapped[datetime.datetime | None]
    completed_at: Mapped[datetime.datetime | None]


class NotificationHistory(Base):
    """A notification's facts without recipient, personalisation or body."""

    __tablename__ = "notification_history"
    __table_args__ = (
        CheckConstraint(_STATUS_CHECK, name="status"),
        CheckConstraint(_TYPE_CHECK, name="notification_type"),
        CheckConstraint(_KEY_TYPE_CHECK, name="key_type"),
        template_version_fk(),
        # statistics and usage: one service over a window of days
        Index(
            "ix_notification_history_service_created",
            "service_id",
            "created_at",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("services.id"))
    template_id: Mapped[uuid.UUID]
    template_version: Mapped[int]
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_keys.id")
    )
    key_type: Mapped[str] = mapped_column(String(10))
    notification_type: Mapped[str] = mapped_column(String(10))
    client_reference: Mapped[str | None] = mapped_column(String(1000))
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    international: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=CREATED)
    billable_units: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime.datetime]
    sent_at: Mapped[datetime.datetime | None]
    sent_by: Mapped[str | None] = mapped_column(String(50))
    updated_at: Mapped[datetime.datetime | None]
    completed_at: Mapped[datetime.datetime | None]
