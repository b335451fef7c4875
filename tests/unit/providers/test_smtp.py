import socket

import pytest
from aiosmtpd.controller import Controller

from notify_pyramid.providers import Email, ProviderError
from notify_pyramid.providers.smtp import SMTPClient
from notify_pyramid.tasks.delivery import deliver_email


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("refused@"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def test_email_task_delivers_the_rendered_message(
    smtp_server, delivery_app, committed_notification, read_notification
):
    inbox, port = smtp_server
    delivery_app(
        **{
            "email.provider": "smtp",
            "email.from_domain": "notify.test",
            "smtp.host": "127.0.0.1",
            "smtp.port": str(port),
            "smtp.security": "none",
        }
    )
    nid = committed_notification("email")

    deliver_email.apply(args=[nid])

    [envelope] = inbox.envelopes
    assert envelope.mail_from == "test.service@notify.test"
    assert envelope.rcpt_tos == ["someone@example.com"]
    message = envelope.content.decode("utf-8")
    assert "Subject: Subject Ada" in message
    assert "To: someone@example.com" in message
    assert f"Message-ID: <{nid}@notify.test>" in message
    assert "Hello Ada" in message
    notification, history = read_notification(nid)
    assert notification.status == history.status == "sending"
    assert notification.sent_by == "smtp"


def test_refused_recipient_is_a_provider_error(smtp_server):
    inbox, port = smtp_server
    client = SMTPClient("127.0.0.1", port, security="none")
    email = Email(
        reference="ref",
        to="refused@example.com",
        subject="s",
        body="b",
        from_address="a@notify.test",
    )

    with pytest.raises(ProviderError):
        client.send_email(email)

    assert inbox.envelopes == []


def test_unreachable_mail_server_is_a_provider_error():
    client = SMTPClient("127.0.0.1", free_port(), security="none")
    email = Email(
        reference="ref",
        to="someone@example.com",
        subject="s",
        body="b",
        from_address="a@notify.test",
    )

    with pytest.raises(ProviderError):
        client.send_email(email)
