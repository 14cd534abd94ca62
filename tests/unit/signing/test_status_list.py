"""Token status lists: 2-bit packing, size, bounds, compression, signing and checks."""

from __future__ import annotations

import random
import zlib

import pytest

from signing import (
    KeySet,
    LocalKey,
    Purpose,
    Status,
    StatusList,
    StatusLists,
    Verifier,
    sign_credential,
    sign_presentation,
    sign_status_list,
    status_list_size,
    verify_status_list,
)
from signing.errors import Malformed, PolicyViolation, StatusOutOfBounds, StatusUnavailable, WrongKeyPurpose

from ...helpers import ISSUER, T0, b64url_encode, facts, keys


def test_bit_layout_matches_the_draft() -> None:
    statuses = StatusList()
    for index, status in enumerate([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]):
        statuses.set(index, Status(status))
    # draft-ietf-oauth-status-list, 2-bit example: the first bytes are 0xC9 0x44 0xF9.
    assert bytes(statuses.data) == bytes([0xC9, 0x44, 0xF9])
    assert statuses.get(3) == Status.SUPERSEDED
    assert len(statuses) == 12
    with pytest.raises(StatusOutOfBounds):
        statuses.get(12)


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


def test_an_index_past_the_end_is_out_of_bounds_not_valid() -> None:
    # The defect: a list held entries only up to the highest changed one (8 entries while
    # indexes 0-9 were in use), and the verifier read index 9 as valid.
    cert, pres = keys()
    statuses = StatusList()
    statuses.set(7, Status.REVOKED)
    assert len(statuses) == 8
    token = sign_status_list(statuses, issuer=ISSUER, uri="u", signer=cert, now=T0)
    lists = StatusLists.from_tokens([token], KeySet([cert.public]))
    verifier = Verifier(KeySet([cert.public, pres.public]), lists)
    late = facts(status_index=9)
    with pytest.raises(StatusOutOfBounds, match="index 9 is out of bounds of a status list of 8 entries"):
        verifier.verify(sign_presentation(late, pres, now=T0 - 10), at=T0)
    with pytest.raises(StatusOutOfBounds):
        verifier.verify(sign_credential(late, cert, status_uri="u", now=T0 - 10), at=T0)
    for index in (-1, 8):
        with pytest.raises(StatusOutOfBounds):
            statuses.get(index)


def test_a_published_list_covers_every_issued_index_with_a_large_minimum() -> None:
    assert status_list_size(0) == status_list_size(10) == 1 << 17
    # It doubles once more than three quarters would be in use, so the size grows rarely.
    assert status_list_size(3 << 15) == 1 << 17
    assert status_list_size((3 << 15) + 1) == 1 << 18
    assert status_list_size(1_000_000) == 1 << 21
    for issued in (0, 1, 98_304, 98_305, 1_000_000):
        assert issued <= status_list_size(issued) * 3 // 4
    with pytest.raises(ValueError):
        status_list_size(-1)


def test_a_sized_list_stores_only_what_changed_and_encodes_every_entry() -> None:
    size = status_list_size(10)
    statuses = StatusList(b"\x40", size=size)  # entry 3 revoked (stored), the rest valid
    assert len(statuses) == size and len(statuses.data) == 1
    decoded = StatusList.decode(statuses.encode())
    assert len(decoded) == size and decoded.get(3) == Status.REVOKED and decoded.get(size - 1) == Status.VALID
    with pytest.raises(StatusOutOfBounds):
        decoded.get(size)
    with pytest.raises(ValueError):
        StatusList(bytes(8), size=16)  # smaller than what it stores
    with pytest.raises(ValueError):
        StatusList(size=10)  # not whole bytes


def test_token_size_at_the_minimum() -> None:
    # 131,072 entries are 32 KiB; compressed, a list costs about 3 bytes per changed entry.
    cert, _ = keys()
    size = status_list_size(0)
    empty = sign_status_list(StatusList(size=size), issuer=ISSUER, uri="u", signer=cert, now=T0)
    revoked = StatusList(size=size)
    for index in random.Random(9).sample(range(size), size // 100):  # 1% revoked, anywhere
        revoked.set(index, Status.REVOKED)
    one_percent = sign_status_list(revoked, issuer=ISSUER, uri="u", signer=cert, now=T0)
    assert len(empty) < 600 and len(one_percent) < 5_000


def test_status_lists_source_answers_for_known_issuers_only() -> None:
    cert, _ = keys()
    statuses = StatusList(size=status_list_size(0))
    statuses.set(4, Status.SUSPENDED)
    token = sign_status_list(statuses, issuer=ISSUER, uri="u", signer=cert, now=T0)
    source = StatusLists.from_tokens([token], KeySet([cert.public]))
    reading = source.status(ISSUER, 4)
    assert reading.status == Status.SUSPENDED and reading.as_of == T0 and reading.expires_at == T0 + 7 * 86400
    with pytest.raises(StatusUnavailable):
        source.status("11370200MB0000000C", 4)
    with pytest.raises(StatusOutOfBounds):
        source.status(ISSUER, len(statuses))
