"""Domain errors: what a service refuses, with a stable code the views translate."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused operation; ``code`` names the reason, ``params`` fill its message."""

    code = "domain_error"

    def __init__(self, message: str = "", *, code: str | None = None, **params: object) -> None:
        super().__init__(message or code or self.code)
        if code:
            self.code = code
        self.params = params


class NotFound(DomainError):
    """The object does not exist."""

    code = "not_found"


class Conflict(DomainError):
    """Someone else changed the object first, or it exists already."""

    code = "conflict"


class PermissionDenied(DomainError):
    """The acting user may not do this (the code says why). ``refusal`` holds the audit event
    that records the attempt (written by the unit of work after it undoes the attempt)."""

    code = "permission_denied"
    refusal: dict[str, Any] | None = None


class RuleViolation(DomainError):
    """The request breaks a rule of the domain (the code says which)."""

    code = "rule_violation"


class InvalidFields(DomainError):
    """Input that does not pass (a push's metadata, an application's form): ``errors`` maps each
    bad field to a reason code, every problem at once."""

    code = "invalid_fields"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
