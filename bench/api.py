"""Benchmark the API on PostgreSQL against Pyramid and PostgreSQL themselves.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \\
        python bench/api.py [--duration 10] [--warmup 2] [--connections 8]

In one run, on the database named by ``BENCH_DATABASE_URL`` (migrated
first), this:

1. creates a service with a test key, a normal key and an SMS template,
   and, for the receipts and reads, notifications in ``sending`` with
   their history rows, whose ids the load generator can compute;
2. captures the SQL of one real send, receipt and read (an in-process
   app with a statement listener) and writes each as a pgbench script;
3. measures the load generator alone against a fixed-answer server;
4. with 1 and then 2 waitress processes (``pserve`` children on free
   loopback ports, the load split evenly between them), measures a
   Pyramid hello-world view, the stack's floors (the least a request
   using the database costs on Pyramid, pyramid_tm and SQLAlchemy, see
   ``bench/hello.py``), then v2 SMS sends with the test
   key, MMG receipts and ``GET /v2/notifications/{id}`` with the normal
   key, each from a separate load-generating process, closed loop, for
   ``--duration`` seconds after ``--warmup``;
5. runs pgbench on each script with the same number of clients;
6. prints requests per second, p50 and p99 latency, the ratios to the
   hello-world and to pgbench, and the targets as PASS or FAIL lines.

Everything it created in the database is deleted at the end. The
generated ini files, server logs and pgbench scripts stay in the
temporary folder it names. Endpoints missing from this build are
reported as such and skipped.
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

if __package__ in (None, ""):
    # run as a script: the repository root holds the bench package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import webob  # noqa: E402
from pyramid.interfaces import IRoutesMapper  # noqa: E402
from sqlalchemy import delete, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import notify_pyramid  # noqa: E402
from bench import (  # noqa: E402
    database,
    loadgen,
    machine_load,
    profile,
    servers,
    sources,
    sqlcapture,
)
from notify_pyramid import migrations  # noqa: E402
from notify_pyramid.crypto import Encryptor  # noqa: E402
from notify_pyramid.dao.api_keys import dao_create_api_key  # noqa: E402
from notify_pyramid.dao.services import dao_create_service  # noqa: E402
from notify_pyramid.dao.templates import dao_create_template  # noqa: E402
from notify_pyramid.models import (  # noqa: E402
    ApiKey,
    Base,
    Notification,
    Service,
    Template,
    get_engine,
)
from notify_pyramid.settings import (  # noqa: E402
    ENVIRONMENT,
    normalize_database_url,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench"
SEND_PATH = "/v2/notifications/sms"
GET_PATH = "/v2/notifications/{id}"
RECEIPT_PATH = "/notifications/sms/mmg"
PHONE_NUMBER = "07700900123"
PERSONALISATION = {"name": "Ada"}
#: the most requests a second a pool block is sized for, per process
POOL_RATE_CEILING = 1.5
#: pgbench receipts: rows per client and second of run
PGBENCH_RECEIPTS_PER_CLIENT_SECOND = 3000

#: the share of the CPUs other programs may use before a run is suspect
DISTURBED = 0.05

TARGETS = (
    # label, numerator, denominator, least ratio
    ("v2 sends, 1 process / hello-world, 1 process", 0.3),
    ("v2 sends, 2 processes / pgbench of the send's SQL", 0.5),
    ("MMG receipts, 1 process / hello-world, 1 process", 0.5),
)

POOL_INSERT = text(
    """
    INSERT INTO notifications (
        id, service_id, template_id, template_version, api_key_id,
        key_type, notification_type, "to", normalised_to, personalisation,
        international, status, billable_units, created_at, sent_at, sent_by
    )
    SELECT
        (:prefix || lpad(to_hex(g), 12, '0'))::uuid, :service_id,
        :template_id, :template_version, :api_key_id, 'normal', 'sms',
        :to, :normalised_to, :personalisation, false, 'sending', 1,
        now(), now(), 'mmg'
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) g;
    INSERT INTO notification_history (
        id, service_id, template_id, template_version, api_key_id,
        key_type, notification_type, international, status,
        billable_units, created_at, sent_at, sent_by
    )
    SELECT
        (:prefix || lpad(to_hex(g), 12, '0'))::uuid, :service_id,
        :template_id, :template_version, :api_key_id, 'normal', 'sms',
        false, 'sending', 1, now(), now(), 'mmg'
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) g
    """
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get
    parser.add_argument(
        "--duration", type=float, default=float(env("BENCH_DURATION", 10))
    )
    parser.add_argument(
        "--warmup", type=float, default=float(env("BENCH_WARMUP", 2))
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=int(env("BENCH_CONNECTIONS", 8)),
        help="concurrent connections (and pgbench clients)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=int(env("BENCH_THREADS", 4)),
        help="waitress threads per process (waitress's default is 4)",
    )
    parser.add_argument(
        "--broker",
        default=env("BENCH_BROKER_URL", "memory://"),
        help="Celery broker the API queues to (default: in-process memory)",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=None,
        help="set sys.setswitchinterval() in the servers (Python: 0.005)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        default=bool(env("BENCH_PROFILE")),
        help="after the measured runs, sample the 1-process API with py-spy",
    )
    return parser.parse_args(argv)


# -- the machine


def machine(engine) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    with engine.connect() as connection:
        postgres = connection.scalar(text("SHOW server_version"))
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "postgres": postgres,
        "os": platform.platform(terse=True),
    }


# -- the service, its keys, and the notifications receipts are sent for


class Fixture:
    """What the benchmark created in the database, and how to remove it."""

    def __init__(self, engine, encryptor: Encryptor):
        self.engine = engine
        self.encryptor = encryptor
        self.prefix = secrets.token_hex(10)
        self.blocks: dict[str, tuple[int, int]] = {}
        self._next_number = 1
        self.service_id = None

    def create_service(self) -> None:
        self.test_secret = str(uuid.uuid4())
        self.normal_secret = str(uuid.uuid4())
        with Session(self.engine) as session, session.begin():
            service = dao_create_service(
                session,
                Service(
                    name=f"API benchmark {uuid.uuid4()}",
                    restricted=False,
                    message_limit=100_000_000,
                    rate_limit=1_000_000_000,
                    permissions=["sms", "email"],
                    sms_sender="BENCH",
                    created_by="bench/api.py",
                ),
            )
            keys = {}
            for key_type, secret in (
                ("test", self.test_secret),
                ("normal", self.normal_secret),
            ):
                keys[key_type] = dao_create_api_key(
                    session,
                    ApiKey(
                        service_id=service.id,
                        name=f"benchmark {key_type}",
                        key_type=key_type,
                        secret=self.encryptor.encrypt(secret),
                        created_by="bench/api.py",
                    ),
                )
            template = dao_create_template(
                session,
                Template(
                    service_id=service.id,
                    template_type="sms",
                    name="Benchmark",
                    content="Hello ((name)), this is a benchmark message.",
                    created_by="bench/api.py",
                ),
            )
            self.service_id = str(service.id)
            self.normal_key_id = str(keys["normal"].id)
            self.template_id = str(template.id)
            self.template_version = template.version

    def add_block(self, name: str, size: int) -> tuple[int, int]:
        """Create ``size`` notifications in ``sending``; return their range."""
        first = self._next_number
        last = first + size - 1
        self._next_number = last + 1
        with self.engine.begin() as connection:
            connection.execute(
                POOL_INSERT,
                {
                    "prefix": self.prefix,
                    "service_id": self.service_id,
                    "template_id": self.template_id,
                    "template_version": self.template_version,
                    "api_key_id": self.normal_key_id,
                    "to": PHONE_NUMBER,
                    "normalised_to": "447700900123",
                    "personalisation": self.encryptor.encrypt(
                        json.dumps(PERSONALISATION)
                    ),
                    "first": first,
                    "last": last,
                },
            )
        self.blocks[name] = (first, last)
        return first, last

    def delivered(self, name: str) -> int:
        """Count the notifications of a block that a receipt delivered."""
        first, last = self.blocks[name]
        ids = [
            uuid.UUID(sources.pool_id(self.prefix, number))
            for number in (first, last)
        ]
        stmt = select(func.count()).where(
            Notification.id.between(*ids),
            Notification.status == "delivered",
        )
        with Session(self.engine) as session:
            return session.scalar(stmt)

    def analyze(self) -> None:
        with self.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            connection.execute(text("ANALYZE notifications"))
            connection.execute(text("ANALYZE notification_history"))

    def remove(self) -> None:
        if self.service_id is None:
            return
        service_id = uuid.UUID(self.service_id)
        with Session(self.engine) as session, session.begin():
            for table in reversed(Base.metadata.sorted_tables):
                column = table.c.get("service_id")
                if column is not None:
                    session.execute(delete(table).where(column == service_id))
            session.execute(delete(Service).where(Service.id == service_id))


# -- settings and servers


def app_settings(url: str, args, secret_key: str) -> dict:
    return {
        "use": "egg:notify-pyramid",
        "pyramid.reload_templates": "false",
        "pyramid.debug_authorization": "false",
        "pyramid.debug_notfound": "false",
        "pyramid.debug_routematch": "false",
        "sqlalchemy.url": url,
        # as in production.ini
        "sqlalchemy.pool_size": "10",
        "sqlalchemy.max_overflow": "5",
        "retry.attempts": "3",
        "notify.secret_key": secret_key,
        "notify.admin_client_secrets": secrets.token_hex(32),
        "statsd.enabled": "false",
        "celery.broker_url": args.broker,
        "redis.url": "",
        "sms.providers": "log",
        "email.provider": "log",
    }


def routes_of(app) -> set[str]:
    """Return the ``METHOD pattern`` of every route the app serves."""
    mapper = app.registry.queryUtility(IRoutesMapper)
    found = set()
    for route in mapper.get_routes():
        methods = [
            predicate.val
            for predicate in route.predicates
            if type(predicate).__name__ == "RequestMethodPredicate"
        ]
        for method in methods[0] if methods else ("GET", "POST"):
            found.add(f"{method} {route.pattern}")
    return found


def start_servers(
    workdir, kind, settings, processes, threads, switch_interval=None
):
    """Return ``processes`` servers of the API or the hello-world."""
    result = []
    for index in range(processes):
        port = servers.free_port()
        name = f"{kind}-{processes}p-{index}"
        if kind == "hello":
            app = {"use": "call:bench.hello:main"}
            ready = "/"
        elif kind == "floor":
            app = {
                "use": "call:bench.hello:floor_main",
                "sqlalchemy.url": settings["sqlalchemy.url"],
            }
            ready = "/statement"
        else:
            app = settings
            ready = "/_status"
        ini = servers.write_ini(
            workdir / f"{name}.ini",
            {key: value.replace("%", "%%") for key, value in app.items()},
            port,
            threads,
            workdir / f"{name}.log",
        )
        result.append(servers.Server(ini, port, ready, switch_interval))
    return result


def drive(args, ports, source, expected_status, pids=()) -> dict:
    """Run the load generator; add how busy the machine was meanwhile."""
    spec = {
        "targets": [["127.0.0.1", port] for port in ports],
        "connections": args.connections,
        "warmup": args.warmup,
        "duration": args.duration,
        "expected_status": expected_status,
        "source": source,
    }
    watch = machine_load.CpuWatch(args.database_name, pids)
    watch.start()
    result = loadgen.run_in_subprocess(spec)
    result["machine"] = watch.stop()
    return result


# -- the SQL of one request of each kind


def capture_sql(settings, fixture, workdir) -> dict[str, Path]:
    """Replay one send, receipt and read in-process; write pgbench scripts.

    Returns the scripts written, by kind; a kind whose route this build
    does not have is left out.
    """
    app_settings_ = {k: v for k, v in settings.items() if k != "use"}
    app = notify_pyramid.main({}, **app_settings_)
    engine = app.registry["dbengine"]
    # receipts commit on a second, autocommit pool: record both
    autocommit = app.registry["dbengine_autocommit"]
    engines = [e for e in (engine, autocommit.get()) if e is not None]
    routes = routes_of(app)
    scripts: dict[str, Path] = {}

    def call(method, path, body=None, secret=None):
        headers = {}
        if secret is not None:
            signed = sources._Signed(fixture.service_id, secret)
            signed.refresh()
            headers["Authorization"] = signed.authorization
        request = webob.Request.blank(path, method=method, headers=headers)
        if body is not None:
            request.body = json.dumps(body).encode()
            request.content_type = "application/json"
        return request.get_response(app)

    # a first request opens the pool's connection, as in a warm server
    call("GET", "/_status")
    first, _ = fixture.add_block("capture", 1)
    capture_id = sources.pool_id(fixture.prefix, first)
    pool_expression = f"'{fixture.prefix}' || lpad(to_hex(:number), 12, '0')"

    try:
        if f"POST {SEND_PATH}" in routes:
            body = send_body(fixture)
            # the measured servers read the service, its keys and the
            # template from their cache nearly always: a first send fills
            # this app's, so that the one captured is a typical one
            check_capture(
                call("POST", SEND_PATH, body, fixture.test_secret),
                201,
                "warm-up send",
            )
            with sqlcapture.StatementRecorder(*engines) as recorder:
                response = call("POST", SEND_PATH, body, fixture.test_secret)
            check_capture(response, 201, "send")
            sent_id = response.json["id"]
            scripts["send"] = workdir / "send.sql"
            scripts["send"].write_text(
                sqlcapture.pgbench_script(
                    recorder,
                    {sent_id: "lpad(to_hex(:id), 32, '0')"},
                    ["\\set id random(1, 9000000000000000000)"],
                    title="POST /v2/notifications/sms with a test key",
                )
            )
        if f"POST {RECEIPT_PATH}" in routes:
            receipt = sources.ReceiptSource(
                RECEIPT_PATH, fixture.prefix, first, 1
            ).next_request()
            raw = receipt.split(b"\r\n\r\n", 1)[1]
            with sqlcapture.StatementRecorder(*engines) as recorder:
                response = call("POST", RECEIPT_PATH, json.loads(raw))
            check_capture(response, 200, "receipt")
            # each client takes the next notification of its own range
            scripts["receipt"] = workdir / "receipt.sql"
            scripts["receipt"].write_text(
                sqlcapture.pgbench_script(
                    recorder,
                    {capture_id: pool_expression},
                    [
                        "\\set n :n + 1",
                        "\\set number :base + :client_id * :per_client + :n",
                    ],
                    title="POST /notifications/sms/mmg, status 3",
                )
            )
        if f"GET {GET_PATH}" in routes:
            with sqlcapture.StatementRecorder(*engines) as recorder:
                response = call(
                    "GET",
                    GET_PATH.format(id=capture_id),
                    secret=fixture.normal_secret,
                )
            check_capture(response, 200, "read")
            scripts["get"] = workdir / "get.sql"
            scripts["get"].write_text(
                sqlcapture.pgbench_script(
                    recorder,
                    {capture_id: pool_expression},
                    ["\\set number random(:first, :last)"],
                    title="GET /v2/notifications/{id} with a normal key",
                )
            )
    finally:
        engine.dispose()
        autocommit.dispose()
    return scripts


def check_capture(response, status, what) -> None:
    if response.status_code != status:
        raise SystemExit(
            f"the {what} to capture answered {response.status_code}: "
            f"{response.text[:500]}"
        )


def send_body(fixture) -> dict:
    return {
        "phone_number": PHONE_NUMBER,
        "template_id": fixture.template_id,
        "personalisation": PERSONALISATION,
    }


# -- pgbench


def pgbench_path() -> str | None:
    return shutil.which("pgbench") or (
        "/usr/bin/pgbench" if Path("/usr/bin/pgbench").exists() else None
    )


def libpq_url(url: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def pgbench(args, url, script: Path, duration: float, variables: dict):
    """Run pgbench on ``script``; return tps, latency and transactions."""
    clients = args.connections
    command = [
        pgbench_path(),
        "--no-vacuum",
        "--protocol=simple",
        f"--client={clients}",
        f"--jobs={min(clients, os.cpu_count() or 1)}",
        f"--time={max(1, round(duration))}",
        f"--file={script}",
    ]
    for name, value in variables.items():
        command.append(f"--define={name}={value}")
    command.append(libpq_url(url))
    watch = machine_load.CpuWatch(args.database_name)
    watch.start()
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False
    )
    machine = watch.stop()
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise RuntimeError(f"pgbench failed:\n{output[-3000:]}")

    def number(pattern):
        match = re.search(pattern, output)
        return float(match.group(1)) if match else float("nan")

    return {
        "tps": number(r"tps = ([\d.]+)"),
        "latency_ms": number(r"latency average = ([\d.]+) ms"),
        "transactions": int(
            number(r"number of transactions actually processed: (\d+)")
        ),
        "machine": machine,
    }


# -- the run


def main(argv=None) -> int:
    args = parse_args(argv)
    # the children must take every setting from the ini files they get
    for name in ENVIRONMENT:
        os.environ.pop(name, None)
    url = normalize_database_url(
        os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    )
    engine = get_engine({"sqlalchemy.url": url})
    if engine.dialect.name != "postgresql":
        print("BENCH_DATABASE_URL must name a PostgreSQL database")
        return 2
    database.ensure_database(url)
    migrations.upgrade(engine)
    args.database_name = engine.url.database

    secret_key = secrets.token_hex(32)
    settings = app_settings(url, args, secret_key)
    fixture = Fixture(engine, Encryptor(secret_key))
    workdir = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    report = Report(args, machine(engine), workdir)
    report.header()
    try:
        fixture.create_service()
        scripts = capture_sql(settings, fixture, workdir)
        report.scripts(scripts)
        run_all(args, url, settings, fixture, scripts, workdir, report)
    finally:
        fixture.remove()
        engine.dispose()
    report.summary()
    return 0


def run_all(args, url, settings, fixture, scripts, workdir, report):
    with servers.fixed_answer_server() as port:
        result = drive(
            args, [port], {"kind": "fixed", "requests": [hello_request()]}, 200
        )
    report.add("load generator alone", 1, result)

    window = args.warmup + args.duration
    for processes in (1, 2):
        hello = start_servers(
            workdir,
            "hello",
            settings,
            processes,
            args.threads,
            args.switch_interval,
        )
        with servers.running(hello):
            ports = [server.port for server in hello]
            result = drive(
                args,
                ports,
                {"kind": "fixed", "requests": [hello_request()]},
                200,
                pids(hello),
            )
        report.add("hello-world", processes, result)
        hello_rate = result["rate"]
        run_floors(args, settings, processes, workdir, report)

        # receipts can be no faster than the hello-world
        block_size = int(hello_rate * POOL_RATE_CEILING * window) + 1000
        receipts_block = None
        if "receipt" in scripts:
            receipts_block = fixture.add_block(
                f"receipts-{processes}p", block_size
            )
            fixture.analyze()

        api = start_servers(
            workdir,
            "api",
            settings,
            processes,
            args.threads,
            args.switch_interval,
        )
        with servers.running(api):
            ports = [server.port for server in api]
            for label, source, status in api_sources(
                fixture, scripts, processes, receipts_block
            ):
                result = drive(args, ports, source, status, pids(api))
                if source["kind"] == "receipt":
                    result["delivered"] = fixture.delivered(
                        f"receipts-{processes}p"
                    )
                    result["pool"] = source["count"]
                report.add(label, processes, result)
            if args.profile and processes == 1:
                profile_api(args, api[0], fixture, scripts, workdir, report)

    if pgbench_path() is None:
        report.note("pgbench not found: no PostgreSQL baseline")
        return
    for kind, script in scripts.items():
        variables = {}
        if kind == "receipt":
            per_client = int(PGBENCH_RECEIPTS_PER_CLIENT_SECOND * window)
            first, _ = fixture.add_block(
                "receipts-pgbench", per_client * args.connections + 1
            )
            fixture.analyze()
            variables = {"n": 0, "per_client": per_client}
        elif kind == "get":
            first, last = fixture.blocks.get(
                "receipts-1p", fixture.blocks["capture"]
            )
            variables = {"first": first, "last": last}
        # warm-up first; a receipt run starts each client half-way along
        warm = dict(variables)
        if kind == "receipt":
            warm["base"] = first - 1 + per_client // 2
            variables["base"] = first - 1
        pgbench(args, url, script, args.warmup, warm)
        result = pgbench(args, url, script, args.duration, variables)
        if kind == "receipt":
            result["delivered"] = fixture.delivered("receipts-pgbench")
        report.add_pgbench(kind, result)


def run_floors(args, settings, processes, workdir, report) -> None:
    """Measure the stack's least cost of a request that uses the database.

    See ``bench/hello.py``: a request that commits one statement in a
    ``pyramid_tm`` transaction, and one that runs a statement in
    autocommit mode, with none of the API's own work.
    """
    floor = start_servers(
        workdir,
        "floor",
        settings,
        processes,
        args.threads,
        args.switch_interval,
    )
    with servers.running(floor):
        for label, path in FLOORS.items():
            request = sources.http_request("GET", path).decode("latin-1")
            result = drive(
                args,
                [server.port for server in floor],
                {"kind": "fixed", "requests": [request]},
                200,
                pids(floor),
            )
            report.add(label, processes, result)


def api_sources(fixture, scripts, processes, receipts_block):
    """Yield ``(label, source, expected status)`` of each API request."""
    if "send" in scripts:
        source = {
            "kind": "send",
            "service_id": fixture.service_id,
            "secret": fixture.test_secret,
            "path": SEND_PATH,
            "body": send_body(fixture),
        }
        yield LABELS["send"], source, 201
    if "receipt" in scripts and receipts_block is not None:
        first, last = receipts_block
        source = {
            "kind": "receipt",
            "path": RECEIPT_PATH,
            "prefix": fixture.prefix,
            "first": first,
            "count": last - first + 1,
        }
        yield LABELS["receipt"], source, 200
    if "get" in scripts:
        first, last = fixture.blocks.get(
            "receipts-1p", fixture.blocks["capture"]
        )
        source = {
            "kind": "get",
            "service_id": fixture.service_id,
            "secret": fixture.normal_secret,
            "path": GET_PATH,
            "prefix": fixture.prefix,
            "first": first,
            "count": min(last - first + 1, 20_000),
        }
        yield LABELS["get"], source, 200


def profile_api(args, server, fixture, scripts, workdir, report):
    """Drive each API request again while py-spy samples the server.

    These runs are not the measured ones: sampling slows the server.
    """
    if profile.py_spy() is None:
        report.note("py-spy not installed: no profile")
        return
    block = None
    if "receipt" in scripts:
        window = args.warmup + args.duration
        rate = report.rate("hello-world", 1) or 1000
        block = fixture.add_block(
            "receipts-profile", int(rate * POOL_RATE_CEILING * window) + 1000
        )
    for label, source, status in api_sources(fixture, scripts, 1, block):
        output = workdir / f"profile-{source['kind']}.txt"
        recorder = profile.record(
            server.process.pid, args.warmup + args.duration, output
        )
        drive(args, [server.port], source, status)
        recorder.wait(timeout=60)
        report.profile(label, output)


def pids(running) -> list[int]:
    return [server.process.pid for server in running]


def hello_request() -> str:
    return sources.http_request("GET", "/").decode("latin-1")


# -- printing


LABELS = {
    "send": "v2 SMS send (test key)",
    "receipt": "MMG receipt",
    "get": "GET notification",
}

#: the stack's floors (``bench/hello.py``), by label
FLOORS = {
    "floor: 1 stmt in a tx": "/transaction",
    "floor: 1 autocommit stmt": "/statement",
}


class Report:
    def __init__(self, args, machine: dict, workdir: Path):
        self.args = args
        self.machine = machine
        self.workdir = workdir
        self.results: dict[tuple[str, int], dict] = {}
        self.pgbench: dict[str, dict] = {}
        self.notes: list[str] = []
        self.profiles: list = []
        self.disturbed = 0.0

    def header(self) -> None:
        m = self.machine
        a = self.args
        print(f"machine: {m['cpu']}, {m['cores']} cores, {m['os']}")
        print(f"Python {m['python']}, PostgreSQL {m['postgres']}")
        print(
            f"waitress threads {a.threads}, connections {a.connections}, "
            f"warm-up {a.warmup:g} s, measured {a.duration:g} s each, "
            f"broker {a.broker}"
        )
        if a.switch_interval is not None:
            print(f"servers' GIL switch interval {a.switch_interval:g} s")
        print(f"ini files, logs and pgbench scripts in {self.workdir}\n")

    def scripts(self, scripts: dict) -> None:
        for kind, label in LABELS.items():
            if kind not in scripts:
                self.note(f"{label}: not in this build, skipped")
                continue
            sql = "\n".join(
                line
                for line in scripts[kind].read_text().splitlines()
                if line and not line.startswith(("--", "\\"))
            )
            statements = [
                part.split()[0] for part in sql.split(";\n") if part.strip()
            ]
            print(
                f"{label}: {len(statements)} statements "
                f"({' '.join(statements)}) -> {scripts[kind].name}"
            )
        print()

    def note(self, text: str) -> None:
        print(f"note: {text}")
        self.notes.append(text)

    def others(self, result: dict) -> str:
        """Say how much CPU other programs took during a run."""
        machine = result.get("machine") or {}
        if not machine:
            return ""
        others = machine["others"]
        if others > DISTURBED:
            self.disturbed = max(self.disturbed, others)
        servers = ""
        if "watched_cores" in machine and machine["watched_cores"]:
            servers = f", servers {machine['watched_cores']:.2f} cores"
        return f"{servers}, others {others:.0%} of the CPUs"

    def add(self, label: str, processes: int, result: dict) -> None:
        self.results[(label, processes)] = result
        generator = result["rate"] * result["cpu_us_per_request"] / 1e6
        print(
            f"{label:<24} {processes}p {result['rate']:>8.0f} req/s "
            f"p50 {result['p50_ms']:>6.2f} ms p99 {result['p99_ms']:>6.2f} ms"
            f"  generator {result['cpu_us_per_request']:.0f} us/req "
            f"({generator:.0%} of a core){self.others(result)}"
        )
        if result["unexpected"] or result["connection_errors"]:
            self.note(
                f"{label} {processes}p: {result['unexpected']} unexpected "
                f"answers {result['statuses']}, "
                f"{result['connection_errors']} connection errors; "
                f"{result['error_samples'][:1]}"
            )
        if "pool" in result and result["issued"] > result["pool"]:
            self.note(
                f"{label} {processes}p: {result['issued']} receipts for "
                f"{result['pool']} notifications; the rest repeated "
                "receipts that change nothing"
            )
        if "delivered" in result and result["delivered"] < min(
            result["issued"], result["pool"]
        ):
            self.note(
                f"{label} {processes}p: only {result['delivered']} of "
                f"{result['issued']} receipts delivered their notification"
            )

    def add_pgbench(self, kind: str, result: dict) -> None:
        self.pgbench[kind] = result
        print(
            f"pgbench {kind + '.sql':<15}    {result['tps']:>8.0f} tps   "
            f"latency average {result['latency_ms']:.2f} ms"
            f"{self.others(result)}"
        )
        if (
            "delivered" in result
            and result["delivered"] < (result["transactions"])
        ):
            self.note(
                f"pgbench receipts: {result['delivered']} notifications "
                f"delivered by {result['transactions']} transactions"
            )

    def profile(self, label: str, path: Path) -> None:
        rows = profile.summarize(path, top=60) if path.exists() else []
        self.profiles.append((label, rows))
        print(f"\nprofile of {label}, 1 process ({path.name}):")
        print(f"  {'incl':>5} {'self':>5}  function (not those above 80%)")
        shown = [row for row in rows if row[1] <= 0.8][:25]
        for name, inclusive, own in shown:
            print(f"  {inclusive:>5.0%} {own:>5.0%}  {name}")
        print("  the most samples of their own:")
        for name, inclusive, own in sorted(rows, key=lambda row: -row[2])[:8]:
            print(f"  {inclusive:>5.0%} {own:>5.0%}  {name}")
        print()

    def rate(self, label, processes) -> float | None:
        result = self.results.get((label, processes))
        return result["rate"] if result else None

    def summary(self) -> None:
        print("\nrequests/s (p50 / p99 ms), ratio to hello-world and pgbench")
        print(
            f"{'':<24}{'1 process':>30}{'2 processes':>30}{'pgbench tps':>14}"
        )
        rows = ["hello-world", *FLOORS, *LABELS.values()]
        kinds = {label: kind for kind, label in LABELS.items()}
        for label in rows:
            cells = []
            for processes in (1, 2):
                result = self.results.get((label, processes))
                hello = self.rate("hello-world", processes)
                if result is None:
                    cells.append(f"{'-':>30}")
                    continue
                ratio = result["rate"] / hello if hello else float("nan")
                cells.append(
                    f"{result['rate']:>8.0f} ({result['p50_ms']:5.1f} / "
                    f"{result['p99_ms']:5.1f}) {ratio:5.2f}x"
                )
            pg = self.pgbench.get(kinds.get(label))
            pg_cell = f"{pg['tps']:>14.0f}" if pg else f"{'':>14}"
            print(f"{label:<24}{''.join(cells)}{pg_cell}")
        for kind, label in LABELS.items():
            pg = self.pgbench.get(kind)
            two = self.rate(label, 2)
            if pg and two:
                print(
                    f"{label}, 2 processes / pgbench: {two / pg['tps']:.2f}x"
                )

        print()
        if self.disturbed:
            print(
                "WARNING: other programs used up to "
                f"{self.disturbed:.0%} of the CPUs during a run; these "
                "figures understate this machine"
            )
        hello1 = self.rate("hello-world", 1)
        send_pg = self.pgbench.get("send")
        checks = [
            (
                TARGETS[0],
                self.rate("v2 SMS send (test key)", 1),
                hello1,
            ),
            (
                TARGETS[1],
                self.rate("v2 SMS send (test key)", 2),
                send_pg["tps"] if send_pg else None,
            ),
            (TARGETS[2], self.rate("MMG receipt", 1), hello1),
        ]
        for (label, least), numerator, denominator in checks:
            if not numerator or not denominator:
                print(f"NOT RUN {label} >= {least} (endpoint not in build)")
                continue
            ratio = numerator / denominator
            verdict = "PASS" if ratio >= least else "FAIL"
            print(f"{verdict} {label}: {ratio:.2f} (target >= {least})")


if __name__ == "__main__":
    sys.exit(main())
