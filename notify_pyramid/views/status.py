"""The health check that load balancers and operators poll."""

import logging

from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..errors import ServiceUnavailableError

logger = logging.getLogger(__name__)


@view_config(
    route_name="status",
    request_method="GET",
    renderer="json",
    permission=NO_PERMISSION_REQUIRED,
)
def get_status(request):
    """Answer 200 with the schema revision, or 503 if the database fails."""
    try:
        revision = request.dbsession.execute(
            text("SELECT version_num FROM alembic_version")
        ).scalar()
    except SQLAlchemyError as exc:
        logger.error(
            "Status check could not reach the database",
            extra={"error": type(exc).__name__},
        )
        raise ServiceUnavailableError("Database unavailable") from None
    return {"status": "ok", "db_version": revision}
