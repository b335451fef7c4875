"""Alembic environment: migrate through a given connection or the ini."""

from alembic import context
from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy import engine_from_config

from notify_pyramid.models.meta import Base
from notify_pyramid.settings import load_settings

config = context.config
target_metadata = Base.metadata


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_from_ini() -> None:
    setup_logging(config.config_file_name)
    settings = load_settings(get_appsettings(config.config_file_name))
    engine = engine_from_config(settings, "sqlalchemy.")
    with engine.connect() as connection:
        run_migrations(connection)


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    run_from_ini()
