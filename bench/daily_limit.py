"""Time the daily limit check against the size of a service's history.

In one run, creates three services whose ``notification_history`` holds
0, 100 000 and 1 000 000 rows (loaded in the database with
``generate_series``), then times ``check_daily_limit`` followed by
``reserve_daily_allowance`` for each: many iterations, each in its own
transaction that is rolled back, the services taken in turn so that any
change in the machine's load falls on all three alike. Prints the median
per service and the ratio of the largest median to the smallest (the goal
is at most 1.2), and for comparison what counting today's history rows
would cost instead. Deletes everything it created, even when interrupted.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test_limits \\
        python bench/daily_limit.py
"""

import datetime
import os
import statistics
import sys
import time
import types
import uuid
from pathlib import Path

if __package__ in (None, ""):
    # run as a script: the repository root holds the bench package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.database import ensure_database  # noqa: E402
from notify_pyramid import migrations  # noqa: E402
from notify_pyramid.dao.services import dao_create_service  # noqa: E402
from notify_pyramid.dao.templates import dao_create_template  # noqa: E402
from notify_pyramid.models import (  # noqa: E402
    NotificationHistory,
    Service,
    ServiceDailyUsage,
    Template,
    TemplateHistory,
    get_engine,
)
from notify_pyramid.notifications.limits import (  # noqa: E402
    check_daily_limit,
    reserve_daily_allowance,
    today,
)
from notify_pyramid.settings import normalize_database_url  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test_limits"
HISTORY_SIZES = (0, 100_000, 1_000_000)
WARM_UP = 200
ITERATIONS = 3000
COUNT_ITERATIONS = 30
GOAL = 1.2
MESSAGE_LIMIT = 10_000_000

# spread over the last 30 days, a thirtieth of them today
LOAD_HISTORY = text(
    """
    INSERT INTO notification_history (
        id, service_id, template_id, template_version, key_type,
        notification_type, international, status, billable_units,
        created_at
    )
    SELECT
        gen_random_uuid(), :service_id, :template_id, 1, 'normal',
        'sms', false, 'delivered', 1,
        date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
            - (g % 30) * interval '1 day'
            + (g % 3600) * interval '1 second'
    FROM generate_series(1, :rows) AS g
    """
)


def create_services(engine) -> list[types.SimpleNamespace]:
    """Create one service per history size; return id, limit and size."""
    services = []
    with Session(engine) as session, session.begin():
        for rows in HISTORY_SIZES:
            service = dao_create_service(
                session,
                Service(
                    name=f"Daily limit benchmark {uuid.uuid4()}",
                    restricted=False,
                    message_limit=MESSAGE_LIMIT,
                    created_by="bench/daily_limit.py",
                ),
            )
            template = dao_create_template(
                session,
                Template(
                    service_id=service.id,
                    template_type="sms",
                    name="Benchmark",
                    content="Hello",
                ),
            )
            services.append(
                types.SimpleNamespace(
                    id=service.id,
                    message_limit=service.message_limit,
                    template_id=template.id,
                    rows=rows,
                )
            )
    return services


def load_history(engine, services) -> None:
    """Fill history in the database, and count today's rows as sent."""
    with engine.begin() as connection:
        for service in services:
            if service.rows:
                connection.execute(
                    LOAD_HISTORY,
                    {
                        "service_id": service.id,
                        "template_id": service.template_id,
                        "rows": service.rows,
                    },
                )
    with Session(engine) as session, session.begin():
        for service in services:
            session.add(
                ServiceDailyUsage(
                    service_id=service.id,
                    day=today(),
                    count=count_today(session, service),
                )
            )
    with engine.connect().execution_options(
        isolation_level="AUTOCOMMIT"
    ) as connection:
        connection.execute(text("ANALYZE notification_history"))
        connection.execute(text("ANALYZE service_daily_usage"))


def count_today(session, service) -> int:
    """What a limit check without a counter would have to do."""
    start = datetime.datetime.combine(today(), datetime.time(), datetime.UTC)
    stmt = select(func.count()).where(
        NotificationHistory.service_id == service.id,
        NotificationHistory.created_at >= start,
    )
    return session.scalar(stmt)


def time_limit_check(engine, service) -> float:
    """Return the seconds one check and reservation took, rolled back."""
    with Session(engine) as session:
        start = time.perf_counter()
        check_daily_limit(session, service, "normal")
        reserve_daily_allowance(session, service, "normal")
        elapsed = time.perf_counter() - start
        session.rollback()
    return elapsed


def time_count(engine, service) -> float:
    with Session(engine) as session:
        start = time.perf_counter()
        count_today(session, service)
        elapsed = time.perf_counter() - start
        session.rollback()
    return elapsed


def measure(engine, services, timer, iterations) -> list[float]:
    """Return the median of ``timer`` per service, taken in turn."""
    timings = {service.id: [] for service in services}
    for _ in range(iterations):
        for service in services:
            timings[service.id].append(timer(engine, service))
    return [statistics.median(timings[service.id]) for service in services]


def clean_up(engine, services) -> None:
    ids = [service.id for service in services]
    with Session(engine) as session, session.begin():
        for model, column in (
            (NotificationHistory, NotificationHistory.service_id),
            (ServiceDailyUsage, ServiceDailyUsage.service_id),
            (TemplateHistory, TemplateHistory.service_id),
            (Template, Template.service_id),
            (Service, Service.id),
        ):
            session.execute(delete(model).where(column.in_(ids)))


def main() -> int:
    url = normalize_database_url(
        os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    )
    engine = get_engine({"sqlalchemy.url": url})
    if engine.dialect.name != "postgresql":
        print("BENCH_DATABASE_URL must name a PostgreSQL database")
        return 2
    ensure_database(url)
    migrations.upgrade(engine)

    services = create_services(engine)
    try:
        started = time.perf_counter()
        load_history(engine, services)
        loaded = time.perf_counter() - started
        print(f"loaded {sum(HISTORY_SIZES):,} history rows in {loaded:.1f} s")

        measure(engine, services, time_limit_check, WARM_UP)
        medians = measure(engine, services, time_limit_check, ITERATIONS)
        counts = measure(engine, services, time_count, COUNT_ITERATIONS)
    finally:
        clean_up(engine, services)
        engine.dispose()

    print(
        f"\ndaily limit check + reservation, median of {ITERATIONS:,} "
        "transactions each:"
    )
    for service, median in zip(services, medians, strict=True):
        print(f"  {service.rows:>9,} history rows: {median * 1000:.3f} ms")
    ratio = max(medians) / min(medians)
    verdict = "within" if ratio <= GOAL else "ABOVE"
    print(f"ratio largest/smallest: {ratio:.2f} ({verdict} the goal {GOAL})")

    print(
        "\nfor comparison, counting today's history rows instead, median "
        f"of {COUNT_ITERATIONS}:"
    )
    for service, median in zip(services, counts, strict=True):
        print(f"  {service.rows:>9,} history rows: {median * 1000:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
