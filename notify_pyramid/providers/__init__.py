"""Provider clients that hand messages over, and the choice between them.

Every client raises one of two exceptions when a hand-off does not
succeed, because the two call for opposite reactions:

- :class:`ProviderError`: the provider clearly did not take the message
  (it answered with an error, or could not be reached). Trying again, or
  trying another provider, cannot send it twice.
- :class:`ProviderTimeout`: the request went out but no answer came back in
  time. The provider may have taken the message, so the outcome is
  unknown and sending it again straight away could send it twice.
"""

import contextlib
import dataclasses
import logging
from time import perf_counter
from typing import TYPE_CHECKING

from notify_statsd import get_client

if TYPE_CHECKING:
    from .choice import SmsProviders

logger = logging.getLogger(__name__)


class ProviderError(Exception):
    """The provider did not take the message; nothing was sent."""


class ProviderTimeout(Exception):
    """No answer in time: the provider may or may not have the message."""


class ProviderConfigError(ValueError):
    """The settings name a provider that does not exist."""


@dataclasses.dataclass(frozen=True)
class Sms:
    """A text message ready for a provider."""

    #: our notification id, given to the provider as its reference
    reference: str
    to: str
    body: str
    sender: str
    international: bool = False


@dataclasses.dataclass(frozen=True)
class Email:
    """An email ready for a provider."""

    #: our notification id, given to the provider as its reference
    reference: str
    to: str
    subject: str
    body: str
    from_address: str
    from_name: str = ""


class Client:
    """The base of every provider client: metrics around each hand-off.

    Each hand-off counts ``clients.<name>.success`` or
    ``clients.<name>.error`` (a timeout is an error) and times
    ``clients.<name>.request-time``.
    """

    name = ""

    @contextlib.contextmanager
    def measure(self):
        """Count and time the hand-off made inside the ``with`` block."""
        client = get_client()
        start = perf_counter()
        try:
            yield
        except (ProviderError, ProviderTimeout):
            client.incr(f"clients.{self.name}.error")
            raise
        else:
            client.incr(f"clients.{self.name}.success")
        finally:
            elapsed = (perf_counter() - start) * 1000.0
            client.timing(f"clients.{self.name}.request-time", elapsed)


class SmsClient(Client):
    """A provider that sends text messages."""

    def send_sms(self, sms: Sms) -> None:
        """Hand ``sms`` to the provider.

        Raises :class:`ProviderError` or :class:`ProviderTimeout`.
        """
        with self.measure():
            self.try_send_sms(sms)

    def try_send_sms(self, sms: Sms) -> None:
        raise NotImplementedError


class EmailClient(Client):
    """A provider that sends emails."""

    def send_email(self, email: Email) -> None:
        """Hand ``email`` to the provider.

        Raises :class:`ProviderError` or :class:`ProviderTimeout`.
        """
        with self.measure():
            self.try_send_email(email)

    def try_send_email(self, email: Email) -> None:
        raise NotImplementedError


def build_sms_client(name: str, settings) -> SmsClient:
    """Return the SMS client called ``name``, configured from settings."""
    from .firetext import FiretextClient
    from .log import LogSmsClient
    from .mmg import MMGClient

    classes = {
        "mmg": MMGClient,
        "firetext": FiretextClient,
        "log": LogSmsClient,
    }
    if name not in classes:
        raise ProviderConfigError(
            f"unknown SMS provider {name!r} in sms.providers "
            f"(choose from {', '.join(sorted(classes))})"
        )
    return classes[name].from_settings(settings)


def build_email_client(name: str, settings) -> EmailClient:
    """Return the email client called ``name``, configured from settings."""
    from .log import LogEmailClient
    from .smtp import SMTPClient

    classes = {"smtp": SMTPClient, "log": LogEmailClient}
    if name not in classes:
        raise ProviderConfigError(
            f"unknown email provider {name!r} in email.provider "
            f"(choose from {', '.join(sorted(classes))})"
        )
    return classes[name].from_settings(settings)


@dataclasses.dataclass
class Providers:
    """The configured providers: SMS ones by priority, and the email one."""

    sms: "SmsProviders"
    email: EmailClient


def build_providers(settings) -> Providers:
    """Build every provider the settings choose.

    Raises :class:`ProviderConfigError` for an unknown or missing one.
    """
    from .choice import ProviderHealth, SmsProviders

    names = list(settings["sms.providers"])
    if not names:
        raise ProviderConfigError("sms.providers names no provider")
    if len(set(names)) != len(names):
        raise ProviderConfigError("sms.providers names a provider twice")
    health = ProviderHealth(
        threshold=settings["providers.error_threshold"],
        window_seconds=settings["providers.error_window_seconds"],
        cooldown_seconds=settings["providers.cooldown_seconds"],
    )
    sms = SmsProviders(
        [build_sms_client(name, settings) for name in names], health
    )
    email = build_email_client(settings["email.provider"], settings)
    return Providers(sms=sms, email=email)


def includeme(config):
    """Build the providers once and keep them in the registry."""
    try:
        providers = build_providers(config.get_settings())
    except ProviderConfigError as exc:
        raise SystemExit(f"notify-pyramid cannot start: {exc}") from None
    config.registry["providers"] = providers
