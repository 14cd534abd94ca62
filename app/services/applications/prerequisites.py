"""What an application for a qualification needs besides its form, found by the applicant's ID
number rather than handed in: a 普货 graduation certificate for general cargo, a passed exam for
the passenger and dangerous-goods categories, and an age under 60 for drivers.

:func:`check` returns every prerequisite with whether it is met, for the case page to show and for
review and conclusion to insist on (:func:`require`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import CATEGORIES_BY_CODE, birth_date

from ...models import ExamResult, GraduationCertificate, Practitioner
from ..certificates.rules import add_years
from ..errors import RuleViolation

CARGO = 2
"""General cargo (普货): needs a graduation certificate of a cargo training."""
EXAMINED = frozenset({1, 3, 4, 5, 6, 7, 8})
"""Passenger and dangerous-goods (and radioactive) categories: need a passed exam."""
CARGO_TRAINING_TYPES = ("general_cargo",)
"""Training types (codes of ``RTC_TRAINING_TYPES``) whose graduation certificate qualifies for 普货."""
DRIVER_AGE_LIMIT = 60


@dataclass(frozen=True)
class Prerequisite:
    """One thing an application needs: ``code`` names it (in the message catalogue), ``met`` says
    whether it is there, ``found`` what was found (a graduation certificate number, an exam date)."""

    code: str
    met: bool
    params: dict[str, object] = field(default_factory=dict)
    found: str | None = None


def _graduation(session: Session, id_number: str) -> GraduationCertificate | None:
    return session.scalars(
        select(GraduationCertificate)
        .join(Practitioner, Practitioner.id == GraduationCertificate.practitioner_id)
        .where(
            Practitioner.id_number == id_number,
            GraduationCertificate.current.is_(True),
            GraduationCertificate.training_type.in_(CARGO_TRAINING_TYPES),
        )
        .order_by(GraduationCertificate.completed_on.desc())
    ).first()


def _exam(session: Session, id_number: str, category: int) -> ExamResult | None:
    return session.scalars(
        select(ExamResult)
        .where(
            ExamResult.id_number == id_number, ExamResult.category == category, ExamResult.passed.is_(True)
        )
        .order_by(ExamResult.exam_date.desc())
    ).first()


def check(session: Session, id_number: str, categories: Sequence[int], today: dt.date) -> list[Prerequisite]:
    """Every prerequisite of a qualification in ``categories`` for the holder of ``id_number``."""
    found: list[Prerequisite] = []
    if CARGO in categories:
        graduation = _graduation(session, id_number)
        found.append(
            Prerequisite(
                "prerequisite_graduation",
                graduation is not None,
                found=graduation.number if graduation else None,
            )
        )
    for category in categories:
        if category in EXAMINED:
            exam = _exam(session, id_number, category)
            found.append(
                Prerequisite(
                    "prerequisite_exam",
                    exam is not None,
                    {"category": category},
                    found=f"{exam.exam_date.isoformat()} · {exam.score}" if exam else None,
                )
            )
    if any(CATEGORIES_BY_CODE[c].driver for c in categories):
        limit = DRIVER_AGE_LIMIT
        under = today < add_years(birth_date(id_number), limit)
        found.append(Prerequisite("prerequisite_age", under, {"age": limit}))
    return found


def require(prerequisites: Sequence[Prerequisite]) -> None:
    """Refuse (``prerequisite_missing``, naming the first one) unless every prerequisite is met."""
    for missing in prerequisites:
        if not missing.met:
            raise RuleViolation("a prerequisite is not met", code=f"{missing.code}_missing", **missing.params)
