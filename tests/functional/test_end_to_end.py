"""Whole journeys through a live server, as a client and operator see them."""

import pathlib
import re
import shutil
import socket
import subprocess
import sys
import uuid

import pytest
import transaction
from notifications_python_client.notifications import NotificationsAPIClient

import notify_statsd
from notify_pyramid.models import Notification, get_tm_session
from tests import factories
from tests.processes import free_port, wait_until_up

ROOT = pathlib.Path(__file__).resolve().parents[2]


def committed_service(session_factory, key_type="test"):
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(session_factory, manager)
        service = factories.create_service(session)
        api_key, secret = factories.create_api_key(session, service, key_type)
        sms = factories.create_template(session, service)
        email = factories.create_template(session, service, "email")
        return (
            f"{api_key.name}-{service.id}-{secret}",
            str(sms.id),
            str(email.id),
        )


@pytest.mark.parametrize(
    ("phone_number", "status"),
    [
        ("07700900001", "delivered"),
        ("07700900003", "temporary-failure"),
        ("07700900002", "permanent-failure"),
    ],
)
def test_test_key_send_reaches_its_simulated_final_status(
    committed, live_server, phone_number, status
):
    key, sms_template, _ = committed_service(committed)
    client = NotificationsAPIClient(key, base_url=live_server)

    sent = client.send_sms_notification(
        phone_number, sms_template, personalisation={"name": "Ada"}
    )
    # tasks run in the API process right after the commit (no broker)
    notification = client.get_notification_by_id(sent["id"])

    assert notification["status"] == status
    assert notification["completed_at"] is not None
    assert notification["sent_at"] is not None


def test_test_key_email_is_delivered(committed, live_server):
    key, _, email_template = committed_service(committed)
    client = NotificationsAPIClient(key, base_url=live_server)
    sent = client.send_email_notification(
        "someone@example.com", email_template, personalisation={"name": "A"}
    )
    assert client.get_notification_by_id(sent["id"])["status"] == ("delivered")


def test_normal_key_send_is_handed_to_the_log_provider(committed, live_server):
    key, sms_template, _ = committed_service(committed, "normal")
    client = NotificationsAPIClient(key, base_url=live_server)
    sent = client.send_sms_notification(
        "07700900123", sms_template, personalisation={"name": "Ada"}
    )

    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(committed, manager)
        notification = session.get(Notification, uuid.UUID(sent["id"]))
        assert (notification.status, notification.sent_by) == (
            "sending",
            "log",
        )


@pytest.fixture
def udp():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def test_a_send_reports_request_dao_and_task_metrics(
    committed, app_settings, dbengine, udp, tmp_path
):
    from notify_pyramid import main

    previous = notify_statsd.get_client()
    port = udp.getsockname()[1]
    app = main(
        {},
        **{
            **app_settings,
            "dbengine": dbengine,
            "statsd.enabled": "true",
            "statsd.host": "127.0.0.1",
            "statsd.port": str(port),
        },
    )
    try:
        import webtest

        key, sms_template, _ = committed_service(committed, "normal")
        secret = key[-36:]
        service_id = key[-73:-37]
        webtest.TestApp(app).post_json(
            "/v2/notifications/sms",
            {
                "phone_number": "07700900123",
                "template_id": sms_template,
                "personalisation": {"name": "Ada"},
            },
            headers=[factories.service_auth_header(service_id, secret)],
            status=201,
        )
    finally:
        notify_statsd.get_client().close()
        notify_statsd.configure(previous)

    udp.settimeout(0.5)
    lines = []
    try:
        while True:
            lines += udp.recv(65535).decode().splitlines()
    except TimeoutError:
        pass
    names = {line.split(":")[0] for line in lines}
    prefix = "notifications.api."
    for name in (
        "POST.notifications.post_notification.201",
        "dao.dao_insert_notification",
        "tasks.deliver_sms",
        "clients.log.success",
    ):
        assert prefix + name in names
    assert f"{prefix}POST.notifications.post_notification.201:1|c" in lines


def test_demo_key_works_against_pserve_development_ini(tmp_path):
    # a copy of development.ini in an empty folder: its own SQLite file
    ini = tmp_path / "development.ini"
    port = free_port()
    text = (ROOT / "development.ini").read_text()
    ini.write_text(
        re.sub(r"(?m)^listen = .*$", f"listen = 127.0.0.1:{port}", text)
    )
    bindir = pathlib.Path(sys.executable).parent
    initialize = subprocess.run(
        [str(bindir / "initialize_notify_db"), str(ini), "--demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    key = re.search(r"API key \(shown once\): (\S+)", initialize.stdout)[1]
    sms = re.search(r"SMS template id:\s+(\S+)", initialize.stdout)[1]

    server = subprocess.Popen(
        [str(bindir / "pserve"), str(ini)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, server)
        client = NotificationsAPIClient(key, base_url=url)
        templates = client.get_all_templates()["templates"]
        assert sms in {template["id"] for template in templates}
        sent = client.send_sms_notification(
            "07700900123", sms, personalisation={"name": "Ada", "code": "1"}
        )
        assert sent["content"]["body"] == "Hello Ada, your code is 1."
    finally:
        server.terminate()
        server.wait(timeout=10)
    shutil.rmtree(tmp_path / "var", ignore_errors=True)
