"""Templates and every version they have had."""

import datetime
import uuid

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base, new_id, utcnow

TEMPLATE_TYPES = ("sms", "email")
_TYPE_CHECK = "template_type IN ('sms', 'email')"


class Template(Base):
    """The current version of a template."""

    __tablename__ = "templates"
    __table_args__ = (
        CheckConstraint(_TYPE_CHECK, name="template_type"),
        Index("ix_templates_service_id_type", "service_id", "template_type"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("services.id"))
    version: Mapped[int] = mapped_column(default=1)
    template_type: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime.datetime | None]


class TemplateHistory(Base):
    """One row per version of a template, never changed once written."""

    __tablename__ = "templates_history"
    __table_args__ = (CheckConstraint(_TYPE_CHECK, name="template_type"),)

    id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("templates.id"), primary_key=True
    )
    version: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("services.id"))
    template_type: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime.datetime | None]


def template_version_fk() -> ForeignKeyConstraint:
    """A foreign key from (template_id, template_version) to history."""
    return ForeignKeyConstraint(
        ["template_id", "template_version"],
        ["templates_history.id", "templates_history.version"],
        name=None,
    )
