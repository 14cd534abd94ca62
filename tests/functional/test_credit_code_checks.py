"""The web entry points that accept a unified social credit code refuse a wrong check character
(GB 32100) with a message in the user's language: the partner push and the staff search of
graduation certificates."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..registry import Province
from .admin_client import login
from .partner_helpers import bearer, metadata, pdf, push

SCHOOL = "91460100MA5T00010J"
TYPO = "91460100MA5T00010K"  # the last character typed wrong


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-CN", "统一社会信用代码“91460100MA5T00010K”的校验码不正确：第18位与前17位不符，请检查是否输错。"),
        (
            "en",
            "The check character of the unified social credit code “91460100MA5T00010K” is wrong: "
            "the 18th character does not match the first 17. Check the code for typing errors.",
        ),
    ],
)
def test_a_push_with_a_wrong_check_character_is_refused(
    app: Flask, client: FlaskClient, language: str, message: str
) -> None:
    headers = {**bearer(client, app, ["graduation:write"], schools=[SCHOOL]), "Accept-Language": language}
    response = push(client, headers, metadata(school_credit_code=TYPO), pdf())
    assert response.status_code == 422 and response.get_json()["error"] == "invalid_fields"
    assert response.get_json()["fields"] == {
        "school_credit_code": {"code": "credit_code_check_failed", "message": message}
    }
    assert push(client, headers, metadata(school_credit_code=SCHOOL), pdf()).status_code == 201


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh_CN", f"统一社会信用代码“{TYPO}”的校验码不正确：第18位与前17位不符，请检查是否输错。"),
        (
            "en",
            f"The check character of the unified social credit code “{TYPO}” is wrong: the 18th character "
            "does not match the first 17. Check the code for typing errors.",
        ),
    ],
)
def test_the_staff_search_explains_a_wrong_check_character(
    client: FlaskClient, province: Province, language: str, message: str
) -> None:
    login(client, "province")
    response = client.get("/admin/graduation-certificates", query_string={"school": TYPO, "lang": language})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    found = client.get("/admin/graduation-certificates", query_string={"school": SCHOOL, "lang": language})
    assert found.status_code == 200
