"""Graduation certificates (结业证书) pushed by the training timing platform, the partner systems
allowed to push them, and the training schools they name."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .certificate import Practitioner


class PartnerClient(Base):
    """A partner system (OAuth 2.0 client-credentials client). Its secret is stored hashed."""

    __tablename__ = "partner_client"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    secret_hash: Mapped[str] = mapped_column(Text, nullable=False)
    scopes: Mapped[str] = mapped_column(String(200), nullable=False)
    """Space-separated, as in OAuth."""
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    secret_set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class TrainingSchool(Base):
    """A driving-training business (驾培业户) known to the registry."""

    __tablename__ = "training_school"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)


class GraduationCertificate(Base):
    """One revision of a graduation certificate. A re-push of the same number with different content
    adds a revision; the newest is ``current``; none is ever overwritten."""

    __tablename__ = "graduation_certificate"
    __table_args__ = (UniqueConstraint("number", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    current: Mapped[bool] = mapped_column(Boolean, nullable=False, index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False, index=True)
    sex: Mapped[str] = mapped_column(String(1), nullable=False)
    training_type: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    school_credit_code: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    school_known: Mapped[bool] = mapped_column(Boolean, nullable=False)
    """False: the school is not in the registry (accepted, flagged for staff)."""
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    """The known school's region (who may see it); unknown schools: the province only."""
    period_start: Mapped[dt.date] = mapped_column(Date, nullable=False)
    period_end: Mapped[dt.date] = mapped_column(Date, nullable=False)
    completed_on: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    pdf_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    """Hash of the metadata and the PDF: an identical push returns this revision."""
    pushed_by: Mapped[int | None] = mapped_column(ForeignKey("partner_client.id"))
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    """``push`` (partner API) or ``backfill`` (folder import)."""
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    practitioner: Mapped[Practitioner] = relationship()
