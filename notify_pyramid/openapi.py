"""The OpenAPI 3.1 document of the public API, built from the views.

Request schemas are the very JSON schemas the views validate with, so the
document cannot say one thing while the API checks another. Response
schemas describe the bodies the views build. Admin routes are left out on
purpose: they serve the operators' own tools, not API clients.
"""

import copy

from .models.notification import STATUSES
from .models.service import EMAIL_TYPE, SMS_TYPE
from .views import notifications as v1
from .views.v2 import notifications as v2_notifications
from .views.v2 import templates as v2_templates

TITLE = "notify-pyramid"
VERSION = "2"
DESCRIPTION = (
    "Send text messages and emails, read them back, read templates, and "
    "take delivery receipts from SMS providers. Service routes need an "
    "`Authorization: Bearer <jwt>` header: an HS256 token whose `iss` is "
    "the service id and whose `iat` is within 30 seconds of the server's "
    "clock, signed with the secret of one of the service's API keys. "
    "Routes under /v2/ answer errors in the v2 envelope, the others in "
    "the legacy envelope. The admin API (/service...) is not described "
    "here by design: it is for the operators' own tools."
)

#: custom formats the views check, as standard JSON Schema says them
_FORMATS = {
    "https-uri": {
        "format": "uri",
        "pattern": "^https://[^\\x00-\\x1f\\x7f]+$",
    },
}

SERVICE_SECURITY = [{"bearerAuth": []}]
NO_SECURITY: list = []

_NULLABLE_STRING = {"type": ["string", "null"]}
_TIMESTAMP = {
    "type": "string",
    "description": "UTC, %Y-%m-%dT%H:%M:%S.%fZ",
    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$",
}
_NULLABLE_TIMESTAMP = {**_TIMESTAMP, "type": ["string", "null"]}
_UUID = {"type": "string", "format": "uuid"}


def _obj(properties: dict, required=None, **extra) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        **extra,
    }


def json_schema(schema: dict) -> dict:
    """Return a view's JSON schema in the words of OpenAPI 3.1.

    Draft 7 keywords are valid JSON Schema 2020-12 as they are; only the
    custom formats are spelled out.
    """
    result = copy.deepcopy(schema)
    result.pop("$schema", None)
    _spell_formats(result)
    return result


def _spell_formats(node) -> None:
    if isinstance(node, dict):
        custom = _FORMATS.get(node.get("format"))
        if custom is not None:
            node.update(custom)
        for value in node.values():
            _spell_formats(value)
    elif isinstance(node, list):
        for value in node:
            _spell_formats(value)


def _components() -> dict:
    template_ref = {
        "type": "object",
        "properties": {
            "id": _UUID,
            "version": {"type": "integer"},
            "uri": {"type": "string", "format": "uri"},
        },
        "required": ["id", "version", "uri"],
    }
    sms_content = _obj(
        {"body": {"type": "string"}, "from_number": _NULLABLE_STRING}
    )
    email_content = _obj(
        {
            "body": {"type": "string"},
            "subject": {"type": "string"},
            "from_email": _NULLABLE_STRING,
        }
    )

    def sent(content: dict) -> dict:
        return _obj(
            {
                "id": _UUID,
                "reference": _NULLABLE_STRING,
                "content": content,
                "uri": {"type": "string", "format": "uri"},
                "template": {"$ref": "#/components/schemas/TemplateRef"},
                "scheduled_for": {"type": "null"},
            }
        )

    notification = _obj(
        {
            "id": _UUID,
            "reference": _NULLABLE_STRING,
            "email_address": _NULLABLE_STRING,
            "phone_number": _NULLABLE_STRING,
            **{f"line_{n}": {"type": "null"} for n in range(1, 7)},
            "postcode": {"type": "null"},
            "type": {"enum": [SMS_TYPE, EMAIL_TYPE]},
            "status": {"enum": list(STATUSES)},
            "template": {"$ref": "#/components/schemas/TemplateRef"},
            "body": {"type": "string"},
            "subject": _NULLABLE_STRING,
            "created_at": _TIMESTAMP,
            "created_by_name": {"type": "null"},
            "sent_at": _NULLABLE_TIMESTAMP,
            "completed_at": _NULLABLE_TIMESTAMP,
            "scheduled_for": {"type": "null"},
            "postage": {"type": "null"},
            "one_click_unsubscribe_url": _NULLABLE_STRING,
        }
    )
    notification_list = _obj(
        {
            "notifications": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Notification"},
            },
            "links": _obj(
                {
                    "current": {"type": "string", "format": "uri"},
                    "next": {"type": "string", "format": "uri"},
                },
                required=["current"],
            ),
        }
    )
    template = _obj(
        {
            "id": _UUID,
            "type": {"enum": [SMS_TYPE, EMAIL_TYPE]},
            "created_at": _TIMESTAMP,
            "updated_at": _NULLABLE_TIMESTAMP,
            "created_by": _NULLABLE_STRING,
            "version": {"type": "integer"},
            "body": {"type": "string"},
            "subject": _NULLABLE_STRING,
            "name": {"type": "string"},
            "personalisation": {
                "type": "object",
                "additionalProperties": _obj(
                    {"required": {"type": "boolean"}}
                ),
            },
        }
    )
    template_list = _obj(
        {
            "templates": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Template"},
            }
        }
    )
    preview = _obj(
        {
            "id": _UUID,
            "type": {"enum": [SMS_TYPE, EMAIL_TYPE]},
            "version": {"type": "integer"},
            "body": {"type": "string"},
            "subject": _NULLABLE_STRING,
        }
    )
    v1_sent = _obj(
        {
            "data": _obj(
                {
                    "notification": _obj({"id": _UUID}),
                    "body": {"type": "string"},
                    "template_version": {"type": "integer"},
                    "subject": _NULLABLE_STRING,
                },
                required=["notification", "body", "template_version"],
            )
        }
    )
    v1_notification = _obj(
        {
            "data": _obj(
                {
                    "notification": _obj(
                        {
                            "id": _UUID,
                            "to": {"type": "string"},
                            "notification_type": {
                                "enum": [SMS_TYPE, EMAIL_TYPE]
                            },
                            "status": {"enum": list(STATUSES)},
                            "template": _obj(
                                {"id": _UUID, "version": {"type": "integer"}}
                            ),
                            "body": {"type": "string"},
                            "subject": _NULLABLE_STRING,
                            "reference": _NULLABLE_STRING,
                            "billable_units": {"type": "integer"},
                            "key_type": {"enum": ["normal", "team", "test"]},
                            "created_at": _TIMESTAMP,
                            "sent_at": _NULLABLE_TIMESTAMP,
                            "sent_by": _NULLABLE_STRING,
                            "completed_at": _NULLABLE_TIMESTAMP,
                        }
                    )
                }
            )
        }
    )
    v2_error = _obj(
        {
            "status_code": {"type": "integer"},
            "errors": {
                "type": "array",
                "minItems": 1,
                "items": _obj(
                    {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                    }
                ),
            },
        }
    )
    legacy_error = _obj(
        {
            "result": {"const": "error"},
            "message": {
                "oneOf": [
                    {"type": "string"},
                    {
                        "type": "object",
                        "additionalProperties": {
                            "type": "array",
                            "items": {"type": "string"},
                        },
                    },
                ]
            },
        }
    )
    mmg_receipt = {
        "type": "object",
        "description": "JSON, whatever the Content-Type says",
        "properties": {
            "reference": {"type": "string"},
            "CID": {**_UUID, "description": "our notification id"},
            "MSISDN": {"type": "string"},
            "status": {"type": ["string", "integer"]},
            "substatus": {"type": ["string", "integer"]},
            "deliverytime": {"type": "string"},
        },
        "required": ["CID", "status"],
    }
    firetext_receipt = {
        "type": "object",
        "properties": {
            "mobile": {"type": "string"},
            "status": {"type": "string", "minLength": 1},
            "reference": {
                **_UUID,
                "description": "our notification id",
            },
            "time": {"type": "string"},
            "code": {"type": "string"},
        },
        "required": ["status", "reference"],
    }
    return {
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": (
                    "HS256; iss = service id, iat = epoch seconds within "
                    "30 s of the server's clock"
                ),
            }
        },
        "schemas": {
            "TemplateRef": template_ref,
            "SmsSent": sent(sms_content),
            "EmailSent": sent(email_content),
            "Notification": notification,
            "NotificationList": notification_list,
            "Template": template,
            "TemplateList": template_list,
            "TemplatePreview": preview,
            "V1Sent": v1_sent,
            "V1Notification": v1_notification,
            "V2Error": v2_error,
            "LegacyError": legacy_error,
            "MmgReceipt": mmg_receipt,
            "FiretextReceipt": firetext_receipt,
            "SendSms": json_schema(
                v2_notifications.SEND_SCHEMAS[SMS_TYPE].schema
            ),
            "SendEmail": json_schema(
                v2_notifications.SEND_SCHEMAS[EMAIL_TYPE].schema
            ),
            "TemplatePreviewRequest": json_schema(
                v2_templates.PREVIEW_SCHEMA.schema
            ),
            "V1Send": json_schema(v1.SEND_SCHEMA.schema),
        },
    }


_ERROR_TEXT = {
    400: "Bad request: the body, a parameter or the recipient",
    401: "No token, or not the Bearer scheme",
    403: "The token was refused",
    404: "Not found, or not this service's",
    429: "Over the rate limit or the daily limit",
    500: "An unexpected error; no details are given",
    503: "The database is unavailable; try again",
}


def _errors(envelope: str, codes) -> dict:
    ref = {"$ref": f"#/components/schemas/{envelope}"}
    return {
        str(code): {
            "description": _ERROR_TEXT[code],
            "content": {"application/json": {"schema": ref}},
        }
        for code in codes
    }


def _ok(code: int, description: str, schema: dict) -> dict:
    return {
        str(code): {
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_body(schema_name: str) -> dict:
    return {
        "required": True,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def _path_param(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }


def _query_params(schema: dict, repeatable: dict) -> list[dict]:
    params = [
        {"name": name, "in": "query", "required": False, "schema": prop}
        for name, prop in json_schema(schema)["properties"].items()
    ]
    for name, allowed in repeatable.items():
        params.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "style": "form",
                "explode": True,
                "schema": {
                    "type": "array",
                    "items": {"enum": list(allowed)},
                },
            }
        )
    return params


# the answers every service route may give, besides its own
_SERVICE_V2 = (400, 401, 403, 404, 429, 500, 503)
_SERVICE_LEGACY = (400, 401, 403, 404, 429, 500, 503)
_SEND_V2 = (400, 401, 403, 429, 500, 503)


def _operation(op_id, summary, tag, security, responses, **extra) -> dict:
    return {
        "operationId": op_id,
        "summary": summary,
        "tags": [tag],
        "security": security,
        "responses": responses,
        **extra,
    }


def _paths() -> dict:
    notification_id = _path_param(
        "id", _UUID, "A notification id; anything else is a 400"
    )
    template_id = _path_param(
        "id", _UUID, "A template id; anything else is a 400"
    )
    receipt_token = {
        "name": "token",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "Required when a receipt token is configured",
    }
    receipt_answers = {
        **_ok(200, "Receipt taken", _obj({"result": {"const": "success"}})),
        **_errors("LegacyError", (400, 403, 500, 503)),
    }
    return {
        "/_status": {
            "get": _operation(
                "get_status",
                "Health check: the database's schema revision",
                "status",
                NO_SECURITY,
                {
                    **_ok(
                        200,
                        "Up",
                        _obj(
                            {
                                "status": {"const": "ok"},
                                "db_version": _NULLABLE_STRING,
                            }
                        ),
                    ),
                    **_errors("LegacyError", (500, 503)),
                },
            )
        },
        "/v2/openapi.json": {
            "get": _operation(
                "get_openapi",
                "This document",
                "status",
                NO_SECURITY,
                {
                    **_ok(200, "The OpenAPI document", {"type": "object"}),
                    **_errors("V2Error", (500,)),
                },
            )
        },
        "/v2/notifications/sms": {
            "post": _operation(
                "send_sms",
                "Send a text message",
                "v2",
                SERVICE_SECURITY,
                {
                    **_ok(201, "Accepted and queued", _ref("SmsSent")),
                    **_errors("V2Error", _SEND_V2),
                },
                requestBody=_json_body("SendSms"),
            )
        },
        "/v2/notifications/email": {
            "post": _operation(
                "send_email",
                "Send an email",
                "v2",
                SERVICE_SECURITY,
                {
                    **_ok(201, "Accepted and queued", _ref("EmailSent")),
                    **_errors("V2Error", _SEND_V2),
                },
                requestBody=_json_body("SendEmail"),
            )
        },
        "/v2/notifications": {
            "get": _operation(
                "list_notifications",
                "The service's notifications, newest first, by pages",
                "v2",
                SERVICE_SECURITY,
                {
                    **_ok(200, "A page", _ref("NotificationList")),
                    **_errors("V2Error", _SERVICE_V2),
                },
                parameters=_query_params(
                    v2_notifications.LIST_SCHEMA.schema,
                    {
                        "status": (*STATUSES, v2_notifications.FAILED),
                        "template_type": (SMS_TYPE, EMAIL_TYPE),
                    },
                ),
            )
        },
        "/v2/notifications/{id}": {
            "get": _operation(
                "get_notification",
                "One notification",
                "v2",
                SERVICE_SECURITY,
                {
                    **_ok(200, "The notification", _ref("Notification")),
                    **_errors("V2Error", _SERVICE_V2),
                },
                parameters=[notification_id],
            )
        },
        "/v2/templates": {
            "get": _operation(
                "list_templates",
                "The service's templates",
                "v2",
                SERVICE_SECURITY,
                {
                    **_ok(200, "The templates", _ref("TemplateList")),
                    **_errors("V2Error", _SERVICE_V2),
                },
                parameters=_query_params(v2_templates.LIST_SCHEMA.schema, {}),
            )
        },
        "/v2/template/{id}": {
            "get": _operation(
                "get_template",
                "A template's latest version",
                "v2",
                SERVICE_SECURITY,
                {
                    **_ok(200, "The template", _ref("Template")),
                    **_errors("V2Error", _SERVICE_V2),
                },
                parameters=[template_id],
            )
        },
        "/v2/template/{id}/version/{version}": {
            "get": _operation(
                "get_template_version",
                "One version of a template",
                "v2",
                SERVICE_SECURITY,
                {
                    **_ok(200, "The version", _ref("Template")),
                    **_errors("V2Error", _SERVICE_V2),
                },
                parameters=[
                    template_id,
                    _path_param(
                        "version",
                        {"type": "integer", "minimum": 1},
                        "A version number",
                    ),
                ],
            )
        },
        "/v2/template/{id}/preview": {
            "post": _operation(
                "preview_template",
                "A template filled in, without sending it",
                "v2",
                SERVICE_SECURITY,
                {
                    **_ok(200, "The preview", _ref("TemplatePreview")),
                    **_errors("V2Error", _SERVICE_V2),
                },
                parameters=[template_id],
                requestBody=_json_body("TemplatePreviewRequest"),
            )
        },
        "/notifications/sms": {
            "post": _operation(
                "v1_send_sms",
                "Send a text message (legacy)",
                "v1",
                SERVICE_SECURITY,
                {
                    **_ok(201, "Accepted and queued", _ref("V1Sent")),
                    **_errors("LegacyError", _SERVICE_LEGACY),
                },
                requestBody=_json_body("V1Send"),
            )
        },
        "/notifications/email": {
            "post": _operation(
                "v1_send_email",
                "Send an email (legacy)",
                "v1",
                SERVICE_SECURITY,
                {
                    **_ok(201, "Accepted and queued", _ref("V1Sent")),
                    **_errors("LegacyError", _SERVICE_LEGACY),
                },
                requestBody=_json_body("V1Send"),
            )
        },
        "/notifications/{id}": {
            "get": _operation(
                "v1_get_notification",
                "One notification (legacy)",
                "v1",
                SERVICE_SECURITY,
                {
                    **_ok(200, "The notification", _ref("V1Notification")),
                    **_errors("LegacyError", _SERVICE_LEGACY),
                },
                parameters=[notification_id],
            )
        },
        "/notifications/sms/mmg": {
            "post": _operation(
                "mmg_receipt",
                "A delivery receipt from MMG",
                "receipts",
                NO_SECURITY,
                receipt_answers,
                parameters=[receipt_token],
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {"schema": _ref("MmgReceipt")}
                    },
                },
            )
        },
        "/notifications/sms/firetext": {
            "post": _operation(
                "firetext_receipt",
                "A delivery receipt from Firetext",
                "receipts",
                NO_SECURITY,
                receipt_answers,
                parameters=[receipt_token],
                requestBody={
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": _ref("FiretextReceipt")
                        }
                    },
                },
            )
        },
    }


def build_document() -> dict:
    """Return the OpenAPI 3.1 document of the public and receipt routes.

    The request schemas are the views' own validation schemas.
    """
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": DESCRIPTION,
        },
        "tags": [
            {"name": "v2", "description": "The clients' API"},
            {"name": "v1", "description": "The legacy send"},
            {"name": "receipts", "description": "From SMS providers"},
            {"name": "status", "description": "Health and this document"},
        ],
        "paths": _paths(),
        "components": _components(),
    }
