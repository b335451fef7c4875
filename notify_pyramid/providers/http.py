"""What MMG and Firetext share: a POST with timeouts, errors sorted out.

A request that never reached the provider (refused, unreachable, TLS
failed, connect timeout) or that the provider answered with an HTTP error
is a :class:`ProviderError`. A request that went out and got no answer in
time, or whose connection dropped before the answer, is a
:class:`ProviderTimeout`: the provider may have the message.
"""

import logging

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from . import ProviderError, ProviderTimeout, SmsClient

logger = logging.getLogger(__name__)


def _never_reached(exc: requests.ConnectionError) -> bool:
    # requests raises ConnectionError both for a connection that could not
    # be opened and for one that dropped after the request was sent
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    cause = exc.args[0] if exc.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    return isinstance(cause, NewConnectionError)


class HTTPSmsClient(SmsClient):
    """An SMS provider reached with one HTTP POST per message."""

    def __init__(
        self,
        url: str,
        api_key: str,
        connect_timeout: float,
        read_timeout: float,
    ) -> None:
        self.url = url
        self.api_key = api_key
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()

    @classmethod
    def from_settings(cls, settings):
        return cls(
            url=settings[f"{cls.name}.url"],
            api_key=settings[f"{cls.name}.api_key"],
            connect_timeout=settings["providers.connect_timeout_seconds"],
            read_timeout=settings["providers.read_timeout_seconds"],
        )

    def post(self, reference: str, **kwargs) -> requests.Response:
        """POST to the provider; return its successful answer.

        Raises :class:`ProviderError` or :class:`ProviderTimeout`.
        """
        extra = {"provider": self.name, "notification_id": reference}
        try:
            response = self.session.post(
                self.url, timeout=self.timeout, **kwargs
            )
        except requests.ConnectionError as exc:
            if _never_reached(exc):
                logger.warning("Provider could not be reached", extra=extra)
                raise ProviderError(f"{self.name} unreachable") from exc
            logger.warning("Provider dropped the connection", extra=extra)
            raise ProviderTimeout(f"{self.name} dropped") from exc
        except requests.Timeout as exc:
            logger.warning("Provider did not answer in time", extra=extra)
            raise ProviderTimeout(f"{self.name} timed out") from exc
        except requests.RequestException as exc:
            logger.warning("Provider request failed", extra=extra)
            raise ProviderError(f"{self.name} request failed") from exc

        if not response.ok:
            logger.warning(
                "Provider refused the message",
                extra={**extra, "status_code": response.status_code},
            )
            raise ProviderError(f"{self.name} answered {response.status_code}")
        return response

    def json_answer(self, response: requests.Response, reference: str):
        """Return the JSON body of ``response``, or raise ProviderError."""
        try:
            return response.json()
        except ValueError as exc:
            logger.warning(
                "Provider answered with invalid JSON",
                extra={"provider": self.name, "notification_id": reference},
            )
            raise ProviderError(f"{self.name} answered non-JSON") from exc
