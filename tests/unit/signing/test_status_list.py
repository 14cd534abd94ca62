"""Token status lists: 2-bit packing, compression, signing and checks."""

from __future__ import annotations

import zlib

import pytest

from signing import KeySet, LocalKey, Purpose, Status, StatusList, sign_status_list, verify_status_list
from signing._encoding import b64url_encode
from signing.errors import Malformed, PolicyViolation, WrongKeyPurpose

from ...helpers import ISSUER, T0


def test_bit_layout_matches_the_draft() -> None:
    statuses = StatusList()
    for index, status in enumerate([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]):
        statuses.set(index, Status(status))
    # draft-ietf-oauth-status-list, 2-bit example: the first bytes are 0xC9 0x44 0xF9.
    assert bytes(statuses.data) == bytes([0xC9, 0x44, 0xF9])
    assert statuses.get(3) == Status.SUPERSEDED
    assert statuses.get(10_000) == Status.VALID


def test_set_overwrites_and_grows() -> None:
    statuses = StatusList()
    statuses.set(101, Status.SUSPENDED)
    statuses.set(101, Status.VALID)
    statuses.set(101, Status.REVOKED)
    assert statuses.get(101) == Status.REVOKED and statuses.get(100) == Status.VALID
    assert len(statuses) == 104
    assert StatusList.decode(statuses.encode()).data == statuses.data


def test_decompression_bomb_is_refused() -> None:
    bomb = b64url_encode(zlib.compress(bytes(10_000_000)))
    with pytest.raises(Malformed, match="too large"):
        StatusList.decode(bomb)


def test_sign_and_verify() -> None:
    key = LocalKey.generate("EdDSA", Purpose.CERTIFICATE, not_before=T0 - 10, issuer=ISSUER)
    statuses = StatusList()
    statuses.set(3, Status.SUSPENDED)
    token = sign_status_list(statuses, issuer=ISSUER, uri="https://x/status/1", signer=key, now=T0)
    signed = verify_status_list(token, KeySet([key.public]))
    assert signed.issuer == ISSUER and signed.issued_at == T0 and signed.statuses.get(3) == Status.SUSPENDED


def test_only_the_issuers_certificate_key_signs_its_list() -> None:
    presentation = LocalKey.generate("EdDSA", Purpose.PRESENTATION, not_before=T0 - 10)
    with pytest.raises(PolicyViolation):
        sign_status_list(StatusList(), issuer=ISSUER, uri="u", signer=presentation, now=T0)
    other = LocalKey.generate("EdDSA", Purpose.CERTIFICATE, not_before=T0 - 10, issuer="11370200MB0000000C")
    with pytest.raises(PolicyViolation):
        sign_status_list(StatusList(), issuer=ISSUER, uri="u", signer=other, now=T0)


def test_list_signed_by_wrong_purpose_key_fails() -> None:
    key = LocalKey.generate("EdDSA", Purpose.CERTIFICATE, not_before=T0 - 10, issuer=ISSUER)
    token = sign_status_list(StatusList(), issuer=ISSUER, uri="u", signer=key, now=T0)
    as_presentation = LocalKey(
        key.private, key.info.__class__(key.info.kid, key.info.alg, Purpose.PRESENTATION, key.info.not_before)
    )
    with pytest.raises(WrongKeyPurpose):
        verify_status_list(token, KeySet([as_presentation.public]))
