"""Localized messages for domain error codes, in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..services.errors import DomainError

MESSAGES = {
    "invalid_id_number": _l("The ID number is not valid: %(detail)s."),
    "invalid_name": _l("The name must have 1 to 50 characters."),
    "no_category": _l("Choose at least one category."),
    "unknown_category": _l("Unknown category: %(value)s."),
    "legacy_category": _l("This category is no longer issued."),
    "repeated_category": _l("A category is listed twice."),
    "live_certificate_exists": _l(
        "The holder already has certificate %(number)s. To add categories, change that certificate."
    ),
    "duplicate_category": _l("The holder already holds %(category)s on certificate %(number)s."),
    "renew_window": _l("Renewal is possible only from %(opens)s to %(ends)s."),
    "not_active": _l("A suspended certificate cannot be renewed. Lift the suspension first."),
    "not_live": _l("This certificate is %(state)s; nothing more can be done with it."),
    "superseded_version": _l(
        "This page showed version %(expected)s, but the certificate is now at version %(current)s. "
        "Reload the page and check before acting."
    ),
    "concurrent_change": _l(
        "Someone else changed this certificate at the same moment. Reload and try again."
    ),
    "already_suspended": _l("The certificate is already suspended."),
    "not_suspended": _l("The certificate is not suspended."),
    "no_change": _l("Nothing was changed."),
    "reason_required": _l("Give the reason."),
    "cancel_reason": _l("Choose a cancellation reason from the list."),
    "no_signing_key": _l("%(authority)s has no signing key. Ask the system administrator to generate one."),
    "other_authority": _l(
        "Only the issuing authority (%(issuer)s) may act on this certificate. The attempt was recorded."
    ),
    "not_implementing": _l("In this region this service is provided by %(body)s."),
    "no_permission": _l("You have no permission for this service. The attempt was recorded."),
    "role": _l("Your role does not act on certificates."),
    "inactive": _l("This account is deactivated."),
    "item_conflict": _l(
        "This service is configured to more than one authority in region %(region)s and is suspended "
        "until the province fixes it."
    ),
    "item_unassigned": _l("No authority provides this service in region %(region)s."),
    "not_found": _l("No such certificate."),
    "activation_invalid": _l("The ID number or the activation code is wrong."),
    "activation_expired": _l("The activation code has expired. Ask the certificate office for a new one."),
    "holder_weak_password": _l("The password needs at least %(minimum)s characters."),
    "holder_wrong_password": _l("The current password is wrong."),
    "photo_not_image": _l("This is not a JPEG or PNG photo. Take the photo again with the phone camera."),
    "photo_too_large": _l("The photo is too large: at most %(megabytes)s MB."),
    "photo_reviewed": _l("This photo was reviewed already."),
    "invalid_credit_code": _l(
        "“%(value)s” is not a unified social credit code "
        "(18 digits and capital letters, without I, O, S, V or Z)."
    ),
    "credit_code_check_failed": _l(
        "The check character of the unified social credit code “%(value)s” is wrong: the 18th character "
        "does not match the first 17. Check the code for typing errors."
    ),
}


def message_for(error: DomainError) -> str:
    """The user's-language message for ``error`` (its English text if none is defined)."""
    template = MESSAGES.get(error.code)
    if template is None:
        return str(error)
    params = {key: value for key, value in error.params.items()}
    try:
        return str(template) % params
    except (KeyError, TypeError):
        return str(template).split("%(")[0].rstrip(": ")
