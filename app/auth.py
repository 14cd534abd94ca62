"""Sign-in sessions (staff and holders): Flask-Login over signed cookies that expire after a quiet
spell, and end on the server when the account's session generation moves on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, Request, Response, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_login import COOKIE_NAME, LoginManager, login_user
from itsdangerous import URLSafeTimedSerializer

from .db import get_session
from .models import HolderAccount, Staff


class Logins(LoginManager):  # type: ignore[misc]  # Flask-Login has no type information
    """Flask-Login's manager, with nothing to work out for a visitor who has no session: nobody is
    signed in without one here (no remember-me cookie is ever set, no request or header loader).
    Flask-Login would still hash the visitor's address and browser for session protection, send
    its signal and look for those first: a third of a public check's page."""

    def _load_user(self) -> None:
        remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
        if not session and (not request.environ.get("HTTP_COOKIE") or remember_cookie not in request.cookies):
            self._update_request_context_with_user()
        else:
            super()._load_user()

    def _update_remember_cookie(self, response: Response) -> Response:
        if not session and not current_app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST"):
            return response  # no remember-me cookie to set or clear
        result: Response = super()._update_remember_cookie(response)
        return result


login_manager = Logins()
login_manager.login_view = "admin.login"
login_manager.session_protection = "strong"


def _load(user_id: str) -> Staff | HolderAccount | None:
    """The account a session names (``kind:id:generation``, see the models' ``get_id``), if it is
    still active and the session was made in its current session generation: moving the generation
    on ends every session made before (a cookie copied before a sign-out included)."""
    parts = user_id.split(":")
    if len(parts) != 3 or not (parts[1].isdecimal() and parts[2].isdecimal()):
        return None
    kind, number, generation = parts[0], int(parts[1]), int(parts[2])
    user: Staff | HolderAccount | None
    if kind == "staff":
        user = get_session().get(Staff, number)
    elif kind == "holder":
        user = get_session().get(HolderAccount, number)
    else:
        user = None
    if user is None or not user.is_active or user.session_generation != generation:
        return None
    return user


def renew_session(account: Staff | HolderAccount) -> None:
    """Keep the current browser signed in after its account's generation moved on (a password
    change ends the other sessions, not this one)."""
    login_user(account)


login_manager.user_loader(_load)  # registered by a call: Flask-Login's decorator has no type information


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer made once per secret instead of twice a
    request."""

    def __init__(self) -> None:
        self._signers: dict[Any, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """The cached signer for the app's current secret key (and fallbacks)."""
        secrets = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if secrets not in self._signers:
            self._signers[secrets] = super().get_signing_serializer(app)
        return self._signers[secrets]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """A new empty session straight away when the request has no session cookie (the
        cookies are not even parsed when it has none at all)."""
        if app.secret_key and (
            not request.environ.get("HTTP_COOKIE")
            or not request.cookies.get(app.config["SESSION_COOKIE_NAME"])
        ):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """As Flask's, without reading every cookie setting for an empty, unchanged session
        (a visitor who has none: the response only varies with the cookie)."""
        if not session and not session.modified:
            if session.accessed:
                if "Vary" in response.headers:
                    response.vary.add("Cookie")
                else:  # what ``vary.add`` writes, without parsing and writing back a header set
                    response.headers["Vary"] = "Cookie"
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Install the login manager; sessions last ``SESSION_MINUTES`` after the last request."""
    login_manager.init_app(app)
    app.session_interface = CookieSessions()
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(minutes=app.config["SESSION_MINUTES"])

    @app.before_request
    def _refresh() -> None:
        # The user is this request's, from this request's cookie: never one cached in ``g`` by an
        # earlier request that shared the app context (tests and commands keep one open).
        g.pop("_login_user", None)
        if session:  # a visitor without a session (a public check) gets no cookie
            session.permanent = True
