"""Signing library for road-transport e-certificates: keys, the two signed objects, status lists,
identifiers and one verifier. No Flask, no database.

Public surface::

    keys         LocalKey, PublicKey, KeySet, KeyInfo, Purpose, Signer, FileKeyStore, key_id,
                 key_from_jwk, standard_jwks, standard_safe (what the JWKS publishes),
                 sign_key_status, verify_key_status, KEY_STATUS_TYP (the signed key-status document)
    credential   CertificateFacts (and its rules: clean_holder_name, clean_holder_id,
                 clean_categories, sex_from_id, NAME_MAX), sign_credential
    compact      sign_presentation, sign_printed, presentation_url, PresentationClaims, PrintedClaims,
                 COSE_ALGORITHMS, LEGACY_LAYOUT_UNTIL (first layout accepted until then),
                 sign_legacy_presentation (the first layout, for vectors and transition tests),
                 PRESENTATION_LIFETIME, CLOCK_ALLOWANCE, SCREENSHOT_LIMIT, oldest_accepted, check_lifetime
    status       Status, StatusList, status_list_size, sign_status_list, verify_status_list,
                 SignedStatusList, StatusSource (what the verifier asks), StatusReading, StatusLists
    identifiers  Identifier, validate_id_number, mod37_36_check, is_credit_code, credit_code_check_char,
                 id_check_char
    verify       Verifier, Verified, failure_json
    audit        Checkpoint, sign_checkpoint, verify_checkpoint (signed heads of the audit chain)
    dates        CST, start_of_day
    errors       signing.errors (Error, VerificationError and its reasons)
"""

from ._categories import BY_CODE as CATEGORIES_BY_CODE
from ._categories import BY_SLUG as CATEGORIES_BY_SLUG
from ._categories import CATEGORIES, Category
from ._checkpoint import CHECKPOINT_TYP, Checkpoint, sign_checkpoint, verify_checkpoint
from ._credential import LICENCE_NAME, sign_credential
from ._facts import (
    CST,
    NAME_MAX,
    CertificateFacts,
    clean_categories,
    clean_holder_id,
    clean_holder_name,
    mask_id,
    mask_name,
    sex_from_id,
    start_of_day,
)
from ._identifier import (
    Identifier,
    birth_date,
    credit_code_check_char,
    id_check_char,
    is_credit_code,
    mod37_36_check,
    validate_id_number,
)
from ._key_status import KEY_STATUS_TYP, sign_key_status, verify_key_status
from ._keys import ALGORITHMS, KeyInfo, KeySet, LocalKey, PublicKey, Purpose, Signer, key_from_jwk, key_id
from ._keystore import FileKeyStore, standard_jwks, standard_safe
from ._presentation import (
    CLOCK_ALLOWANCE,
    COSE_ALGORITHMS,
    LEGACY_LAYOUT_UNTIL,
    PRESENTATION_LIFETIME,
    SCREENSHOT_LIMIT,
    PresentationClaims,
    PrintedClaims,
    check_lifetime,
    oldest_accepted,
    presentation_url,
    sign_legacy_presentation,
    sign_presentation,
    sign_printed,
)
from ._status_list import (
    SignedStatusList,
    Status,
    StatusList,
    StatusLists,
    StatusReading,
    StatusSource,
    sign_status_list,
    status_list_size,
    verify_status_list,
)
from ._verify import Verified, Verifier, failure_json
from .errors import Error, FactsError, VerificationError

__all__ = [
    "ALGORITHMS",
    "CATEGORIES",
    "CATEGORIES_BY_CODE",
    "CATEGORIES_BY_SLUG",
    "CHECKPOINT_TYP",
    "CLOCK_ALLOWANCE",
    "COSE_ALGORITHMS",
    "CST",
    "KEY_STATUS_TYP",
    "LEGACY_LAYOUT_UNTIL",
    "LICENCE_NAME",
    "NAME_MAX",
    "PRESENTATION_LIFETIME",
    "SCREENSHOT_LIMIT",
    "Category",
    "CertificateFacts",
    "Checkpoint",
    "Error",
    "FactsError",
    "FileKeyStore",
    "Identifier",
    "KeyInfo",
    "KeySet",
    "LocalKey",
    "PresentationClaims",
    "PrintedClaims",
    "PublicKey",
    "Purpose",
    "SignedStatusList",
    "Signer",
    "Status",
    "StatusList",
    "StatusLists",
    "StatusReading",
    "StatusSource",
    "VerificationError",
    "Verified",
    "Verifier",
    "birth_date",
    "check_lifetime",
    "clean_categories",
    "clean_holder_id",
    "clean_holder_name",
    "credit_code_check_char",
    "failure_json",
    "id_check_char",
    "is_credit_code",
    "key_from_jwk",
    "key_id",
    "mask_id",
    "mask_name",
    "mod37_36_check",
    "oldest_accepted",
    "presentation_url",
    "sex_from_id",
    "sign_checkpoint",
    "sign_credential",
    "sign_key_status",
    "sign_legacy_presentation",
    "sign_presentation",
    "sign_printed",
    "sign_status_list",
    "standard_jwks",
    "standard_safe",
    "start_of_day",
    "status_list_size",
    "validate_id_number",
    "verify_checkpoint",
    "verify_key_status",
    "verify_status_list",
]
