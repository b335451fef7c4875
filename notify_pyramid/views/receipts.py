"""Delivery receipts posted by SMS providers.

Open to anyone unless a receipt token is configured for the provider
(``mmg.receipt_token``, ``firetext.receipt_token``): then the receipt URL
must carry it as ``?token=...``. A well-formed receipt is always answered
200, whether it changed the notification or not, so that providers stop
sending it again.

A receipt changes a notification and its history row in one statement on
PostgreSQL, so it runs outside the request's transaction, in autocommit:
one round trip instead of three.
"""

import hmac
import logging
import urllib.parse

from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from ..errors import AuthError, BadRequestError
from ..receipts.firetext import PROVIDER as FIRETEXT
from ..receipts.firetext import parse_firetext_receipt
from ..receipts.mmg import PROVIDER as MMG
from ..receipts.mmg import parse_mmg_receipt
from ..receipts.process import process_receipt

logger = logging.getLogger(__name__)

TOKEN_REFUSED = "Forbidden: receipt token missing or wrong"  # noqa: S105
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: a receipt is a few hundred bytes: a body much longer is not one, and
#: is refused before any parsing
MAX_BODY_BYTES = 10_000


@view_config(
    route_name="receipts.mmg",
    request_method="POST",
    renderer="json",
    permission=NO_PERMISSION_REQUIRED,
)
def process_mmg_response(request):
    """Apply an MMG receipt: a JSON body, whatever the Content-Type."""
    check_receipt_token(request, MMG)
    receipt = parse_mmg_receipt(read_body(request, "MMG"))
    with request.single_statements() as connection:
        process_receipt(connection, receipt)
    return {"result": "success"}


@view_config(
    route_name="receipts.firetext",
    request_method="POST",
    renderer="json",
    permission=NO_PERMISSION_REQUIRED,
)
def process_firetext_response(request):
    """Apply a Firetext receipt: form-encoded fields."""
    check_receipt_token(request, FIRETEXT)
    read_body(request, "Firetext")
    receipt = parse_firetext_receipt(read_form(request))
    with request.single_statements() as connection:
        process_receipt(connection, receipt)
    return {"result": "success"}


def check_receipt_token(request, provider: str) -> None:
    """Refuse the receipt unless it carries the provider's token, if any.

    Raises a 403 :class:`~notify_pyramid.errors.AuthError` when a token is
    configured and the query string's ``token`` is missing or different.
    """
    settings = request.registry.settings
    expected = str(settings.get(f"{provider}.receipt_token") or "").strip()
    if not expected:
        return
    given = _query_values(request).get("token", "")
    # compare bytes: compare_digest refuses non-ASCII text
    if not hmac.compare_digest(given.encode(), expected.encode()):
        logger.warning(
            "Receipt refused: token missing or wrong",
            extra={"provider": provider},
        )
        raise AuthError(TOKEN_REFUSED, 403)


def read_body(request, provider_name: str) -> bytes:
    """Return the body of ``request``, kept in memory.

    Raises a 400 naming ``provider_name`` when it is longer than
    :data:`MAX_BODY_BYTES`.
    """
    too_large = BadRequestError(
        f"{provider_name} callback failed: body too large"
    )
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise too_large
    body = request.body_file.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise too_large
    # later reads, such as the form parser's, come from this copy
    request.body = body
    return body


def read_form(request) -> dict[str, str]:
    """Return the form fields of ``request``, the last value of each.

    A body sent without a form Content-Type is read as URL-encoded.
    Raises a 400 when the body cannot be read as a form.
    """
    try:
        if request.content_type in FORM_TYPES:
            return {
                key: value
                for key, value in request.POST.items()
                if isinstance(value, str)
            }
        return dict(
            urllib.parse.parse_qsl(
                request.body.decode("utf-8"),
                keep_blank_values=True,
                max_num_fields=100,
            )
        )
    except Exception:
        # a malformed body can fail deep in the form parser in many ways
        raise BadRequestError(
            "Firetext callback failed: body is not form data"
        ) from None


def _query_values(request) -> dict[str, str]:
    query = request.environ.get("QUERY_STRING", "")
    return dict(
        urllib.parse.parse_qsl(query, keep_blank_values=True, errors="replace")
    )
