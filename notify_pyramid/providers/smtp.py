"""SMTP: email through any mail server, over STARTTLS or implicit TLS.

The message's ``Message-ID`` carries our notification id, so a bounce or
a log line at the mail server can be traced back to the notification.
"""

import email.message
import email.utils
import logging
import smtplib
import ssl

from . import Email, EmailClient, ProviderError, ProviderTimeout

logger = logging.getLogger(__name__)

SECURITY_MODES = ("starttls", "ssl", "none")


class SMTPClient(EmailClient):
    """Sends each email in its own SMTP session.

    ``security`` is ``starttls`` (upgrade a plain connection, usually port
    587), ``ssl`` (TLS from the first byte, usually port 465) or ``none``
    (a trusted relay on the same network only).
    """

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        security: str = "starttls",
        username: str = "",
        password: str = "",
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"smtp.security must be one of {SECURITY_MODES}")
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout

    @classmethod
    def from_settings(cls, settings):
        from . import ProviderConfigError

        security = settings["smtp.security"]
        if security not in SECURITY_MODES:
            raise ProviderConfigError(
                f"smtp.security must be one of {', '.join(SECURITY_MODES)}"
            )
        return cls(
            host=settings["smtp.host"],
            port=settings["smtp.port"],
            security=security,
            username=settings["smtp.username"],
            password=settings["smtp.password"],
            connect_timeout=settings["providers.connect_timeout_seconds"],
            read_timeout=settings["providers.read_timeout_seconds"],
        )

    def build_message(self, message: Email) -> email.message.EmailMessage:
        """Return the MIME message for ``message``."""
        mime = email.message.EmailMessage()
        mime["From"] = email.utils.formataddr(
            (message.from_name, message.from_address)
        )
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = email.utils.formatdate(usegmt=True)
        domain = message.from_address.rpartition("@")[2] or "localhost"
        mime["Message-ID"] = f"<{message.reference}@{domain}>"
        mime.set_content(message.body)
        return mime

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                self.host,
                self.port,
                timeout=self.connect_timeout,
                context=context,
            )
        else:
            smtp = smtplib.SMTP(
                self.host, self.port, timeout=self.connect_timeout
            )
        try:
            smtp.sock.settimeout(self.read_timeout)
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def try_send_email(self, message: Email) -> None:
        mime = self.build_message(message)
        extra = {"provider": self.name, "notification_id": message.reference}

        # nothing can have been sent before the message itself goes out
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            logger.warning("Mail server could not be reached", extra=extra)
            raise ProviderError("smtp connection failed") from exc

        try:
            smtp.send_message(mime)
        except (
            smtplib.SMTPRecipientsRefused,
            smtplib.SMTPSenderRefused,
            smtplib.SMTPDataError,
        ) as exc:
            smtp.close()
            logger.warning("Mail server refused the message", extra=extra)
            raise ProviderError("smtp refused the message") from exc
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            logger.warning("Mail server did not answer in time", extra=extra)
            raise ProviderTimeout("smtp outcome unknown") from exc

        # the server has the message; a failed goodbye changes nothing
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
