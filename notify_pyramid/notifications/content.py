"""The text of a notification, rendered when it is read.

Bodies are not stored: a notification keeps its template id and version
and its encrypted personalisation, and its text is rendered from those
whenever it is needed (answering a client, handing it to a provider).
"""

import dataclasses
import uuid

from ..crypto import Encryptor
from ..dao.templates import dao_fetch_template_version
from ..models import Notification
from .send import decrypt_personalisation
from .templates import parsed_template, render


@dataclasses.dataclass(frozen=True)
class Content:
    """A notification's text: its body, and an email's subject."""

    body: str
    subject: str | None


class TemplateVersionMissing(LookupError):
    """The template version a notification names does not exist."""


def render_content(
    encryptor: Encryptor,
    *,
    template_id: uuid.UUID,
    template_version: int,
    template_type: str,
    content: str,
    subject: str | None,
    personalisation: str | None,
) -> Content:
    """Render a template version with encrypted ``personalisation``."""
    parsed = parsed_template(
        template_id, template_version, template_type, content, subject
    )
    rendered = render(
        parsed, decrypt_personalisation(encryptor, personalisation)
    )
    return Content(body=rendered.body, subject=rendered.subject)


def notification_content(
    dbsession, notification: Notification, encryptor: Encryptor
) -> Content:
    """Return the text of ``notification``.

    Renders the template version the notification was sent with, using its
    decrypted personalisation. Raises :class:`TemplateVersionMissing` if
    that version is not in ``templates_history``.
    """
    version = dao_fetch_template_version(
        dbsession,
        notification.service_id,
        notification.template_id,
        notification.template_version,
    )
    if version is None:
        raise TemplateVersionMissing(
            f"template {notification.template_id} has no version "
            f"{notification.template_version}"
        )
    return render_content(
        encryptor,
        template_id=notification.template_id,
        template_version=notification.template_version,
        template_type=version.template_type,
        content=version.content,
        subject=version.subject,
        personalisation=notification.personalisation,
    )
