"""Firetext: a form-encoded POST over HTTPS."""

import logging

from . import ProviderError, Sms
from .http import HTTPSmsClient

logger = logging.getLogger(__name__)


class FiretextClient(HTTPSmsClient):
    """Sends text messages through Firetext's JSON sending interface.

    Our notification id travels as ``reference``, and comes back under
    the same name in Firetext's delivery receipts. Firetext answers 200
    even when it refuses a message: ``code`` 0 alone means accepted.
    """

    name = "firetext"

    def try_send_sms(self, sms: Sms) -> None:
        response = self.post(
            sms.reference,
            data={
                "apiKey": self.api_key,
                "from": sms.sender,
                "to": sms.to.lstrip("+"),
                "message": sms.body,
                "reference": sms.reference,
            },
        )
        answer = self.json_answer(response, sms.reference)
        code = answer.get("code") if isinstance(answer, dict) else None
        if code != 0:
            logger.warning(
                "Provider refused the message",
                extra={
                    "provider": self.name,
                    "notification_id": sms.reference,
                    "code": code,
                },
            )
            raise ProviderError(f"firetext answered code {code}")
