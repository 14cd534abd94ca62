"""Error pages in the user's language; JSON errors for API and trust endpoints."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

JSON_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/status/")


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please check what you sent.")),
        403: (_("Not allowed"), _("You do not have permission to do this.")),
        404: (_("Page not found"), _("The page you asked for does not exist. Check the address.")),
        405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Too large"), _("What you sent is larger than this service accepts.")),
        429: (_("Too many requests"), _("You are going too fast. Please wait a moment and try again.")),
        500: (
            _("Something went wrong"),
            _("The service had an internal error. It has been logged; please try again later."),
        ),
    }


def _respond(code: int, error: HTTPException) -> tuple[Response, int]:
    title, text = _messages().get(code, (error.name, error.description or ""))
    if request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best == "application/json":
        response = jsonify({"error": error.name.lower().replace(" ", "_"), "message": text})
    else:
        response = make_response(render_template("error.html", code=code, title=title, text=text))
    for name, value in error.get_headers():  # e.g. ``Allow`` on 405, ``Retry-After`` on 429
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, code


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Response, int]:
        return _respond(error.code or 500, error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[Response, int]:
        app.logger.exception("unhandled error")
        return _respond(500, InternalServerError())
