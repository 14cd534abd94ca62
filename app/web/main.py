"""The front page (the way in for each kind of user), where each signed-in user goes, and the
health check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from ..db import get_session
from ..models.enums import Role

bp = Blueprint("main", __name__)


@dataclass(frozen=True)
class Place:
    """A page a signed-in user works from: its endpoint and the words of its link."""

    endpoint: str
    label: Any  # a lazy translation, read in the request's language


HOLDER_ROLE = "holder"
_HOLDER_PLACES = (
    Place("holder.home", _l("My certificates")),
    Place("holder.photo", _l("My photo")),
    Place("holder.password", _l("Change password")),
)
_INSPECTOR_PLACES = (
    Place("verify.inspector_home", _l("Inspection")),
    Place("verify.scan", _l("Scan a certificate")),
    Place("verify.legacy_lookup", _l("Paper or IC-card certificate")),
    Place("administration.password", _l("Change password")),
)
_STAFF_PLACES = (Place("admin.dashboard", _l("Dashboard")),)


def places_of(user: Any) -> tuple[Place, ...]:
    """The pages a signed-in user works from, their own home first (none for a visitor)."""
    if not user.is_authenticated:
        return ()
    if user.role == HOLDER_ROLE:
        return _HOLDER_PLACES
    if user.role == Role.INSPECTOR:
        return _INSPECTOR_PLACES
    return _STAFF_PLACES


def sign_out_endpoint(user: Any) -> str:
    """Where a signed-in user's sign-out form posts: holders and staff each have their own."""
    return "holder.logout" if user.role == HOLDER_ROLE else "admin.logout"


def user_name(user: Any) -> str:
    """The name a signed-in user is greeted with."""
    return str(user.practitioner.name if user.role == HOLDER_ROLE else user.display_name)


for _helper in (places_of, sign_out_endpoint, user_name):  # for the templates' header and front page
    bp.add_app_template_global(_helper)


@bp.get("/")
def index() -> str:
    """The way in for practitioners, inspectors and staff; a signed-in user's next step; the
    machine endpoints at the bottom."""
    return render_template("index.html")


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Liveness and database reachability, for load balancers."""
    try:
        get_session().execute(text("SELECT 1"))
    except Exception:
        current_app.logger.exception("health check: database unreachable")
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
