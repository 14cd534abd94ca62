"""The web request's unit of work: the request's session is committed once, after the view
returned (before the response is sent) or when the view ended in a domain error; any other error
rolls it back (the session is closed at teardown). Views and services never commit."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, g
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


class TransactionalFlask(Flask):
    """Flask whose view dispatch ends by committing the request's unit of work."""

    def dispatch_request(self) -> ResponseReturnValue:
        """Run the view, commit what it did, then run what waited for the commit."""
        result = super().dispatch_request()
        commit_request()
        for action in g.pop("after_commit", ()):
            action()
        return result
