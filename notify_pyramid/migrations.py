"""Running the Alembic migrations from code and from the ``alembic`` CLI.

The migration scripts live in ``notify_pyramid/alembic``. Code hands its
engine's connection to Alembic here; the ``alembic`` command reads the
database URL from the ``[app:main]`` section of the ini file it is given
(``alembic -c development.ini upgrade head``), environment included.
"""

import alembic.command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

SCRIPT_LOCATION = "notify_pyramid:alembic"


def alembic_config(connection=None) -> Config:
    """Return an Alembic config that migrates through ``connection``."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` up to ``revision``."""
    with engine.begin() as connection:
        alembic.command.upgrade(alembic_config(connection), revision)


def downgrade(engine, revision: str = "base") -> None:
    """Migrate the database behind ``engine`` down to ``revision``."""
    with engine.begin() as connection:
        alembic.command.downgrade(alembic_config(connection), revision)


def current_revision(engine) -> str | None:
    """Return the database's revision, or None if it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """Return the newest revision the scripts know."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
