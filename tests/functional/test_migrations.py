import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from notify_pyramid import migrations
from notify_pyramid.models import Base


@pytest.fixture
def empty_engine(dbengine, tmp_path):
    """An engine on an empty database of the suite's kind."""
    if dbengine.dialect.name == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path}/migrations.sqlite")
        yield engine
        engine.dispose()
        return
    schema = f"migrations_{uuid.uuid4().hex[:8]}"
    with dbengine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(
        dbengine.url,
        connect_args={"options": f"-csearch_path={schema}"},
    )
    yield engine
    engine.dispose()
    with dbengine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def test_migrations_run_up_down_and_up_again(empty_engine):
    migrations.upgrade(empty_engine)
    assert migrations.current_revision(empty_engine) == (
        migrations.head_revision()
    )
    assert "notification_history" in inspect(empty_engine).get_table_names()

    migrations.downgrade(empty_engine, "base")
    assert migrations.current_revision(empty_engine) is None
    assert inspect(empty_engine).get_table_names() == ["alembic_version"]

    migrations.upgrade(empty_engine)
    migrations.upgrade(empty_engine)
    assert migrations.current_revision(empty_engine) == (
        migrations.head_revision()
    )


def test_migrations_match_the_models(dbengine):
    with dbengine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
