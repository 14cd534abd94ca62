"""The web request's unit of work: the request's session is committed once, after the view
returned (before the response is sent) or when the view ended in a domain error; any other error
rolls it back (the session is closed at teardown). Views and services never commit."""

from __future__ import annotations

from flask import Flask, g
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from .services.unit_of_work import commit


def commit_request() -> None:
    """Commit the current request's session, if it opened one (a conflict raises ``Conflict``)."""
    session: Session | None = g.get("db_session")
    if session is not None:
        commit(session)


class TransactionalFlask(Flask):
    """Flask whose view dispatch ends by committing the request's unit of work."""

    def dispatch_request(self) -> ResponseReturnValue:
        """Run the view, then commit what it did."""
        result = super().dispatch_request()
        commit_request()
        return result
