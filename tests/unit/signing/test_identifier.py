"""GB/T 36904 identifiers (ISO 7064 MOD 37,36), GB 32100 credit codes (MOD 31) and GB 11643 ID numbers
(MOD 11-2)."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signing import (
    Identifier,
    credit_code_check_char,
    id_check_char,
    is_credit_code,
    mod37_36_check,
    validate_id_number,
)
from signing.errors import IdentifierError

ALPHABET = string.digits + string.ascii_uppercase


def test_isan_check_character() -> None:
    # ISAN 0000-0000-D07A-0090-Q uses the same ISO 7064 MOD 37,36 check character.
    assert mod37_36_check("00000000D07A0090") == "Q"


def test_build_and_parse() -> None:
    ident = Identifier("11100000000000000D", "11370100MB00000007", "00012345", 7)
    text = str(ident)
    assert text.startswith("1.2.156.3005.2.11100000000000000D.11370100MB00000007.00012345.007.")
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
        ("2.2.156.3005.2.A.11370100MB00000007.1.001.X", "root code"),
        ("1.2.156.3005.2.A.11370100MB00000007.1.001", "5 parts"),
        ("1.2.156.3005.2.A.11370100MB00000007.1.01.X", "3 digits"),
        ("1.2.156.3005.2.a.11370100MB00000007.1.001.X", "type_code"),
        ("1.2.156.3005.2.A.11370100MB0000000I.1.001.X", "credit code"),
        ("1.2.156.3005.2.A.11370100MB00000008.1.001.X", "credit code"),  # its check character
        ("1.2.156.3005.2.A.11370100MB00000007.1.001.Z", "check character"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        Identifier.parse(text)


CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# Real codes published by their holders or in public registers, one of each kind: every one must pass.
REAL_CREDIT_CODES = [
    "91350100M000100Y43",  # GB 32100-2015's own worked example (its misprinted "…Y4Z" corrected)
    "91110000600037341L",  # enterprise, Beijing
    "91330100716105852F",  # enterprise, Hangzhou
    "9144030071526726XG",  # enterprise, Shenzhen: X inside the organisation code
    "91310115MA1K3BTP2B",  # enterprise with a new-style MA organisation code, Shanghai
    "91620105L015101280",  # check character 0 (the sum is a multiple of 31)
    "92340602MA2UK33127",  # individual business (个体工商户), Huaibei
    "121200004013590816",  # public institution (事业单位), Tianjin
    "12440600MB2C07549J",  # public institution with an MB organisation code, Foshan
]


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_pass(code: str) -> None:
    assert is_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]


def test_weights_are_powers_of_three_modulo_31() -> None:
    # GB 32100: W_i = 3^(i-1) mod 31, i.e. 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28;
    # a 1 in one position and 0 elsewhere has the check character 31 - W_i.
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    for position, weight in enumerate(weights):
        first17 = "0" * position + "1" + "0" * (16 - position)
        assert credit_code_check_char(first17) == CREDIT_ALPHABET[31 - weight]
    assert credit_code_check_char("0" * 17) == "0"  # 31 - 0 = 31, written 0


@pytest.mark.parametrize(
    ("code", "shape_ok"),
    [
        ("91350100M000100Y4Z", False),  # the standard's example as misprinted (Z is never used)
        ("91350100M000100Y4A", True),  # … and with a letter that is used: still not its check, 3
        ("91110000600037341N", True),  # one wrong check character
        ("91110000600073341L", True),  # two neighbours swapped
        ("91350203M0001FUE2P", True),  # a Xiamen code from before 2016 that breaks the rule itself
        ("11370100MB0000000X", True),  # the placeholder the tests used before the check
        ("9111000060003734IL", False),  # I is not used
        ("91110000600037341", False),  # 17 characters
        ("91110000600037341L\n", False),  # a line break after it
        ("9111000060003734lL", False),  # lower case
        ("91１10000600037341L", False),  # full-width digit
        ("", False),
    ],
)
def test_wrong_credit_codes_fail(code: str, shape_ok: bool) -> None:
    assert not is_credit_code(code)
    assert is_credit_code(code, check_character=False) is shape_ok


@given(st.text(CREDIT_ALPHABET, min_size=17, max_size=17), st.data())
def test_every_single_substitution_and_neighbour_swap_is_caught(first17: str, data: st.DataObject) -> None:
    check = credit_code_check_char(first17)
    position = data.draw(st.integers(0, 16))
    replacement = data.draw(st.sampled_from(CREDIT_ALPHABET).filter(lambda c: c != first17[position]))
    assert credit_code_check_char(first17[:position] + replacement + first17[position + 1 :]) != check
    if position < 16 and first17[position] != first17[position + 1]:
        swapped = first17[:position] + first17[position + 1] + first17[position] + first17[position + 2 :]
        assert credit_code_check_char(swapped) != check


@pytest.mark.parametrize("first17", ["9111000060003734", "9111000060003734I", "911100006000373410"])
def test_check_character_needs_17_characters_of_the_alphabet(first17: str) -> None:
    with pytest.raises(IdentifierError, match="17 characters"):
        credit_code_check_char(first17)


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


def _mod11_2_reference(first17: str) -> str:
    # GB 11643: C18 from Σ a_i·W_i mod 11, W_i = 2^(18-i) mod 11, written out as in the standard.
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


@given(st.text(string.digits, min_size=17, max_size=17))
def test_id_check_character_is_the_standards_formula(first17: str) -> None:
    assert id_check_char(first17) == _mod11_2_reference(first17)


@pytest.mark.parametrize("first17", ["1101051949123100", "110105194912310021", "1101051949123100a"])
def test_id_check_character_needs_17_digits(first17: str) -> None:
    with pytest.raises(ValueError):
        id_check_char(first17)


def _mod37_36_reference(text: str) -> str:
    # ISO 7064 hybrid MOD 37,36, step by step: P1 = M, S_j = (P_j + a_j) mod M (0 read as M),
    # P_j+1 = 2·S_j mod (M+1); the check character makes P_n+1·… come out at 1.
    p = 36
    for char in text:
        s = (p + ALPHABET.index(char)) % 36 or 36
        p = s * 2 % 37
    return ALPHABET[(37 - p) % 36]


@given(st.text(ALPHABET, max_size=40), st.text(ALPHABET, max_size=30))
def test_mod37_36_is_the_standards_recurrence(prefix: str, body: str) -> None:
    assert mod37_36_check(body, prefix=prefix) == _mod37_36_reference(prefix + body)


def test_mod37_36_refuses_other_characters() -> None:
    with pytest.raises(IdentifierError, match="not in 0-9A-Z"):
        mod37_36_check("00a1")
