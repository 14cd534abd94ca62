"""Alembic migrations build exactly the models' schema, and go down and up again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.cli.database import alembic_config, upgrade
from app.models import Base


def test_migrated_schema_matches_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cycle.sqlite3'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    upgrade(url)
    assert {"audit_event", "audit_head"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_suite_runs_on_the_database_it_was_given(app) -> None:  # type: ignore[no-untyped-def]
    import os

    dialect = app.extensions["db_engine"].dialect.name
    assert dialect == ("postgresql" if os.environ.get("RTC_TEST_DATABASE_URL") else "sqlite")
