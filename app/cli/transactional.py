"""The unit of work of a command: what it did is committed when it ends, rolled back if it fails."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask.cli import with_appcontext

from ..services.errors import DomainError
from ..transactions import commit_request

F = TypeVar("F", bound=Callable[..., Any])


def transactional(command: F) -> F:
    """Run ``command`` in the app context and commit its session at the end. A domain error keeps
    what its failed step left (such as the record of a refusal); any other error commits nothing.
    Commands that commit row by row (resumable imports) may commit more often themselves."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            result = command(*args, **kwargs)
        except DomainError:
            commit_request()
            raise
        commit_request()
        return result

    return cast(F, with_appcontext(run))  # ``run`` takes and returns what ``command`` does
