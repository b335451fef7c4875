"""Measure the CPU cost of one v2 SMS send against a hello-world view.

Run from the repository root in the project's virtualenv::

    python bench/v2_send.py                     # a temporary SQLite file
    DATABASE_URL=postgresql://... python bench/v2_send.py
    python bench/v2_send.py --profile           # pyinstrument, if installed

Every request goes through the whole WSGI application in this process
(tweens, auth, view, commit), called directly, without a socket. The
figure is process CPU time per request, best of several turns, so a
database server's own work is left out (SQLite's is not: it runs in this
process). The cases:

- ``hello world``: a Pyramid app with one view returning a string;
- ``auth + 1 query (404)``: the API answering a lookup of an unknown
  notification, the floor under any authenticated request;
- ``v2 sms, ORM``: the send path with an ORM template lookup, ORM inserts
  through the unit of work, no caching of parsed templates and the
  request schema compiled for each request;
- ``v2 sms, as built``: the code as shipped.

The key is a test key, so nothing is delivered; the simulated-receipt
task that each send queues after commit is replaced by a no-op, so only
the API's own work is measured. The database given is written to: use a
scratch one (the script creates and drops its own tables on SQLite only).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
import uuid

from notifications_python_client.authentication import create_jwt_token
from pyramid.config import Configurator
from pyramid.response import Response
from sqlalchemy import delete

from notify_pyramid import main as make_app
from notify_pyramid import migrations, tasks
from notify_pyramid.crypto import Encryptor
from notify_pyramid.dao.api_keys import dao_create_api_key
from notify_pyramid.dao.notifications import dao_create_notification
from notify_pyramid.dao.services import dao_create_service
from notify_pyramid.dao.templates import (
    dao_create_template,
    dao_fetch_template,
)
from notify_pyramid.models import (
    ApiKey,
    Base,
    Notification,
    NotificationHistory,
    Service,
    Template,
    get_engine,
)
from notify_pyramid.notifications import send, templates
from notify_pyramid.settings import normalize_database_url
from notify_pyramid.views.v2 import notifications as v2_views

SECRET_KEY = "bench-secret-key-not-for-any-real-use-0123456789"  # noqa: S105
REQUESTS = 200
REPEATS = 7


def hello_world_app():
    def hello(request):
        return Response("hello")

    with Configurator() as config:
        config.add_route("hello", "/")
        config.add_view(hello, route_name="hello")
    return config.make_wsgi_app()


def environ(method, path, body=b"", headers=()):
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
    }
    for name, value in headers:
        env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def call(app, make_environ):
    status = []

    def start_response(s, h, exc_info=None):
        status.append(s)

    b"".join(app(make_environ(), start_response))
    return status[0]


def cpu_per_request(app, make_environ, expected, requests=REQUESTS):
    assert call(app, make_environ).startswith(expected)
    start = time.process_time()
    for _ in range(requests):
        call(app, make_environ)
    return (time.process_time() - start) / requests


def setup_service(app):
    factory = app.registry["dbsession_factory"]
    session = factory()
    encryptor = Encryptor(SECRET_KEY)
    service = dao_create_service(
        session,
        Service(
            name=f"bench {uuid.uuid4()}",
            restricted=False,
            # far above what the turns send, so that none is refused
            rate_limit=1_000_000_000,
        ),
    )
    secret = str(uuid.uuid4())
    dao_create_api_key(
        session,
        ApiKey(
            service_id=service.id,
            name="bench",
            key_type="test",
            secret=encryptor.encrypt(secret),
        ),
    )
    template = dao_create_template(
        session,
        Template(
            service_id=service.id,
            template_type="sms",
            name="bench",
            content="Hello ((name)), your code is ((code)).",
        ),
    )
    session.commit()
    ids = service.id, template.id
    session.close()
    return ids, secret


PLAIN = ("orm", "parse", "schema")


def orm_send_path(monkeypatch_list, which=PLAIN):
    """Swap in the plain way of doing some of the send path's steps."""

    def fetch_template(session, service_id, template_id):
        return dao_fetch_template(session, service_id, template_id)

    def insert(session, values):
        dao_create_notification(session, Notification(**values))

    class NoCache(templates._ParsedCache):
        def get(self, key, build):
            return build()

    schema = v2_views.SEND_SCHEMAS["sms"].schema

    class Recompiled(dict):
        def __getitem__(self, key):
            return v2_views.Schema(schema)

    swaps = {
        "orm": [
            (send, "dao_fetch_template_for_sending", fetch_template),
            (send, "dao_insert_notification", insert),
        ],
        "parse": [(templates, "PARSED_TEMPLATES", NoCache(0))],
        "schema": [(v2_views, "SEND_SCHEMAS", Recompiled())],
    }
    for module, name, value in [s for key in which for s in swaps[key]]:
        monkeypatch_list.append((module, name, getattr(module, name)))
        setattr(module, name, value)


def restore(monkeypatch_list):
    for module, name, value in reversed(monkeypatch_list):
        setattr(module, name, value)
    monkeypatch_list.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL")
    scratch = None
    if not url:
        scratch = tempfile.TemporaryDirectory()
        url = f"sqlite:///{scratch.name}/bench.sqlite"
    settings = {
        "sqlalchemy.url": normalize_database_url(url),
        "notify.secret_key": SECRET_KEY,
        "notify.admin_client_secrets": "bench-admin-secret-0123456789",
    }
    engine = get_engine(settings)
    migrations.upgrade(engine)
    app = make_app({}, dbengine=engine, **settings)
    # the simulated receipt is not the API's work
    tasks._send_if_committed = lambda committed, task_name, args: None

    (service_id, template_id), secret = setup_service(app)
    body = json.dumps(
        {
            "phone_number": "07700900123",
            "template_id": str(template_id),
            "personalisation": {"name": "Jo", "code": "1234"},
        }
    ).encode()
    signed = {"at": 0.0, "headers": []}

    def auth_headers():
        # the server accepts a token for 30 seconds: sign a new one every 10
        now = time.monotonic()
        if now - signed["at"] > 10:
            token = create_jwt_token(secret, str(service_id))
            signed.update(
                at=now, headers=[("Authorization", f"Bearer {token}")]
            )
        return signed["headers"]

    def send_environ():
        return environ("POST", "/v2/notifications/sms", body, auth_headers())

    missing = f"/v2/notifications/{uuid.uuid4()}"

    def lookup_environ():
        return environ("GET", missing, b"", auth_headers())

    hello = hello_world_app()
    cases = [
        ("hello world", hello, lambda: environ("GET", "/"), "200", None),
        ("auth + 1 query (404)", app, lookup_environ, "404", None),
        ("v2 sms, all plain", app, send_environ, "201", PLAIN),
        ("  schema cached", app, send_environ, "201", ("orm", "parse")),
        ("  + parse cached", app, send_environ, "201", ("orm",)),
        ("  + Core (as built)", app, send_environ, "201", ()),
    ]
    # the cases take turns, so that a busy moment on the machine does not
    # fall on one case only; each keeps its best turn
    best: dict[str, float] = {}
    swapped: list = []
    for _ in range(REPEATS):
        for label, wsgi, make_environ, expected, which in cases:
            if which is not None:
                orm_send_path(swapped, which)
            value = cpu_per_request(wsgi, make_environ, expected)
            restore(swapped)
            best[label] = min(best.get(label, value), value)

    baseline = best["hello world"]
    print(f"database: {engine.dialect.name}; best of {REPEATS} x {REQUESTS}")
    for label, value in best.items():
        print(
            f"{label:22} {value * 1000:7.3f} ms CPU/request "
            f"{value / baseline:6.1f} x hello world"
        )

    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0001)
        profiler.start()
        for _ in range(REQUESTS):
            call(app, send_environ)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))

    with engine.begin() as connection:
        for model in (NotificationHistory, Notification):
            connection.execute(
                delete(model).where(model.service_id == service_id)
            )
    if scratch is not None:
        Base.metadata.drop_all(engine)
        scratch.cleanup()


if __name__ == "__main__":
    main()
