"""The pieces of the API benchmark work; no test here measures time."""

import shutil
import subprocess
import sys
import threading

import pytest
import waitress
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from bench import loadgen, machine_load, profile, servers, sources
from bench.sqlcapture import StatementRecorder, pgbench_script

from .. import factories


@pytest.fixture
def tiny_server():
    """A waitress server of a WSGI app answering 200, or 404 off ``/``."""

    def app(environ, start_response):
        found = environ["PATH_INFO"] == "/"
        body = b'{"hello": "world"}' if found else b"nothing here"
        start_response(
            "200 OK" if found else "404 Not Found",
            [("Content-Length", str(len(body)))],
        )
        return [body]

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.effective_port
    server.task_dispatcher.shutdown()
    server.close()
    thread.join(timeout=10)


def drive(port, paths, connections=2):
    requests = [
        sources.http_request("GET", path).decode("latin-1") for path in paths
    ]
    return loadgen.run_in_subprocess(
        {
            "targets": [["127.0.0.1", port]],
            "connections": connections,
            "warmup": 0.1,
            "duration": 0.5,
            "expected_status": 200,
            "source": {"kind": "fixed", "requests": requests},
        }
    )


def test_load_generator_counts_answers_and_percentiles(tiny_server):
    result = drive(tiny_server, ["/"])

    assert result["requests"] > 0
    assert result["statuses"] == {"200": result["requests"]}
    assert result["unexpected"] == 0
    assert result["connection_errors"] == 0
    assert 0 < result["p50_ms"] <= result["p99_ms"]
    assert result["rate"] == result["requests"] / 0.5
    assert result["issued"] >= result["requests"]


def test_load_generator_counts_unexpected_answers(tiny_server):
    result = drive(tiny_server, ["/", "/missing"], connections=1)

    assert result["expected"] > 0
    assert result["unexpected"] > 0
    assert set(result["statuses"]) == {"200", "404"}
    assert result["error_samples"][0] == "404 nothing here"


def test_load_generator_reads_a_length_given_last():
    with servers.fixed_answer_server() as port:
        result = drive(port, ["/"])

    assert result["requests"] > 0
    assert result["connection_errors"] == 0


def test_pool_ids_are_the_ones_postgres_computes(dbengine, postgres):
    prefix = "0123456789abcdef0123"
    with dbengine.connect() as connection:
        computed = connection.scalar(
            text("SELECT (:prefix || lpad(to_hex(:n), 12, '0'))::uuid::text"),
            {"prefix": prefix, "n": 1234567},
        )

    assert computed == sources.pool_id(prefix, 1234567)


def test_receipts_name_each_pool_notification_once():
    source = sources.ReceiptSource("/r", "ab" * 10, first=5, count=3)

    bodies = [source.next_request().split(b"\r\n\r\n")[1] for _ in range(4)]

    assert len(set(bodies[:3])) == 3
    assert bodies[3] == bodies[0]
    assert source.issued == 4


def test_signed_sources_reuse_their_token():
    source = sources.SendSource(
        "6d1f2b4e-0000-4000-8000-000000000000",
        "a-secret-long-enough-for-hs256-0123456789",
        "/send",
        {"a": 1},
    )

    first = source.next_request()

    assert b"Authorization: Bearer " in first
    assert source.next_request() is first


def test_captured_sql_is_a_script_pgbench_runs(
    testapp, dbsession, dbengine, database_url, postgres, tmp_path
):
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        pytest.skip("pgbench is not installed")
    service = factories.create_service(dbsession)
    service_id = str(service.id)

    with StatementRecorder(dbengine) as recorder:
        testapp.get(
            f"/service/{service_id}/api-keys",
            headers=[factories.admin_auth_header()],
        )
    script = pgbench_script(
        recorder,
        {service_id: "lpad(to_hex(:id), 32, '0')"},
        ["\\set id random(1, 1000)"],
        title="list a service's keys",
    )
    path = tmp_path / "read.sql"
    path.write_text(script)

    assert recorder.statements
    assert service_id not in script
    assert "(lpad(to_hex(:id), 32, '0'))::uuid" in script
    url = database_url.replace("postgresql+psycopg2://", "postgresql://")
    completed = subprocess.run(
        [pgbench, "-n", "-t", "5", "-f", str(path), url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "number of transactions actually processed: 5/5" in (
        completed.stdout
    )


def test_a_script_keeps_the_transactions_the_application_sent():
    recorder = StatementRecorder()
    recorder.statements = [
        ("SELECT 1", False),
        ("UPDATE a SET b = 1", False),
        ("UPDATE c SET d = 2", True),
        ("SELECT 3", False),
    ]

    script = pgbench_script(recorder).splitlines()

    assert script == [
        "BEGIN;",
        "SELECT 1;",
        "UPDATE a SET b = 1;",
        "COMMIT;",
        "UPDATE c SET d = 2;",
        "BEGIN;",
        "SELECT 3;",
        "COMMIT;",
    ]


def test_profile_summary_counts_inclusive_and_own_samples(tmp_path):
    raw = tmp_path / "profile.txt"
    raw.write_text(
        "run (app/server.py:10);query (site-packages/db/api.py:5) 3\n"
        "run (app/server.py:10);render (app/views.py:7) 1\n"
    )

    rows = {name: (inc, own) for name, inc, own in profile.summarize(raw)}

    assert rows["app.server.run"] == (1.0, 0.0)
    assert rows["db.api.query"] == (0.75, 0.75)
    assert rows["app.views.render"] == (0.25, 0.25)


def test_cpu_watch_splits_the_machine_between_us_and_others():
    watch = machine_load.CpuWatch("bench")
    if not watch.available:
        pytest.skip("needs /proc")
    watch.start()
    subprocess.run(
        [sys.executable, "-c", "sum(range(3_000_000))"],
        check=True,
        timeout=60,
    )

    shares = watch.stop()

    assert 0 < shares["busy"] <= 1
    assert 0 <= shares["others"] <= shares["busy"]


def test_floor_app_commits_one_statement_per_request(database_url):
    import webtest

    from bench import hello

    app = webtest.TestApp(
        hello.floor_main({}, **{"sqlalchemy.url": database_url})
    )
    engine = app.app.registry["autocommit"]
    with StatementRecorder(engine) as autocommit:
        assert app.get("/statement").json == {"result": "success"}
    assert [sql for sql, _ in autocommit.statements] == ["SELECT 1"]

    commits = []

    def on_commit(connection):
        commits.append(connection)

    event.listen(Engine, "commit", on_commit)
    try:
        assert app.get("/transaction").json == {"result": "success"}
    finally:
        event.remove(Engine, "commit", on_commit)
    assert len(commits) == 1
