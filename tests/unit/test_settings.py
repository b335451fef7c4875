import pytest

from notify_pyramid.settings import (
    MissingSettingError,
    load_settings,
    normalize_database_url,
)

REQUIRED = {
    "sqlalchemy.url": "sqlite://",
    "notify.secret_key": "k",
    "notify.admin_client_secrets": "a",
}


def test_environment_overrides_ini():
    settings = load_settings(
        {**REQUIRED, "statsd.host": "ini-host"},
        {"STATSD_HOST": "env-host", "STATSD_PORT": "9125"},
    )
    assert settings["statsd.host"] == "env-host"
    assert settings["statsd.port"] == 9125


def test_empty_environment_value_does_not_override():
    settings = load_settings(
        {**REQUIRED, "statsd.host": "ini-host"}, {"STATSD_HOST": ""}
    )
    assert settings["statsd.host"] == "ini-host"


@pytest.mark.parametrize(
    ("key", "variable"),
    [
        ("sqlalchemy.url", "DATABASE_URL"),
        ("notify.secret_key", "NOTIFY_SECRET_KEY"),
        ("notify.admin_client_secrets", "NOTIFY_ADMIN_CLIENT_SECRETS"),
    ],
)
def test_missing_required_setting_names_variable_and_key(key, variable):
    settings = {**REQUIRED, key: "  "}
    with pytest.raises(MissingSettingError) as excinfo:
        load_settings(settings, {})
    assert variable in str(excinfo.value)
    assert key in str(excinfo.value)


def test_required_setting_can_come_from_environment_alone():
    settings = load_settings(
        {"sqlalchemy.url": "sqlite://", "notify.admin_client_secrets": "a"},
        {"NOTIFY_SECRET_KEY": "from-env"},
    )
    assert settings["notify.secret_key"] == "from-env"


def test_admin_secrets_are_a_comma_separated_list():
    settings = load_settings(
        REQUIRED, {"NOTIFY_ADMIN_CLIENT_SECRETS": "one, two,three"}
    )
    assert settings["notify.admin_client_secrets"] == ["one", "two", "three"]


def test_booleans_are_parsed():
    settings = load_settings(REQUIRED, {"STATSD_ENABLED": "true"})
    assert settings["statsd.enabled"] is True
    assert load_settings(REQUIRED, {})["statsd.enabled"] is False


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://user@host/db",
            "postgresql+psycopg2://user@host/db",
        ),
        ("postgres://user@host/db", "postgresql+psycopg2://user@host/db"),
        (
            "postgresql+psycopg2://user@host/db",
            "postgresql+psycopg2://user@host/db",
        ),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_bare_postgresql_url_selects_psycopg2(url, expected):
    assert normalize_database_url(url) == expected
    assert load_settings({**REQUIRED, "sqlalchemy.url": url}, {})[
        "sqlalchemy.url"
    ] == (expected)
