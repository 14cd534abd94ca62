"""Practitioners, their certificates and the certificates' versions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from ..db import Base
from .authority import Authority
from .enums import CertificateState


class Practitioner(Base):
    """A person, keyed by a validated ID-card number."""

    __tablename__ = "practitioner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False, index=True)
    sex: Mapped[str] = mapped_column(String(1), nullable=False)
    birth_date: Mapped[dt.date] = mapped_column(Date, nullable=False)


NUMBER_HELD = "state IN ('active', 'suspended', 'pending')"
"""The stored states in which a certificate holds its number (SQL, for the unique index)."""


class Certificate(Base):
    """A qualification certificate; what it says lives in its versions."""

    __tablename__ = "certificate"
    __table_args__ = (
        # One live certificate per number (the number is the holder's ID number by default); a
        # certificate of a batch still being written holds its number too.
        Index(
            "uq_certificate_live_number",
            "number",
            unique=True,
            sqlite_where=text(NUMBER_HELD),
            postgresql_where=text(NUMBER_HELD),
        ),
        # Ids are never reused (SQLite would reuse a withdrawn batch's last ids, and the audit
        # events naming them would show in another certificate's history).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    serial: Mapped[str] = mapped_column(String(16), nullable=False)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), nullable=False, index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), nullable=False, index=True)
    first_issued: Mapped[dt.date] = mapped_column(Date, nullable=False)
    state: Mapped[str] = mapped_column(String(12), nullable=False)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False)
    valid_until: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    batch_job_id: Mapped[int | None] = mapped_column(ForeignKey("batch_job.id"), index=True)
    """The batch that wrote it (none for a single issue)."""

    practitioner: Mapped[Practitioner] = relationship()
    authority: Mapped[Authority] = relationship()
    versions: Mapped[list[CertificateVersion]] = relationship(
        order_by="CertificateVersion.version", back_populates="certificate"
    )

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 - SQLAlchemy reads it once

    @classmethod
    def published(cls) -> ColumnElement[bool]:
        """SQL: not written by a batch that is still being issued (see ``CertificateState.PENDING``);
        every list, page and count shows only these."""
        return cls.state != CertificateState.PENDING.value

    @property
    def is_published(self) -> bool:
        """:meth:`published` of this certificate."""
        return self.state != CertificateState.PENDING.value


class CertificateVersion(Base):
    """One signed version; renew, reissue and change each add one and supersede the last."""

    __tablename__ = "certificate_version"
    __table_args__ = (
        UniqueConstraint("certificate_id", "version"),
        UniqueConstraint("authority_id", "status_index"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    identifier: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), nullable=False)
    holder_name: Mapped[str] = mapped_column(String(50), nullable=False)
    categories: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    issued: Mapped[dt.date] = mapped_column(Date, nullable=False)
    valid_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status_index: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(12), nullable=False)
    credential: Mapped[str] = mapped_column(Text, nullable=False)
    kid: Mapped[str] = mapped_column(String(11), nullable=False)
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    """The application (办件) whose conclusion made this version, if one did."""

    certificate: Mapped[Certificate] = relationship(back_populates="versions")


class HolderCategory(Base):
    """The categories a practitioner holds on a live certificate: at most one certificate each."""

    __tablename__ = "holder_category"

    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), primary_key=True)
    category: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), nullable=False, index=True)


class StatusListRow(Base):
    """An authority's status list: the next free index, the 2-bit entries changed so far (entries
    after them are valid), and the signed token every worker serves (see
    :mod:`app.services.status_lists`)."""

    __tablename__ = "status_list"

    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), primary_key=True)
    next_index: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    token: Mapped[str | None] = mapped_column(Text)
    """The signed ``statuslist+jwt``, or NULL until first served."""
    token_revision: Mapped[int | None] = mapped_column(Integer)
    """The ``revision`` the token was signed at."""
    token_entries: Mapped[int | None] = mapped_column(Integer)
    """How many entries the token's list has."""
    token_kid: Mapped[str | None] = mapped_column(String(11))
    """The key that signed the token."""
    token_signed_at: Mapped[int | None] = mapped_column(BigInteger)
    """The token's ``iat`` (epoch seconds)."""


class ProcessedRequest(Base):
    """A submitted form's one-time key, so a double submit repeats nothing."""

    __tablename__ = "processed_request"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
