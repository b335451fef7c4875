"""MMG: JSON over HTTPS, authorised with the account's API key."""

import json

from . import Sms
from .http import HTTPSmsClient


class MMGClient(HTTPSmsClient):
    """Sends text messages through MMG's bulk JSON interface.

    Our notification id travels as ``cid``; MMG's delivery receipts carry
    it back as ``CID``.
    """

    name = "mmg"

    def try_send_sms(self, sms: Sms) -> None:
        payload = {
            "reqType": "BULK",
            "MSISDN": sms.to.lstrip("+"),
            "msg": sms.body,
            "sender": sms.sender,
            "cid": sms.reference,
            "multi": True,
        }
        response = self.post(
            sms.reference,
            data=json.dumps(payload),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Basic {self.api_key}",
            },
        )
        self.json_answer(response, sms.reference)
