"""View decorators and object look-ups that ask the one access policy (``app.services.access``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

import flask_login
from flask import abort
from flask_login import current_user

from ..db import get_session
from ..models import Certificate
from ..services import access
from ..services.access import Area

F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """Flask-Login's ``login_required`` (signed-in users only; others go to the sign-in page), with
    the view's type kept: Flask-Login has no type information."""
    return cast(F, flask_login.login_required(view))


def requires(area: Area) -> Callable[[F], F]:
    """Signed-in users whom the policy lets into ``area`` (others: sign-in page, or 403)."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not access.may_enter(current_user, area):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


staff_required = requires(Area.CERTIFICATES)
"""The certificate office's pages: administrators and clerks."""


def visible_certificate(certificate_id: int) -> Certificate:
    """The certificate if the current user may see it; 404 otherwise (as if it did not exist, so
    ids cannot be probed)."""
    certificate = get_session().get(Certificate, certificate_id)
    if certificate is None or not access.sees_certificate(get_session(), current_user, certificate):
        abort(404)
    return certificate


def holder_managed_certificate(certificate_id: int) -> Certificate:
    """The certificate if the current user may act on its holder's account; 404 otherwise."""
    certificate = visible_certificate(certificate_id)
    if not access.manages_holder_of(current_user, certificate):
        abort(404)
    return certificate
