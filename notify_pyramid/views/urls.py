"""Absolute URLs for responses, from the host the client asked for.

Behind a proxy the request's own scheme and host are the proxy's view of
the connection. ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` are
honoured only when ``notify.trust_forwarded_headers`` is on: anyone can
send those headers, so only a deployment whose proxy sets them should
believe them.
"""

import re

TRUST_SETTING = "notify.trust_forwarded_headers"

_HOST = re.compile(
    r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$"
)


def base_url(request) -> str:
    """Return ``scheme://host`` of the URL the client used."""
    scheme = request.scheme
    host = request.host
    if request.registry.settings.get(TRUST_SETTING):
        proto = _first(request.headers.get("X-Forwarded-Proto"))
        if proto and proto.lower() in ("http", "https"):
            scheme = proto.lower()
        forwarded_host = _first(request.headers.get("X-Forwarded-Host"))
        if forwarded_host and _HOST.match(forwarded_host):
            host = forwarded_host
    return f"{scheme}://{host}"


def _first(value: str | None) -> str | None:
    # each proxy appends its own value: the first is the client's
    if not value:
        return None
    return value.split(",")[0].strip()
