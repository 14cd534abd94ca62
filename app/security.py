"""Security defaults: CSRF on every form, rate limiting, security headers with a strict CSP."""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import Any, TypeVar

import flask
from flask import Flask, Response, abort, current_app, has_app_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from limits.storage import Storage
from limits.strategies import RateLimiter
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

from . import rate_limit_store  # noqa: F401 - registers the sqlite:/// rate-limit storage

csrf = CSRFProtect()


class AppLimiter(Limiter):
    """Flask-Limiter with each app's own storage. The views' ``@limiter.limit`` decorators belong to
    one module-level limiter, and Flask-Limiter keeps one storage per limiter, replaced by every
    ``init_app``: a second app in the same process (a test's second instance, a command) would take
    over the first one's counters. Here each app keeps the storage its configuration names
    (``RATELIMIT_STORAGE_URI``: ``redis://…``, ``sqlite:///…`` or ``memory://``) and the limiter uses
    the current app's. Requests are keyed by the connecting address (``PROXY_COUNT``: see
    :func:`init_app`)."""

    def init_app(self, app: Flask) -> None:
        """Make ``app``'s own storage (no storage option of an earlier app carries over)."""
        self._storage_options = {}
        super().init_app(app)
        if self._storage is not None and self._limiter is not None:
            app.extensions[_OWN_LIMITS] = (self._storage, self._limiter)

    @property
    def storage(self) -> Storage:
        """The current app's storage (outside an app context: the last app's)."""
        own = _own_limits()
        return own[0] if own else super().storage

    @property
    def limiter(self) -> RateLimiter:
        """The rate-limiting strategy over the current app's storage."""
        own = _own_limits()
        return own[1] if own else super().limiter

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        # While rate limiting is off (tests, benchmarks) there is nothing to check: Flask-Limiter
        # would still work that out for each decorated view (150,000 instructions a request).
        if self.enabled:
            super()._check_request_limit(callable_name, in_middleware)


_OWN_LIMITS = "rate_limits"


def _own_limits() -> tuple[Storage, RateLimiter] | None:
    if not has_app_context():
        return None
    own: tuple[Storage, RateLimiter] | None = current_app.extensions.get(_OWN_LIMITS)
    return own


limiter = AppLimiter(key_func=get_remote_address, default_limits=[])

F = TypeVar("F", bound=Callable[..., Any])
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def streams_upload(view: F) -> F:
    """Mark a view that reads its own (large, streamed) multipart body under its own size cap:
    the NUL guard leaves its form alone, and the view checks its fields itself."""
    view.streams_upload = True  # type: ignore[attr-defined]
    return view


def csrf_exempt(view: F) -> F:
    """Flask-WTF's ``csrf.exempt`` (the view takes no CSRF token), with the view's type kept:
    Flask-WTF has no type information. The view itself is returned, as Flask-WTF does."""
    csrf.exempt(view)
    return view


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(self), geolocation=(), microphone=()"),
    ("Strict-Transport-Security", "max-age=31536000"),
)
"""Set on every response that has not its own; the last (HSTS) only when reached over https."""


class Request(flask.Request):
    """Flask's request, with JSON nested past the parser's recursion limit treated like any other
    JSON that cannot be read (a bad request, or ``None`` when ``silent``), not a crash."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """As Flask's, but a body too deeply nested to parse is invalid JSON."""
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise BadRequest("the JSON body is nested too deeply") from None


def init_app(app: Flask) -> None:
    """Install CSRF protection, the rate limiter, the response headers and the request class."""
    app.request_class = Request
    # Flask defines these keys (SameSite unset, Secure off), so they are set, not defaulted: the
    # session cookie is Secure whenever the service is reached over https, and never sent cross-site.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = app.config["PUBLIC_BASE_URL"].startswith("https://")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    if app.config["PROXY_COUNT"]:
        # Behind that many reverse proxies the client's address is theirs to tell (X-Forwarded-For);
        # otherwise that header is anyone's to forge, and limits use the connecting address.
        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    csrf.init_app(app)
    limiter.init_app(app)

    @app.before_request
    def _no_nul() -> None:
        # NUL is never part of valid text here, and PostgreSQL can neither store nor compare it: a
        # query, path or form value carrying one is a bad request, not a database error.
        # The path (and so every view argument) arrives decoded; a query value can only carry
        # one as %00: both are read as sent, without parsing the query.
        environ = request.environ
        query = environ.get("QUERY_STRING", "")
        if "\x00" in environ.get("PATH_INFO", "") or "%00" in query or "\x00" in query:
            abort(400)
        if request.mimetype not in FORM_TYPES:
            return
        if getattr(app.view_functions.get(request.endpoint or ""), "streams_upload", False):
            return
        files = chain.from_iterable(request.files.listvalues())
        values = chain(chain.from_iterable(request.form.listvalues()), (f.filename for f in files))
        if any(isinstance(value, str) and "\x00" in value for value in values):
            abort(400)

    @app.after_request
    def _headers(response: Response) -> Response:
        # Each one unless the view set its own: the names present are read in one pass (six
        # ``setdefault`` calls scanned the headers eighteen times and raised six KeyErrors).
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}
        for name, value in HEADERS if app.config["SESSION_COOKIE_SECURE"] else HEADERS[:-1]:
            if name.lower() not in present:
                headers.add(name, value)
        return response
