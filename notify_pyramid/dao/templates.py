"""Data access for templates and their versions."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Template, TemplateHistory
from ..models.meta import utcnow

_VERSIONED = (
    "service_id",
    "template_type",
    "name",
    "subject",
    "content",
    "archived",
    "created_by",
)


def _history_row(template: Template) -> TemplateHistory:
    return TemplateHistory(
        id=template.id,
        version=template.version,
        created_at=template.updated_at or template.created_at,
        updated_at=template.updated_at,
        **{name: getattr(template, name) for name in _VERSIONED},
    )


def dao_create_template(session: Session, template: Template) -> Template:
    """Add a new template at version 1 and write that version's history."""
    template.version = 1
    template.created_at = template.created_at or utcnow()
    session.add(template)
    session.flush()
    session.add(_history_row(template))
    session.flush()
    return template


def dao_update_template(
    session: Session, template: Template, **changes
) -> Template:
    """Apply ``changes`` as a new version and write it to history.

    Every call makes a new version, even one that changes nothing visible:
    each edit is recorded.
    """
    for name, value in changes.items():
        setattr(template, name, value)
    template.version += 1
    template.updated_at = utcnow()
    session.flush()
    session.add(_history_row(template))
    session.flush()
    return template


def dao_fetch_template(
    session: Session, service_id: uuid.UUID, template_id: uuid.UUID
) -> Template | None:
    """Return the current version of a service's template, or None."""
    stmt = select(Template).where(
        Template.service_id == service_id, Template.id == template_id
    )
    return session.scalars(stmt).first()


def dao_fetch_template_version(
    session: Session,
    service_id: uuid.UUID,
    template_id: uuid.UUID,
    version: int,
) -> TemplateHistory | None:
    """Return one version of a service's template, or None."""
    stmt = select(TemplateHistory).where(
        TemplateHistory.service_id == service_id,
        TemplateHistory.id == template_id,
        TemplateHistory.version == version,
    )
    return session.scalars(stmt).first()


def dao_fetch_templates(
    session: Session,
    service_id: uuid.UUID,
    template_type: str | None = None,
) -> list[Template]:
    """Return a service's unarchived templates, by name."""
    stmt = select(Template).where(
        Template.service_id == service_id, Template.archived.is_(False)
    )
    if template_type is not None:
        stmt = stmt.where(Template.template_type == template_type)
    return list(session.scalars(stmt.order_by(Template.name, Template.id)))


#: the columns sending needs from a template, read without the ORM
SENDING_COLUMNS = (
    Template.id,
    Template.version,
    Template.template_type,
    Template.archived,
    Template.content,
    Template.subject,
)


def dao_fetch_template_for_sending(
    session: Session, service_id: uuid.UUID, template_id: uuid.UUID
):
    """Return the current version of a service's template as a row.

    The row has the columns of :data:`SENDING_COLUMNS`, or is None. A plain
    row is all the send path needs and costs less than an ORM object.
    """
    stmt = select(*SENDING_COLUMNS).where(
        Template.service_id == service_id, Template.id == template_id
    )
    return session.execute(stmt).first()
