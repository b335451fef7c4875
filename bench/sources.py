"""Sources of ready-made HTTP requests for the load generator.

A source's ``next_request()`` returns the bytes of one whole request.
Sources that sign requests make a service token (an HS256 JWT, as the
official clients do) and reuse it for :data:`TOKEN_REUSE_SECONDS`, well
inside the 30 seconds the API accepts, so signing costs the generator
next to nothing.

Notifications made for the benchmark have ids built from a per-run hex
prefix and a counter (:func:`pool_id`), so the load generator, the
database and pgbench can all name the same rows without a list of ids.
"""

import itertools
import json
import time

import jwt

TOKEN_REUSE_SECONDS = 20


def pool_id(prefix: str, number: int) -> str:
    """Return the UUID text of pool notification ``number``.

    ``prefix`` is 20 hex digits; the counter fills the last 12, as
    ``(prefix || lpad(to_hex(number), 12, '0'))::uuid`` does in SQL.
    """
    hex_id = f"{prefix}{number:012x}"
    return "-".join(
        (hex_id[:8], hex_id[8:12], hex_id[12:16], hex_id[16:20], hex_id[20:])
    )


def http_request(
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict | None = None,
    host: str = "localhost",
) -> bytes:
    """Return an HTTP/1.1 keep-alive request as bytes."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method == "POST":
        lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class FixedSource:
    """The same few requests over and over."""

    def __init__(self, requests: list[str]):
        self._cycle = itertools.cycle(
            [request.encode("latin-1") for request in requests]
        )
        self.issued = 0

    def next_request(self) -> bytes:
        self.issued += 1
        return next(self._cycle)


class _Signed:
    """A service token, made again when it is about to be too old."""

    def __init__(self, service_id: str, secret: str):
        self._service_id = service_id
        self._secret = secret
        self._made_at = float("-inf")
        self.authorization = ""

    def refresh(self) -> bool:
        """Make a new token if the current one is old; True if it did."""
        now = time.time()
        if now - self._made_at < TOKEN_REUSE_SECONDS:
            return False
        claims = {"iss": self._service_id, "iat": int(now)}
        token = jwt.encode(claims, self._secret, algorithm="HS256")
        self.authorization = f"Bearer {token}"
        self._made_at = now
        return True


class SendSource:
    """``POST`` of one JSON body, signed with a service's key."""

    def __init__(self, service_id: str, secret: str, path: str, body: dict):
        self._signed = _Signed(service_id, secret)
        self._path = path
        self._body = json.dumps(body).encode()
        self._request = b""
        self.issued = 0

    def next_request(self) -> bytes:
        if self._signed.refresh():
            self._request = http_request(
                "POST",
                self._path,
                self._body,
                {"Authorization": self._signed.authorization},
            )
        self.issued += 1
        return self._request


class GetSource:
    """``GET`` of pool notifications in turn, signed with a service's key."""

    def __init__(
        self,
        service_id: str,
        secret: str,
        path: str,
        prefix: str,
        first: int,
        count: int,
    ):
        self._signed = _Signed(service_id, secret)
        self._paths = [
            path.format(id=pool_id(prefix, number))
            for number in range(first, first + count)
        ]
        self._cycle = itertools.cycle(self._paths)
        self.issued = 0

    def next_request(self) -> bytes:
        self._signed.refresh()
        self.issued += 1
        return http_request(
            "GET",
            next(self._cycle),
            headers={"Authorization": self._signed.authorization},
        )


class ReceiptSource:
    """MMG receipts, each for the next pool notification.

    Past the end of the pool it starts again from the first, whose
    receipts then change nothing; ``issued`` tells whether that happened.
    """

    def __init__(self, path: str, prefix: str, first: int, count: int):
        self._path = path
        self._prefix = prefix
        self._first = first
        self._count = count
        self.issued = 0

    def next_request(self) -> bytes:
        number = self._first + self.issued % self._count
        self.issued += 1
        receipt = {
            "reference": f"mmg-{number}",
            "CID": pool_id(self._prefix, number),
            "MSISDN": "447700900123",
            "status": "3",
            "substatus": "5",
            "deliverytime": "2026-01-01 10:00:00",
        }
        return http_request("POST", self._path, json.dumps(receipt).encode())


SOURCES = {
    "fixed": FixedSource,
    "send": SendSource,
    "get": GetSource,
    "receipt": ReceiptSource,
}


def make_source(spec: dict):
    """Build the source ``spec["kind"]`` with the rest of ``spec``."""
    arguments = dict(spec)
    return SOURCES[arguments.pop("kind")](**arguments)
