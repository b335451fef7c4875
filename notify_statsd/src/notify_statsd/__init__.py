"""Fail-safe statsd metrics: a client, a timing decorator, test helpers.

Build a :class:`StatsdClient`, hand it to :func:`configure`, and decorate
functions with :func:`statsd`. Nothing here ever raises on the metrics
path, and nothing is sent until a client is configured.
"""

from notify_statsd.client import (
    Client,
    NullClient,
    StatsdClient,
    Timer,
    clean_name,
)
from notify_statsd.decorator import (
    configure,
    get_client,
    metric_name,
    statsd,
)

__all__ = [
    "Client",
    "NullClient",
    "StatsdClient",
    "Timer",
    "clean_name",
    "configure",
    "get_client",
    "metric_name",
    "statsd",
]

__version__ = "0.1.0"
