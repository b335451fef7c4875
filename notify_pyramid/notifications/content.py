"""The message a notification carries, rendered from its template."""

import json
import re
from typing import NamedTuple

from ..models import Notification, TemplateHistory

_PLACEHOLDER = re.compile(r"\(\(([^()?]+?)(?:\?\?([^()]*))?\)\)")
_IGNORED = re.compile(r"[\s_-]")
_TRUTHY = frozenset(("yes", "y", "true", "t", "1", "include", "show"))


class Content(NamedTuple):
    body: str
    subject: str | None


def _key(name: str) -> str:
    return _IGNORED.sub("", name).lower()


def render(text: str, personalisation: dict) -> str:
    """Fill ``((name))`` and ``((name??text))`` from ``personalisation``.

    Names match ignoring case, spaces, ``_`` and ``-``. A placeholder with
    no value is left as it is.
    """
    values = {_key(str(k)): v for k, v in personalisation.items()}

    def replace(match):
        key = _key(match.group(1))
        conditional = match.group(2)
        if key not in values or values[key] is None:
            return match.group(0)
        value = values[key]
        if conditional is not None:
            shown = str(value).strip().lower() in _TRUTHY
            return conditional if shown else ""
        return str(value)

    return _PLACEHOLDER.sub(replace, text)


def notification_content(dbsession, notification: Notification, encryptor):
    """Return the :class:`Content` a notification was sent with.

    Renders the template version the notification records with its
    decrypted personalisation.
    """
    template = dbsession.get(
        TemplateHistory,
        (notification.template_id, notification.template_version),
    )
    personalisation = {}
    if notification.personalisation:
        personalisation = json.loads(
            encryptor.decrypt(notification.personalisation)
        )
    subject = None
    if template.subject is not None:
        subject = render(template.subject, personalisation)
    return Content(render(template.content, personalisation), subject)
