"""Error types and the views that render them in the two envelopes.

Routes under ``/v2/`` answer errors in the v2 envelope::

    {"status_code": 400, "errors": [{"error": "...", "message": "..."}]}

every other route (v1, admin, receipts, status) in the legacy envelope::

    {"result": "error", "message": "..." or {"field": ["..."]}}

Domain code raises the exceptions below without knowing which envelope the
client speaks; the views here choose it from the request path.
"""

import logging

from pyramid.httpexceptions import (
    HTTPException,
    HTTPMethodNotAllowed,
    HTTPNotFound,
)
from pyramid.view import exception_view_config, notfound_view_config
from sqlalchemy.exc import DBAPIError, OperationalError

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the client caused or should be told about.

    ``message`` is a sentence; ``fields`` optionally maps field names to
    messages for the legacy envelope; ``headers`` are added to the answer.
    """

    status_code = 400
    error = "BadRequestError"

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        *,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.fields = fields
        self.headers = headers or {}

    def v2_errors(self) -> list[dict[str, str]]:
        return [{"error": self.error, "message": self.message}]

    def legacy_message(self) -> str | dict[str, list[str]]:
        return self.fields or self.message


class BadRequestError(ApiError):
    error = "BadRequestError"


class ValidationError(ApiError):
    """One or more schema violations, all reported at once."""

    error = "ValidationError"

    def __init__(
        self,
        messages: list[str],
        *,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__("; ".join(messages), fields=fields)
        self.messages = messages

    def v2_errors(self) -> list[dict[str, str]]:
        return [
            {"error": self.error, "message": message}
            for message in self.messages
        ]


class InvalidPhoneError(ApiError):
    error = "InvalidPhoneError"


class InvalidEmailError(ApiError):
    error = "InvalidEmailError"


class AuthError(ApiError):
    error = "AuthError"
    status_code = 403


class RateLimitError(ApiError):
    error = "RateLimitError"
    status_code = 429


class TooManyRequestsError(ApiError):
    error = "TooManyRequestsError"
    status_code = 429


class ServiceUnavailableError(ApiError):
    """A part the API depends on (the database) cannot be reached."""

    error = "ServiceUnavailableError"
    status_code = 503


class NoResultFound(ApiError):
    error = "NoResultFound"
    status_code = 404

    def __init__(self, message: str = "No result found", **kwargs) -> None:
        super().__init__(message, **kwargs)


def is_v2(request) -> bool:
    """Return True when ``request`` is for a route of the v2 family."""
    return request.path_info.startswith("/v2/")


def render_error(request, exc: ApiError):
    """Return a response for ``exc`` in the envelope of the request's route."""
    response = request.response
    response.status_code = exc.status_code
    response.content_type = "application/json"
    response.headers.update(exc.headers)
    if is_v2(request):
        body = {"status_code": exc.status_code, "errors": exc.v2_errors()}
    else:
        body = {"result": "error", "message": exc.legacy_message()}
    response.json_body = body
    return response


@exception_view_config(ApiError)
def api_error_view(exc, request):
    return render_error(request, exc)


@notfound_view_config()
def notfound_view(exc, request):
    # a route that matched but has no view for this method
    if request.matched_route is not None:
        error = ApiError(
            "The method is not allowed for the requested URL.",
            HTTPMethodNotAllowed.code,
        )
        return render_error(request, error)
    error = NoResultFound(
        "The requested URL was not found on the server.",
        status_code=HTTPNotFound.code,
    )
    return render_error(request, error)


@exception_view_config(HTTPException)
def http_exception_view(exc, request):
    return render_error(
        request, ApiError(exc.title, exc.code, headers=_safe_headers(exc))
    )


def _safe_headers(exc: HTTPException) -> dict[str, str]:
    return {
        name: value
        for name, value in exc.headers.items()
        if name.lower() in ("allow", "retry-after", "www-authenticate")
    }


@exception_view_config(OperationalError)
@exception_view_config(DBAPIError)
def database_unavailable_view(exc, request):
    # a lost connection is the database's fault, not ours: say so with 503
    # so that clients and load balancers retry; anything else is a bug
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        logger.error(
            "Database unavailable",
            extra={"error": type(exc.orig).__name__},
        )
        return render_error(
            request,
            ServiceUnavailableError("Service temporarily unavailable"),
        )
    return internal_error_view(exc, request)


@exception_view_config(Exception)
def internal_error_view(exc, request):
    logger.error("Unhandled exception", exc_info=exc)
    error = ApiError("Internal server error", 500)
    error.error = "InternalServerError"
    return render_error(request, error)
