"""The front page and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import text

from ..db import get_session

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """What the service is and where its public endpoints are."""
    return render_template("index.html", base_url=current_app.config["PUBLIC_BASE_URL"])


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Liveness and database reachability, for load balancers."""
    try:
        get_session().execute(text("SELECT 1"))
    except Exception:
        current_app.logger.exception("health check: database unreachable")
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
