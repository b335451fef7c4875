"""``initialize_notify_db <ini> [--demo]``: migrate, and optionally seed.

Migrates the database to the newest revision (safe to run again: a
database already at head is left alone). With ``--demo`` on a database
that has no service yet, creates a demo service with a live API key and an
SMS and an email template, and prints what a client needs to send.
"""

import argparse
import os
import sys
import uuid

from pyramid.paster import bootstrap, setup_logging
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from .. import migrations
from ..dao.api_keys import dao_create_api_key
from ..dao.services import dao_create_service, dao_replace_guest_list
from ..dao.templates import dao_create_template
from ..models import ApiKey, Service, Template
from ..models.api_key import KEY_TYPE_NORMAL
from ..models.service import GUEST_LIST_EMAIL, GUEST_LIST_MOBILE


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "config_uri", help="the ini file, e.g. development.ini"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="on an empty database, create a demo service, key and templates",
    )
    return parser.parse_args(argv[1:])


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite database file if it is missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        if parsed.database != ":memory:":
            folder = os.path.dirname(os.path.abspath(parsed.database))
            os.makedirs(folder, exist_ok=True)


def create_demo(dbsession, encryptor) -> dict:
    """Create the demo service, key and templates; return what to print."""
    service = dao_create_service(
        dbsession,
        Service(
            name="Demo service",
            restricted=False,
            message_limit=1000,
            permissions=["sms", "email", "international_sms"],
            sms_sender="DEMO",
            email_from="demo",
            created_by="initialize_notify_db",
        ),
    )
    dao_replace_guest_list(
        dbsession,
        service.id,
        [
            (GUEST_LIST_EMAIL, "team@example.com"),
            (GUEST_LIST_MOBILE, "447700900123"),
        ],
    )
    secret = str(uuid.uuid4())
    api_key = dao_create_api_key(
        dbsession,
        ApiKey(
            service_id=service.id,
            name="demo",
            key_type=KEY_TYPE_NORMAL,
            secret=encryptor.encrypt(secret),
            created_by="initialize_notify_db",
        ),
    )
    sms = dao_create_template(
        dbsession,
        Template(
            service_id=service.id,
            template_type="sms",
            name="Demo text message",
            content="Hello ((name)), your code is ((code)).",
            created_by="initialize_notify_db",
        ),
    )
    email = dao_create_template(
        dbsession,
        Template(
            service_id=service.id,
            template_type="email",
            name="Demo email",
            subject="Hello ((name))",
            content="Dear ((name)),\n\nThis is a demo email.",
            created_by="initialize_notify_db",
        ),
    )
    return {
        "service_id": str(service.id),
        "api_key": f"{api_key.name}-{service.id}-{secret}",
        "sms_template_id": str(sms.id),
        "email_template_id": str(email.id),
    }


def main(argv=None) -> int:
    argv = sys.argv if argv is None else argv
    args = parse_args(argv)
    setup_logging(args.config_uri)
    with bootstrap(args.config_uri) as env:
        registry = env["registry"]
        settings = registry.settings
        ensure_sqlite_directory(settings["sqlalchemy.url"])
        engine = registry["dbengine"]
        migrations.upgrade(engine)
        print("Database at revision", migrations.current_revision(engine))
        if not args.demo:
            return 0

        request = env["request"]
        with request.tm:
            dbsession = request.dbsession
            if dbsession.scalar(select(func.count(Service.id))):
                print("Services already exist: no demo data created.")
                return 0
            demo = create_demo(dbsession, registry["encryptor"])

    print(
        "Demo service created. Send a first message with the official "
        "client:\n\n"
        f"  API key (shown once): {demo['api_key']}\n"
        f"  SMS template id:      {demo['sms_template_id']}\n"
        f"  Email template id:    {demo['email_template_id']}\n\n"
        "  from notifications_python_client import NotificationsAPIClient\n"
        "  client = NotificationsAPIClient(\n"
        f"      '{demo['api_key']}', base_url='http://localhost:6543')\n"
        "  client.send_sms_notification(\n"
        f"      '07700900123', '{demo['sms_template_id']}',\n"
        "      personalisation={'name': 'Ada', 'code': '1234'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
