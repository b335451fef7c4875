"""The security policy: three auth levels, one per view.

Every view declares one of three levels with ``permission=``:

- ``NO_PERMISSION_REQUIRED``: anyone (status, provider receipts);
- :data:`SERVICE`: a JWT signed with one of the service's API keys;
- :data:`ADMIN`: a JWT signed by the admin client.

The default permission is :data:`UNDECLARED`, which nobody holds, so a view
that forgets to declare a level is closed rather than open.

Tokens are HS256 JWTs whose ``iss`` claim names the signer (a service id,
or the admin client id) and whose ``iat`` claim must be within
:data:`CLOCK_SKEW_SECONDS` of the server's clock. A refusal is a
:class:`AuthDenied` carrying the status and message the client is shown;
the forbidden view renders it in the route family's envelope.
"""

import dataclasses
import datetime
import functools
import logging
import time
import uuid

import jwt
from jwt.algorithms import HMACAlgorithm
from pyramid.security import Allowed, Denied
from pyramid.view import forbidden_view_config
from sqlalchemy import and_, bindparam, or_, select

from .errors import AuthError, render_error
from .models import ApiKey, Service
from .models.cache import service_key
from .models.meta import utcnow
from .models.service import ServiceSnapshot

logger = logging.getLogger(__name__)

SERVICE = "service"
ADMIN = "admin"
UNDECLARED = "undeclared"

CLOCK_SKEW_SECONDS = 30
#: a key revoked this recently is still tried, to say "revoked"
REVOKED_KEY_MEMORY = datetime.timedelta(days=30)

DOCS_URL = (
    "https://docs.notifications.service.gov.uk/rest-api.html"
    "#authorisation-header"
)
NO_TOKEN = "Unauthorized: authentication token must be provided"  # noqa: S105
NOT_BEARER = "Unauthorized: authentication bearer scheme must be used"
ADMIN_REQUIRED = "Unauthorized: admin authentication token required"
UNDECODABLE = (
    "Invalid token: make sure your API token matches the example at "
    + DOCS_URL
)
NO_ISS = "Invalid token: iss field not provided"
NO_IAT = "Invalid token: iat field not provided"
BAD_SERVICE_ID = "Invalid token: service id is not the right data type"
NO_SERVICE = "Invalid token: service not found"
NO_KEYS = "Invalid token: service has no API keys"
ARCHIVED = "Invalid token: service is archived"
NOT_HS256 = "Invalid token: algorithm used is not HS256"
CLOCK = "Error: Your system clock must be accurate to within 30 seconds"
REVOKED = "Invalid token: API key revoked"
KEY_NOT_FOUND = "Invalid token: API key not found"

_JWT = jwt.PyJWT()
_HS256 = HMACAlgorithm(HMACAlgorithm.SHA256)

# refusals about the token's form, which say the same on every level
_TOKEN_FORM_REFUSALS = (NO_TOKEN, NOT_BEARER, UNDECODABLE, NO_ISS)


@dataclasses.dataclass(frozen=True)
class ServiceIdentity:
    """A request signed with one of a service's API keys."""

    service: ServiceSnapshot
    api_key_id: uuid.UUID
    key_type: str

    @property
    def service_id(self) -> uuid.UUID:
        return self.service.id


@dataclasses.dataclass(frozen=True)
class AdminIdentity:
    """A request signed by the admin client."""

    client_id: str


class AuthDenied(Denied):
    """A refusal with the HTTP status and message the client is shown."""

    status_code: int
    message: str

    def __new__(cls, status_code: int, message: str) -> "AuthDenied":
        denied = super().__new__(cls, "%s", message)
        denied.status_code = status_code
        denied.message = message
        return denied


@dataclasses.dataclass(frozen=True)
class _Token:
    header: dict
    claims: dict
    signing_input: bytes
    signature: bytes


class NotifySecurityPolicy:
    """Turns the Bearer token into an identity and checks auth levels.

    :meth:`identity` returns a :class:`ServiceIdentity`, an
    :class:`AdminIdentity` or an :class:`AuthDenied`, and caches it on the
    request: the token is decoded and the database asked once per request.
    """

    def __init__(self, admin_client_id: str, admin_secrets: list[str]):
        self.admin_client_id = admin_client_id
        self.admin_secrets = list(admin_secrets)

    def identity(self, request):
        cached = request.environ.get("notify.identity")
        if cached is None:
            cached = self._identify(request)
            request.environ["notify.identity"] = cached
        return cached

    def authenticated_userid(self, request):
        identity = self.identity(request)
        if isinstance(identity, ServiceIdentity):
            return str(identity.api_key_id)
        if isinstance(identity, AdminIdentity):
            return identity.client_id
        return None

    def permits(self, request, context, permission):
        identity = self.identity(request)
        if permission == ADMIN:
            return self._permits_admin(request, identity)
        if permission == SERVICE:
            if isinstance(identity, ServiceIdentity):
                return Allowed("service")
            if isinstance(identity, AdminIdentity):
                # the admin client id is not a service id
                return AuthDenied(403, BAD_SERVICE_ID)
            return identity
        return AuthDenied(403, "Forbidden: this view declares no auth level")

    def _permits_admin(self, request, identity):
        if isinstance(identity, AdminIdentity):
            return Allowed("admin")
        if isinstance(identity, AuthDenied) and (
            identity.message in _TOKEN_FORM_REFUSALS
            or request.environ.get("notify.token_iss") == self.admin_client_id
        ):
            return identity
        # a service's token, valid or not, is not the admin's
        return AuthDenied(401, ADMIN_REQUIRED)

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []

    # -- the checks, in the order clients are told about them

    def _identify(self, request):
        token = _read_token(request)
        if isinstance(token, AuthDenied):
            return token
        request.environ["notify.token_iss"] = token.claims.get("iss")
        if token.claims["iss"] == self.admin_client_id:
            return self._identify_admin(token)
        return self._identify_service(request, token)

    def _identify_admin(self, token: _Token):
        if token.header.get("alg") != "HS256":
            return AuthDenied(403, NOT_HS256)
        for secret in self.admin_secrets:
            if _signed_with(token, secret):
                refusal = _check_iat(token)
                if refusal is not None:
                    return refusal
                return AdminIdentity(self.admin_client_id)
        return AuthDenied(403, KEY_NOT_FOUND)

    def _identify_service(self, request, token: _Token):
        try:
            service_id = uuid.UUID(str(token.claims["iss"]))
        except ValueError:
            return AuthDenied(403, BAD_SERVICE_ID)

        service, keys = _fetch_service_and_keys(request.dbsession, service_id)
        if service is None:
            return AuthDenied(403, NO_SERVICE)
        if not keys:
            return AuthDenied(403, NO_KEYS)
        if not service.active:
            return AuthDenied(403, ARCHIVED)
        if token.header.get("alg") != "HS256":
            return AuthDenied(403, NOT_HS256)

        encryptor = request.encryptor
        for key in keys:
            if not _signed_with(token, encryptor.decrypt_cached(key.secret)):
                continue
            if key.expiry_date is not None:
                return AuthDenied(403, REVOKED)
            refusal = _check_iat(token)
            if refusal is not None:
                return refusal
            return ServiceIdentity(service, key.id, key.key_type)
        return AuthDenied(403, KEY_NOT_FOUND)


def _read_token(request) -> _Token | AuthDenied:
    header = request.headers.get("Authorization")
    if not header:
        return AuthDenied(401, NO_TOKEN)
    scheme, _, raw = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return AuthDenied(401, NOT_BEARER)
    raw = raw.strip()
    # decoded once, unverified: each candidate key then checks only the
    # signature over the same bytes
    try:
        decoded = _JWT.decode_complete(
            raw, options={"verify_signature": False}
        )
    except jwt.PyJWTError:
        return AuthDenied(403, UNDECODABLE)
    claims = decoded["payload"]
    if not isinstance(claims, dict) or claims.get("iss") in (None, ""):
        return AuthDenied(403, NO_ISS)
    return _Token(
        decoded["header"],
        claims,
        raw.rpartition(".")[0].encode("ascii"),
        decoded["signature"],
    )


def _signed_with(token: _Token, secret: str) -> bool:
    # PyJWT's HMAC algorithm compares the signatures in constant time
    key = _key_bytes(secret)
    return _HS256.verify(token.signing_input, key, token.signature)


@functools.lru_cache(maxsize=4096)
def _key_bytes(secret: str) -> bytes:
    return _HS256.prepare_key(secret)


def _check_iat(token: _Token) -> AuthDenied | None:
    iat = token.claims.get("iat")
    if iat is None:
        return AuthDenied(403, NO_IAT)
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        return AuthDenied(403, CLOCK)
    if abs(time.time() - iat) > CLOCK_SKEW_SECONDS:
        return AuthDenied(403, CLOCK)
    return None


@dataclasses.dataclass(frozen=True)
class _Key:
    id: uuid.UUID
    key_type: str
    secret: str
    expiry_date: datetime.datetime | None


_SNAPSHOT_COLUMNS = [
    Service.__table__.c[field.name]
    for field in dataclasses.fields(ServiceSnapshot)
]

# built once, and Core rather than ORM entities: it runs on every request
_SERVICE_AND_KEYS = (
    select(
        *_SNAPSHOT_COLUMNS,
        ApiKey.id.label("key_id"),
        ApiKey.key_type,
        ApiKey.secret,
        ApiKey.expiry_date,
    )
    .outerjoin(
        ApiKey,
        and_(
            ApiKey.service_id == Service.id,
            or_(
                ApiKey.expiry_date.is_(None),
                ApiKey.expiry_date > bindparam("remembered_since"),
            ),
        ),
    )
    .where(Service.id == bindparam("service_id"))
)


def _fetch_service_and_keys(session, service_id: uuid.UUID):
    """Return the service and its usable and recently revoked keys.

    From the session's read cache when it has one; see
    :mod:`notify_pyramid.models.cache`.
    """
    cache = session.info.get("read_cache")
    if cache is None:
        return _load_service_and_keys(session, service_id)
    return cache.get(
        service_key(service_id),
        lambda: _load_service_and_keys(session, service_id),
    )


def _load_service_and_keys(session, service_id: uuid.UUID):
    """One round trip: the service outer-joined to its keys, live first."""
    parameters = {
        "service_id": service_id,
        "remembered_since": utcnow() - REVOKED_KEY_MEMORY,
    }
    rows = session.connection().execute(_SERVICE_AND_KEYS, parameters).all()
    if not rows:
        return None, ()
    values = {
        column.name: rows[0]._mapping[column] for column in (_SNAPSHOT_COLUMNS)
    }
    values["permissions"] = tuple(values["permissions"] or ())
    service = ServiceSnapshot(**values)
    keys = [
        _Key(row.key_id, row.key_type, row.secret, row.expiry_date)
        for row in rows
        if row.key_id is not None
    ]
    keys.sort(key=lambda key: key.expiry_date is not None)
    return service, tuple(keys)


@forbidden_view_config()
def forbidden_view(exc, request):
    result = getattr(exc, "result", None)
    if isinstance(result, AuthDenied):
        error = AuthError(result.message, result.status_code)
    else:
        error = AuthError("Forbidden", 403)
    logger.info(
        "Authentication refused",
        extra={"status": error.status_code, "reason": error.message},
    )
    return render_error(request, error)


def includeme(config):
    """Install the policy and close every view that declares no level."""
    settings = config.get_settings()
    config.set_security_policy(
        NotifySecurityPolicy(
            settings["notify.admin_client_id"],
            settings["notify.admin_client_secrets"],
        )
    )
    config.set_default_permission(UNDECLARED)
