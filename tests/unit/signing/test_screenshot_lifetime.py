"""A screenshot of the show screen dies within 120 s, clock allowance included; a code the phone
shows never fails on an inspector's phone whose clock is off by up to the allowance; and the verdict
still tells a stale screenshot from a wrong clock. Exhaustive over whole seconds: a code signed at
t (the service's clock), checked x seconds later (true time) on a verifier whose clock is off by e."""

from __future__ import annotations

import pytest

from app.config import DEFAULTS
from app.services.presentations import SHOW_MARGIN, refresh_seconds
from signing import (
    CLOCK_ALLOWANCE,
    PRESENTATION_LIFETIME,
    SCREENSHOT_LIMIT,
    KeySet,
    VerificationError,
    Verifier,
    check_lifetime,
    oldest_accepted,
    sign_presentation,
)

from ...helpers import T0, facts, keys

LIFETIME = DEFAULTS["PRESENTATION_LIFETIME"]
OFF = range(-CLOCK_ALLOWANCE, CLOCK_ALLOWANCE + 1)


def _verdict(verifier: Verifier, payload: str, at: int) -> str:
    try:
        verifier.verify(payload, at=at)
    except VerificationError as exc:
        return exc.code
    return "valid"


@pytest.fixture(scope="module")
def checked() -> dict[tuple[int, int], str]:
    """Verdict for every age x (0..180 s) and verifier clock error e (-allowance..+allowance)."""
    cert, pres = keys()
    verifier = Verifier(KeySet([cert.public, pres.public]))  # the default allowance, as deployed
    payload = sign_presentation(facts(), pres, now=T0, lifetime=LIFETIME)
    return {(x, e): _verdict(verifier, payload, T0 + x + e) for x in range(181) for e in OFF}


def test_the_numbers() -> None:
    assert (LIFETIME, CLOCK_ALLOWANCE, SCREENSHOT_LIMIT) == (PRESENTATION_LIFETIME, 25, 120) == (60, 25, 120)
    assert oldest_accepted(LIFETIME) == 111 <= SCREENSHOT_LIMIT
    assert refresh_seconds(LIFETIME) == 30 and SHOW_MARGIN == 5


def test_a_screenshot_fails_from_120_s_on_any_clock_within_the_allowance(
    checked: dict[tuple[int, int], str],
) -> None:
    for (x, e), verdict in checked.items():
        if x >= SCREENSHOT_LIMIT:
            assert verdict == "stale_presentation", (x, e)
    # the worst case: a verifier whose clock is the whole allowance slow accepts up to 110 s
    assert max(x for (x, e), v in checked.items() if v == "valid") == oldest_accepted(LIFETIME) - 1 == 110
    assert (
        checked[(110, -CLOCK_ALLOWANCE)] == "valid"
        and checked[(111, -CLOCK_ALLOWANCE)] == "stale_presentation"
    )
    # a verifier with the right clock: lifetime + allowance
    assert checked[(85, 0)] == "valid" and checked[(86, 0)] == "stale_presentation"


def test_a_code_on_the_phone_verifies_on_any_clock_within_the_allowance(
    checked: dict[tuple[int, int], str],
) -> None:
    # Online the phone shows each code for refresh_seconds; offline until SHOW_MARGIN before it
    # expires. Either way, with a few seconds for the inspector to scan it, it verifies.
    shown = LIFETIME - SHOW_MARGIN + 1
    for x in range(shown + SHOW_MARGIN):
        for e in OFF:
            assert checked[(x, e)] == "valid", (x, e)


def test_a_wrong_clock_is_told_from_a_screenshot() -> None:
    cert, pres = keys()
    verifier = Verifier(KeySet([cert.public, pres.public]))
    payload = sign_presentation(facts(), pres, now=T0)
    # a verifier slower than the allowance sees a code from the future: its clock is wrong
    assert _verdict(verifier, payload, T0 - CLOCK_ALLOWANCE) == "valid"
    assert _verdict(verifier, payload, T0 - CLOCK_ALLOWANCE - 1) == "clock_skew"
    assert _verdict(verifier, payload, T0 - 600) == "clock_skew"
    assert _verdict(verifier, payload, T0 + 600) == "stale_presentation"


def test_lifetimes_that_let_a_screenshot_live_too_long_are_refused() -> None:
    assert check_lifetime(69) == 69 and check_lifetime(1) == 1
    for wrong in (70, 120, 0, -5):
        with pytest.raises(ValueError, match="screenshot dies within 120 s"):
            check_lifetime(wrong)


def test_the_service_refuses_such_a_lifetime(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app import create_app

    with pytest.raises(ValueError, match=r"presentation lifetime 120 s: must be 1\.\.69 s"):
        create_app({"PRESENTATION_LIFETIME": 120, "INSTANCE_PATH": str(tmp_path), "TESTING": True})
