"""The compact presentation: what it carries, how big its QR is, and how the verifier reads it."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from app.renderers.qr import png, presentation_qr
from signing import (
    KeySet,
    Status,
    StatusList,
    Verifier,
    mask_id,
    mask_name,
    presentation_url,
    sign_presentation,
    sign_status_list,
    status_list_size,
    verify_status_list,
)
from signing.errors import (
    BadSignature,
    NotYetValid,
    PolicyViolation,
    StalePresentation,
    StatusUnavailable,
    Suspended,
)

from ...helpers import T0, decimal_decode, decimal_encode, facts, id_number, keys

BASE = "https://dzzz.jtt.example.cn"


def test_masking() -> None:
    assert mask_name("张三明") == "张*明"
    assert mask_name("李四") == "李*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_id(id_number()) == "3701**********" + id_number()[-4:]


def test_presentation_carries_no_full_personal_data() -> None:
    _, pres = keys()
    good = facts()
    raw = decimal_decode(sign_presentation(good, pres, now=T0))
    assert good.holder_id.encode() not in raw
    assert good.holder_name.encode() not in raw


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_typical_presentation_fits_qr_version_10(alg: str) -> None:
    _, pres = keys(alg)
    url = presentation_url(BASE, sign_presentation(facts(), pres, now=T0))
    code = presentation_qr(url)
    assert code.version <= 10
    assert code.error == "M"


def test_qr_image_decodes_to_the_link_and_verifies() -> None:
    cert, pres = keys()
    url = presentation_url(BASE, sign_presentation(facts(), pres, now=T0))
    image = Image.open(io.BytesIO(png(presentation_qr(url))))
    (result,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert result.text == url
    verified = Verifier(KeySet([cert.public, pres.public])).verify(result.text, at=T0 + 5)
    assert verified.holder == {"name": "张*明", "id": mask_id(id_number())}
    assert verified.to_json()["categories"][0] == {"code": 1, "name": "经营性道路旅客运输驾驶员"}


def test_signing_with_a_certificate_key_is_refused() -> None:
    cert, _ = keys()
    with pytest.raises(PolicyViolation):
        sign_presentation(facts(), cert, now=T0)


def test_clock_messages_say_what_is_wrong() -> None:
    cert, pres = keys()
    verifier = Verifier(KeySet([cert.public, pres.public]))
    payload = sign_presentation(facts(), pres, now=T0, lifetime=60)
    with pytest.raises(NotYetValid, match="check this device's clock"):
        verifier.verify(payload, at=T0 - 3600)
    with pytest.raises(StalePresentation, match="ask the holder to refresh"):
        verifier.verify(payload, at=T0 + 60 + 26)
    assert verifier.verify(payload, at=T0 + 60 + 25).expires_at == T0 + 60


def _lists(cert, statuses: StatusList, now: int):  # type: ignore[no-untyped-def]
    token = sign_status_list(statuses, issuer=cert.info.issuer, uri="u", signer=cert, now=now)
    signed = verify_status_list(token, KeySet([cert.public]))
    return {signed.issuer: signed}


def test_newest_status_wins() -> None:
    cert, pres = keys()
    keyset = KeySet([cert.public, pres.public])
    suspended = StatusList(size=status_list_size(0))
    suspended.set(5, Status.SUSPENDED)
    # The list (T0) is older than a presentation that says valid (T0 + 10): suspension lifted.
    lifted = sign_presentation(facts(), pres, now=T0 + 10)
    assert Verifier(keyset, _lists(cert, suspended, T0)).verify(lifted, at=T0 + 20).status == "valid"
    # A list newer than the presentation wins.
    old = sign_presentation(facts(), pres, now=T0 - 10)
    with pytest.raises(Suspended):
        Verifier(keyset, _lists(cert, suspended, T0)).verify(old, at=T0 + 20)
    # Offline with an old list: a presentation signed while suspended still says so.
    flagged = sign_presentation(facts(), pres, now=T0 + 10, status=Status.SUSPENDED)
    with pytest.raises(Suspended):
        Verifier(keyset, _lists(cert, StatusList(size=status_list_size(0)), T0)).verify(flagged, at=T0 + 20)


def test_require_status() -> None:
    cert, pres = keys(not_before=T0 - 30 * 86400)
    payload = sign_presentation(facts(), pres, now=T0)
    keyset = KeySet([cert.public, pres.public])
    assert Verifier(keyset).verify(payload, at=T0).status == "unchecked"
    with pytest.raises(StatusUnavailable):
        Verifier(keyset, require_status=True).verify(payload, at=T0)
    lists = _lists(cert, StatusList(size=status_list_size(0)), T0 - 8 * 86400)  # expired a day ago
    with pytest.raises(StatusUnavailable):
        Verifier(keyset, lists, require_status=True).verify(payload, at=T0)
    assert Verifier(keyset, lists).verify(payload, at=T0).status_list_issued_at == T0 - 8 * 86400


def test_a_failure_names_the_certificate_only_once_its_signature_verified() -> None:
    cert, pres = keys()
    keyset = KeySet([cert.public, pres.public])
    suspended = StatusList(size=status_list_size(0))
    suspended.set(5, Status.SUSPENDED)
    genuine = sign_presentation(facts(), pres, now=T0 - 10)
    with pytest.raises(Suspended) as failed:
        Verifier(keyset, _lists(cert, suspended, T0)).verify(genuine, at=T0 + 20)
    assert failed.value.identifier == str(facts().identifier)
    with pytest.raises(StalePresentation) as stale:
        Verifier(keyset).verify(genuine, at=T0 + 3600)
    assert stale.value.identifier == str(facts().identifier)
    raw = bytearray(decimal_decode(genuine))
    raw[-1] ^= 1
    with pytest.raises(BadSignature) as forged:
        Verifier(keyset, _lists(cert, suspended, T0)).verify(decimal_encode(bytes(raw)), at=T0 + 20)
    assert forged.value.identifier is None
