"""Closed vocabularies stored as short strings."""

from __future__ import annotations

from enum import StrEnum


class ServiceItem(StrEnum):
    """A service item (服务事项), configured per region to one implementing authority."""

    ISSUE = "issue"
    RENEW = "renew"
    REISSUE = "reissue"
    CHANGE = "change"
    SUSPEND = "suspend"
    REVOKE = "revoke"
    CANCEL = "cancel"
    LEGACY_IMPORT = "legacy_import"


class Stage(StrEnum):
    """Workflow stages of an application: accept (受理) → review (审核) → conclude (办结)."""

    ACCEPT = "accept"
    REVIEW = "review"
    CONCLUDE = "conclude"


class Role(StrEnum):
    """Staff roles."""

    PROVINCE_ADMIN = "province_admin"
    AUTHORITY_ADMIN = "authority_admin"
    CLERK = "clerk"
    INSPECTOR = "inspector"


class CertificateState(StrEnum):
    """The state of a certificate as a whole (expiry is derived from the current version's dates)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    PENDING = "pending"
    """Written by a batch still being issued: seen by nobody and acted on by nothing until the
    batch is published (all its certificates become active in one step) or withdrawn."""


class VersionState(StrEnum):
    """Whether a version is the certificate's current one."""

    CURRENT = "current"
    SUPERSEDED = "superseded"


class CancelReason(StrEnum):
    """Reasons for cancellation (注销), from art. 29-32 of the practitioner regulation."""

    DEATH = "death"
    OWN_REQUEST = "own_request"
    OVER_AGE = "over_age"
    DRIVING_LICENCE_CANCELLED = "driving_licence_cancelled"
    EXPIRED_UNRENEWED = "expired_unrenewed"
