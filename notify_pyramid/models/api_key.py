"""API keys: the secrets services sign their tokens with."""

import datetime
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base, new_id, utcnow
from .service import Service

KEY_TYPE_NORMAL = "normal"
KEY_TYPE_TEAM = "team"
KEY_TYPE_TEST = "test"
KEY_TYPES = (KEY_TYPE_NORMAL, KEY_TYPE_TEAM, KEY_TYPE_TEST)


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(
            "key_type IN ('normal', 'team', 'test')", name="key_type"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("services.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    key_type: Mapped[str] = mapped_column(String(10))
    # the secret, encrypted with the server's secret key (see crypto.py)
    secret: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    # set when the key is revoked
    expiry_date: Mapped[datetime.datetime | None]

    service: Mapped[Service] = relationship()

    @property
    def revoked(self) -> bool:
        return self.expiry_date is not None
