"""Services, their guest lists, and their daily usage counters."""

import dataclasses
import datetime
import uuid

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base, new_id, utcnow

SMS_TYPE = "sms"
EMAIL_TYPE = "email"
INTERNATIONAL_SMS_TYPE = "international_sms"
SERVICE_PERMISSIONS = (SMS_TYPE, EMAIL_TYPE, INTERNATIONAL_SMS_TYPE)

#: daily message limit of a live service and of one in trial mode
LIVE_MESSAGE_LIMIT = 250_000
TRIAL_MESSAGE_LIMIT = 50
DEFAULT_RATE_LIMIT = 3000

GUEST_LIST_EMAIL = "email"
GUEST_LIST_MOBILE = "mobile"


class Service(Base):
    __tablename__ = "services"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    restricted: Mapped[bool] = mapped_column(default=True)
    message_limit: Mapped[int] = mapped_column(default=TRIAL_MESSAGE_LIMIT)
    rate_limit: Mapped[int] = mapped_column(default=DEFAULT_RATE_LIMIT)
    permissions: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: [SMS_TYPE, EMAIL_TYPE]
    )
    sms_sender: Mapped[str] = mapped_column(String(11), default="NOTIFY")
    email_from: Mapped[str] = mapped_column(String(255), default="notify")
    created_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        onupdate=utcnow
    )

    guest_list: Mapped[list["ServiceGuestList"]] = relationship(
        back_populates="service",
        cascade="all, delete-orphan",
        order_by="ServiceGuestList.recipient",
    )

    def has_permission(self, permission: str) -> bool:
        return permission in (self.permissions or ())


@dataclasses.dataclass(frozen=True)
class ServiceSnapshot:
    """A service's settings as read once for a request, without the ORM.

    What the sending path needs to know about the caller's service; cheap
    to build on every authenticated request.
    """

    id: uuid.UUID
    name: str
    active: bool
    restricted: bool
    message_limit: int
    rate_limit: int
    permissions: tuple[str, ...]
    sms_sender: str
    email_from: str

    def has_permission(self, permission: str) -> bool:
        return permission in self.permissions


class ServiceGuestList(Base):
    """A recipient that a trial service or a team key may send to.

    Team members are on this list too: the project has no user accounts,
    so "the team" is whoever the service's administrators put here.
    """

    __tablename__ = "service_guest_list"
    __table_args__ = (
        UniqueConstraint("service_id", "recipient_type", "recipient"),
        CheckConstraint(
            f"recipient_type IN ('{GUEST_LIST_EMAIL}', '{GUEST_LIST_MOBILE}')",
            name="recipient_type",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE")
    )
    recipient_type: Mapped[str] = mapped_column(String(10))
    # stored normalised: lower-case email, phone number in 447... form
    recipient: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)

    service: Mapped[Service] = relationship(back_populates="guest_list")


class ServiceDailyUsage(Base):
    """How many counted messages a service has sent on one UTC day.

    Reserved atomically in the transaction that inserts each notification,
    so checking the daily limit costs the same whatever the history holds.
    """

    __tablename__ = "service_daily_usage"

    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[datetime.date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
