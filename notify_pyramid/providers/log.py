"""Providers that only log: the embedded default, where nothing is sent.

The line names the notification and the provider, never the recipient or
the body.
"""

import logging

from . import Email, EmailClient, Sms, SmsClient

logger = logging.getLogger(__name__)


class LogSmsClient(SmsClient):
    """Logs that a text message was sent, and sends nothing."""

    name = "log"

    @classmethod
    def from_settings(cls, settings):
        return cls()

    def try_send_sms(self, sms: Sms) -> None:
        logger.info(
            "Text message sent (logged only; body redacted)",
            extra={"notification_id": sms.reference, "provider": self.name},
        )


class LogEmailClient(EmailClient):
    """Logs that an email was sent, and sends nothing."""

    name = "log"

    @classmethod
    def from_settings(cls, settings):
        return cls()

    def try_send_email(self, email: Email) -> None:
        logger.info(
            "Email sent (logged only; body redacted)",
            extra={"notification_id": email.reference, "provider": self.name},
        )
