"""Languages: Chinese (zh_CN) first, English available.

The language comes from ``?lang=`` (remembered in a cookie), then the cookie, then the browser's
``Accept-Language``, then zh_CN.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from flask import Flask, Response, current_app, g, request
from flask.globals import _cv_app
from flask_babel import Babel, format_datetime, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGES = ("zh_CN", "en")
COOKIE = "lang"
_PARSED = {code: Locale.parse(code) for code in LANGUAGES}


def select_locale() -> str:
    """The locale for this request."""
    # The query and the cookies are parsed only when the request has any (a public check has none).
    environ = request.environ
    wanted = (request.args.get("lang") if environ.get("QUERY_STRING") else None) or (
        request.cookies.get(COOKIE) if environ.get("HTTP_COOKIE") else None
    )
    if wanted in LANGUAGES:
        return wanted
    return _from_accept_language(request.environ.get("HTTP_ACCEPT_LANGUAGE", ""))


@lru_cache(maxsize=256)
def _from_accept_language(header: str) -> str:
    # Browsers send a handful of distinct headers: each is parsed once.
    best = parse_accept_header(header, LanguageAccept).best_match(["zh-CN", "zh", "en"])
    return "en" if best == "en" else "zh_CN"


def local_day(value: dt.date | str) -> str:
    """A date as the user reads it: 2026年11月22日 in Chinese, 2026-11-22 in English."""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    if str(g.get("locale", "zh_CN")) == "en":
        return day.isoformat()
    return f"{day.year}年{day.month}月{day.day}日"


def list_separator() -> str:
    """What separates the items of a list in a sentence: 、 in Chinese, a comma in English."""
    return ", " if str(g.get("locale", "zh_CN")) == "en" else "、"


def language_url(language: str) -> str:
    """This page in ``language``: its path and its query (a search's words, the page number) kept,
    only ``lang`` set."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return f"{request.script_root}{request.path}?{urlencode([*kept, ('lang', language)])}"


def _babel_locale() -> Locale:
    # Parsed once: Babel's own parse scans its whole locale list, a third of a small request.
    return _PARSED[g.get("locale") or select_locale()]


def _catalogue() -> Any:
    # The request's catalogue, kept in ``g``; the app keeps one a language, so Flask-Babel (which
    # looks its domain, the locale and the catalogue up again on every call) is asked once each.
    # The request's ``g`` itself, not through the proxy: a page asks a dozen times.
    app_context = _cv_app.get(None)
    request_g = app_context.g if app_context is not None else g._get_current_object()  # Flask's error
    catalogue = getattr(request_g, "_catalogue", None)
    if catalogue is None:
        catalogues: dict[str, Any] = current_app.extensions["i18n_catalogues"]
        locale = g.get("locale") or select_locale()
        catalogue = catalogues.get(locale)
        if catalogue is None:
            catalogue = catalogues[locale] = get_translations()
        request_g._catalogue = catalogue
    return catalogue


@pass_context
def _template_gettext(context: Context, message: str, **variables: Any) -> str:
    # What Jinja's newstyle ``gettext`` (and its ``_`` alias) does, in one call instead of three:
    # the translation, as markup under autoescaping, always formatted with ``variables`` (skipped
    # when there are none and nothing to format, which leaves the text as it is).
    text: str = _catalogue().ugettext(message)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - the catalogue's own text, as Jinja's gettext marks it
    if variables or "%" in text:
        text = text % variables
    return text


def gettext(message: str) -> str:
    """``message`` in the request's language (inside a request; what Flask-Babel's ``gettext``
    gives, from the catalogue looked up once per language)."""
    text: str = _catalogue().ugettext(message)
    return text


def init_app(app: Flask) -> None:
    """Set up Flask-Babel and remember an explicit ``?lang=`` choice."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations"))
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    Babel(app, locale_selector=_babel_locale)
    app.extensions["i18n_catalogues"] = {}
    # Templates look the request's catalogue up once instead of once a string (Flask-Babel's
    # callables walk the app and request contexts for every string: half a small page's time).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # jinja2.ext.i18n adds it
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
    )
    # ``_`` would look ``gettext`` up and call it through the context again; both are one function.
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"] = _template_gettext
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["day"] = local_day
    app.jinja_env.globals["list_separator"] = list_separator
    app.jinja_env.globals["language_url"] = language_url

    @app.before_request
    def _locale() -> None:
        g.locale = select_locale()

    @app.after_request
    def _remember(response: Response) -> Response:
        wanted = request.args.get("lang") if request.environ.get("QUERY_STRING") else None
        if wanted in LANGUAGES:
            response.set_cookie(COOKIE, wanted, max_age=365 * 86400, samesite="Lax", httponly=True)
        return response
