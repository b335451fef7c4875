"""Admin views that create, read and edit a service's templates.

Every edit makes a new version, kept in ``templates_history``; the
template's answer carries the current version.
"""

import logging

from pyramid.view import view_config

from ...dao.templates import (
    dao_create_template,
    dao_fetch_template,
    dao_update_template,
)
from ...errors import NoResultFound, ValidationError
from ...models import Template
from ...models.template import TEMPLATE_TYPES
from ...schemas import Schema
from ...security import ADMIN
from . import (
    admin_client_id,
    fetch_service,
    path_uuid,
    timestamp,
    validated_body,
)

logger = logging.getLogger(__name__)

EMAIL_TYPE = "email"
SUBJECT_REQUIRED = "subject is required for an email template"
SUBJECT_REFUSED = "subject is not allowed for an sms template"

_TEXT = {"type": "string", "minLength": 1}
TEMPLATE_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 255},
    "content": _TEXT,
    "subject": _TEXT,
}

CREATE_TEMPLATE = Schema(
    {
        "type": "object",
        "properties": {
            **TEMPLATE_FIELDS,
            "template_type": {"enum": list(TEMPLATE_TYPES)},
        },
        "required": ["name", "template_type", "content"],
        "additionalProperties": False,
    }
)
UPDATE_TEMPLATE = Schema(
    {
        "type": "object",
        "properties": {**TEMPLATE_FIELDS, "archived": {"type": "boolean"}},
        "minProperties": 1,
        "additionalProperties": False,
    }
)


def template_json(template: Template) -> dict:
    """Return the admin API's view of a template's current version."""
    return {
        "id": str(template.id),
        "type": template.template_type,
        "created_at": timestamp(template.created_at),
        "updated_at": timestamp(template.updated_at),
        "created_by": template.created_by,
        "version": template.version,
        "body": template.content,
        "subject": template.subject,
        "name": template.name,
        "archived": template.archived,
    }


def _check_subject(template_type: str, data: dict) -> None:
    if template_type == EMAIL_TYPE or "subject" not in data:
        return
    raise ValidationError(
        [SUBJECT_REFUSED], fields={"subject": [SUBJECT_REFUSED]}
    )


def _fetch_template(request, service) -> Template:
    template = dao_fetch_template(
        request.dbsession, service.id, path_uuid(request, "template_id")
    )
    if template is None:
        raise NoResultFound()
    return template


@view_config(
    route_name="admin.templates.create",
    renderer="json",
    permission=ADMIN,
)
def create_template(request):
    service = fetch_service(request)
    data = validated_body(request, CREATE_TEMPLATE)
    template_type = data["template_type"]
    _check_subject(template_type, data)
    if template_type == EMAIL_TYPE and "subject" not in data:
        raise ValidationError(
            [SUBJECT_REQUIRED], fields={"subject": [SUBJECT_REQUIRED]}
        )

    template = dao_create_template(
        request.dbsession,
        Template(
            service_id=service.id,
            template_type=template_type,
            name=data["name"],
            content=data["content"],
            subject=data.get("subject"),
            created_by=admin_client_id(request),
        ),
    )

    logger.info(
        "Template created",
        extra={
            "admin_client_id": admin_client_id(request),
            "service_id": str(service.id),
            "template_id": str(template.id),
            "template_type": template_type,
        },
    )
    request.response.status_code = 201
    return {"data": template_json(template)}


@view_config(
    route_name="admin.templates.get",
    renderer="json",
    permission=ADMIN,
)
def get_template(request):
    service = fetch_service(request)
    return {"data": template_json(_fetch_template(request, service))}


@view_config(
    route_name="admin.templates.update",
    renderer="json",
    permission=ADMIN,
)
def update_template(request):
    service = fetch_service(request)
    template = _fetch_template(request, service)
    data = validated_body(request, UPDATE_TEMPLATE)
    _check_subject(template.template_type, data)

    dao_update_template(request.dbsession, template, **data)

    logger.info(
        "Template updated",
        extra={
            "admin_client_id": admin_client_id(request),
            "service_id": str(service.id),
            "template_id": str(template.id),
            "version": template.version,
            "fields": sorted(data),
        },
    )
    return {"data": template_json(template)}
