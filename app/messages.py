"""The one message catalogue: every code a person can see (domain errors, verification reasons,
field errors of the partner API), as an English message id translated when it is shown.

Services and signing raise codes; views and reports turn them into words only through
:func:`message_for` / :func:`text_for`. A test fails when a code raised anywhere has no entry here,
or an entry has no Chinese translation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask_babel import get_locale, gettext

from signing import CATEGORIES_BY_CODE


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark ``text`` for the catalogue; it is translated when the message is shown."""
    return text


MESSAGES = {
    # ID-card numbers (the reasons of signing's IdentifierError)
    "id_number_shape": N_("An ID number has 18 characters: 17 digits, then a digit or X."),
    "id_number_birth_date": N_("The birth date in the ID number does not exist."),
    "id_number_birth_range": N_("The birth date in the ID number is in the future or too long ago."),
    "id_number_check_character": N_(
        "The last character of the ID number does not match the others: check it for a typing error."
    ),
    "invalid_name": N_("The name must have 1 to 50 characters."),
    "invalid_name_characters": N_(
        "Use only letters, spaces and · in the name: "
        "no line breaks, invisible characters or a leading = + - @."
    ),
    "same_number_twice": N_("The same ID number as row %(row)s."),
    "no_category": N_("Choose at least one category."),
    "unknown_category": N_("Unknown category: %(value)s."),
    "legacy_category": N_("This category is no longer issued."),
    "repeated_category": N_("A category is listed twice."),
    "live_certificate_exists": N_(
        "The holder already has certificate %(number)s. To add categories, change that certificate."
    ),
    "duplicate_category": N_("The holder already holds %(category)s on certificate %(number)s."),
    "renew_window": N_("Renewal is possible only from %(opens)s to %(ends)s."),
    "not_active": N_("A suspended certificate cannot be renewed. Lift the suspension first."),
    "not_live": N_("This certificate has been revoked or cancelled; nothing more can be done with it."),
    "superseded_version": N_(
        "This page showed version %(expected)s, but the certificate is now at version %(current)s. "
        "Reload the page and check before acting."
    ),
    "concurrent_change": N_(
        "Someone else changed this certificate at the same moment. Reload and try again."
    ),
    "already_suspended": N_("The certificate is already suspended."),
    "not_suspended": N_("The certificate is not suspended."),
    "no_change": N_("Nothing was changed."),
    "reason_required": N_("Give the reason."),
    "cancel_reason": N_("Choose a cancellation reason from the list."),
    "no_signing_key": N_("%(authority)s has no signing key. Ask the system administrator to generate one."),
    "other_authority": N_(
        "Only the issuing authority (%(issuer)s) may act on this certificate. The attempt was recorded."
    ),
    "not_implementing": N_("In this region this service is provided by %(body)s."),
    "no_permission": N_("You have no permission for this service. The attempt was recorded."),
    "role": N_("Your role does not act on certificates."),
    "inactive": N_("This account is deactivated."),
    "item_conflict": N_(
        "This service is configured to more than one authority in region %(region)s and is suspended "
        "until the province fixes it."
    ),
    "item_unassigned": N_("No authority provides this service in region %(region)s."),
    "not_found": N_("No such certificate."),
    "activation_invalid": N_("The ID number or the activation code is wrong."),
    "activation_expired": N_("The activation code has expired. Ask the certificate office for a new one."),
    "holder_weak_password": N_("The password needs at least %(minimum)s characters."),
    "holder_wrong_password": N_("The current password is wrong."),
    "photo_not_image": N_("This is not a JPEG or PNG photo. Take the photo again with the phone camera."),
    "photo_too_large": N_("The photo is too large: at most %(megabytes)s MB."),
    "photo_reviewed": N_("This photo was reviewed already."),
    "photo_reason_required": N_("Choose why the photo is rejected."),
    "photo_note_required": N_("Say in the note what is wrong with the photo."),
    # why a reviewer rejects a photo (the holder reads them too)
    "photo_reason_too_dark": N_("Too dark or unevenly lit"),
    "photo_reason_blurred": N_("Blurred or out of focus"),
    "photo_reason_not_a_face": N_("Does not show the holder's face"),
    "photo_reason_face_covered": N_("Face covered (hat, sunglasses, mask) or turned away"),
    "photo_reason_background": N_("Background not plain and light"),
    "photo_reason_framing": N_("Face too small, too large or cut off"),
    "photo_reason_other": N_("Other problem"),
    "invalid_credit_code": N_(
        "“%(value)s” is not a unified social credit code "
        "(18 digits and capital letters, without I, O, S, V or Z)."
    ),
    "credit_code_check_failed": N_(
        "The check character of the unified social credit code “%(value)s” is wrong: the 18th character "
        "does not match the first 17. Check the code for typing errors."
    ),
    "username_taken": N_("The user name %(name)s is taken."),
    "assignment_exists": N_("That assignment exists already."),
    # verification verdicts (the codes of signing.errors)
    "valid": N_("Signature and status checked just now."),
    "stale_presentation": N_(
        "This QR code has expired — it may be a screenshot. Ask the holder to refresh the code on their phone and show it again."  # noqa: E501 - one translation key
    ),
    "clock_skew": N_("The QR code was made later than this device's time. Check the clock of this device."),
    "not_yet_valid": N_("The certificate is not valid yet."),
    "expired": N_("The certificate's validity has ended."),
    "suspended": N_("The certificate is suspended."),
    "revoked": N_("The certificate has been revoked or cancelled."),
    "superseded": N_(
        "This is an old version of the certificate; a newer one was issued. Ask the holder for the current one."  # noqa: E501 - one translation key
    ),
    "bad_signature": N_("The signature does not match: the certificate may be forged or altered."),
    "unknown_key": N_("Signed by a key this service does not know: the certificate may be forged."),
    "key_compromised": N_("Signed by a key that has been withdrawn as compromised: do not accept it."),
    "wrong_key_purpose": N_("Signed by a key that may not sign this: do not accept it."),
    "key_outside_window": N_("Signed by a key that was not in service at that time: do not accept it."),
    "policy": N_("The issuer does not match the signing key: do not accept it."),
    "status_unavailable": N_("The certificate's status cannot be checked right now. Try again."),
    "status_out_of_bounds": N_(
        "The issuer's status list has no entry for this certificate: do not accept it."
    ),
    "malformed": N_("This QR code cannot be read: it is not a certificate code of this service."),
    "retired_layout": N_(
        "This QR code is in an old format that is no longer accepted. Ask the holder to show a fresh code or print the certificate again."  # noqa: E501 - one translation key
    ),
    # fields of the partner API
    "required": N_("This field is required."),
    "not_a_string": N_("Send this field as a string."),
    "not_an_object": N_("The metadata must be a JSON object."),
    "invalid_json": N_("The metadata is not valid JSON."),
    "invalid_certificate_number": N_("Use 1–40 letters, digits or hyphens."),
    "invalid_sex": N_('Use "M" or "F".'),
    "sex_mismatch": N_("Does not match the sex encoded in the ID number."),
    "unknown_training_type": N_("This training type is not configured."),
    "invalid_date": N_("Use a date like 2026-11-22."),
    "in_the_future": N_("This date is in the future."),
    "before_period_start": N_("This date is before the start of the training period."),
    "already_renewed": N_("This certificate was already renewed as an electronic one."),
    "certificate_not_found": N_("No such certificate."),
    "unknown_action": N_("There is no such action."),
    "invalid_level": N_("The level must be province, city or county."),
    "weak_password": N_("The password needs at least %(minimum)s characters."),
    "no_presentation_key": N_(
        "The service has no key to sign the QR code right now. Ask the system administrator."
    ),
    "validity_order": N_("The validity would end before it starts."),
    "negative_status_index": N_("The certificate has no valid place in the status list."),
    "batch": N_("Issued from a spreadsheet."),
    "no_certificate_key": N_(
        "The issuing authority has no key to sign the certificate's QR code right now. Ask the system administrator."  # noqa: E501 - one translation key
    ),
    "no_audit_key": N_("There is no key to sign audit checkpoints. Ask the system administrator."),
    # generic refusals (a code more precise than these is raised wherever one is known)
    "permission_denied": N_("You do not have permission to do this."),
    "rule_violation": N_("This is not possible under the rules of the service."),
    "conflict": N_("Someone else changed this first. Reload the page and try again."),
    # graduation certificate pushes
    "invalid_fields": N_("Some fields are missing or wrong."),
    "not_pdf": N_("The file is not a PDF."),
    "encrypted_pdf": N_("The PDF is encrypted or password-protected; send it without protection."),
    "broken_pdf": N_("The PDF is damaged and cannot be read."),
    "number_taken": N_(
        "This certificate number belongs to another partner system or to the bureau's own records; "
        "it cannot be pushed here."
    ),
    # partner systems
    "invalid_client": N_("Unknown client, wrong secret or a deactivated client."),
    "invalid_token": N_("The access token is missing, expired or not valid."),
    "partner_name_required": N_("Give the partner system's name."),
    "invalid_scope": N_("Choose at least one scope from the list."),
    # owners of graduation certificates, and the schools of partner systems
    "not_registered_for_school": N_(
        "This partner system is not registered for the training school %(value)s. The province "
        "administrator registers the schools each partner system may push for."
    ),
    "different_student": N_(
        "This certificate number is another student's certificate (a different ID number). A certificate "
        "cannot be moved to another student: push this one under its own number."
    ),
    "school_required": N_("Give the credit code of at least one training school."),
    "school_not_registered": N_("The partner system is not registered for %(value)s."),
    # signing in (the sign-in pages say "wrong user name" or "wrong ID number" in their own words)
    "sign_in_refused": N_("The name or the password is wrong."),
    "sign_in_locked": N_("Too many failed sign-ins: wait %(minutes)s min before trying again."),
    # batch issuance
    "number_in_unfinished_batch": N_(
        "Certificate %(number)s is being issued in a batch that has not finished yet. "
        "Try again when the batch is done."
    ),
    "batch_not_restartable": N_("Only a failed batch can be started again, and only once at a time."),
    "worker_lost": N_("The process issuing it stopped before the end."),
    "signing_key_compromised": N_(
        "The authority's signing key was withdrawn while the batch was issued. "
        "Start it again once the authority has a new key."
    ),
    "internal": N_("An unexpected error stopped it."),
    "validity_already_expired": N_(
        "The certificate would already be expired: its validity ends on %(until)s, before today."
    ),
    "validity_start_long_ago": N_("The validity would start on %(start)s, more than a year ago."),
    "validity_start_far_ahead": N_("The validity would start on %(start)s, more than a year from now."),
    "batch_all_or_nothing": N_(
        "Not issued: other rows have problems, and the batch issues all rows or none."
    ),
    "batch_not_checked": N_("This batch is not waiting for confirmation any more."),
    "batch_check_changed": N_(
        "The check changed since you saw it (%(count)s rows have warnings now). "
        "Look at it again, then confirm."
    ),
    "batch_warnings_unconfirmed": N_(
        "Nothing was issued: %(count)s rows have warnings. "
        "Tick the box to issue them anyway, or fix the file."
    ),
    "batch_nothing_to_issue": N_("Nothing would be issued: no row can be issued as the file is."),
    # applications (办件)
    "other_authority_case": N_("This case is handled by %(body)s. The attempt was recorded."),
    "case_not_found": N_("No such case."),
    "case_moved_on": N_("The case is no longer at this stage. Reload the page to see where it is."),
    "case_changed": N_("Someone else acted on this case first. Reload the page and check before acting."),
    "opinion_required": N_("Give the reason or opinion."),
    "review_not_approved": N_("The review did not approve this case; it can only be refused."),
    "unknown_step": N_("There is no such step."),
    "unknown_item": N_("Unknown service item."),
    "unknown_field": N_("This field is not part of the form."),
    "too_long": N_("This is too long."),
    "invalid_phone": N_("Give a phone number of 7 to 15 digits."),
    "invalid_categories": N_("Give the categories as a list of category codes."),
    "case_certificate_not_found": N_("There is no valid certificate with the number %(number)s."),
    "case_certificate_other_holder": N_("Certificate %(number)s is not the applicant’s."),
    "case_number_conflict": N_("Case %(number)s was already pushed with different content."),
    "unknown_implementing_body": N_("No authority has this unified social credit code."),
    "not_implementing_body": N_("In this region the service is provided by %(body)s."),
    "item_not_connected": N_(
        "This service is not connected to the government service platform in this region."
    ),
    "case_not_waiting": N_("This case is not waiting for materials."),
    "materials_required": N_("Hand in the missing materials."),
    "material_kind": N_("Unknown kind of material for %(filename)s."),
    "material_type": N_("%(filename)s: only PDF, JPEG and PNG files are accepted."),
    "material_too_large": N_("%(filename)s is larger than %(mb)s MB."),
    "material_mismatch": N_("%(filename)s is not what its name says (a PDF, JPEG or PNG file)."),
    "prerequisite_graduation": N_("Graduation certificate of general cargo training"),
    "prerequisite_exam": N_("Passed exam: %(category)s"),
    "prerequisite_age": N_("Driver under %(age)s"),
    "prerequisite_graduation_missing": N_(
        "No graduation certificate of general cargo training was found for this ID number."
    ),
    "prerequisite_exam_missing": N_("No passed exam for %(category)s was found for this ID number."),
    "prerequisite_age_missing": N_("Drivers must be under %(age)s."),
    # applications in words: service items, where a case stands, channels, materials, steps
    # (one place for the pages and the printed notices: :func:`name_of`)
    "item_issue": N_("Issue of a qualification certificate"),
    "item_renew": N_("Renewal of a qualification certificate"),
    "item_reissue": N_("Reissue of a lost or damaged qualification certificate"),
    "item_change": N_("Change of a qualification certificate"),
    "item_cancel": N_("Cancellation of a qualification certificate"),
    "item_suspend": N_("Suspension of a qualification certificate"),
    "item_revoke": N_("Revocation of a qualification certificate"),
    "item_legacy_import": N_("Import of paper and IC-card certificates"),
    "stage_accept": N_("Accept"),
    "stage_review": N_("Review"),
    "stage_conclude": N_("Conclude"),
    "role_province_admin": N_("Province administrator"),
    "role_authority_admin": N_("Authority administrator"),
    "role_clerk": N_("Clerk"),
    "role_inspector": N_("Inspector"),
    "case_stage_accept": N_("Waiting for acceptance"),
    "case_stage_materials": N_("Waiting for the missing materials"),
    "case_stage_review": N_("Waiting for review"),
    "case_stage_conclude": N_("Waiting for conclusion"),
    "case_stage_granted": N_("Concluded: granted"),
    "case_stage_refused": N_("Concluded: refused"),
    "case_stage_not_accepted": N_("Not accepted"),
    "channel_platform_online": N_("Government service platform, online"),
    "channel_platform_window": N_("Government service platform, service hall window"),
    "channel_window": N_("Our own window"),
    "material_application_form": N_("Application form"),
    "material_id_card": N_("Copy of the ID card"),
    "material_photo": N_("Recent photo of the applicant"),
    "material_driving_licence": N_("Copy of the driving licence"),
    "material_health_certificate": N_("Health certificate"),
    "material_proof_of_change": N_("Proof of the change"),
    "material_other": N_("Other material"),
    "step_create": N_("Application registered"),
    "step_accept": N_("Application accepted"),
    "step_refuse": N_("Application not accepted"),
    "step_notify": N_("One-time notice of missing materials"),
    "step_materials": N_("Missing materials received"),
    "step_approve": N_("Review: approved"),
    "step_reject": N_("Review: not approved"),
    "step_grant": N_("Concluded: licence granted"),
    "step_deny": N_("Concluded: licence refused"),
    # exam results
    "no_exam_permission": N_(
        "Only staff who accept or review issue cases, and administrators, record exam results."
    ),
    "invalid_score": N_("The score must be a whole number from 0 to 100."),
    "invalid_passed": N_("Say whether the exam was passed: pass or fail."),
    "one_category": N_("Give exactly one category."),
    "same_exam_twice": N_("The same ID number, category and exam date as row %(row)s."),
    "too_early": N_("This date is too long ago."),
    # pushes of the government service platform (the envelope of an application, its materials)
    "not_json": N_("This part is not valid JSON."),
    "not_a_json_object": N_("Send this as a JSON object."),
    "not_a_list": N_("Send this field as a list."),
    "invalid_case_number": N_("Use 1–40 letters, digits, hyphens or underscores."),
    "unknown_item_code": N_("No service item has this code."),
    "invalid_datetime": N_("Use a time like 2026-03-02T09:30:00+08:00."),
    "datetime_without_offset": N_("Give the time with its offset from UTC, like 2026-03-02T09:30:00+08:00."),
    "submitted_in_future": N_("The submission time is in the future."),
    "invalid_channel": N_('Use "platform_online" or "platform_window".'),
    "too_many_materials": N_("At most %(limit)s materials."),
    "unknown_part": N_("The request has no file part of this name."),
    "part_named_twice": N_("Another material names this file part already."),
    "part_not_named": N_("This file part is not in the list of materials."),
    "part_sent_twice": N_("The request has more than one file part of this name."),
    "invalid_text": N_("This text holds characters that cannot be stored (NUL or half of a surrogate pair)."),
    "too_large": N_("The request is larger than %(mb)s MB."),
    "concurrent_push": N_("The same case number was pushed at the same moment; push again."),
    # messages for the government service platform (the kinds of ``platform_message.last_error``)
    "platform_refused": N_("The platform refused this message (%(detail)s)."),
    "platform_busy": N_("The platform asked to try again later (%(detail)s)."),
    "platform_server_error": N_("The platform failed to take the message (%(detail)s)."),
    "platform_timeout": N_("The platform did not answer in time."),
    "platform_unreachable": N_("The platform could not be reached (%(detail)s)."),
    "platform_no_token": N_("The platform did not accept our client credentials (%(detail)s)."),
    "platform_gave_up": N_("Given up after too many failed attempts. The last: %(last)s"),
    "platform_message_not_found": N_("There is no such message for the platform."),
    "platform_message_not_dead": N_("This message is no longer waiting to be sent again. Reload the page."),
    # the events of a certificate's history (audit actions with a certificate as target)
    "event_certificate.issue": N_("Issued"),
    "event_certificate.renew": N_("Renewed"),
    "event_certificate.reissue": N_("Reissued"),
    "event_certificate.change": N_("Changed"),
    "event_certificate.suspend": N_("Suspended"),
    "event_certificate.lift": N_("Suspension lifted"),
    "event_certificate.revoke": N_("Revoked"),
    "event_certificate.cancel": N_("Cancelled"),
    "event_certificate.resign": N_("Signed again with a new key"),
    "event_certificate.credential": N_("Credential fetched by a partner"),
    "event_certificate.view": N_("Record opened by staff"),
    "event_certificate.pdf": N_("Printable certificate downloaded"),
    "event_verification.full_view": N_("Full record viewed by an inspector"),
    "event_verification.photo_view": N_("Holder's photo viewed by an inspector"),
    "event_certificate.batch": N_("Batch issuance"),
    "event_certificate.batch_publish": N_("Batch published"),
    "event_certificate.batch_withdraw": N_("Batch withdrawn"),
    "event_legacy.import": N_("Paper and IC-card certificates imported"),
    "event_application.create": N_("Case registered"),
    "event_application.accept": N_("Case accepted"),
    "event_application.refuse": N_("Case not accepted"),
    "event_application.notify": N_("One-time notice of missing materials"),
    "event_application.materials": N_("Missing materials received"),
    "event_application.approve": N_("Case approved in review"),
    "event_application.reject": N_("Case not approved in review"),
    "event_application.grant": N_("Case concluded: granted"),
    "event_application.deny": N_("Case concluded: refused"),
    "event_application.view": N_("Case opened by staff"),
    "event_application.material": N_("Case material opened"),
    "event_application.notice_pdf": N_("Case notice printed"),
    "event_exam_result.create": N_("Exam result entered"),
    "event_exam_result.update": N_("Exam result corrected"),
    "event_exam_result.import": N_("Exam results imported"),
    "event_exam_result.search": N_("Exam results searched"),
    "event_graduation": N_("Graduation certificate pushed"),
    "event_graduation.receive": N_("Graduation certificate received"),
    "event_graduation.revise": N_("Graduation certificate revised"),
    "event_graduation.hand_over": N_("Graduation certificate handed to another partner system"),
    "event_graduation.pdf": N_("Graduation certificate PDF opened"),
    "event_holder.activation_code": N_("Activation code made"),
    "event_holder.activate": N_("Holder account activated"),
    "event_holder.password": N_("Holder changed the password"),
    "event_holder.login_failed": N_("Holder sign-in failed"),
    "event_photo.upload": N_("Photo uploaded by the holder"),
    "event_photo.approve": N_("Photo approved"),
    "event_photo.reject": N_("Photo rejected"),
    "event_staff.login": N_("Staff signed in"),
    "event_staff.login_failed": N_("Staff sign-in failed"),
    "event_staff.create": N_("Staff account created"),
    "event_staff.activate": N_("Staff account reactivated"),
    "event_staff.deactivate": N_("Staff account deactivated"),
    "event_staff.password": N_("Staff password changed"),
    "event_authority.create": N_("Authority created"),
    "event_service_item.assign": N_("Service item assigned"),
    "event_service_item.unassign": N_("Service item unassigned"),
    "event_service_item.connect": N_("Service item connected to the platform"),
    "event_service_item.disconnect": N_("Service item disconnected from the platform"),
    "event_partner.register": N_("Partner system registered"),
    "event_partner.add_schools": N_("Training schools added to a partner system"),
    "event_partner.remove_schools": N_("Training schools removed from a partner system"),
    "event_partner.rotate_secret": N_("Partner system's secret renewed"),
    "event_partner.activate": N_("Partner system reactivated"),
    "event_partner.deactivate": N_("Partner system deactivated"),
    "event_platform.retry": N_("Platform message sent again"),
    "event_key.generate": N_("Signing key generated"),
    "event_key.rotate": N_("Signing key rotated"),
    "event_key.retire": N_("Signing key retired"),
    "event_key.compromised": N_("Signing key withdrawn as compromised"),
    "event_audit.view": N_("Audit log viewed"),
    "event_audit.export": N_("Audit log exported"),
    "event_photo.review_view": N_("Photo opened for review"),
    "event_batch.activation_notices": N_("Activation notices of a batch generated"),
    "event_batch.activation_notices_download": N_("Activation notices of a batch downloaded"),
    "event_refused": N_("%(action)s: refused"),
    # reasons recorded with events (shown through ``reason_words``)
    "entered": N_("entered by hand"),
    "event_other": N_("Other event"),
    # what an audit event is about (its target type)
    "target_certificate": N_("Certificate"),
    "target_legacy_certificate": N_("Paper or IC-card certificate"),
    "target_application": N_("Case"),
    "target_practitioner": N_("Holder"),
    "target_staff": N_("Staff account"),
    "target_holder": N_("Holder account"),
    "target_partner_client": N_("Partner system"),
    "target_authority": N_("Authority"),
    "target_region": N_("Region"),
    "target_batch": N_("Batch"),
    "target_file": N_("File"),
    "target_exam_result": N_("Exam result"),
    "target_graduation_certificate": N_("Graduation certificate"),
    "target_platform_message": N_("Platform message"),
    "target_signing_key": N_("Signing key"),
    "target_audit_log": N_("Audit log"),
    # the audit chain's verification (the codes of ``ChainProblem``)
    "chain_missing": N_("Events %(first)s to %(last)s are missing."),
    "chain_unlinked": N_("This event does not link to the one before it."),
    "chain_edited": N_("This event was changed after it was written: its hash does not match its content."),
    "chain_head": N_("The newest events were deleted: the chain's head does not match."),
    "checkpoint_unverified": N_("The signed checkpoint %(name)s does not verify."),
    "checkpoint_truncated": N_(
        "Events were deleted: a signed checkpoint saw %(seen)s events, the log ends at %(last)s."
    ),
    "checkpoint_rewritten": N_("The chain was rewritten: this event differs from the signed checkpoint."),
    # the states of a certificate
    "state_active": N_("Active"),
    "state_suspended": N_("Suspended"),
    "state_expired": N_("Expired"),
    "state_revoked": N_("Revoked"),
    "state_cancelled": N_("Cancelled"),
    "state_superseded": N_("Superseded"),
}

NAMED = (
    "item",
    "stage",
    "role",
    "case_stage",
    "channel",
    "material",
    "step",
    "state",
    "photo_reason",
    "target",
)
"""The vocabularies that :func:`name_of` puts in words: service items, the stages staff hold, staff
roles, applications' stages, channels, materials and steps, certificates' states, the reasons a
photo is rejected, and what an audit event is about."""

VERDICTS = (
    "valid",
    "stale_presentation",
    "clock_skew",
    "not_yet_valid",
    "expired",
    "suspended",
    "revoked",
    "superseded",
    "bad_signature",
    "unknown_key",
    "key_compromised",
    "wrong_key_purpose",
    "key_outside_window",
    "policy",
    "status_unavailable",
    "status_out_of_bounds",
    "malformed",
    "retired_layout",
)
"""The verdicts a verification can give (the scanner page gets their words for offline use)."""


def text_for(
    code: str, params: Mapping[str, object] | None = None, translate: Callable[[str], str] | None = None
) -> str | None:
    """The message for ``code`` in the language of ``translate`` (default: the request's), with
    ``params`` filled in; ``None`` for a code the catalogue does not know. A ``category`` parameter
    holds a category's code and is shown as its name in the same language."""
    template = MESSAGES.get(code)
    if template is None:
        return None
    text = (translate or gettext)(template)
    filled = dict(params or {})
    code_of_category = filled.get("category")
    category = CATEGORIES_BY_CODE.get(code_of_category) if isinstance(code_of_category, int) else None
    if category is not None:
        filled["category"] = category.name_en if _in_english(translate) else category.name_zh
    try:
        return text % filled
    except (KeyError, TypeError, ValueError):
        return text.split("%(")[0].rstrip(": ")


def message_for(error: object) -> str:
    """The user's-language message for a domain error or a signing error (anything with a
    ``code`` and maybe ``params``); its own text if the catalogue has none."""
    code = str(getattr(error, "code", ""))
    return text_for(code, getattr(error, "params", None)) or str(error)


def name_of(vocabulary: str, value: str, translate: Callable[[str], str] | None = None) -> str:
    """A word of an application's vocabulary (``vocabulary`` one of :data:`NAMED`: a service item,
    where a case stands, a channel, a kind of material, a step of its history) in the language of
    ``translate`` (default: the request's); the value itself if the catalogue has no words for it."""
    assert vocabulary in NAMED, vocabulary
    return text_for(f"{vocabulary}_{value}", None, translate) or value


def event_name(action: str, translate: Callable[[str], str] | None = None) -> str:
    """An audit event's action (``certificate.suspend``, ``certificate.suspend.refused``,
    ``verification.full_view``) in words in the language of ``translate`` (default: the request's);
    never the code itself."""
    refused = action.endswith(".refused")
    base = action.removesuffix(".refused")
    words = text_for(f"event_{base}", None, translate) or text_for("event_other", None, translate) or base
    if refused:
        return text_for("event_refused", {"action": words}, translate) or words
    return words


EVENT_ACTIONS = tuple(
    code.removeprefix("event_")
    for code in MESSAGES
    if code.startswith("event_") and code not in ("event_refused", "event_other")
)
"""The audit actions the catalogue has words for (each may also end in ``.refused``)."""


@lru_cache(maxsize=1)
def _chinese() -> NullTranslations:
    return Translations.load(str(Path(__file__).parent / "translations"), ["zh"])


def _in_english(translate: Callable[[str], str] | None) -> bool:
    """Whether ``translate`` (default: the request's language) gives English."""
    if translate is in_chinese:
        return False
    return getattr(get_locale(), "language", None) == "en"


def in_chinese(text: str) -> str:
    """``text`` (an English message id) in Chinese, whatever the request's language: for documents
    that are always printed in Chinese, such as the notices of a case."""
    return str(_chinese().gettext(text))
