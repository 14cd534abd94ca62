"""Fixtures: an app on a real database (SQLite file by default; PostgreSQL when
``RTC_TEST_DATABASE_URL`` is set), migrated with Alembic, emptied after every test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app import create_app
from app.cli.database import alembic_config, upgrade
from app.models import Base

PG_URL = os.environ.get("RTC_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database for the test session."""
    if PG_URL:
        from alembic import command

        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(PG_URL)
        yield PG_URL
        command.downgrade(alembic_config(PG_URL), "base")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        upgrade(url)
        yield url


def _empty(app: Flask) -> None:
    engine = app.extensions["db_engine"]
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "audit_head":
                conn.execute(text("UPDATE audit_head SET seq = 0, hash = :h"), {"h": "0" * 64})
            else:
                conn.execute(table.delete())


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on the test database, with its own instance folder and keys folder."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "KEYS_DIR": str(tmp_path / "keys"),
            "SECRET_KEY": "test-secret",
            "PUBLIC_BASE_URL": "https://rtc.example.cn",
            "LOG_JSON": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    yield app
    _empty(app)
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner for ``flask`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def province(app: Flask):  # type: ignore[no-untyped-def]
    """The test province (see tests/registry.py)."""
    from tests.registry import build_province

    return build_province(app)


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session inside an app context."""
    from app.db import get_session

    with app.app_context():
        yield get_session()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Argon2id with small parameters in tests (the same code path, a fraction of the cost)."""
    from argon2 import PasswordHasher

    from app.services import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original
