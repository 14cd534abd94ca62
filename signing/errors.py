"""One error tree for the signing library.

Every failure a verifier can report is a subclass of :class:`VerificationError` with a stable
``code`` (used in JSON verdicts, golden vectors and the app's translated messages) and the number
of the verification step that raised it.
"""

from __future__ import annotations

from typing import ClassVar


class Error(Exception):
    """Base class of every error raised by :mod:`signing`."""


class KeyHandlingError(Error):
    """A key could not be generated, loaded, saved or used as asked."""


class IdentifierError(Error):
    """A GB/T 36904 identifier or an ID-card number is malformed or fails its check character.
    ``reason`` names what is wrong with an ID-card number (``id_number_shape``,
    ``id_number_birth_date``, ``id_number_birth_range``, ``id_number_check_character``)."""

    def __init__(self, detail: str = "", *, reason: str = "invalid") -> None:
        super().__init__(detail)
        self.reason = reason


class FactsError(Error):
    """The content of a certificate breaks one of its rules (name, ID number, categories, dates).

    ``code`` names the rule (``invalid_name``, ``invalid_name_characters``, the ``reason`` of an
    :class:`IdentifierError` for the ID number, ``no_category``,
    ``unknown_category``, ``legacy_category``, ``repeated_category``, ``validity_order``,
    ``negative_status_index``); ``params`` fill the app's localized message for it.
    """

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params


class VerificationError(Error):
    """A credential, presentation or status list did not verify.

    ``code`` names the reason; ``detail`` says what exactly was wrong, in English, for logs and
    the command line (the app shows its own localized message for ``code``).
    """

    code: ClassVar[str] = "invalid"
    step: ClassVar[int] = 0

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        self.identifier: str | None = None
        """The GB/T 36904 identifier of the certificate a failure concerns, set only once its
        signature verified (a failure of step 4 or later): the code is genuine, just not valid
        now. ``None`` for anything that may be forged."""


class Malformed(VerificationError):
    """Step 1: the input cannot be decoded (wrong shape, bad encoding, missing claims, too long)."""

    code = "malformed"
    step = 1


class RetiredLayout(VerificationError):
    """Step 1: a compact code in the first layout (untagged, no ``alg``) after the date until
    which it was accepted: the holder needs a fresh code (or a reprinted certificate)."""

    code = "retired_layout"
    step = 1


class UnknownKey(VerificationError):
    """Step 2: no trusted key has the ``kid`` the input names."""

    code = "unknown_key"
    step = 2


class WrongKeyPurpose(VerificationError):
    """Step 2: the key exists but is not meant to sign this kind of object."""

    code = "wrong_key_purpose"
    step = 2


class KeyCompromised(VerificationError):
    """Step 2: the key was marked compromised; nothing it signed is trusted."""

    code = "key_compromised"
    step = 2


class BadSignature(VerificationError):
    """Step 3: the signature does not match (tampered bytes, wrong key, disallowed algorithm)."""

    code = "bad_signature"
    step = 3


class KeyOutsideWindow(VerificationError):
    """Step 4: the object was signed at a time outside the signing key's validity window."""

    code = "key_outside_window"
    step = 4


class NotYetValid(VerificationError):
    """Step 5: the object's validity starts in the future (or the verifier's clock is behind)."""

    code = "not_yet_valid"
    step = 5


class ClockSkew(NotYetValid):
    """Step 5: the presentation was made after this device's time: this device's clock is off."""

    code = "clock_skew"
    step = 5


class Expired(VerificationError):
    """Step 5: the certificate's validity period has ended."""

    code = "expired"
    step = 5


class StalePresentation(VerificationError):
    """Step 5: the presentation is older than its lifetime (a screenshot, or a frozen phone)."""

    code = "stale_presentation"
    step = 5


class StatusUnavailable(VerificationError):
    """Step 6: status was required but no valid status list covers this certificate."""

    code = "status_unavailable"
    step = 6


class StatusOutOfBounds(VerificationError):
    """Step 6: the issuer's status list has no entry at the certificate's index (Token Status List:
    an index out of bounds must be rejected, never read as valid)."""

    code = "status_out_of_bounds"
    step = 6


class Revoked(VerificationError):
    """Step 6: the certificate was revoked or cancelled."""

    code = "revoked"
    step = 6


class Suspended(VerificationError):
    """Step 6: the certificate is suspended."""

    code = "suspended"
    step = 6


class Superseded(VerificationError):
    """Step 6: a newer version of the certificate replaced this one."""

    code = "superseded"
    step = 6


class PolicyViolation(VerificationError):
    """Step 7: signed and current, but not acceptable (e.g. the issuer is not the key's issuer)."""

    code = "policy"
    step = 7


ALL_REASONS: tuple[type[VerificationError], ...] = (
    Malformed,
    RetiredLayout,
    UnknownKey,
    WrongKeyPurpose,
    KeyCompromised,
    BadSignature,
    KeyOutsideWindow,
    NotYetValid,
    ClockSkew,
    Expired,
    StalePresentation,
    StatusUnavailable,
    StatusOutOfBounds,
    Revoked,
    Suspended,
    Superseded,
    PolicyViolation,
)
"""Every verification reason, in step order."""
