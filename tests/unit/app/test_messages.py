"""One message catalogue: every code a person can see has words in Chinese and in English.

The codes are collected from the source itself (every ``code="…"`` a service raises, every error
class's ``code``, every field-error code of the partner API, every reason of an ID-number error),
so a new code without words fails here, not on a user's screen."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from babel.support import Translations
from flask import Flask

from app.messages import MESSAGES, VERDICTS, in_chinese, text_for
from signing import CATEGORIES_BY_CODE

ROOT = Path(__file__).resolve().parents[3]
HAN = re.compile(r"[\u4e00-\u9fff]")
NOT_SHOWN = {"invalid", "domain_error", "internal"}  # base-class defaults, never raised as such


def _python_files() -> Iterator[Path]:
    for folder in ("app", "signing"):
        yield from (ROOT / folder).rglob("*.py")


def _codes_in(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            for keyword in node.keywords:  # raise RuleViolation(..., code="x"); IdentifierError(reason=)
                named = keyword.arg == "code" or (keyword.arg, name) == ("reason", "IdentifierError")
                value = keyword.value.value if isinstance(keyword.value, ast.Constant) else None
                if named and isinstance(value, str) and value.islower():
                    yield value
            if name == "FactsError" and node.args and isinstance(node.args[0], ast.Constant):
                yield node.args[0].value
            if name in ("_invalid", "InvalidFields"):  # field errors of the partner API
                for arg in node.args:
                    for value in ast.walk(arg):
                        if isinstance(value, ast.Dict):
                            yield from (v.value for v in value.values if isinstance(v, ast.Constant))
                        if isinstance(value, ast.IfExp):
                            yield from (
                                v.value for v in (value.body, value.orelse) if isinstance(v, ast.Constant)
                            )
        if isinstance(node, ast.ClassDef):  # class Malformed(VerificationError): code = "malformed"
            for item in node.body:
                if isinstance(item, ast.Assign | ast.AnnAssign) and isinstance(item.value, ast.Constant):
                    targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                    if any(getattr(t, "id", "") == "code" for t in targets):
                        yield item.value.value
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):  # errors[name] = "x"
            if any(
                isinstance(t, ast.Subscript) and getattr(t.value, "id", "") == "errors" for t in node.targets
            ):
                yield node.value.value
            if any(
                isinstance(t, ast.Subscript) and getattr(t.value, "id", "") == "problems"
                for t in node.targets
            ):
                yield node.value.value


def raised_codes() -> set[str]:
    """Every code the service can put in front of a person."""
    codes: set[str] = set()
    for path in _python_files():
        codes.update(c for c in _codes_in(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(c, str))
    return codes - NOT_SHOWN


def test_the_scan_finds_codes_of_every_kind() -> None:
    codes = raised_codes()
    for sample in ("renew_window", "other_authority", "bad_signature", "invalid_name_characters"):
        assert sample in codes
    assert {"id_number_check_character", "sex_mismatch", "not_an_object", "number_taken"} <= codes


def test_every_code_has_words() -> None:
    missing = sorted(raised_codes() - set(MESSAGES))
    assert missing == [], f"codes without a message in app/messages.py: {missing}"
    assert set(VERDICTS) <= set(MESSAGES)


def test_every_message_has_chinese_and_english() -> None:
    catalogue = Translations.load(str(ROOT / "app" / "translations"), ["zh"])
    untranslated = []
    for code, english in MESSAGES.items():
        assert english.strip() and not HAN.search(english.replace("·", "")), f"{code}: not English"
        chinese = catalogue.gettext(english)
        if chinese == english or not HAN.search(chinese):
            untranslated.append(code)
    assert untranslated == [], f"codes without Chinese text: {untranslated}"


def test_parameters_are_filled_and_missing_ones_do_not_break_the_sentence() -> None:
    assert text_for("renew_window", {"opens": "2026-01-01", "ends": "2026-01-31"}, str) == (
        "Renewal is possible only from 2026-01-01 to 2026-01-31."
    )
    assert text_for("renew_window", {}, str) == "Renewal is possible only from"
    assert text_for("no_such_code", {}, str) is None


def test_a_category_code_is_named_in_the_language_of_the_message(app: Flask) -> None:
    """A category reaches a message as its code; the reader sees its name in his language (an
    English page once said "Passed exam: 道路旅客运输驾驶员")."""
    with app.test_request_context("/?lang=en"):
        assert (
            text_for("prerequisite_exam", {"category": 1}) == f"Passed exam: {CATEGORIES_BY_CODE[1].name_en}"
        )
        assert text_for("prerequisite_exam", {"category": 1}, in_chinese) == (
            f"{in_chinese(MESSAGES['prerequisite_exam']) % {'category': CATEGORIES_BY_CODE[1].name_zh}}"
        )
    with app.test_request_context("/?lang=zh_CN"):
        assert CATEGORIES_BY_CODE[1].name_zh in str(
            text_for("duplicate_category", {"category": 1, "number": "X"})
        )
