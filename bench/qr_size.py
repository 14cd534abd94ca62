"""How big the compact codes' QR symbols are with a realistic production host: the presentation (a
typical certificate: 3-character Chinese name, 2 categories, the full identifier) and the printed
certificate's code, at error-correction level M, against a naive JWT with the presentation's fields,
the same COSE bytes written as base32 in alphanumeric mode, the first (untagged) layout and the
printed credential JWT the PDF carried before."""

from __future__ import annotations

import base64
import json

import qrcode
import qrcode.constants
import qrcode.util
import zxingcpp

from app.renderers.qr import presentation_qr
from signing import (
    LocalKey,
    Purpose,
    mask_id,
    mask_name,
    presentation_url,
    sign_credential,
    sign_legacy_presentation,
    sign_presentation,
    sign_printed,
)
from tests.helpers import ISSUER, T0, decimal_decode, facts

from .table import Row

BASE = "https://dzzz.jt.hainan.gov.cn"
"""A realistic production host (29 characters with the scheme)."""


def _naive_jwt(key: LocalKey) -> str:
    import jwt

    good = facts()
    claims = {
        "jti": str(good.identifier),
        "name": mask_name(good.holder_name),
        "id": mask_id(good.holder_id),
        "cat": list(good.categories),
        "nbf": good.valid_from.isoformat(),
        "exp": good.valid_until.isoformat(),
        "iat": T0,
        "lifetime": 120,
        "idx": good.status_index,
    }
    return jwt.encode(claims, key.private, algorithm=key.info.alg, headers={"kid": key.info.kid})


def _pdf_version(text: str) -> int:
    """The version of the symbol the PDF renderer (zxing-cpp) draws for ``text``."""
    size = (
        zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
        .to_image(scale=1, add_quiet_zones=False)
        .shape[0]
    )
    return (size - 17) // 4


def _version(*segments: qrcode.util.QRData) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    for segment in segments:
        code.add_data(segment)
    return int(code.best_fit())


def run() -> list[Row]:
    """Measure QR versions and payload sizes."""
    rows = []
    for alg in ("EdDSA", "ES256"):
        key = LocalKey.generate(alg, Purpose.PRESENTATION, not_before=T0 - 60)
        cert = LocalKey.generate(alg, Purpose.CERTIFICATE, not_before=T0 - 60, issuer=ISSUER)
        payload = sign_presentation(facts(), key, now=T0)
        url = presentation_url(BASE, payload)
        code = presentation_qr(url)
        cose = decimal_decode(payload)
        b32 = base64.b32encode(cose).decode().rstrip("=")
        alnum = _version(
            qrcode.util.QRData(f"{BASE}/v/".encode(), mode=qrcode.util.MODE_8BIT_BYTE),
            qrcode.util.QRData(b32, mode=qrcode.util.MODE_ALPHA_NUM),
        )
        naive = _version(qrcode.util.QRData(f"{BASE}/v/{_naive_jwt(key)}".encode()))
        first = presentation_qr(presentation_url(BASE, sign_legacy_presentation(facts(), key, now=T0)))
        rows.append(
            Row(
                f"presentation QR ({alg}, level M, {BASE})",
                f"v{code.version} ({len(cose)} B COSE, {len(payload)} digits, {len(url)} chars)",
                f"first layout v{first.version}; naive JWT v{naive}; base32 v{alnum}",
                target="<= v10 (anchors: EU DCC v18, SHC v18)",
                passed=code.version <= 10,
            )
        )
        printed = sign_printed(facts(), cert, now=T0)
        link = presentation_url(BASE, printed)
        printed_code = presentation_qr(link)
        jwt_version = _pdf_version(
            sign_credential(facts(), cert, status_uri=f"{BASE}/status/{ISSUER}", now=T0)
        )
        rows.append(
            Row(
                f"printed code QR ({alg}, level M, {BASE})",
                f"v{printed_code.version} (PDF v{_pdf_version(link)}; {len(decimal_decode(printed))} B COSE, "
                f"{len(link)} chars)",
                f"credential JWT v{jwt_version}",
                target="<= v12",
                passed=printed_code.version <= 12 and _pdf_version(link) <= 12,
            )
        )
    rows.append(
        Row("presentation claims", json.dumps({"name": "3 chars", "categories": 2, "identifier": "full"}))
    )
    return rows
