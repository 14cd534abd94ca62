"""The compact codes are standard COSE: a tagged COSE_Sign1 (tag 18) with ``alg`` protected and
the kid unprotected, which an independent library (pycose) decodes and verifies given only the
public key; the verifier refuses an ``alg`` that is not the key's, another tag and unknown critical
header parameters; the first layout is accepted until the configured date and refused after it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import cbor2
import pytest
from pycose.algorithms import EdDSA, Es256
from pycose.headers import KID, Algorithm
from pycose.keys import EC2Key, OKPKey
from pycose.keys.curves import P256, Ed25519
from pycose.messages import Sign1Message

from signing import (
    LEGACY_LAYOUT_UNTIL,
    KeySet,
    LocalKey,
    Purpose,
    Verifier,
    sign_key_status,
    sign_legacy_presentation,
    sign_presentation,
    sign_printed,
)
from signing.errors import BadSignature, Malformed, RetiredLayout

from ...helpers import T0, b64url_decode, decimal_decode, decimal_encode, facts, keys

ROOT = Path(__file__).resolve().parents[3]


def _pycose_key(key: LocalKey) -> OKPKey | EC2Key:
    jwk = key.public.to_jwk()
    if jwk["kty"] == "OKP":
        return OKPKey(crv=Ed25519, x=b64url_decode(jwk["x"]))
    return EC2Key(crv=P256, x=b64url_decode(jwk["x"]), y=b64url_decode(jwk["y"]))


def _pycose_message(payload: str) -> Sign1Message:
    raw = decimal_decode(payload)
    tag = cbor2.loads(raw)
    assert isinstance(tag, cbor2.CBORTag) and tag.tag == 18
    # pycose 1.1.0 reads the tag's content with cbor2 itself, which since cbor2 6 hands back a tuple
    # and an immutable map for tagged content; so it gets the array as cbor2 decodes it untagged.
    return Sign1Message.from_cose_obj(cbor2.loads(raw[1:]), True)


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
@pytest.mark.parametrize("kind", ["presentation", "printed"])
def test_pycose_decodes_and_verifies(alg: str, kind: str) -> None:
    cert, pres = keys(alg)
    key = pres if kind == "presentation" else cert
    payload = (
        sign_presentation(facts(), pres, now=T0)
        if kind == "presentation"
        else sign_printed(facts(), cert, now=T0)
    )
    message = _pycose_message(payload)
    assert message.phdr == {Algorithm: EdDSA if alg == "EdDSA" else Es256}
    assert message.uhdr == {KID: b64url_decode(key.info.kid)}
    message.key = _pycose_key(key)
    assert message.verify_signature()
    assert cbor2.loads(message.payload)[7] == T0
    message.key = _pycose_key(keys(alg)[1])  # another key of the same algorithm
    assert not message.verify_signature()


def test_pycose_made_message_verifies_here() -> None:
    """A COSE_Sign1 made by pycose with our claims and kid verifies with our verifier."""
    _, pres = keys()
    ours = cbor2.loads(decimal_decode(sign_presentation(facts(), pres, now=T0))).value
    message = Sign1Message(phdr={Algorithm: EdDSA}, uhdr={KID: b64url_decode(pres.info.kid)}, payload=ours[2])
    message.key = OKPKey(
        crv=Ed25519, d=pres.private.private_bytes_raw(), x=b64url_decode(pres.public.to_jwk()["x"])
    )  # type: ignore[union-attr]
    text = decimal_encode(message.encode(tag=True))
    assert Verifier(KeySet([pres.public])).verify(text, at=T0 + 5).kind == "presentation"


def _resigned(payload: str, key: LocalKey, protected: dict[int, object], tag: int = 18) -> str:
    _, unprotected, claims, _ = cbor2.loads(decimal_decode(payload)).value
    header = cbor2.dumps(protected)
    signature = key.sign(cbor2.dumps(["Signature1", header, b"", claims]))
    return decimal_encode(cbor2.dumps(cbor2.CBORTag(tag, [header, dict(unprotected), claims, signature])))


def test_alg_that_is_not_the_keys_is_refused_though_signed() -> None:
    cert, pres = keys()
    verifier = Verifier(KeySet([cert.public, pres.public]))
    for key, payload in (
        (pres, sign_presentation(facts(), pres, now=T0)),
        (cert, sign_printed(facts(), cert, now=T0)),
    ):
        with pytest.raises(BadSignature, match="algorithm -7 is not the algorithm"):
            verifier.verify(_resigned(payload, key, {1: -7}), at=T0 + 5)


def test_other_tags_and_critical_parameters_are_malformed() -> None:
    _, pres = keys()
    verifier = Verifier(KeySet([pres.public]))
    payload = sign_presentation(facts(), pres, now=T0)
    for tag in (17, 98, 61, 24):
        with pytest.raises(Malformed, match=f"COSE tag {tag} is not 18"):
            verifier.verify(_resigned(payload, pres, {1: -8}, tag=tag), at=T0 + 5)
    with pytest.raises(Malformed, match="critical parameters"):
        verifier.verify(_resigned(payload, pres, {1: -8, 2: [-70000]}), at=T0 + 5)
    with pytest.raises(Malformed, match="only alg protected"):
        verifier.verify(_resigned(payload, pres, {1: -8, 3: 60}), at=T0 + 5)


def test_first_layout_until_the_configured_date() -> None:
    _, pres = keys()
    old = sign_legacy_presentation(facts(), pres, now=LEGACY_LAYOUT_UNTIL - 30)
    assert Verifier(KeySet([pres.public])).verify(old, at=LEGACY_LAYOUT_UNTIL - 1).kind == "presentation"
    with pytest.raises(RetiredLayout, match="first layout"):
        Verifier(KeySet([pres.public])).verify(old, at=LEGACY_LAYOUT_UNTIL)
    earlier = Verifier(KeySet([pres.public]), legacy_until=LEGACY_LAYOUT_UNTIL - 10)
    with pytest.raises(RetiredLayout):
        earlier.verify(old, at=LEGACY_LAYOUT_UNTIL - 5)
    new = sign_presentation(facts(), pres, now=LEGACY_LAYOUT_UNTIL + 100)
    assert earlier.verify(new, at=LEGACY_LAYOUT_UNTIL + 101).kind == "presentation"


def test_command_line_takes_the_date(tmp_path: Path) -> None:
    _, pres = keys()
    status_key = LocalKey.generate("EdDSA", Purpose.KEYS, not_before=T0 - 3600)
    (tmp_path / "jwks.json").write_text(json.dumps(KeySet([pres.public, status_key.public]).to_jwks()))
    key_status = sign_key_status([pres.info, status_key.info], status_key, now=T0)
    (tmp_path / "key-status.jwt").write_text(key_status + "\n")
    old = sign_legacy_presentation(facts(), pres, now=T0)

    def run(*extra: str) -> dict[str, object]:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "signing",
                "verify",
                old,
                "--jwks",
                str(tmp_path / "jwks.json"),
                "--key-status",
                str(tmp_path / "key-status.jwt"),
                "--at",
                str(T0 + 5),
                *extra,
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        return dict(json.loads(result.stdout))

    assert run()["valid"] is True
    assert run("--legacy-until", str(T0))["reason"] == "retired_layout"


def test_browser_verifier_has_the_same_date() -> None:
    source = (ROOT / "static" / "js" / "verifier.js").read_text()
    (value,) = re.findall(r"var LEGACY_LAYOUT_UNTIL = (\d+);", source)
    assert int(value) == LEGACY_LAYOUT_UNTIL
    assert (
        "legacyLayoutUntil: trust && trust.issuers ? trust.issuers.legacy_layout_until"
        in (ROOT / "static" / "js" / "scan.js").read_text()
    )
