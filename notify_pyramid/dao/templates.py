"""Data access for templates and their versions."""

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..models import Template, TemplateHistory
from ..models.cache import template_key
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


# built once, on the table rather than the mapped class: constructing a
# statement costs more than running a compiled one from the cache, and a
# Core statement skips the ORM's execution steps
_TEMPLATES = Template.__table__.c
_FETCH_FOR_SENDING = select(
    _TEMPLATES.id,
    _TEMPLATES.version,
    _TEMPLATES.template_type,
    _TEMPLATES.archived,
    _TEMPLATES.content,
    _TEMPLATES.subject,
).where(
    _TEMPLATES.service_id == bindparam("service_id"),
    _TEMPLATES.id == bindparam("template_id"),
)


def dao_fetch_template_for_sending(
    session: Session, service_id: uuid.UUID, template_id: uuid.UUID
):
    """Return the current version of a service's template as a row.

    The row has ``id, version, template_type, archived, content, subject``,
    or is None. A plain row is all the send path needs and costs less than
    an ORM object. It comes from the session's read cache when it has one
    (see :mod:`notify_pyramid.models.cache`).
    """
    params = {"service_id": service_id, "template_id": template_id}

    def load():
        return session.connection().execute(_FETCH_FOR_SENDING, params).first()

    cache = session.info.get("read_cache")
    if cache is None:
        return load()
    return cache.get(template_key(service_id, template_id), load)
