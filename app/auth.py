"""Staff sign-in: Flask-Login with sessions that expire after a quiet spell."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager
from itsdangerous import URLSafeTimedSerializer

from .db import get_session
from .models import HolderAccount, Staff

login_manager = LoginManager()
login_manager.login_view = "admin.login"
login_manager.session_protection = "strong"


def _load(user_id: str) -> Staff | HolderAccount | None:
    kind, _, number = user_id.partition(":")
    if not number.isdigit():
        return None
    user: Staff | HolderAccount | None
    if kind == "staff":
        user = get_session().get(Staff, int(number))
    elif kind == "holder":
        user = get_session().get(HolderAccount, int(number))
    else:
        user = None
    return user if user is not None and user.is_active else None


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
