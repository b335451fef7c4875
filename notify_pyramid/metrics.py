"""The process's statsd client, built from the ``statsd.*`` settings.

``notify_statsd`` is configured once per process: the API here, and the
worker through the same app factory, so ``@statsd`` on DAO functions and
tasks reports wherever the code runs.
"""

import notify_statsd
from notify_statsd import StatsdClient


def make_client(settings) -> StatsdClient:
    """Return a statsd client for ``settings``; off unless enabled."""
    return StatsdClient(
        host=settings["statsd.host"],
        port=int(settings["statsd.port"]),
        prefix=settings["statsd.prefix"],
        enabled=settings["statsd.enabled"],
    )


def includeme(config):
    """Configure the process-wide client; tests may pass their own."""
    settings = config.get_settings()
    client = settings.get("statsd.client") or make_client(settings)
    notify_statsd.configure(client)
    config.registry["statsd"] = client
