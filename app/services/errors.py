"""Domain errors: what a service refuses, with a stable code the views translate."""

from __future__ import annotations


class DomainError(Exception):
    """A refused operation; ``code`` names the reason, ``params`` fill its message."""

    code = "domain_error"

    def __init__(self, message: str = "", **params: object) -> None:
        super().__init__(message or self.code)
        self.params = params


class NotFound(DomainError):
    """The object does not exist."""

    code = "not_found"


class Conflict(DomainError):
    """The object changed or exists already."""

    code = "conflict"
