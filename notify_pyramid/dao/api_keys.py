"""Data access for API keys."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ApiKey
from ..models.meta import utcnow


def dao_create_api_key(session: Session, api_key: ApiKey) -> ApiKey:
    """Add ``api_key`` (its secret already encrypted) and flush it."""
    session.add(api_key)
    session.flush()
    return api_key


def dao_fetch_api_keys(
    session: Session, service_id: uuid.UUID
) -> list[ApiKey]:
    """Return every key of a service, revoked ones included, oldest first."""
    stmt = (
        select(ApiKey)
        .where(ApiKey.service_id == service_id)
        .order_by(ApiKey.created_at, ApiKey.id)
    )
    return list(session.scalars(stmt))


def dao_fetch_api_key(
    session: Session, service_id: uuid.UUID, key_id: uuid.UUID
) -> ApiKey | None:
    """Return one key of a service, or None."""
    stmt = select(ApiKey).where(
        ApiKey.service_id == service_id, ApiKey.id == key_id
    )
    return session.scalars(stmt).first()


def dao_revoke_api_key(session: Session, api_key: ApiKey) -> ApiKey:
    """Mark ``api_key`` revoked from now on; revoking twice keeps the date."""
    if api_key.expiry_date is None:
        api_key.expiry_date = utcnow()
        session.flush()
    return api_key
