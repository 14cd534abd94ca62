"""What an applicant may see of their case on the public progress page: found by case number and
ID number together (either wrong: nothing, the same answer for both), with the applicant masked,
the stage and each step in words, no staff names (only the authority), and the opinion only where
it is meant for the applicant (a refusal, a request for missing materials)."""

from __future__ import annotations

import datetime as dt
import hmac
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import mask_id, mask_name

from ...models import Application
from ...models.enums import ServiceItem
from .cases import time_left
from .items import ITEMS

FOR_THE_APPLICANT = frozenset({"refuse", "notify", "deny"})
"""Steps whose opinion is written for the applicant (the reasons, what is missing)."""


@dataclass(frozen=True)
class ProgressStep:
    """One step as the applicant sees it."""

    action: str
    at: dt.datetime
    opinion: str | None = None
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Progress:
    """A case as the applicant sees it."""

    case_number: str
    item: str
    stage: str
    authority_name: str
    masked_name: str
    masked_id: str
    submitted_at: dt.datetime
    accepted_on: dt.date | None
    time_limit: int
    due: dt.date | None
    days_left: int | None
    concluded_at: dt.datetime | None
    steps: list[ProgressStep]


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


def look_up(session: Session, case_number: str, id_number: str, today: dt.date) -> Progress | None:
    """The case numbered ``case_number`` if ``id_number`` is its applicant's, else ``None``."""
    number, given = _clean(case_number), _clean(id_number)
    if not number or not given or len(number) > 40:
        return None
    case = session.scalars(select(Application).where(Application.case_number == number)).first()
    if case is None or not hmac.compare_digest(case.applicant_id_number.encode(), given.encode()):
        return None
    return Progress(
        case_number=case.case_number,
        item=case.item,
        stage=case.stage,
        authority_name=case.authority.name,
        masked_name=mask_name(case.applicant_name),
        masked_id=mask_id(case.applicant_id_number),
        submitted_at=case.submitted_at,
        accepted_on=case.accepted_on,
        time_limit=ITEMS[ServiceItem(case.item)].time_limit,
        due=case.due,
        days_left=time_left(case, today),
        concluded_at=case.concluded_at,
        steps=[
            ProgressStep(
                event.action,
                event.at,
                event.opinion if event.action in FOR_THE_APPLICANT else None,
                list((event.details or {}).get("missing") or []) if event.action == "notify" else [],
            )
            for event in case.events
        ],
    )
