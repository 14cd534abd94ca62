"""Who gets what on the pages this work added: nobody is sent to sign in, a holder and an inspector
are kept out of the desk pages, and a clerk out of the inspector's page and the platform's messages."""

from __future__ import annotations

import pytest
from flask import Flask

from ..registry import Province
from .admin_client import login

DESK = (
    "/admin/applications/queue",
    "/admin/applications",
    "/admin/applications/new?item=issue",
    "/admin/me",
    "/admin/platform/",
    "/admin/exam-results",
)


@pytest.mark.parametrize("url", [*DESK, "/inspect"])
def test_nobody_is_sent_to_sign_in(app: Flask, url: str) -> None:
    answer = app.test_client().get(url)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


@pytest.mark.parametrize("url", [u for u in DESK if u != "/admin/me"])
def test_an_inspector_is_kept_out_of_the_desk(app: Flask, province: Province, url: str) -> None:
    client = app.test_client()
    login(client, "jinan_inspector")
    assert client.get(url).status_code in (403, 404)


@pytest.mark.parametrize(("who", "url"), [("jinan_clerk", "/inspect"), ("jinan_clerk", "/admin/platform/")])
def test_a_clerk_is_kept_out_of_pages_not_his(app: Flask, province: Province, who: str, url: str) -> None:
    client = app.test_client()
    login(client, who)
    assert client.get(url).status_code in (403, 404)
