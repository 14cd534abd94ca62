"""GB/T 36904 identifiers (ISO 7064 MOD 37,36) and GB 11643 ID numbers (MOD 11-2)."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signing import Identifier, mod37_36_check, validate_id_number
from signing.errors import IdentifierError

ALPHABET = string.digits + string.ascii_uppercase


def test_isan_check_character() -> None:
    # ISAN 0000-0000-D07A-0090-Q uses the same ISO 7064 MOD 37,36 check character.
    assert mod37_36_check("00000000D07A0090") == "Q"


def test_build_and_parse() -> None:
    ident = Identifier("11100000000000000D", "11370100MB0000000X", "00012345", 7)
    text = str(ident)
    assert text.startswith("1.2.156.3005.2.11100000000000000D.11370100MB0000000X.00012345.007.")
    assert Identifier.parse(text) == ident
    assert ident.next_version().version == 8


@given(st.text(ALPHABET, min_size=1, max_size=40), st.data())
def test_any_single_substitution_is_detected(body: str, data: st.DataObject) -> None:
    check = mod37_36_check(body)
    position = data.draw(st.integers(0, len(body) - 1))
    replacement = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != body[position]))
    changed = body[:position] + replacement + body[position + 1 :]
    assert mod37_36_check(changed) != check


def test_adjacent_transpositions_are_nearly_all_detected() -> None:
    # Hybrid MOD 37,36 misses a transposition only when the pair's values straddle 37/2
    # (e.g. "IJ" / "JI"): 2 of the 1,260 ordered pairs.
    missed = [
        a + b for a in ALPHABET for b in ALPHABET if a != b and mod37_36_check(a + b) == mod37_36_check(b + a)
    ]
    assert sorted(missed) == ["IJ", "JI"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2.2.156.3005.2.A.11370100MB0000000X.1.001.X", "root code"),
        ("1.2.156.3005.2.A.11370100MB0000000X.1.001", "5 parts"),
        ("1.2.156.3005.2.A.11370100MB0000000X.1.01.X", "3 digits"),
        ("1.2.156.3005.2.a.11370100MB0000000X.1.001.X", "type_code"),
        ("1.2.156.3005.2.A.11370100MB0000000I.1.001.X", "credit code"),
        ("1.2.156.3005.2.A.11370100MB0000000X.1.001.Z", "check character"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        Identifier.parse(text)


def test_standard_example_id_number() -> None:
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1101051949123100", "17 digits"),
        ("11010519491231002Y", "17 digits"),
        ("１１０１０５１９４９１２３１００２Ｘ", "17 digits"),
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "17 digits"),  # Arabic-Indic digits are digits to ``\\d``
        ("110105194902300021", "does not exist"),
        ("110105180001010021", "out of range"),
        ("110105194912310021", "check character"),
    ],
)
def test_id_number_errors(text: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        validate_id_number(text)


def test_future_birth_date() -> None:
    with pytest.raises(IdentifierError, match="out of range"):
        validate_id_number("110105203001010026", today=dt.date(2026, 11, 21))
