"""Application settings: ini values, overridden from the environment.

Every setting has a dotted, lower-case key that can be written in the
``[app:main]`` section of an ini file. The ones an operator is likely to
change per deployment, and every secret, can also come from an environment
variable, which wins over the ini file. This module is the only place that
reads those variables.
"""

import os
from collections.abc import Mapping
from typing import Any

from pyramid.settings import asbool, aslist

#: Environment variables and the setting each one overrides.
ENVIRONMENT = {
    "DATABASE_URL": "sqlalchemy.url",
    "NOTIFY_SECRET_KEY": "notify.secret_key",
    "NOTIFY_ADMIN_CLIENT_ID": "notify.admin_client_id",
    "NOTIFY_ADMIN_CLIENT_SECRETS": "notify.admin_client_secrets",
    "STATSD_ENABLED": "statsd.enabled",
    "STATSD_HOST": "statsd.host",
    "STATSD_PORT": "statsd.port",
    "STATSD_PREFIX": "statsd.prefix",
    "CELERY_BROKER_URL": "celery.broker_url",
    "REDIS_URL": "redis.url",
    "MMG_API_KEY": "mmg.api_key",
    "FIRETEXT_API_KEY": "firetext.api_key",
    "SMTP_HOST": "smtp.host",
    "SMTP_USERNAME": "smtp.username",
    "SMTP_PASSWORD": "smtp.password",
    "MMG_RECEIPT_TOKEN": "mmg.receipt_token",
    "FIRETEXT_RECEIPT_TOKEN": "firetext.receipt_token",
}

#: Settings without which the application refuses to start.
REQUIRED = (
    "sqlalchemy.url",
    "notify.secret_key",
    "notify.admin_client_secrets",
)

DEFAULTS: dict[str, Any] = {
    "notify.admin_client_id": "notify-admin",
    "notify.trust_forwarded_headers": False,
    "notify.retention_days": 7,
    # how long an API process keeps a service, its keys and its templates
    "notify.read_cache_seconds": 2.0,
    "statsd.enabled": False,
    "statsd.host": "localhost",
    "statsd.port": 8125,
    "statsd.prefix": "notifications.api",
    "celery.broker_url": "",
    "redis.url": "",
    # delivery: which providers, how long to wait for them, how to retry
    "sms.providers": "log",
    "email.provider": "log",
    "email.from_domain": "notify.localhost",
    "mmg.url": "https://api.mmg.co.uk/jsonv2a/api.php",
    "mmg.api_key": "",
    "firetext.url": "https://www.firetext.co.uk/api/sendsms/json",
    "firetext.api_key": "",
    "smtp.host": "localhost",
    "smtp.port": 587,
    "smtp.security": "starttls",
    "smtp.username": "",
    "smtp.password": "",
    "providers.connect_timeout_seconds": 5.0,
    "providers.read_timeout_seconds": 30.0,
    "providers.error_threshold": 3,
    "providers.error_window_seconds": 60,
    "providers.cooldown_seconds": 300,
    "delivery.grace_period_seconds": 300,
    "delivery.max_attempts": 5,
    "delivery.retry_backoff_seconds": 10,
    "delivery.requeue_after_seconds": 600,
    "delivery.sending_timeout_hours": 72,
    "delivery.purge_batch_size": 1000,
}

#: settings that must be set when the provider that needs them is chosen
PROVIDER_REQUIRED = {
    "mmg": ("mmg.api_key",),
    "firetext": ("firetext.api_key",),
    "smtp": ("smtp.host",),
}

BOOLEANS = ("notify.trust_forwarded_headers", "statsd.enabled")
INTEGERS = (
    "notify.retention_days",
    "statsd.port",
    "sqlalchemy.pool_size",
    "sqlalchemy.max_overflow",
    "sqlalchemy.pool_recycle",
    "smtp.port",
    "providers.error_threshold",
    "providers.error_window_seconds",
    "providers.cooldown_seconds",
    "delivery.grace_period_seconds",
    "delivery.max_attempts",
    "delivery.retry_backoff_seconds",
    "delivery.requeue_after_seconds",
    "delivery.sending_timeout_hours",
    "delivery.purge_batch_size",
)
FLOATS = (
    "notify.read_cache_seconds",
    "providers.connect_timeout_seconds",
    "providers.read_timeout_seconds",
)
LISTS = ("notify.admin_client_secrets", "sms.providers")


class MissingSettingError(Exception):
    """A required setting has no value in the ini file or environment."""

    def __init__(self, key: str) -> None:
        names = [env for env, k in ENVIRONMENT.items() if k == key]
        where = f"environment variable {names[0]} or " if names else ""
        super().__init__(
            f"missing required setting: set the {where}ini key {key}"
        )
        self.key = key


def normalize_database_url(url: str) -> str:
    """Make a bare ``postgresql://`` URL select the psycopg2 driver.

    SQLAlchemy 2.1 maps the bare scheme to psycopg 3, which this project
    does not ship; ``postgres://`` (as many hosts write it) is accepted too.
    """
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg2://" + url[len(scheme) :]
    return url


def load_settings(
    settings: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return typed settings: defaults, then ini values, then environment.

    Raises :class:`MissingSettingError` naming the first required setting
    that has no value anywhere.
    """
    if environ is None:
        environ = os.environ
    result = dict(DEFAULTS)
    result.update(settings)
    for name, key in ENVIRONMENT.items():
        value = environ.get(name)
        if value:
            result[key] = value

    for key in REQUIRED:
        value = result.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise MissingSettingError(key)

    for key in BOOLEANS:
        result[key] = asbool(result.get(key))
    for key in INTEGERS:
        if key in result and result[key] not in (None, ""):
            result[key] = int(result[key])
    for key in FLOATS:
        if key in result and result[key] not in (None, ""):
            result[key] = float(result[key])
    for key in LISTS:
        value = result.get(key)
        if isinstance(value, str):
            result[key] = aslist(value.replace(",", " "))

    chosen = [*result["sms.providers"], result["email.provider"]]
    for provider in chosen:
        for key in PROVIDER_REQUIRED.get(provider, ()):
            value = result.get(key)
            if not value or not str(value).strip():
                raise MissingSettingError(key)
    result["sqlalchemy.url"] = normalize_database_url(result["sqlalchemy.url"])
    return result
