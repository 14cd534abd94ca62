"""The fixtures of the suite (loaded by ``tests/conftest.py``): one app per test process on a real
database (SQLite file by default; PostgreSQL when ``RTC_TEST_DATABASE_URL`` is set), migrated
with Alembic, with the test province built once.

Each test runs in one transaction that is rolled back at its end (see ``tests/database.py``): the
test's ``session``, the requests of ``client`` and the commands of ``runner`` share it, and a
commit in any of them releases a savepoint. A test that must commit for real (other threads,
processes or connections: a live server, a background job, two writers) is marked
``real_commits``; the database is brought back to its reference state after it.

The test province (``province``, see ``tests/registry.py``) is committed once; a test that does
not ask for it sees an empty database (its rows are deleted inside the test's transaction) and an
empty key folder, as if it had never been built. Every test has its own key and instance folders
and starts with the app's configuration, rate limits and stored PDFs as they were.
"""

from __future__ import annotations

import gc
import itertools
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app import create_app
from app.cli.database import upgrade
from app.db import get_session
from app.security import limiter
from app.services.container import issuing_context, services
from app.services.keys import app_keystore
from tests.database import Snapshot, bound, empty, restore, snapshot, worker_database
from tests.registry import Province, add_keys, add_registry

PG_URL = os.environ.get("RTC_TEST_DATABASE_URL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, … under ``pytest -n``
REAL_COMMITS = "real_commits"


def pytest_collection_finish() -> None:
    """Everything made so far (the modules, the collected tests) lives to the end of the run: the
    garbage collector stops looking through it (each full collection went through all of it, a
    quarter of a second, 15 times a run, and 5 more at the end)."""
    gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test served by a live server answers requests on other threads: it commits for real."""
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(REAL_COMMITS)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database of this test process."""
    if PG_URL:
        with worker_database(PG_URL, WORKER) as url:
            yield url
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        upgrade(url)
        yield url


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Argon2id with small parameters in tests (the same code path, a fraction of the cost),
    the dummy hash checked for a name without an account included: it was made with the full
    parameters when the module was imported, and a hash is checked with its own parameters
    (0.2 s of CPU for every sign-in under an unknown name)."""
    from argon2 import PasswordHasher

    from app.services import passwords

    original, dummy = passwords._hasher, passwords._DUMMY
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    passwords._DUMMY = passwords._hasher.hash("not a password")
    yield
    passwords._hasher, passwords._DUMMY = original, dummy


def _config(database_url: str, folder: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "KEYS_DIR": str(folder / "keys"),
        "BLOBS_DIR": str(folder / "blobs"),
        "SECRET_KEY": "test-secret",
        "PUBLIC_BASE_URL": "https://rtc.example.cn",
        "LOG_JSON": True,
        "INSTANCE_PATH": str(folder / "instance"),
    }


@pytest.fixture(scope="session")
def shared_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app of this test process (tests get it through ``app``)."""
    app = create_app(_config(database_url, tmp_path_factory.mktemp("app")))
    yield app
    app.extensions["db_engine"].dispose()


REFERENCE, EMPTY, UNKNOWN = "the reference province", "nothing", "what a committing test left"


@dataclass
class Reference:
    """The test province and what the database holds between tests (committed)."""

    app: Flask
    province: Province
    keys: Path
    holds: str = EMPTY
    rows: Snapshot | None = None  # the province's rows, once built

    def commit(self, wanted: str) -> None:
        """Make the database hold ``wanted`` (``REFERENCE`` or ``EMPTY``), committed. The
        province is built once; later it is restored from its rows."""
        if self.holds == wanted:
            return
        with self.app.extensions["db_engine"].begin() as conn:
            if wanted == EMPTY or self.rows is None:
                empty(conn)
            else:
                restore(conn, self.rows)
        if wanted == REFERENCE and self.rows is None:
            self._build()
        self.holds = wanted

    def _build(self) -> None:
        with self.app.app_context():
            authority, staff = add_registry(get_session())
        self.province.authority.update(authority)
        self.province.staff.update(staff)
        with self.app.extensions["db_engine"].connect() as conn:
            self.rows = snapshot(conn)

    def hide(self, conn: Connection) -> None:
        """Delete the province's rows in ``conn``'s transaction (the database then holds none)."""
        assert self.rows is not None
        empty(conn, self.rows.tables)


@pytest.fixture(scope="session")
def reference(shared_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The test province's keys, made once; its rows are committed when a test first needs them."""
    keys = tmp_path_factory.mktemp("reference-keys")
    app_keystore(shared_app).folder = keys
    context = issuing_context(shared_app)
    add_keys(context)
    province = Province(context=context, authority={}, staff={})
    return Reference(shared_app, province, keys)


@pytest.fixture
def db_connection(request: pytest.FixtureRequest, reference: Reference) -> Iterator[Connection | None]:
    """The connection holding the test's transaction (``None`` for a ``real_commits`` test)."""
    wanted = REFERENCE if "province" in request.fixturenames else EMPTY
    if request.node.get_closest_marker(REAL_COMMITS):
        reference.commit(wanted)
        reference.holds = UNKNOWN
        yield None
        return
    if reference.holds == UNKNOWN or (wanted == REFERENCE and reference.holds == EMPTY):
        reference.commit(wanted)
    with reference.app.extensions["db_engine"].connect() as conn:
        outer = conn.begin()
        if wanted == EMPTY and reference.holds == REFERENCE:
            reference.hide(conn)
        try:
            yield conn
        finally:
            outer.rollback()


@pytest.fixture(scope="session")
def folders(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Path]:
    """Makes a new folder for a test's keys and instance (cheaper than ``tmp_path``, which looks
    through every folder made so far)."""
    base, numbers = tmp_path_factory.mktemp("tests"), itertools.count()
    return lambda: base / str(next(numbers))


@pytest.fixture
def app(
    shared_app: Flask,
    reference: Reference,
    db_connection: Connection | None,
    request: pytest.FixtureRequest,
    folders: Callable[[], Path],
) -> Iterator[Flask]:
    """The app, bound to the test's transaction, with its own key folder (the province's keys
    when the test asks for ``province``) and instance folder."""
    app = shared_app
    config = dict(app.config)
    folder = folders()
    keys = folder / "keys"
    if "province" in request.fixturenames:
        shutil.copytree(reference.keys, keys)
    app.config["KEYS_DIR"] = str(keys)
    app_keystore(app).folder = keys
    app.config["INSTANCE_PATH"] = app.instance_path = str(folder / "instance")
    Path(app.instance_path).mkdir(parents=True)
    with app.app_context():  # each app has its own rate-limit storage
        limiter.reset()
    try:
        if db_connection is None:
            yield app
        else:
            with bound(app, db_connection):
                yield app
    finally:
        app.config.clear()
        app.config.update(config)
        _empty_blob_store(app)


def _empty_blob_store(app: Flask) -> None:
    store = services(app).blobs
    stored = [p for p in store.root.iterdir() if p != store.incoming] if store.root.is_dir() else []
    if stored or not store.incoming.is_dir() or any(store.incoming.iterdir()):
        shutil.rmtree(store.root, ignore_errors=True)
        store.incoming.mkdir(parents=True)


@pytest.fixture
def make_app(app: Flask, db_connection: Connection | None) -> Iterator[Callable[..., Flask]]:
    """Make another app (as another worker or host runs) on the test's database, key folder and
    instance folder, in the test's transaction; ``config`` adds to its configuration, other
    keyword arguments go to ``create_app``. The logging set-up it replaced is put back after."""
    logger = logging.getLogger(app.logger.name)
    handlers, propagate, level = list(logger.handlers), logger.propagate, logger.level
    shared = ("DATABASE_URL", "KEYS_DIR", "PUBLIC_BASE_URL", "SECRET_KEY", "LOG_JSON", "INSTANCE_PATH")
    with ExitStack() as made:

        def make(config: dict[str, Any] | None = None, **kwargs: Any) -> Flask:
            other = create_app(
                {"TESTING": True, **{k: app.config[k] for k in shared}, **(config or {})}, **kwargs
            )
            made.callback(other.extensions["db_engine"].dispose)
            if db_connection is not None:
                made.enter_context(bound(other, db_connection))
            return other

        yield make
    logger.handlers[:], logger.propagate = handlers, propagate
    logger.setLevel(level)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner for ``flask`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def province(app: Flask, reference: Reference) -> Province:
    """The test province (see tests/registry.py), committed in the database."""
    return reference.province


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session inside an app context."""
    with app.app_context():
        yield get_session()
