"""The browser's verifier (static/js/verifier.js) gives every golden vector the verdict that the
library and the command line give, from the same published documents (the JWKS, the signed
key-status document and the status list)."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
CASES = sorted((VECTORS / "cases").glob("*.json"))
BULK = sorted((VECTORS / "bulk").glob("*.json"))


def test_every_vector_in_chromium(browser: Browser, live_server: str) -> None:
    page = browser.new_page()
    page.goto(live_server + "/")
    page.add_script_tag(url=live_server + "/static/js/verifier.js")
    jwks = json.loads((VECTORS / "jwks.json").read_text())
    key_status = (VECTORS / "key-status.jwt").read_text().strip()
    tokens = (VECTORS / "status.txt").read_text().split()
    cases = [json.loads(path.read_text()) for path in CASES]
    names = [path.stem for path in CASES]
    for path in BULK:  # every byte flipped, every truncation
        bulk = json.loads(path.read_text())
        cases += [{**case, "at": bulk["at"]} for case in bulk["cases"]]
        names += [f"{path.stem}: {case['description']}" for case in bulk["cases"]]
    verdicts = page.evaluate(
        """async ([cases, jwks, keyStatus, tokens]) => {
             const out = [];
             for (const c of cases) {
               out.push(await RtcVerifier.verify(c.input, {jwks, keyStatus, statusTokens: tokens, at: c.at}));
             }
             return out;
           }""",
        [cases, jwks, key_status, tokens],
    )
    mismatches = []
    for name, case, verdict in zip(names, cases, verdicts, strict=True):
        got = {"valid": verdict["valid"], **({"reason": verdict["reason"]} if not verdict["valid"] else {})}
        if got != case["expect"]:
            mismatches.append((name, got, verdict.get("detail")))
    assert mismatches == []
    page.close()
