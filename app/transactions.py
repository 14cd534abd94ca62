"""The web request's unit of work: the request's session is committed once, after the view
returned (before the response is sent) or when the view ended in a domain error; any other error
rolls it back (the session is closed at teardown). Views and services never commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakSet

from flask import Flask, g
from flask.globals import _cv_request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from .services.unit_of_work import commit


def commit_request() -> None:
    """Commit the current request's session, if it opened one (a conflict raises ``Conflict``)."""
    session: Session | None = g.get("db_session")
    if session is not None:
        commit(session)


def after_commit(action: Callable[[], None]) -> None:
    """Run ``action`` once the view returned and the request's unit of work is committed (for
    work that must see what the request wrote, such as a background thread it starts)."""
    g.setdefault("after_commit", []).append(action)


PLAIN_URLS = 256
"""At most this many URLs built once (script roots times endpoints: a handful in practice)."""


class TransactionalFlask(Flask):
    """Flask whose view dispatch ends by committing the request's unit of work."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_functions: WeakSet[Callable[..., Any]] = WeakSet()
        self._plain_urls: dict[tuple[str, str, str | None], str] = {}

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        """As Flask's; inside a request, the URL of an endpoint without values (or of a static
        file) is built once for each script root: every page links its style sheet and the same
        few pages (three builds were a tenth of a verdict page's rendering). Such a URL depends on
        nothing else here: no URL defaults or build-error handlers (checked), no subdomain or host
        rules, and no rule may be added once requests are served."""
        request_context = _cv_request.get(None)
        if (
            request_context is None
            or _anchor is not None
            or _method is not None
            or _scheme is not None
            or _external
            or endpoint[:1] == "."
            or (
                values
                and (
                    endpoint != "static"
                    or values.keys() != {"filename"}
                    or type(values["filename"]) is not str
                )
            )
        ):
            return super().url_for(
                endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external, **values
            )
        filename = values.get("filename")
        key = (request_context.request.environ.get("SCRIPT_NAME", ""), endpoint, filename)
        url = self._plain_urls.get(key)
        if url is None:
            url = super().url_for(endpoint, **values)
            if (
                len(self._plain_urls) < PLAIN_URLS
                and not any(self.url_default_functions.values())
                and not self.url_build_error_handlers
            ):
                self._plain_urls[key] = url
        return url

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """As Flask's, remembering which functions are plain (not coroutine) functions: Flask asks
        about every hook and the view on every request (a dozen ``inspect`` checks a request).
        Weakly held, so a per-request callback is not kept alive."""
        try:
            if func in self._sync_functions:
                return func
        except TypeError:  # not weakly referable: asked each time, as Flask does
            return super().ensure_sync(func)
        result = super().ensure_sync(func)
        if result is func:
            self._sync_functions.add(func)
        return result

    def dispatch_request(self) -> ResponseReturnValue:
        """Run the view, commit what it did, then run what waited for the commit."""
        result = super().dispatch_request()
        commit_request()
        for action in g.pop("after_commit", ()):
            action()
        return result
