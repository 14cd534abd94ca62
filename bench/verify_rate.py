"""Verification rate through ``signing`` against the raw ``cryptography`` verify of the same
signature over the same bytes, measured in alternating rounds of the same run: the presentation
(the layout, and the first layout while it is accepted), the printed code and the credential JWT."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from signing import (
    KeySet,
    LocalKey,
    Purpose,
    Verifier,
    sign_credential,
    sign_legacy_presentation,
    sign_presentation,
    sign_printed,
)
from tests.helpers import ISSUER, T0, b64url_decode, cose_sign1_parts, facts

from .table import Row

ROUNDS = 9
PER_ROUND = 1500


def _rate(call: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        call()
    return count / (time.perf_counter() - start)


def compare(ours: Callable[[], object], raw: Callable[[], object]) -> tuple[float, float, float]:
    """(our rate, raw rate, median per-round ratio), rounds alternating to share the noise."""
    _rate(ours, 200)
    _rate(raw, 200)
    ours_rates, raw_rates, ratios = [], [], []
    for _ in range(ROUNDS):
        raw_rate = _rate(raw, PER_ROUND)
        our_rate = _rate(ours, PER_ROUND)
        ours_rates.append(our_rate)
        raw_rates.append(raw_rate)
        ratios.append(our_rate / raw_rate)
    return statistics.median(ours_rates), statistics.median(raw_rates), statistics.median(ratios)


def _raw_cryptography_verify(key: object, raw_signature: bytes, data: bytes) -> Callable[[], object]:
    """``cryptography``'s own verify call, with the signature already in the form it takes."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return lambda: key.verify(raw_signature, data)
    der = encode_dss_signature(
        int.from_bytes(raw_signature[:32], "big"), int.from_bytes(raw_signature[32:], "big")
    )
    algorithm = ec.ECDSA(hashes.SHA256())
    return lambda: key.verify(der, data, algorithm)  # type: ignore[attr-defined]


def run() -> list[Row]:
    """Presentation and credential verification for both algorithms."""
    rows = []
    for alg in ("EdDSA", "ES256"):
        cert = LocalKey.generate(alg, Purpose.CERTIFICATE, not_before=T0 - 60, issuer=ISSUER)
        pres = LocalKey.generate(alg, Purpose.PRESENTATION, not_before=T0 - 60)
        verifier = Verifier(KeySet([cert.public, pres.public]))
        compact = (
            ("presentation", sign_presentation(facts(), pres, now=T0), pres, ">= 0.80x"),
            ("printed code", sign_printed(facts(), cert, now=T0), cert, ">= 0.80x"),
            (
                "presentation, first layout",
                sign_legacy_presentation(facts(), pres, now=T0),
                pres,
                "(reported)",
            ),
        )
        for what, payload, key, target in compact:
            raw_verify = _raw_cryptography_verify(key.public.key, *cose_sign1_parts(payload))

            def ours(text=payload, verifier=verifier) -> None:  # type: ignore[no-untyped-def]
                verifier.verify(text, at=T0 + 5)

            our_rate, raw_rate, ratio = compare(ours, raw_verify)
            rows.append(
                Row(
                    f"verify {what} ({alg})",
                    f"{our_rate:,.0f}/s",
                    f"raw verify {raw_rate:,.0f}/s",
                    ratio,
                    target,
                    ratio >= 0.8 if target != "(reported)" else None,
                )
            )
        token = sign_credential(facts(), cert, status_uri="https://x/s", now=T0)
        head, body, sig = token.split(".")
        jws_sig, jws_input = b64url_decode(sig), f"{head}.{body}".encode()

        raw_jws = _raw_cryptography_verify(cert.public.key, jws_sig, jws_input)

        def ours_jwt(text=token, verifier=verifier) -> None:  # type: ignore[no-untyped-def]
            verifier.verify(text, at=T0 + 5)

        our_rate, raw_rate, ratio = compare(ours_jwt, raw_jws)
        rows.append(
            Row(
                f"verify credential JWT ({alg})",
                f"{our_rate:,.0f}/s",
                f"raw verify {raw_rate:,.0f}/s",
                ratio,
                "(reported)",
            )
        )
    return rows
