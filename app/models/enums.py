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


class CaseStage(StrEnum):
    """Where an application (办件) stands. The first three wait for a staff member holding the
    item at the :class:`Stage` of the same name; the last three are final."""

    ACCEPT = "accept"
    """Received, waiting to be accepted (受理), refused (不予受理) or told what is missing."""
    MATERIALS = "materials"
    """A one-time notice of missing materials (一次性告知) was given: the clock stops until they arrive."""
    REVIEW = "review"
    """Accepted, waiting for review (审核)."""
    CONCLUDE = "conclude"
    """Reviewed, waiting for the conclusion (办结)."""
    GRANTED = "granted"
    REFUSED = "refused"
    """Concluded, refused (办结, 不予许可)."""
    NOT_ACCEPTED = "not_accepted"
    """Refused at acceptance (不予受理)."""


FINAL_STAGES = frozenset({CaseStage.GRANTED, CaseStage.REFUSED, CaseStage.NOT_ACCEPTED})


class Channel(StrEnum):
    """How an application came in."""

    PLATFORM_ONLINE = "platform_online"
    """Filed online on the government service platform."""
    PLATFORM_WINDOW = "platform_window"
    """Taken at a window of the platform's service hall and pushed here."""
    WINDOW = "window"
    """Taken at our own window by a clerk."""


class MessageState(StrEnum):
    """The delivery state of a message for the government service platform."""

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    """Refused for good (a 4xx) or too many failed attempts: staff look and send it again."""
