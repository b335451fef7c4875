"""Tweens: the request id, and the request metrics.

Each request is counted and timed as
``<METHOD>.<view module>.<view function>.<status>``, where the view is the
one that handled it (a view deriver notes its name as it is called; an
exception view rendering the error does not replace it), and requests
that matched no view as ``<METHOD>.notfound.<status>``. Names never carry
ids or paths. The official clients' ``User-agent`` is counted too.
"""

import re
import time
import uuid

from pyramid.tweens import EXCVIEW, INGRESS

import notify_statsd

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


METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
)
VIEW_METRIC = "notify.view_metric"

# NOTIFY-API-PYTHON-CLIENT/13.0.0 and its siblings in other languages
_OFFICIAL_CLIENT = re.compile(
    r"^NOTIFY-API-([A-Z]{2,10})-CLIENT/(\d{1,4}(?:\.\d{1,4}){0,3})$"
)


def metric_view_deriver(view, info):
    """Note the name of the view that handles the request.

    Exception views are left out: a request that failed is counted
    against the view it was meant for.
    """
    if info.exception_only:
        return view
    original = info.original_view
    module = getattr(original, "__module__", None) or "unknown"
    function = getattr(original, "__name__", None) or "view"
    name = f"{module.rpartition('.')[2]}.{function}"

    def metric_view(context, request):
        request.environ[VIEW_METRIC] = name
        return view(context, request)

    return metric_view


def request_metrics_tween_factory(handler, registry):
    """Count and time each request under the name of its view."""
    user_agents: dict[str, str] = {}

    def request_metrics_tween(request):
        start = time.perf_counter()
        status = 500
        try:
            response = handler(request)
            status = response.status_code
            return response
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            method = request.method
            if method not in METHODS:
                method = "OTHER"
            view = request.environ.get(VIEW_METRIC, "notfound")
            client = notify_statsd.get_client()
            client.incr_and_time(f"{method}.{view}.{status}", elapsed)
            agent = request.headers.get("User-Agent", "")
            metric = user_agents.get(agent)
            if metric is None:
                metric = user_agent_metric(agent)
                # bounded: unknown agents all share one name
                if len(user_agents) < 256:
                    user_agents[agent] = metric
            client.incr(metric)

    return request_metrics_tween


def user_agent_metric(agent: str) -> str:
    """Return ``user-agent.<client>.<version>`` for an official client."""
    match = _OFFICIAL_CLIENT.match(agent.strip())
    if match is None:
        return "user-agent.other"
    name, version = match.groups()
    client = f"notify-api-{name.lower()}-client"
    return f"user-agent.{client}.{version.replace('.', '-')}"


def includeme(config):
    config.add_tween(
        "notify_pyramid.tweens.request_id_tween_factory", under=INGRESS
    )
    config.add_tween(
        "notify_pyramid.tweens.request_metrics_tween_factory",
        under="notify_pyramid.tweens.request_id_tween_factory",
        over=EXCVIEW,
    )
    config.add_view_deriver(
        metric_view_deriver, under=INGRESS, over="secured_view"
    )
