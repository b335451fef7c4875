"""Admin views that create, list and revoke a service's API keys.

The secret of a key is made here, stored encrypted, and shown to the
admin client once, inside the whole key string of the creation answer.
No other answer and no log line ever carries it.
"""

import logging
import uuid

from pyramid.view import view_config

from ...dao.api_keys import (
    dao_create_api_key,
    dao_fetch_api_key,
    dao_fetch_api_keys,
    dao_revoke_api_key,
)
from ...errors import NoResultFound
from ...models import ApiKey
from ...models.api_key import KEY_TYPES
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

CREATE_API_KEY = Schema(
    {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 255},
            "key_type": {"enum": list(KEY_TYPES)},
        },
        "required": ["name", "key_type"],
        "additionalProperties": False,
    }
)


def api_key_json(api_key: ApiKey) -> dict:
    """Return what the admin API shows of a key: never its secret."""
    return {
        "id": str(api_key.id),
        "name": api_key.name,
        "key_type": api_key.key_type,
        "created_by": api_key.created_by,
        "created_at": timestamp(api_key.created_at),
        "expiry_date": timestamp(api_key.expiry_date),
    }


@view_config(
    route_name="admin.api_keys.create",
    renderer="json",
    permission=ADMIN,
)
def create_api_key(request):
    service = fetch_service(request)
    data = validated_body(request, CREATE_API_KEY)

    secret = str(uuid.uuid4())
    api_key = dao_create_api_key(
        request.dbsession,
        ApiKey(
            service_id=service.id,
            name=data["name"],
            key_type=data["key_type"],
            secret=request.encryptor.encrypt(secret),
            created_by=admin_client_id(request),
        ),
    )

    logger.info(
        "API key created",
        extra={
            "admin_client_id": admin_client_id(request),
            "service_id": str(service.id),
            "api_key_id": str(api_key.id),
            "key_type": api_key.key_type,
        },
    )
    request.response.status_code = 201
    return {
        "data": {
            "id": str(api_key.id),
            "name": api_key.name,
            "key_type": api_key.key_type,
            # the client reads the service id and secret from the end
            "key": f"{api_key.name}-{service.id}-{secret}",
        }
    }


@view_config(
    route_name="admin.api_keys.list",
    renderer="json",
    permission=ADMIN,
)
def list_api_keys(request):
    service = fetch_service(request)
    api_keys = dao_fetch_api_keys(request.dbsession, service.id)
    return {"data": [api_key_json(api_key) for api_key in api_keys]}


@view_config(
    route_name="admin.api_keys.revoke",
    renderer="json",
    permission=ADMIN,
)
def revoke_api_key(request):
    service = fetch_service(request)
    api_key = dao_fetch_api_key(
        request.dbsession, service.id, path_uuid(request, "key_id")
    )
    if api_key is None:
        raise NoResultFound()

    dao_revoke_api_key(request.dbsession, api_key)

    logger.info(
        "API key revoked",
        extra={
            "admin_client_id": admin_client_id(request),
            "service_id": str(service.id),
            "api_key_id": str(api_key.id),
        },
    )
    request.response.status_code = 202
    return {"data": api_key_json(api_key)}
