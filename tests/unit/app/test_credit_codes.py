"""Every place outside the web pages that accepts a unified social credit code refuses a wrong check
character (GB 32100) and says so: the authorities service (in Chinese and English), the metadata
check of graduation pushes and backfills, the backfill command's report and ``flask keys``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Authority
from app.services import authorities, graduation
from app.services.errors import RuleViolation
from app.web.messages import message_for
from signing import credit_code_check_char, is_credit_code

from ...functional.partner_helpers import metadata, pdf
from ...registry import Province
from .test_cli_graduation import read_report, row, write_manifest

HAIKOU = "11460100MB0000027H"
TYPO = HAIKOU[:17] + "J"  # one wrong character: the check no longer matches
SHORT = HAIKOU[:17]
TODAY = dt.date(2026, 11, 22)


def test_the_codes_used_here_are_what_they_claim() -> None:
    assert credit_code_check_char(HAIKOU[:17]) == "H" and is_credit_code(HAIKOU)
    assert is_credit_code(TYPO, check_character=False) and not is_credit_code(TYPO)


@pytest.mark.parametrize(
    ("code", "reason", "english", "chinese"),
    [
        (
            TYPO,
            "credit_code_check_failed",
            f"The check character of the unified social credit code “{TYPO}” is wrong: the 18th character "
            "does not match the first 17. Check the code for typing errors.",
            f"统一社会信用代码“{TYPO}”的校验码不正确：第18位与前17位不符，请检查是否输错。",
        ),
        (
            SHORT,
            "invalid_credit_code",
            f"“{SHORT}” is not a unified social credit code (18 digits and capital letters, without I, O, S, "
            "V or Z).",
            f"“{SHORT}”不是统一社会信用代码（应为18位数字或大写字母，不含I、O、S、V、Z）。",
        ),
    ],
    ids=["check-character", "shape"],
)
def test_an_authority_needs_a_valid_credit_code(
    app: Flask, session: Session, code: str, reason: str, english: str, chinese: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        authorities.create_authority(
            session, name="海口市交通运输局", credit_code=code, region_code="460100", level="city"
        )
    assert refused.value.code == reason
    session.rollback()
    assert session.scalars(select(Authority)).all() == []
    with app.test_request_context(), force_locale("en"):
        assert message_for(refused.value) == english
    with app.test_request_context(), force_locale("zh_CN"):
        assert message_for(refused.value) == chinese


def test_an_authority_with_a_valid_code_is_created(session: Session) -> None:
    body = authorities.create_authority(
        session, name="海口市交通运输局", credit_code=HAIKOU, region_code="460100", level="city"
    )
    assert body.credit_code == HAIKOU


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (TYPO, "credit_code_check_failed"),
        ("91370100MA3C000001", "credit_code_check_failed"),  # the placeholder tests used before
        (SHORT, "invalid_credit_code"),
    ],
)
def test_graduation_metadata_names_the_school_code_problem(code: str, reason: str) -> None:
    with pytest.raises(graduation.InvalidFields) as refused:
        graduation.parse_metadata(metadata(school_credit_code=code), {"A2": "A2"}, TODAY)
    assert refused.value.errors == {"school_credit_code": reason}
    assert graduation.parse_metadata(metadata(school_credit_code=HAIKOU), {"A2": "A2"}, TODAY)


def test_backfill_reports_a_wrong_check_character(
    app: Flask, runner: FlaskCliRunner, session: Session, province: Province, tmp_path: Path
) -> None:
    folder = tmp_path / "import"
    folder.mkdir()
    (folder / "1.pdf").write_bytes(pdf("JY2025-0001"))
    write_manifest(folder / "manifest.csv", [row("1.pdf", "JY2025-0001", school_credit_code=TYPO)])

    result = runner.invoke(args=["graduation", "backfill", str(folder), "--as", "province"])

    assert result.exit_code == 1, result.output
    message = "invalid fields: school_credit_code: credit_code_check_failed"
    assert read_report(folder / "manifest.report.csv")[1] == ["2", "1.pdf", "JY2025-0001", "error", message]
    assert message in result.stderr


@pytest.mark.parametrize("command", ["generate", "rotate"])
def test_keys_refuse_an_issuer_with_a_wrong_check_character(
    app: Flask, runner: FlaskCliRunner, command: str
) -> None:
    result = runner.invoke(args=["keys", command, "--purpose", "certificate", "--issuer", TYPO])
    assert result.exit_code == 2
    assert (
        f"Invalid value for '--issuer': {TYPO} is not a unified social credit code: its check character "
        "(the 18th) does not match the first 17" in result.stderr
    )
    keys = Path(app.config["KEYS_DIR"])
    assert not keys.exists() or not any(keys.iterdir())
