"""What a public check's request does around the verdict, now that each part is cheap: no cookie
for a visitor without a session, the security headers once each, the message in the visitor's
language, NUL refused, rate limits applied when on and nothing checked when off."""

from __future__ import annotations

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.security import limiter

from ..registry import Province
from .test_verify import issue, presentation

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "Strict-Transport-Security",
)


@pytest.fixture
def payload(session: Session, province: Province) -> str:
    return presentation(session, province, issue(session, province))


def test_a_public_check_sets_no_cookie_and_says_it_varies_with_one(client: FlaskClient, payload: str) -> None:
    for response in (client.get(f"/v/{payload}"), client.post("/api/v1/verify", json={"payload": payload})):
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert "Cookie" in response.headers["Vary"]


def test_a_remember_me_cookie_without_a_session_signs_nobody_in(client: FlaskClient, payload: str) -> None:
    client.set_cookie("remember_token", "staff:1:0|forged")
    page = client.get(f"/v/{payload}").get_data(as_text=True)
    assert "有效" in page and 'id="full-record"' not in page


def test_each_security_header_is_sent_once_and_a_views_own_is_kept(make_app) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app()
    own = "default-src 'none'"
    app.add_url_rule(
        "/own-policy", "own_policy", lambda: Response("x", headers={"Content-Security-Policy": own})
    )
    response = app.test_client().get("/own-policy")
    assert response.headers.getlist("Content-Security-Policy") == [own]
    for name in SECURITY_HEADERS:
        assert len(response.headers.getlist(name)) == 1, name
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(
    ("headers", "query", "cookie", "english"),
    [
        ({}, "", None, False),
        ({"Accept-Language": "en-US,en;q=0.9"}, "", None, True),
        ({"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}, "", None, False),
        ({"Accept-Language": "en-US"}, "?lang=zh_CN", None, False),
        ({}, "?lang=en", None, True),
        ({}, "?%6Cang=en", None, True),  # a name sent percent-encoded is still read
        ({}, "", "en", True),
    ],
)
def test_the_verdict_is_worded_in_the_visitors_language(
    client: FlaskClient, payload: str, headers: dict[str, str], query: str, cookie: str | None, english: bool
) -> None:
    if cookie:
        client.set_cookie("lang", cookie)
    response = client.post(f"/api/v1/verify{query}", json={"payload": payload}, headers=headers)
    assert response.json["message"].isascii() is english


@pytest.mark.parametrize(
    "path", ["/v/123%0045", "/v/12345?x=%00", "/legacy?number=%00&name=x", "/scan?a\x00=1"]
)
def test_nul_in_a_path_or_query_is_a_bad_request(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 400


def test_rate_limits_refuse_when_on_and_check_nothing_when_off(
    client: FlaskClient, payload: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limiter, "enabled", False)
    assert all(client.post("/api/v1/verify", json={"payload": payload}).status_code == 200 for _ in range(61))
    monkeypatch.setattr(limiter, "enabled", True)
    codes = [client.post("/api/v1/verify", json={"payload": payload}).status_code for _ in range(61)]
    assert codes[:60] == [200] * 60 and codes[60] == 429


TEMPLATE_TEXTS = [
    '{{ _("Currently valid") }}',
    '{{ gettext("Not valid") }}|{{ _("Holder") }}',
    '{{ _("%(total)s found", total="<b>3</b>") }}',  # a value is escaped, the text is not
    '{{ _("100%% sure") }}',
    "{% trans %}Holder{% endtrans %}|{% trans n=2 %}Page {{ n }}{% endtrans %}",
]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_templates_translate_as_jinjas_own_gettext_would(app: Flask, language: str) -> None:
    from flask_babel import get_translations
    from jinja2 import Environment

    from app import i18n

    with app.test_request_context(f"/?lang={language}"):
        app.preprocess_request()
        reference = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
        reference.install_gettext_callables(  # type: ignore[attr-defined]
            gettext=get_translations().ugettext, ngettext=get_translations().ungettext, newstyle=True
        )
        assert app.jinja_env.globals["_"] is app.jinja_env.globals["gettext"] is i18n._template_gettext
        for source in TEMPLATE_TEXTS:
            ours = app.jinja_env.from_string(source).render()
            assert ours == reference.from_string(source).render(), source
        english = app.jinja_env.from_string(TEMPLATE_TEXTS[0]).render() == "Currently valid"
        assert english is (language == "en")


def test_a_plain_url_is_built_once_for_each_script_root(app: Flask) -> None:
    app._plain_urls.clear()  # type: ignore[attr-defined] # what earlier tests of this process built
    from flask import Flask as PlainFlask
    from flask import url_for

    calls = [("static", {"filename": "css/app.css"}), ("verify.scan", {}), ("main.index", {})]
    app._plain_urls.clear()  # type: ignore[attr-defined]  # what pages tested before in this process built
    for root in ("", "/prefix", "", "/other/root"):
        with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": root}):
            for endpoint, values in calls:
                built = url_for(endpoint, **values)
                assert built == PlainFlask.url_for(app, endpoint, **values)
                assert built.startswith(f"{root}/")
            # Values, anchors, external URLs and relative endpoints are built each time.
            assert url_for("verify.page", payload="123") == f"{root}/v/123"
            assert url_for("verify.page", payload="456") == f"{root}/v/456"
            assert url_for("verify.scan", _anchor="x") == f"{root}/scan#x"
            assert url_for("verify.scan", _external=True).endswith(f"localhost{root}/scan")
            assert url_for("static", filename="css/app.css", v=2) == f"{root}/static/css/app.css?v=2"
    keys = set(app._plain_urls)  # type: ignore[attr-defined]
    assert keys == {(root, e, v.get("filename")) for root in ("", "/prefix", "/other/root") for e, v in calls}


def test_a_plain_function_is_remembered_weakly_and_a_coroutine_function_still_wrapped(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    def plain() -> None:
        pass

    async def coroutine() -> None:
        pass

    wrapped: list[object] = []
    monkeypatch.setattr(app, "async_to_sync", lambda func: wrapped.append(func) or "sync version")
    assert app.ensure_sync(plain) is plain and app.ensure_sync(plain) is plain
    assert app.ensure_sync(coroutine) == "sync version" and app.ensure_sync(coroutine) == "sync version"
    assert wrapped == [coroutine, coroutine]
    remembered = app._sync_functions  # type: ignore[attr-defined]
    assert plain in remembered and coroutine not in remembered
    count = len(remembered)
    del plain
    gc.collect()
    assert len(remembered) == count - 1


@pytest.mark.parametrize("cookie", [None, "lang=en", "remember_token=x|y; other=1"])
@pytest.mark.parametrize("vary", [None, "Accept-Encoding"])
def test_a_visitor_without_a_session_gets_no_cookie_and_vary_names_the_cookie_once(
    make_app, cookie: str | None, vary: str | None
) -> None:  # type: ignore[no-untyped-def]
    from flask import session
    from flask_login import current_user

    app: Flask = make_app()

    def view() -> Response:
        assert not session and not current_user.is_authenticated
        return Response("x", headers={"Vary": vary} if vary else {})

    app.add_url_rule("/session-reader", "session_reader", view)
    response = app.test_client().get("/session-reader", headers={"Cookie": cookie} if cookie else {})
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert response.headers.getlist("Vary") == [f"{vary}, Cookie" if vary else "Cookie"]
