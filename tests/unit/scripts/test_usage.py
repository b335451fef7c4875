import contextlib
import datetime
import os
import subprocess
import sys
import uuid
from pathlib import Path

import transaction

from notify_pyramid.dao.usage import (
    dao_fetch_daily_usage,
    dao_reserve_daily_usage,
)
from notify_pyramid.models import get_tm_session
from notify_pyramid.notifications.limits import (
    RecountResult,
    UsageCorrection,
)
from notify_pyramid.scripts.usage import report
from notify_pyramid.settings import ENVIRONMENT
from tests import factories

SCRIPT = Path(sys.executable).with_name("notify_usage")
SERVICE_ID = uuid.UUID("6f1b7a3e-1c1d-4a53-9a0c-4d0c1e2f3a4b")
DAY = datetime.date(2024, 5, 1)


@contextlib.contextmanager
def committed_session(session_factory):
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield get_tm_session(session_factory, manager)


def write_ini(path, database_url):
    path.write_text(
        "[app:main]\n"
        "use = egg:notify-pyramid\n"
        f"sqlalchemy.url = {database_url.replace('%', '%%')}\n"
        f"notify.secret_key = {factories.SECRET_KEY}\n"
        f"notify.admin_client_secrets = {factories.ADMIN_SECRET}\n"
        "statsd.enabled = false\n"
    )
    return path


def run_script(*args):
    # the ini file alone says where the database is
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT}
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_report_lists_each_correction_and_a_summary():
    result = RecountResult(
        checked=3,
        corrections=[
            UsageCorrection(SERVICE_ID, DAY, 7, 4, True),
            UsageCorrection(SERVICE_ID, DAY, 2, 3, False),
        ],
    )

    assert report(result) == [
        f"service {SERVICE_ID} day 2024-05-01: 7 -> 4",
        f"service {SERVICE_ID} day 2024-05-01: 2 -> 3 "
        "(not applied: a send changed it meanwhile)",
        "3 daily counters checked, 1 corrected, "
        "1 changed during the recount (run it again)",
    ]


def test_recount_command_fixes_a_drifted_counter(
    committed, database_url, tmp_path
):
    with committed_session(committed) as session:
        service = factories.create_service(session)
        template = factories.create_template(session, service)
        created_at = datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC)
        for _ in range(2):
            factories.create_notification(
                session, template, created_at=created_at
            )
        for _ in range(5):
            dao_reserve_daily_usage(session, service.id, DAY, 5)
        service_id = service.id
    ini = write_ini(tmp_path / "test.ini", database_url)

    finished = run_script(str(ini), "recount", "--day", "2024-05-01")

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines() == [
        f"service {service_id} day 2024-05-01: 5 -> 2",
        "1 daily counter checked, 1 corrected",
    ]
    with committed_session(committed) as session:
        assert dao_fetch_daily_usage(session, service_id, DAY) == 2


def test_recount_command_refuses_a_malformed_day(tmp_path, database_url):
    ini = write_ini(tmp_path / "test.ini", database_url)

    finished = run_script(str(ini), "recount", "--day", "1 May")

    assert finished.returncode == 2
    assert "not a day in the form YYYY-MM-DD: '1 May'" in finished.stderr
