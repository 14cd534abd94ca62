"""Graduation certificates (结业证书) pushed by the training timing platform, the partner systems
allowed to push them (each for the training schools it is registered for), and the training schools
they name."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .certificate import Practitioner

BUREAU = "bureau"
"""The owner of graduation certificates the bureau imported itself (``flask graduation backfill``);
any other owner is a partner system's ``client_id``."""


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

    schools: Mapped[list[PartnerSchool]] = relationship(
        back_populates="client",
        lazy="selectin",
        order_by="PartnerSchool.school_credit_code",
        cascade="all, delete-orphan",
    )
    """The training schools it may push for (loaded with the client: the push checks them after the
    token check's transaction has ended)."""

    @property
    def school_codes(self) -> frozenset[str]:
        """Credit codes of the schools it may push for."""
        return frozenset(school.school_credit_code for school in self.schools)


class PartnerSchool(Base):
    """A training school a partner system is registered for: it may push graduation certificates
    naming this school. The school need not be in the registry (``training_school``) yet: the timing
    platform serves schools the bureau has not registered, and their certificates are accepted with a
    warning. A school may be registered for more than one partner (while a school changes vendor);
    each certificate number still belongs to its first owner."""

    __tablename__ = "partner_school"

    client_id: Mapped[int] = mapped_column(ForeignKey("partner_client.id"), primary_key=True)
    school_credit_code: Mapped[str] = mapped_column(String(18), primary_key=True, index=True)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    added_by: Mapped[str] = mapped_column(String(128), nullable=False)

    client: Mapped[PartnerClient] = relationship(back_populates="schools")


class TrainingSchool(Base):
    """A driving-training business (驾培业户) known to the registry."""

    __tablename__ = "training_school"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)


class GraduationCertificate(Base):
    """One revision of a graduation certificate. A re-push of the same number with different content
    adds a revision; the newest is ``current``; none is ever overwritten. Every revision of a number
    has the same ``owner``: only the owner adds revisions, and never for another student."""

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
    owner: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    """Who the certificate number belongs to: the ``client_id`` of the partner system that first
    pushed it, or :data:`BUREAU` for the bureau's own imports; changed only by an explicit hand-over
    (``flask graduation hand-over``), on every revision at once."""
    pushed_by: Mapped[int | None] = mapped_column(ForeignKey("partner_client.id"))
    """The partner system that pushed this revision (none: imported by the bureau)."""
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    """``push`` (partner API) or ``backfill`` (folder import)."""
    received_by: Mapped[str] = mapped_column(String(128), nullable=False)
    """Who stored this revision: ``partner:<client_id>``, or the staff account that ran the import."""
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    practitioner: Mapped[Practitioner] = relationship()
