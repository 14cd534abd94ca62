"""In Chromium: time from a decoded QR text to an offline verdict with static/js/verifier.js,
given the cached JWKS and status list (each run imports the keys and inflates the list again),
median of 50 runs."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from app import create_app

from .table import Row

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("RTC_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def run() -> list[Row]:
    """Serve the static files, load the verifier and time it on the golden valid presentation."""
    vectors = ROOT / "tests" / "vectors"
    case = json.loads((vectors / "cases" / "valid-presentation-url.json").read_text())
    jwks = json.loads((vectors / "jwks.json").read_text())
    key_status = (vectors / "key-status.jwt").read_text().strip()
    tokens = (vectors / "status.txt").read_text().split()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SECRET_KEY": "bench", "INSTANCE_PATH": tmp, "LOG_JSON": True})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                page = browser.new_page()
                page.goto(base + "/")
                page.add_script_tag(url=base + "/static/js/verifier.js")
                result = page.evaluate(
                    """async ([text, at, jwks, keyStatus, statusTokens]) => {
                         const times = [];
                         let verdict;
                         for (let i = 0; i < 50; i++) {
                           const t = performance.now();
                           verdict = await RtcVerifier.verify(text, {jwks, keyStatus, statusTokens, at});
                           times.push(performance.now() - t);
                         }
                         times.sort((a, b) => a - b);
                         return {median: times[25], verdict};
                       }""",
                    [case["input"], case["at"], jwks, key_status, tokens],
                )
                browser.close()
        finally:
            server.shutdown()
    assert result["verdict"]["valid"], result["verdict"]
    median = result["median"]
    return [
        Row(
            "browser: decoded QR → offline verdict (Chromium)",
            f"{median:.1f} ms median",
            "",
            None,
            "<= 50 ms",
            median <= 50,
        )
    ]
