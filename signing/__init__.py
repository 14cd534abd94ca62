"""Signing library for road-transport e-certificates: keys, the two signed objects, status lists,
identifiers and one verifier. No Flask, no database.

Public surface::

    keys         LocalKey, PublicKey, KeySet, KeyInfo, Purpose, Signer, FileKeyStore
    credential   CertificateFacts, sign_credential
    presentation sign_presentation, presentation_url, PresentationClaims
    status       Status, StatusList, sign_status_list, verify_status_list, SignedStatusList
    identifiers  Identifier, validate_id_number, mod37_36_check, is_credit_code, credit_code_check_char
    verify       Verifier, Verified, failure_json
    errors       signing.errors (Error, VerificationError and its reasons)
"""

from ._categories import BY_CODE as CATEGORIES_BY_CODE
from ._categories import BY_SLUG as CATEGORIES_BY_SLUG
from ._categories import CATEGORIES, Category
from ._credential import LICENCE_NAME, sign_credential
from ._facts import CST, CertificateFacts, mask_id, mask_name
from ._identifier import (
    Identifier,
    birth_date,
    credit_code_check_char,
    is_credit_code,
    mod37_36_check,
    validate_id_number,
)
from ._keys import ALGORITHMS, KeyInfo, KeySet, LocalKey, PublicKey, Purpose, Signer
from ._keystore import FileKeyStore
from ._presentation import PresentationClaims, presentation_url, sign_presentation
from ._status_list import (
    SignedStatusList,
    Status,
    StatusList,
    sign_status_list,
    verify_status_list,
)
from ._verify import Verified, Verifier, failure_json
from .errors import Error, VerificationError

__all__ = [
    "ALGORITHMS",
    "CATEGORIES",
    "CATEGORIES_BY_CODE",
    "CATEGORIES_BY_SLUG",
    "CST",
    "LICENCE_NAME",
    "Category",
    "CertificateFacts",
    "Error",
    "FileKeyStore",
    "Identifier",
    "KeyInfo",
    "KeySet",
    "LocalKey",
    "PresentationClaims",
    "PublicKey",
    "Purpose",
    "SignedStatusList",
    "Signer",
    "Status",
    "StatusList",
    "VerificationError",
    "Verified",
    "Verifier",
    "birth_date",
    "credit_code_check_char",
    "failure_json",
    "is_credit_code",
    "mask_id",
    "mask_name",
    "mod37_36_check",
    "presentation_url",
    "sign_credential",
    "sign_presentation",
    "sign_status_list",
    "validate_id_number",
    "verify_status_list",
]
