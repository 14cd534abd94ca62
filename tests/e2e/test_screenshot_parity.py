"""The browser's verifier and the library agree on a presentation's age at every second around its
end, on verifier clocks off by up to the clock allowance either way (the arithmetic of
tests/unit/signing/test_screenshot_lifetime.py, run by static/js/verifier.js in Chromium)."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser

from app.db import get_session
from app.services import certificates as certs
from app.services.presentations import present
from signing import CLOCK_ALLOWANCE, PRESENTATION_LIFETIME, SCREENSHOT_LIMIT, VerificationError, Verifier

from ..helpers import id_number
from ..registry import Province

VERIFIER_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "verifier.js"


def test_the_browser_allows_the_same_clock_allowance() -> None:
    match = re.search(r"var CLOCK_ALLOWANCE = (\d+);", VERIFIER_JS.read_text())
    assert match and int(match.group(1)) == CLOCK_ALLOWANCE


def test_the_browser_and_the_library_agree_on_age_and_clock(
    app: Flask, browser: Browser, live_server: str, province: Province
) -> None:
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        cert = certs.issue(
            session, province.context, admin, certs.IssueRequest(id_number(), "张三明", [1])
        ).certificate
        session.commit()
        fresh = present(province.context, cert, PRESENTATION_LIFETIME)
        issuer = admin.authority.credit_code
    jwks = json.loads(urllib.request.urlopen(f"{live_server}/.well-known/jwks.json").read())
    key_status = urllib.request.urlopen(f"{live_server}/.well-known/key-status").read().decode()
    tokens = [urllib.request.urlopen(f"{live_server}/status/{issuer}").read().decode()]
    library = Verifier.from_documents(jwks, key_status, tokens)
    ats = [
        fresh.issued_at + x + e
        for x in (0, 1, 30, 54, 59, 60, 84, 85, 86, 100, 110, 111, 119, 120, 150)
        for e in (-CLOCK_ALLOWANCE - 1, -CLOCK_ALLOWANCE, -1, 0, 1, CLOCK_ALLOWANCE, CLOCK_ALLOWANCE + 1)
    ]
    ats += [fresh.issued_at - 600, fresh.issued_at + 600]
    expected = []
    for at in ats:
        try:
            library.verify(fresh.url, at=at)
            expected.append("valid")
        except VerificationError as exc:
            expected.append(exc.code)
    page = browser.new_page()
    page.goto(live_server + "/")
    page.add_script_tag(url=live_server + "/static/js/verifier.js")
    verdicts = page.evaluate(
        """async ([text, jwks, keyStatus, tokens, ats]) => {
             const out = [];
             for (const at of ats) {
               const v = await RtcVerifier.verify(text, {jwks, keyStatus, statusTokens: tokens, at});
               out.push(v.valid ? "valid" : v.reason);
             }
             return out;
           }""",
        [fresh.url, jwks, key_status, tokens, ats],
    )
    page.close()
    assert verdicts == expected
    assert set(expected) == {"valid", "stale_presentation", "clock_skew"}
    for at, verdict in zip(ats, expected, strict=True):
        if at - fresh.issued_at >= SCREENSHOT_LIMIT - CLOCK_ALLOWANCE:  # 120 s true age, clock slow
            assert verdict == "stale_presentation"
