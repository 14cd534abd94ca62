"""Regenerate the golden verification vectors (run from the repository root):

    python -m tests.vectors.make_vectors

``cases/`` holds one case a file; the compact codes of the first layout (untagged, no ``alg``,
accepted until ``LEGACY_LAYOUT_UNTIL``) keep their old names, those of the layout (tag 18, ``alg``
protected, kid unprotected) start ``cose-`` or ``printed-``. ``bulk/`` holds every byte of a code
flipped and every truncation of it, for each layout, with the verdict each must get (never valid).

Keys are derived from fixed seeds, so the public keys and every Ed25519 signature come out the
same each time. These keys are test fixtures only; they sign nothing real.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import json
from pathlib import Path

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from signing import (
    LEGACY_LAYOUT_UNTIL,
    KeyInfo,
    LocalKey,
    Purpose,
    Status,
    StatusList,
    key_id,
    presentation_url,
    sign_credential,
    sign_key_status,
    sign_printed,
    sign_status_list,
    standard_jwks,
    start_of_day,
    status_list_size,
)
from signing import sign_legacy_presentation as _sign_legacy_presentation
from signing import sign_presentation as _sign_presentation
from signing.errors import VerificationError
from tests.helpers import ISSUER, T0, b64url_encode, decimal_decode, decimal_encode, facts

HERE = Path(__file__).parent
BASE = "https://rtc.example.cn"
STATUS_URI = f"{BASE}/status/{ISSUER}"
OTHER_ISSUER = "11370200MB0000000C"
ISSUED = 10
"""Indexes 0-9 are in use in the issuer's status list."""
sign_presentation = functools.partial(_sign_presentation, lifetime=120)
"""The vectors were made when presentations lived 120 s: their bytes and verdicts keep that."""
sign_legacy_presentation = functools.partial(_sign_legacy_presentation, lifetime=120)


def seeded(
    seed: str,
    alg: str,
    purpose: Purpose,
    *,
    not_before: int = T0 - 86400,
    not_after: int | None = None,
    issuer: str | None = None,
    compromised_at: int | None = None,
) -> LocalKey:
    """A key derived from ``seed`` (deterministic)."""
    digest = hashlib.sha256(seed.encode()).digest()
    if alg == "EdDSA":
        private: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey = (
            ed25519.Ed25519PrivateKey.from_private_bytes(digest)
        )
    else:
        private = ec.derive_private_key(int.from_bytes(digest, "big") % (2**255), ec.SECP256R1())
    kid = key_id(private.public_key())
    info = KeyInfo(kid, alg, purpose, not_before, not_after, issuer, compromised_at)
    return LocalKey(private, info)


def _jws(header: dict[str, object], claims_b64: str, signature: bytes) -> str:
    head = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    return f"{head}.{claims_b64}.{b64url_encode(signature)}"


def main() -> None:
    cert = seeded("certificate", "EdDSA", Purpose.CERTIFICATE, issuer=ISSUER)
    cert_es = seeded("certificate-es256", "ES256", Purpose.CERTIFICATE, issuer=ISSUER)
    other_cert = seeded("other-issuer", "EdDSA", Purpose.CERTIFICATE, issuer=OTHER_ISSUER)
    pres = seeded("presentation", "EdDSA", Purpose.PRESENTATION)
    pres_es = seeded("presentation-es256", "ES256", Purpose.PRESENTATION)
    retired = seeded("retired", "EdDSA", Purpose.PRESENTATION, not_after=T0 - 3600)
    compromised = seeded("compromised", "EdDSA", Purpose.PRESENTATION, compromised_at=T0 - 60)
    future = seeded("future", "EdDSA", Purpose.PRESENTATION, not_before=T0 + 86400)
    stranger = seeded("not-published", "EdDSA", Purpose.PRESENTATION)
    cert_retired = seeded(
        "certificate-retired", "EdDSA", Purpose.CERTIFICATE, issuer=ISSUER, not_after=T0 - 3600
    )
    key_status_key = seeded("key-status", "EdDSA", Purpose.KEYS)
    listed = [
        cert,
        cert_es,
        other_cert,
        pres,
        pres_es,
        retired,
        compromised,
        future,
        cert_retired,
        key_status_key,
    ]
    # What the service publishes at T0: the JWKS holds only what a standard library may trust (not
    # the compromised, the future or the long-retired presentation key); the key-status document
    # holds our rules for every listed key; one JWKS per use for standard verifiers.
    publics = [k.public for k in listed]
    jwks = standard_jwks(publics, now=T0)
    key_status = sign_key_status((k.info for k in listed), key_status_key, now=T0)
    per_use = {"presentation": standard_jwks(publics, now=T0, purpose=Purpose.PRESENTATION)}
    for issuer in (ISSUER, OTHER_ISSUER):
        per_use[issuer] = standard_jwks(publics, now=T0, purpose=Purpose.CERTIFICATE, issuer=issuer)

    # The issuer has used indexes 0-9; its published list has the minimum size all the same.
    statuses = StatusList(size=status_list_size(ISSUED))
    statuses.set(7, Status.REVOKED)
    statuses.set(8, Status.SUSPENDED)
    statuses.set(9, Status.SUPERSEDED)
    status_token = sign_status_list(statuses, issuer=ISSUER, uri=STATUS_URI, signer=cert, now=T0)

    good = facts()
    at = T0 + 30
    p = sign_legacy_presentation(good, pres, now=T0)
    credential = sign_credential(good, cert, status_uri=STATUS_URI, now=T0)
    head, body, sig = credential.split(".")

    raw = bytearray(decimal_decode(p))
    flipped_sig = bytearray(raw)
    flipped_sig[-1] ^= 0x01
    name_at = bytes(raw).find("张".encode())
    flipped_name = bytearray(raw)
    flipped_name[name_at + 2] ^= 0x01
    message = cbor2.loads(bytes(raw))
    cbor_trailing = bytes(raw) + b"\x00"

    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["cert"]["holder"] = "李四"
    forged_body = b64url_encode(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    public_pem_secret = cert.public.to_jwk()["x"].encode()
    hs_header = {"alg": "HS256", "kid": cert.info.kid, "typ": "vnd.rtcert.cert+jwt"}
    hs_head = b64url_encode(json.dumps(hs_header, separators=(",", ":")).encode())
    hs_sig = hmac.new(public_pem_secret, f"{hs_head}.{body}".encode(), hashlib.sha256).digest()

    cases: dict[str, tuple[str, str, int, str | None]] = {
        "valid-presentation": ("A fresh presentation, bare payload", p, at, None),
        "valid-presentation-url": ("The QR text: a link", presentation_url(BASE, p), at, None),
        "valid-presentation-es256": (
            "Signed with a P-256 key",
            sign_legacy_presentation(good, pres_es, now=T0),
            at,
            None,
        ),
        "valid-credential": ("A certificate credential JWT", credential, at, None),
        "valid-credential-es256": (
            "Credential signed with a P-256 key",
            sign_credential(good, cert_es, status_uri=STATUS_URI, now=T0),
            at,
            None,
        ),
        "tampered-signature-byte": (
            "Last signature byte changed",
            decimal_encode(bytes(flipped_sig)),
            at,
            "bad_signature",
        ),
        "tampered-claims-byte": (
            "A byte of the masked name changed",
            decimal_encode(bytes(flipped_name)),
            at,
            "bad_signature",
        ),
        "tampered-credential-claims": (
            "Holder name changed in the JWT payload",
            f"{head}.{forged_body}.{sig}",
            at,
            "bad_signature",
        ),
        "alg-none": (
            "JWT header says alg none, no signature",
            _jws({"alg": "none", "kid": cert.info.kid, "typ": "vnd.rtcert.cert+jwt"}, body, b""),
            at,
            "bad_signature",
        ),
        "hs256-public-key-as-secret": (
            "HS256 keyed with the public key",
            f"{hs_head}.{body}.{b64url_encode(hs_sig)}",
            at,
            "bad_signature",
        ),
        "unknown-kid": (
            "Signed by a key nobody published",
            sign_legacy_presentation(good, stranger, now=T0),
            at,
            "unknown_key",
        ),
        "kid-path-traversal": (
            "kid tries a path",
            _jws({"alg": "EdDSA", "kid": "../../keys/x", "typ": "vnd.rtcert.cert+jwt"}, body, b"x" * 64),
            at,
            "malformed",
        ),
        "expired-credential": (
            "Checked a minute after validity ends (CST)",
            credential,
            start_of_day(dt.date(2032, 11, 1)) + 60,
            "expired",
        ),
        "last-minute-of-validity": (
            "Checked a minute before validity ends (CST)",
            credential,
            start_of_day(dt.date(2032, 11, 1)) - 60,
            None,
        ),
        "not-yet-valid-credential": (
            "Validity starts later",
            sign_credential(facts(valid_from=dt.date(2026, 12, 1)), cert, status_uri=STATUS_URI, now=T0),
            at,
            "not_yet_valid",
        ),
        "stale-presentation": ("A screenshot ten minutes old", p, T0 + 600, "stale_presentation"),
        "presentation-from-the-future": ("Verifier clock 10 minutes behind", p, T0 - 600, "clock_skew"),
        "key-before-window": (
            "Signed before the key's window opens",
            sign_legacy_presentation(good, future, now=T0),
            at,
            "key_outside_window",
        ),
        "retired-key": (
            "Signed after the key was retired",
            sign_legacy_presentation(good, retired, now=T0),
            at,
            "key_outside_window",
        ),
        "compromised-key": (
            "Signed by a key marked compromised",
            sign_legacy_presentation(good, compromised, now=T0 - 3600),
            T0 - 3590,
            "key_compromised",
        ),
        "wrong-purpose": (
            "A presentation signed with a certificate key",
            _wrong_purpose(good, cert),
            at,
            "wrong_key_purpose",
        ),
        "credential-other-issuer-key": (
            "Credential signed by another authority's key",
            _other_issuer(good, other_cert, STATUS_URI),
            at,
            "policy",
        ),
        "revoked": (
            "Status list entry 7 is revoked",
            sign_legacy_presentation(facts(status_index=7), pres, now=T0 - 60),
            at,
            "revoked",
        ),
        "suspended": (
            "Status list entry 8 is suspended",
            sign_legacy_presentation(facts(status_index=8), pres, now=T0 - 60),
            at,
            "suspended",
        ),
        "superseded": (
            "Status list entry 9 is superseded",
            sign_credential(facts(status_index=9), cert, status_uri=STATUS_URI, now=T0 - 60),
            at,
            "superseded",
        ),
        "status-index-out-of-bounds": (
            "Index just past the end of the status list (never read as valid)",
            sign_legacy_presentation(facts(status_index=len(statuses)), pres, now=T0 - 60),
            at,
            "status_out_of_bounds",
        ),
        "status-index-out-of-bounds-credential": (
            "Credential whose index is far past the end of the status list",
            sign_credential(facts(status_index=10 * len(statuses)), cert, status_uri=STATUS_URI, now=T0 - 60),
            at,
            "status_out_of_bounds",
        ),
        "truncated": ("Last 20 digits cut off", p[:-20], at, "malformed"),
        "trailing-bytes": (
            "A byte appended after the COSE message",
            decimal_encode(cbor_trailing),
            at,
            "malformed",
        ),
        "oversized": ("20,000 digits", "9" * 20000, at, "malformed"),
        "non-digit-characters": (
            "Letters in a numeric payload (e.g. base32)",
            "QRF2CBCIJI7U4QUVGMR4XICYM2UQC6BU",
            at,
            "malformed",
        ),
        "full-width-digits": ("Full-width digits", "１２３４５６", at, "malformed"),
        "other-system-qr": ("A QR from another system", "https://weixin.qq.com/r/abcDEF", at, "malformed"),
        "not-a-link": ("WiFi QR", "WIFI:S:Cafe;T:WPA;P:secret;;", at, "malformed"),
        "empty": ("Nothing", "", at, "malformed"),
        "cose-wrong-shape": (
            "CBOR that is not a COSE_Sign1",
            decimal_encode(cbor2.dumps([message[0], {}, message[2]])),
            at,
            "malformed",
        ),
    }
    cases.update(_new_layout(cert, cert_es, other_cert, cert_retired, pres, pres_es, stranger, at))
    cases["legacy-layout-after-cutoff"] = (
        "A first-layout presentation checked when that layout is no longer accepted",
        sign_legacy_presentation(good, pres, now=LEGACY_LAYOUT_UNTIL),
        LEGACY_LAYOUT_UNTIL + 10,
        "retired_layout",
    )
    cases["legacy-layout-before-cutoff"] = (
        "A first-layout presentation made and checked just before the cutoff",
        sign_legacy_presentation(good, pres, now=LEGACY_LAYOUT_UNTIL - 30),
        LEGACY_LAYOUT_UNTIL - 1,
        None,
    )
    folder = HERE / "cases"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    for name, (description, text, when, reason) in cases.items():
        expect: dict[str, object] = {"valid": reason is None}
        if reason:
            expect["reason"] = reason
        case = {"description": description, "input": text, "at": when, "expect": expect}
        (folder / f"{name}.json").write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n")
    (HERE / "jwks.json").write_text(json.dumps(jwks, indent=2) + "\n")
    (HERE / "key-status.jwt").write_text(key_status + "\n")
    (HERE / "keys").mkdir(exist_ok=True)
    for name, document in per_use.items():
        (HERE / "keys" / f"{name}.json").write_text(json.dumps(document, indent=2) + "\n")
    (HERE / "status.txt").write_text(status_token + "\n")
    _bulk(
        {
            "first-layout-presentation": (p, at),
            "presentation": (sign_presentation(good, pres, now=T0), at),
            "printed": (sign_printed(good, cert, now=T0), at),
        },
        jwks,
        key_status,
        status_token,
    )
    print(f"wrote {len(cases)} cases")


def _wrong_purpose(good: object, cert: LocalKey) -> str:
    disguised = LocalKey(cert.private, dataclasses.replace(cert.info, purpose=Purpose.PRESENTATION))
    return sign_legacy_presentation(good, disguised, now=T0)  # type: ignore[arg-type]


def _other_issuer(good: object, other: LocalKey, uri: str) -> str:
    disguised = LocalKey(other.private, dataclasses.replace(other.info, issuer=ISSUER))
    return sign_credential(good, disguised, status_uri=uri, now=T0)  # type: ignore[arg-type]


def _message(
    protected: dict[int, object], unprotected: dict[int, object], claims: bytes, key: LocalKey
) -> bytes:
    protected_bytes = cbor2.dumps(protected)
    signature = key.sign(cbor2.dumps(["Signature1", protected_bytes, b"", claims]))
    return cbor2.dumps([protected_bytes, unprotected, claims, signature])


def _new_layout(
    cert: LocalKey,
    cert_es: LocalKey,
    other_cert: LocalKey,
    cert_retired: LocalKey,
    pres: LocalKey,
    pres_es: LocalKey,
    stranger: LocalKey,
    at: int,
) -> dict[str, tuple[str, str, int, str | None]]:
    """The cases of the layout: tag 18, alg protected, kid unprotected; presentations and
    printed codes."""
    good = facts()
    p = sign_presentation(good, pres, now=T0)
    printed = sign_printed(good, cert, now=T0)
    message = cbor2.loads(decimal_decode(p)).value
    claims = message[2]
    kid = {4: message[1][4]}

    def tagged(tag: int, body: bytes) -> str:
        return decimal_encode(cbor2.dumps(cbor2.CBORTag(tag, cbor2.loads(body))))

    untagged = _message({1: -8}, kid, claims, pres)
    raw = bytearray(decimal_decode(p))
    flipped_sig = bytearray(raw)
    flipped_sig[-1] ^= 0x01
    printed_raw = decimal_decode(printed)
    expired_at = start_of_day(dt.date(2032, 11, 1)) + 60
    disguised_pres = LocalKey(cert.private, dataclasses.replace(cert.info, purpose=Purpose.PRESENTATION))
    disguised_cert = LocalKey(
        pres.private, dataclasses.replace(pres.info, purpose=Purpose.CERTIFICATE, issuer=ISSUER)
    )
    disguised_other = LocalKey(other_cert.private, dataclasses.replace(other_cert.info, issuer=ISSUER))
    return {
        "cose-valid-presentation": (
            "A fresh presentation (tag 18, alg protected, kid unprotected)",
            p,
            at,
            None,
        ),
        "cose-valid-presentation-url": ("The QR text: a link", presentation_url(BASE, p), at, None),
        "cose-valid-presentation-es256": (
            "Signed with a P-256 key",
            sign_presentation(good, pres_es, now=T0),
            at,
            None,
        ),
        "cose-wrong-alg": (
            "alg -7 (ES256) protected and signed, by an Ed25519 key",
            tagged(18, _message({1: -7}, kid, claims, pres)),
            at,
            "bad_signature",
        ),
        "cose-wrong-alg-es256": (
            "alg -8 (EdDSA) protected and signed, by a P-256 key",
            tagged(
                18,
                _message(
                    {1: -8},
                    {4: decimal_decode(sign_presentation(good, pres_es, now=T0))[9:17]},
                    claims,
                    pres_es,
                ),
            ),
            at,
            "bad_signature",
        ),
        "cose-tag-17": ("Tagged 17 (COSE_Mac0) instead of 18", tagged(17, untagged), at, "malformed"),
        "cose-tag-98": ("Tagged 98 (COSE_Sign) instead of 18", tagged(98, untagged), at, "malformed"),
        "cose-untagged": ("The layout without its tag", decimal_encode(untagged), at, "malformed"),
        "cose-unknown-crit": (
            "Protected header lists an unknown critical parameter (label 2)",
            tagged(18, _message({1: -8, 2: [99], 99: 1}, kid, claims, pres)),
            at,
            "malformed",
        ),
        "cose-kid-protected": (
            "kid in the protected header as well (not the layout)",
            tagged(18, _message({1: -8, 4: kid[4]}, {}, claims, pres)),
            at,
            "malformed",
        ),
        "cose-tampered-signature-byte": (
            "Last signature byte changed",
            decimal_encode(bytes(flipped_sig)),
            at,
            "bad_signature",
        ),
        "cose-unknown-kid": (
            "Signed by a key nobody published",
            sign_presentation(good, stranger, now=T0),
            at,
            "unknown_key",
        ),
        "cose-stale-presentation": ("A screenshot ten minutes old", p, T0 + 600, "stale_presentation"),
        "cose-wrong-purpose": (
            "A presentation signed with a certificate key",
            sign_presentation(good, disguised_pres, now=T0),
            at,
            "wrong_key_purpose",
        ),
        "cose-revoked": (
            "Status list entry 7 is revoked",
            sign_presentation(facts(status_index=7), pres, now=T0 - 60),
            at,
            "revoked",
        ),
        "printed-valid": ("A printed certificate's code, bare payload", printed, at, None),
        "printed-valid-url": (
            "A printed certificate's code: a link",
            presentation_url(BASE, printed),
            at,
            None,
        ),
        "printed-valid-es256": (
            "Printed code signed with a P-256 key",
            sign_printed(good, cert_es, now=T0),
            at,
            None,
        ),
        "printed-a-year-later": (
            "A printed code lives as long as the certificate",
            printed,
            T0 + 365 * 86400,
            None,
        ),
        "printed-expired": ("Checked a minute after validity ends (CST)", printed, expired_at, "expired"),
        "printed-superseded": (
            "The paper of a certificate later renewed: status list entry 9 is superseded",
            sign_printed(facts(status_index=9), cert, now=T0 - 60),
            at,
            "superseded",
        ),
        "printed-key-ended-before-issue": (
            "Signed by a certificate key whose window ended an hour before",
            sign_printed(good, cert_retired, now=T0),
            at,
            "key_outside_window",
        ),
        "printed-wrong-purpose": (
            "A printed code signed with a presentation key",
            sign_printed(good, disguised_cert, now=T0),
            at,
            "wrong_key_purpose",
        ),
        "printed-other-issuer-key": (
            "A printed code signed by another authority's certificate key",
            sign_printed(good, disguised_other, now=T0),
            at,
            "policy",
        ),
        "printed-tampered-name": (
            "A byte of the holder's name changed",
            decimal_encode(printed_raw.replace("张三明".encode(), "张三朋".encode())),
            at,
            "bad_signature",
        ),
        "printed-first-layout": (
            "Printed claims in the first layout (only presentations were made in it)",
            decimal_encode(
                _message({4: decimal_decode(printed)[9:17]}, {}, cbor2.loads(printed_raw).value[2], cert)
            ),
            at,
            "malformed",
        ),
    }


def _bulk(
    codes: dict[str, tuple[str, int]], jwks: dict[str, object], key_status: str, status_token: str
) -> None:
    """Every byte of each code flipped (low bit) and every truncation, with the library's verdict;
    none of them may verify."""
    from signing import Verifier

    verifier = Verifier.from_documents(jwks, key_status, [status_token])
    folder = HERE / "bulk"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    for name, (payload, at) in codes.items():
        raw = decimal_decode(payload)
        inputs = []
        for i in range(len(raw)):
            changed = bytearray(raw)
            changed[i] ^= 0x01
            if changed[0]:
                inputs.append((f"byte {i} flipped", decimal_encode(bytes(changed))))
        inputs += [(f"first {n} bytes", decimal_encode(raw[:n])) for n in range(1, len(raw))]
        cases = []
        for description, text in inputs:
            try:
                verifier.verify(text, at=at)
            except VerificationError as exc:
                cases.append(
                    {
                        "description": description,
                        "input": text,
                        "expect": {"valid": False, "reason": exc.code},
                    }
                )
            else:
                raise AssertionError(f"{name}: {description} verifies")
        document = {"description": f"{name}: every byte flipped, every truncation", "at": at, "cases": cases}
        (folder / f"{name}.json").write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
