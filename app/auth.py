"""Staff sign-in: Flask-Login with sessions that expire after a quiet spell."""

from __future__ import annotations

import datetime as dt

from flask import Flask, session
from flask_login import LoginManager

from .db import get_session
from .models import HolderAccount, Staff

login_manager = LoginManager()
login_manager.login_view = "admin.login"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load(user_id: str) -> Staff | HolderAccount | None:
    kind, _, number = user_id.partition(":")
    if not number.isdigit():
        return None
    model = {"staff": Staff, "holder": HolderAccount}.get(kind)
    user = get_session().get(model, int(number)) if model is not None else None
    return user if user is not None and user.is_active else None


def init_app(app: Flask) -> None:
    """Install the login manager; sessions last ``SESSION_MINUTES`` after the last request."""
    login_manager.init_app(app)
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(minutes=app.config["SESSION_MINUTES"])

    @app.before_request
    def _refresh() -> None:
        session.permanent = True
