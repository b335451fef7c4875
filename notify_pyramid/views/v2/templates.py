"""v2 templates: read a service's templates and preview them filled in."""

from pyramid.view import view_config

from ...dao.templates import (
    dao_fetch_template,
    dao_fetch_template_version,
    dao_fetch_templates,
)
from ...errors import NoResultFound, ValidationError
from ...notifications.templates import (
    check_personalisation,
    parsed_template,
    render,
)
from ...schemas import Schema, parse_json_body
from ...security import SERVICE
from . import timestamp, validate_uuid

MAX_VERSION = 2**31 - 1

LIST_SCHEMA = Schema(
    {
        "type": "object",
        "properties": {"type": {"enum": ["sms", "email"]}},
        "additionalProperties": False,
    }
)
PREVIEW_SCHEMA = Schema(
    {
        "type": "object",
        "properties": {"personalisation": {"type": "object"}},
    }
)


def _parsed(template):
    return parsed_template(
        template.id,
        template.version,
        template.template_type,
        template.content,
        template.subject,
    )


def template_body(template) -> dict:
    """Return the v2 form of a template or one of its versions."""
    return {
        "id": str(template.id),
        "type": template.template_type,
        "created_at": timestamp(template.created_at),
        "updated_at": timestamp(template.updated_at),
        "created_by": template.created_by,
        "version": template.version,
        "body": template.content,
        "subject": template.subject
        if template.template_type == "email"
        else None,
        "name": template.name,
        "personalisation": {
            name: {"required": True}
            for name in _parsed(template).placeholder_names
        },
    }


def _fetch(request):
    template_id = validate_uuid(request.matchdict["id"])
    template = dao_fetch_template(
        request.dbsession, request.identity.service.id, template_id
    )
    if template is None:
        raise NoResultFound()
    return template


@view_config(
    route_name="v2.template.get",
    request_method="GET",
    renderer="json",
    permission=SERVICE,
)
def get_template_by_id(request):
    return template_body(_fetch(request))


@view_config(
    route_name="v2.template.version",
    request_method="GET",
    renderer="json",
    permission=SERVICE,
)
def get_template_version(request):
    template_id = validate_uuid(request.matchdict["id"])
    raw_version = request.matchdict["version"]
    if not (raw_version.isascii() and raw_version.isdigit()):
        raise ValidationError(
            [f"version {raw_version} is not of type integer"]
        )
    number = int(raw_version)
    # beyond the column's range no version can exist, nor be asked for
    version = None
    if number <= MAX_VERSION:
        version = dao_fetch_template_version(
            request.dbsession, request.identity.service.id, template_id, number
        )
    if version is None:
        raise NoResultFound()
    return template_body(version)


@view_config(
    route_name="v2.templates.list",
    request_method="GET",
    renderer="json",
    permission=SERVICE,
)
def get_templates(request):
    query = LIST_SCHEMA.validate(
        {key: request.GET.getall(key)[-1] for key in request.GET}
    )
    templates = dao_fetch_templates(
        request.dbsession, request.identity.service.id, query.get("type")
    )
    return {"templates": [template_body(t) for t in templates]}


@view_config(
    route_name="v2.template.preview",
    request_method="POST",
    renderer="json",
    permission=SERVICE,
)
def post_template_preview(request):
    data = PREVIEW_SCHEMA.validate(parse_json_body(request))
    template = _fetch(request)

    parsed = _parsed(template)
    personalisation = data.get("personalisation")
    check_personalisation(parsed, personalisation)
    rendered = render(parsed, personalisation)
    return {
        "id": str(template.id),
        "type": template.template_type,
        "version": template.version,
        "body": rendered.body,
        "subject": rendered.subject,
    }
