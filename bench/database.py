"""The PostgreSQL database a benchmark runs on, created if it is missing."""

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def ensure_database(url: str) -> None:
    """Create the database ``url`` names unless it exists already.

    A fresh machine has a PostgreSQL server but not the benchmark's own
    database; this asks the server's ``postgres`` database to make it.
    """
    target = make_url(url)
    server = create_engine(
        target.set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with server.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                quoted = server.dialect.identifier_preparer.quote(
                    target.database
                )
                connection.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        server.dispose()
