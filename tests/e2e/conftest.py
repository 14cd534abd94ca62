"""Browser tests: the machine's Chromium driven by Playwright, against the app served by a real
WSGI server on a free loopback port. A missing browser fails the run (it is required)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Playwright, sync_playwright
from werkzeug.serving import make_server

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
