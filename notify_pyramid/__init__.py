"""notify-pyramid: a notifications API for SMS and email."""

from pyramid.config import Configurator

from . import logs  # noqa: F401  (stamps request ids on log records)
from .settings import MissingSettingError, load_settings


def main(global_config, **settings):
    """Return the WSGI application described by ``settings``.

    Refuses to start, with one line naming the missing value, when a
    required setting is not in the ini file or the environment.
    """
    try:
        settings = load_settings(settings)
    except MissingSettingError as exc:
        raise SystemExit(f"notify-pyramid cannot start: {exc}") from None

    with Configurator(settings=settings) as config:
        config.include(".request")
        config.include(".metrics")
        config.include(".crypto")
        config.include(".models")
        config.include(".providers")
        config.include(".routes")
        config.include(".security")
        config.include(".tasks")
        config.include(".tweens")
        config.include(".notifications.limits")
        config.scan(".errors")
        config.scan(".security")
        config.scan(".views")
    return config.make_wsgi_app()
