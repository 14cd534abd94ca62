"""Keys: thumbprints, PEM files, JWKs, the key store's windows and states."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from signing import (
    FileKeyStore,
    KeySet,
    LocalKey,
    Purpose,
    key_from_jwk,
    key_id,
    sign_key_status,
    verify_key_status,
)
from signing.errors import BadSignature, KeyHandlingError, Malformed, UnknownKey

from ...helpers import ISSUER, T0, b64url_decode, b64url_encode


def test_kid_is_the_start_of_the_rfc8037_thumbprint() -> None:
    # RFC 8037 appendix A.3: the Ed25519 JWK thumbprint; a kid is its first 8 bytes.
    x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    key = ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(x))
    thumbprint = b64url_decode("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
    assert key_id(key) == b64url_encode(thumbprint[:8]) == "kPrK_qmxVWY"


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_sign_verify_and_tamper(alg: str) -> None:
    key = LocalKey.generate(alg, Purpose.PRESENTATION)
    signature = key.sign(b"hello")
    assert len(signature) == 64
    key.public.verify(signature, b"hello")
    with pytest.raises(BadSignature):
        key.public.verify(signature, b"hellO")
    with pytest.raises(BadSignature):
        key.public.verify(signature[:-1], b"hello")


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_pem_round_trip_with_password(alg: str) -> None:
    key = LocalKey.generate(alg, Purpose.CERTIFICATE, issuer=ISSUER)
    pem = key.to_pem(b"s3cret")
    assert b"ENCRYPTED" in pem
    loaded = LocalKey.from_pem(pem, key.info, b"s3cret")
    loaded.public.verify(key.sign(b"x"), b"x")
    with pytest.raises(KeyHandlingError, match="cannot load key"):
        LocalKey.from_pem(pem, key.info, b"wrong")
    other = LocalKey.generate(alg, Purpose.CERTIFICATE, issuer=ISSUER)
    with pytest.raises(KeyHandlingError, match="does not hold key"):
        LocalKey.from_pem(other.to_pem(), key.info)


def test_jwk_holds_only_standard_members() -> None:
    key = LocalKey.generate("ES256", Purpose.CERTIFICATE, not_before=T0, not_after=T0 + 10, issuer=ISSUER)
    (jwk,) = KeySet([key.public]).to_jwks()["keys"]
    assert set(jwk) == {"kty", "crv", "x", "y", "kid", "alg", "use"}
    assert jwk["kty"] == "EC" and jwk["alg"] == "ES256" and jwk["use"] == "sig"
    assert key_id(key_from_jwk(jwk)) == key.info.kid


def test_jwk_with_foreign_kid_is_refused() -> None:
    jwk = LocalKey.generate("EdDSA", Purpose.PRESENTATION).public.to_jwk()
    jwk["kid"] = LocalKey.generate("EdDSA", Purpose.PRESENTATION).info.kid
    with pytest.raises(KeyHandlingError, match="not the key's thumbprint"):
        key_from_jwk(jwk)


@pytest.mark.parametrize("kid", ["../../etc/passwd", "", None, 5, "a" * 12])
def test_lookup_of_non_kids_is_malformed(kid: object) -> None:
    with pytest.raises(Malformed):
        KeySet().get(kid)


def test_lookup_of_unknown_kid() -> None:
    with pytest.raises(UnknownKey):
        KeySet().get("AAAAAAAAAAA")


def test_unsupported_algorithm() -> None:
    with pytest.raises(KeyHandlingError, match="unsupported algorithm"):
        LocalKey.generate("RS256", Purpose.PRESENTATION)


def test_store_files_are_private_and_encrypted(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / "keys", b"pw")
    key = store.generate("EdDSA", Purpose.PRESENTATION, now=T0)
    pem = tmp_path / "keys" / f"{key.info.kid}.pem"
    assert pem.stat().st_mode & 0o777 == 0o600
    assert b"ENCRYPTED" in pem.read_bytes()
    fresh = FileKeyStore(tmp_path / "keys", b"pw")
    assert fresh.load(key.info.kid).info == key.info
    with pytest.raises(KeyHandlingError):
        FileKeyStore(tmp_path / "keys", b"other").load(key.info.kid)


def test_store_signer_retire_compromise_and_publish(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path)
    first = store.generate("EdDSA", Purpose.PRESENTATION, now=T0)
    second = store.generate("EdDSA", Purpose.PRESENTATION, now=T0 + 10)
    assert store.signer(Purpose.PRESENTATION, now=T0 + 20).info.kid == second.info.kid
    store.retire(second.info.kid, now=T0 + 30)
    assert store.signer(Purpose.PRESENTATION, now=T0 + 40).info.kid == first.info.kid
    with pytest.raises(KeyHandlingError, match="already retired"):
        store.retire(second.info.kid, now=T0 + 50)
    store.mark_compromised(first.info.kid, now=T0 + 60)
    with pytest.raises(KeyHandlingError, match="no presentation key"):
        store.signer(Purpose.PRESENTATION, now=T0 + 70)
    published = {k.kid: k for k in store.published(now=T0 + 100)}
    assert published[first.info.kid].info.compromised_at == T0 + 60
    assert second.info.kid in published
    # A retired presentation key stops mattering a day after its last signature.
    assert second.info.kid not in {k.kid for k in store.published(now=T0 + 30 + 86400 + 1)}


def test_store_sees_metadata_changed_by_another_process(tmp_path: Path) -> None:
    one, two = FileKeyStore(tmp_path), FileKeyStore(tmp_path)
    key = one.generate("EdDSA", Purpose.PRESENTATION, now=T0)
    assert two.load(key.info.kid).info.not_after is None
    one.retire(key.info.kid, now=T0 + 5)
    assert two.load(key.info.kid).info.not_after == T0 + 5


def test_store_refuses_path_like_kid(tmp_path: Path) -> None:
    with pytest.raises(KeyHandlingError, match="not a key id"):
        FileKeyStore(tmp_path).load("../" + "a" * 8)


def test_store_reports_broken_metadata(tmp_path: Path) -> None:
    (tmp_path / "AAAAAAAAAAA.json").write_text("{}")
    with pytest.raises(KeyHandlingError, match=r"AAAAAAAAAAA\.json"):
        FileKeyStore(tmp_path).infos()
    os.remove(tmp_path / "AAAAAAAAAAA.json")
    assert FileKeyStore(tmp_path / "missing").infos() == []


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_the_key_status_document_changes_only_when_its_rules_do(alg: str) -> None:
    """Two workers signing the same rules, a minute apart, serve the same bytes (the ES256 document
    once differed per worker and per restart, so its ETag never matched a cached copy)."""
    status_key = LocalKey.generate(alg, Purpose.KEYS, not_before=T0 - 3600)
    presentation = LocalKey.generate(alg, Purpose.PRESENTATION, not_before=T0 - 600)
    rules = [presentation.info, status_key.info]
    first = sign_key_status(rules, status_key, now=T0)
    assert sign_key_status(rules, status_key, now=T0 + 60) == first
    jwks = KeySet([presentation.public, status_key.public]).to_jwks()
    assert verify_key_status(jwks, first)
    claims = json.loads(b64url_decode(first.split(".")[1]))
    assert claims["iat"] == T0 - 600  # the presentation key's window opened last
    compromised = replace(presentation.info, compromised_at=T0 + 30)
    later = sign_key_status([compromised, status_key.info], status_key, now=T0 + 60)
    assert later != first
    assert json.loads(b64url_decode(later.split(".")[1]))["iat"] == T0 + 30
