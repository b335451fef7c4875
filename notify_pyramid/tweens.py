"""Tweens: the request id, and (later in the chain) request metrics."""

import re
import uuid

from pyramid.tweens import INGRESS

from .logs import request_id_var

REQUEST_ID_HEADER = "X-Request-Id"

# a client's id is echoed into logs and headers: accept only tame ones
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_tween_factory(handler, registry):
    """Give each request an id, put it on log lines and the response.

    The id comes from the ``X-Request-Id`` header when it is a short token
    of safe characters, and is generated otherwise.
    """

    def request_id_tween(request):
        request_id = request.headers.get(REQUEST_ID_HEADER, "")
        if not _SAFE_REQUEST_ID.match(request_id):
            request_id = uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = handler(request)
        finally:
            request_id_var.reset(token)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response

    return request_id_tween


def includeme(config):
    config.add_tween(
        "notify_pyramid.tweens.request_id_tween_factory", under=INGRESS
    )
