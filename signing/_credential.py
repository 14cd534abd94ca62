"""The certificate credential: a JWT signed by the issuing authority's certificate key.

Claims: ``iss`` (issuer credit code), ``sub`` (certificate number), ``jti`` (GB/T 36904
identifier), ``iat`` (signing time), ``nbf``/``exp`` (validity, CST day boundaries), ``status``
(Token Status List reference) and ``cert`` (the GB/T 36903 core metadata).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ._facts import DAY, CertificateFacts, start_of_day
from ._identifier import Identifier
from ._jws import sign_jws
from ._keys import Purpose, Signer
from .errors import FactsError, IdentifierError, Malformed, PolicyViolation

CREDENTIAL_TYP = "vnd.rtcert.cert+jwt"
LICENCE_NAME = "道路运输从业人员从业资格证"
ID_TYPE_RESIDENT = "111"
"""GB/T 36903 holder ID type: resident identity card."""
REQUIRED = ("iss", "sub", "jti", "iat", "nbf", "exp", "status", "cert")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(text: Any) -> dt.date:
    """A calendar date written ``YYYY-MM-DD``, as signed (``fromisoformat`` alone also takes
    ``YYYYMMDD`` and week dates, which the browser verifier refuses); :class:`ValueError` if not."""
    if type(text) is not str or not _ISO_DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not a date written YYYY-MM-DD")
    return dt.date.fromisoformat(text)


def credential_claims(facts: CertificateFacts, *, status_uri: str, now: int) -> dict[str, Any]:
    """The JWT claims for ``facts`` signed at ``now``."""
    return {
        "iss": facts.issuer,
        "sub": facts.number,
        "jti": str(facts.identifier),
        "iat": now,
        "nbf": start_of_day(facts.valid_from),
        "exp": start_of_day(facts.valid_until) + DAY,
        "status": {"status_list": {"idx": facts.status_index, "uri": status_uri}},
        "cert": {
            "name": LICENCE_NAME,
            "type_code": facts.identifier.type_code,
            "version": facts.identifier.version,
            "holder": facts.holder_name,
            "holder_id": facts.holder_id,
            "holder_id_type": ID_TYPE_RESIDENT,
            "categories": list(facts.categories),
            "issuer_name": facts.issuer_name,
            "first_issued": facts.first_issued.isoformat(),
            "issued": facts.issued.isoformat(),
            "valid_from": facts.valid_from.isoformat(),
            "valid_until": facts.valid_until.isoformat(),
        },
    }


def sign_credential(facts: CertificateFacts, signer: Signer, *, status_uri: str, now: int) -> str:
    """Sign ``facts`` as a credential JWT with the issuer's certificate key."""
    info = signer.public.info
    if info.purpose != Purpose.CERTIFICATE or info.issuer != facts.issuer:
        raise PolicyViolation(f"key {info.kid} does not sign certificates of {facts.issuer}")
    header = {"alg": info.alg, "kid": info.kid, "typ": CREDENTIAL_TYP}
    return sign_jws(header, credential_claims(facts, status_uri=status_uri, now=now), signer)


def facts_from_claims(claims: dict[str, Any]) -> CertificateFacts:
    """Rebuild the facts from verified claims; :class:`Malformed` when they do not add up."""
    missing = [name for name in REQUIRED if name not in claims]
    if missing:
        raise Malformed(f"credential lacks claims {', '.join(missing)}")
    try:
        cert = claims["cert"]
        texts = (claims["sub"], claims["jti"], cert["holder"], cert["holder_id"], cert["issuer_name"])
        numbers = (claims["iat"], claims["status"]["status_list"]["idx"], *cert["categories"])
        if any(type(t) is not str for t in texts) or any(type(n) is not int for n in numbers):
            raise TypeError("claims of the wrong type")  # the browser verifier refuses the same
        identifier = Identifier.parse(claims["jti"])
        facts = CertificateFacts(
            identifier=identifier,
            number=claims["sub"],
            holder_name=cert["holder"],
            holder_id=cert["holder_id"],
            categories=tuple(cert["categories"]),
            issuer_name=cert["issuer_name"],
            first_issued=_date(cert["first_issued"]),
            issued=_date(cert["issued"]),
            valid_from=_date(cert["valid_from"]),
            valid_until=_date(cert["valid_until"]),
            status_index=int(claims["status"]["status_list"]["idx"]),
        )
    except (KeyError, TypeError, ValueError, IdentifierError, FactsError) as exc:
        raise Malformed(f"credential claims are invalid: {exc}") from exc
    if facts.issuer != claims["iss"]:
        raise Malformed("the identifier's issuer is not the credential's issuer")
    return facts
