"""Error pages in the user's language; JSON errors for API and trust endpoints. The one place
where a domain error that a view did not handle becomes a response."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask import session as cookie_session
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from .services.errors import Conflict, DomainError, NotFound, PermissionDenied
from .transactions import commit_request
from .web.messages import message_for

JSON_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/status/")


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please check what you sent.")),
        403: (_("Not allowed"), _("You do not have permission to do this.")),
        404: (_("Page not found"), _("The page you asked for does not exist. Check the address.")),
        409: (_("Changed meanwhile"), _("Someone else changed this first. Reload the page and try again.")),
        405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Too large"), _("What you sent is larger than this service accepts.")),
        429: (_("Too many requests"), _("You are going too fast. Please wait a moment and try again.")),
        500: (
            _("Something went wrong"),
            _("The service had an internal error. It has been logged; please try again later."),
        ),
    }


DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (PermissionDenied, 403),
    (Conflict, 409),
)


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best == "application/json"


def _page(code: int, error_code: str, title: str, text: str) -> Response:
    if _wants_json():
        return jsonify({"error": error_code, "message": text})
    return make_response(render_template("error.html", code=code, title=title, text=text))


def _respond(code: int, error: HTTPException) -> tuple[Response, int]:
    title, text = _messages().get(code, (error.name, error.description or ""))
    response = _page(code, error.name.lower().replace(" ", "_"), title, text)
    for name, value in error.get_headers():  # e.g. ``Allow`` on 405, ``Retry-After`` on 429
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, code


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Response, int]:
        return _respond(error.code or 500, error)

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> tuple[Response, int]:
        # What the failed step wrote is undone already; what is left (such as the record of a
        # refused attempt) is kept. A conflict found only at commit rolls everything back.
        try:
            commit_request()
        except Conflict as conflict:
            error = conflict
        if isinstance(error, Conflict):
            cookie_session.pop("_flashes", None)  # a success flashed before the commit failed
        code = next((status for kind, status in DOMAIN_STATUS if isinstance(error, kind)), 422)
        title = _messages().get(code, (_("Not possible"), ""))[0]
        return _page(code, error.code, title, message_for(error)), code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[Response, int]:
        app.logger.exception("unhandled error")
        return _respond(500, InternalServerError())
