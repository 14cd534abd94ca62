"""Applications (办件): a request for one service item, its materials, its history, the exam
results it may need, and the messages that tell the government service platform of each step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .authority import Authority


class Application(Base):
    """One case (办件) of one service item at its implementing authority."""

    __tablename__ = "application"
    __table_args__ = (Index("ix_application_queue", "authority_id", "stage", "due"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    item: Mapped[str] = mapped_column(String(20), nullable=False)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    connected: Mapped[bool] = mapped_column(Boolean, nullable=False)
    """Whether the platform is told of each step (the item was connected where and when it came in)."""
    applicant_name: Mapped[str] = mapped_column(String(50), nullable=False)
    applicant_id_number: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    applicant_phone: Mapped[str] = mapped_column(String(20), nullable=False)
    form: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    """The item's form data, as checked by its form (``app.services.applications.forms``)."""
    content_hash: Mapped[str | None] = mapped_column(String(64))
    """For a platform push: the SHA-256 of what was pushed (the same push again is not a conflict)."""
    stage: Mapped[str] = mapped_column(String(12), nullable=False)
    resume_stage: Mapped[str | None] = mapped_column(String(12))
    """While waiting for materials: the stage the case goes back to when they arrive."""
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    paused_since: Mapped[dt.date | None] = mapped_column(Date)
    paused_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    """Working days the clock stood still, waiting for materials, after acceptance."""
    due: Mapped[dt.date | None] = mapped_column(Date)
    """The last day of the current time limit (acceptance, or the promised limit once accepted);
    none while the clock stands still or once concluded."""
    due_estimated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    review_approved: Mapped[bool | None] = mapped_column(Boolean)
    concluded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), index=True)
    certificate_version: Mapped[int | None] = mapped_column(Integer)
    """The certificate version a granted case produced (or, for a cancellation, the one it ended)."""
    next_sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    """The number of the case's next event (and of its next message for the platform)."""
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)

    authority: Mapped[Authority] = relationship()
    events: Mapped[list[ApplicationEvent]] = relationship(
        order_by="ApplicationEvent.sequence", cascade="all, delete-orphan", back_populates="application"
    )
    materials: Mapped[list[ApplicationMaterial]] = relationship(
        order_by="ApplicationMaterial.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 - SQLAlchemy reads it once


class ApplicationEvent(Base):
    """One step of a case's history: who did what, when, with which opinion."""

    __tablename__ = "application_event"
    __table_args__ = (UniqueConstraint("application_id", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    stage_before: Mapped[str | None] = mapped_column(String(12))
    stage_after: Mapped[str] = mapped_column(String(12), nullable=False)
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    opinion: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """What the step names besides the opinion: missing materials, the certificate produced, …"""

    application: Mapped[Application] = relationship(back_populates="events")


class ApplicationMaterial(Base):
    """A file handed in with a case (its bytes are in the blob store under ``sha256``)."""

    __tablename__ = "application_material"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    supplementary: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    """Handed in after a one-time notice."""


class ExamResult(Base):
    """A practitioner's exam result for a category (entered by staff or imported from the exam
    centre's file); passenger and dangerous-goods categories need a passed one."""

    __tablename__ = "exam_result"
    __table_args__ = (UniqueConstraint("id_number", "category", "exam_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    category: Mapped[int] = mapped_column(Integer, nullable=False)
    exam_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    """``entered`` by staff or ``imported`` from the exam centre's file."""
    recorded_by: Mapped[str] = mapped_column(String(80), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PlatformMessage(Base):
    """A message for the government service platform (the outbox), written in the transaction of
    the step it reports and delivered by ``flask platform relay``, in order per case."""

    __tablename__ = "platform_message"
    __table_args__ = (
        UniqueConstraint("case_number", "sequence"),
        Index("ix_platform_message_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False, index=True)
    case_number: Mapped[str] = mapped_column(String(40), nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    application: Mapped[Application] = relationship()

    @property
    def idempotency_key(self) -> str:
        """What the platform drops duplicates by: the case number and the message's sequence."""
        return f"{self.case_number}:{self.sequence}"
