"""Browser tests: the machine's Chromium driven by Playwright, against the app served by a real
WSGI server on a free loopback port. A missing browser fails the run (it is required)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from app.cli.demo import demo_password
from app.db import get_session
from app.models import Certificate, Staff
from app.models.enums import Role
from app.services import holders

CHROMIUM = os.environ.get("RTC_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over HTTP on a port of 127.0.0.1 the system picks (so parallel test workers
    never collide); yields its base URL. Its requests run on other threads, so a test using it
    commits for real (``real_commits``, see tests/fixtures.py)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # shutdown() waits for the loop to look at its flag: every 0.5 s by default, 0.25 s lost at
    # the end of each browser test on average
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright driver for the whole session (a second one cannot run beside it)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is required for browser tests and was not found at {CHROMIUM}")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Chromium (the machine's own build; never a downloaded one)."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    yield chromium
    chromium.close()


HOLDER_PASSWORD = "holder password 1"
DEMO_ACTOR = "demo"
"""Who the demo's graduation certificates were received from (``flask demo load``)."""


@dataclass(frozen=True)
class Demo:
    """The demo province loaded on the live server, with one holder's account activated."""

    password: str
    holder_id: str
    certificate_id: int
    """The holder's certificate."""
    names: frozenset[str]
    """Words that are data, not codes: the staff's user names and the demo's recorded actor."""


@pytest.fixture
def demo(app: Flask, live_server: str) -> Demo:
    """The demo province (``flask demo load``: every kind of staff account, certificates, cases in
    every stage, graduation certificates) and a holder who activated his account."""
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = get_session()
        admin = session.scalars(select(Staff).filter_by(username="sanya_admin")).one()
        certificate = session.scalars(
            select(Certificate).filter_by(authority_id=admin.authority_id).order_by(Certificate.id)
        ).first()
        assert certificate is not None and admin.role == Role.AUTHORITY_ADMIN
        holder = certificate.practitioner
        code = holders.new_activation_code(session, holder, admin)
        holders.activate(session, holder.id_number, code, HOLDER_PASSWORD)
        session.commit()
        names = frozenset([*session.scalars(select(Staff.username)), DEMO_ACTOR])
        return Demo(demo_password(Path(app.instance_path)), holder.id_number, certificate.id, names)


def sign_in(page: Page, base: str, demo: Demo, account: str = "") -> None:
    """Through the real sign-in page, as a person does: staff with a user name (the demo's
    password), the demo holder without one."""
    path = "/admin/login" if account else "/me/login"
    page.goto(base + path)
    if account:
        page.fill("#username", account)
        page.fill("#password", demo.password)
    else:
        page.fill("#id_number", demo.holder_id)
        page.fill("#password", HOLDER_PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert urlsplit(page.url).path != path, f"{account or 'the holder'} could not sign in: {page.url}"
