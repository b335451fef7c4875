"""Data access for services and their guest lists."""

import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import Service, ServiceGuestList


def dao_create_service(session: Session, service: Service) -> Service:
    """Add ``service`` to the session and flush it, giving it an id."""
    session.add(service)
    session.flush()
    return service


def dao_fetch_service_by_id(
    session: Session, service_id: uuid.UUID
) -> Service | None:
    """Return the service with ``service_id``, or None."""
    return session.get(Service, service_id)


def dao_fetch_all_services(session: Session) -> list[Service]:
    """Return every service, oldest first."""
    return list(session.scalars(select(Service).order_by(Service.created_at)))


def dao_fetch_guest_list(
    session: Session, service_id: uuid.UUID
) -> list[ServiceGuestList]:
    """Return the guest list of a service."""
    stmt = select(ServiceGuestList).where(
        ServiceGuestList.service_id == service_id
    )
    return list(session.scalars(stmt.order_by(ServiceGuestList.recipient)))


def dao_replace_guest_list(
    session: Session,
    service_id: uuid.UUID,
    entries: list[tuple[str, str]],
) -> None:
    """Replace a service's guest list with ``(recipient_type, recipient)``.

    Entries must already be normalised; duplicates are dropped.
    """
    session.execute(
        delete(ServiceGuestList).where(
            ServiceGuestList.service_id == service_id
        )
    )
    for recipient_type, recipient in dict.fromkeys(entries):
        session.add(
            ServiceGuestList(
                service_id=service_id,
                recipient_type=recipient_type,
                recipient=recipient,
            )
        )
    session.flush()


def dao_service_name_taken(
    session: Session, name: str, except_id: uuid.UUID | None = None
) -> bool:
    """Return True if a service other than ``except_id`` is called ``name``."""
    stmt = select(Service.id).where(Service.name == name)
    if except_id is not None:
        stmt = stmt.where(Service.id != except_id)
    return session.execute(stmt.limit(1)).first() is not None


def dao_update_service(session: Session, service: Service, **changes):
    """Apply ``changes`` to ``service`` and flush them."""
    for field, value in changes.items():
        setattr(service, field, value)
    session.flush()
    return service


def dao_is_on_guest_list(
    session: Session,
    service_id: uuid.UUID,
    recipient_type: str,
    recipient: str,
) -> bool:
    """Return True if the normalised ``recipient`` is on the guest list."""
    stmt = select(ServiceGuestList.id).where(
        ServiceGuestList.service_id == service_id,
        ServiceGuestList.recipient_type == recipient_type,
        ServiceGuestList.recipient == recipient,
    )
    return session.execute(stmt.limit(1)).first() is not None
