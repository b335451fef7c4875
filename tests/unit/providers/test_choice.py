import pytest

from notify_pyramid.providers import ProviderConfigError, build_providers
from notify_pyramid.providers.choice import ProviderHealth, SmsProviders
from notify_pyramid.providers.log import LogSmsClient
from notify_pyramid.settings import load_settings


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def named(name):
    client = LogSmsClient()
    client.name = name
    return client


def test_repeated_errors_move_a_provider_last_for_a_while():
    clock = Clock()
    health = ProviderHealth(3, 60, 300, clock=clock)
    providers = SmsProviders([named("mmg"), named("firetext")], health)

    for _ in range(3):
        health.record_error("mmg")

    assert [c.name for c in providers.ordered()] == ["firetext", "mmg"]
    clock.now += 301
    assert [c.name for c in providers.ordered()] == ["mmg", "firetext"]


def test_errors_spread_beyond_the_window_do_not_bench():
    clock = Clock()
    health = ProviderHealth(3, 60, 300, clock=clock)

    for _ in range(3):
        health.record_error("mmg")
        clock.now += 31

    assert not health.is_cooling("mmg")


REQUIRED = {
    "sqlalchemy.url": "sqlite://",
    "notify.secret_key": "k",
    "notify.admin_client_secrets": "a",
}


def test_providers_follow_the_priority_setting():
    settings = load_settings(
        {**REQUIRED, "sms.providers": "firetext, mmg"},
        {"MMG_API_KEY": "m", "FIRETEXT_API_KEY": "f"},
    )

    providers = build_providers(settings)

    assert [c.name for c in providers.sms.ordered()] == ["firetext", "mmg"]
    assert providers.email.name == "log"


def test_unknown_provider_is_refused():
    settings = load_settings({**REQUIRED, "sms.providers": "carrier"}, {})

    with pytest.raises(ProviderConfigError, match="carrier"):
        build_providers(settings)


def test_chosen_provider_without_its_key_is_refused():
    from notify_pyramid.settings import MissingSettingError

    with pytest.raises(MissingSettingError, match="MMG_API_KEY"):
        load_settings({**REQUIRED, "sms.providers": "mmg"}, {})
