"""Paper and IC-card certificates issued before the cut-over, imported so they can be checked."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class LegacyCertificate(Base):
    """A paper or IC-card certificate: valid until it expires, or until renewed electronically."""

    __tablename__ = "legacy_certificate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    holder_name: Mapped[str] = mapped_column(String(50), nullable=False)
    id_number: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    categories: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    issued: Mapped[dt.date] = mapped_column(Date, nullable=False)
    expires: Mapped[dt.date] = mapped_column(Date, nullable=False)
    issuer_name: Mapped[str] = mapped_column(String(100), nullable=False)
    medium: Mapped[str] = mapped_column(String(8), nullable=False)
    imported_by: Mapped[int] = mapped_column(ForeignKey("staff.id"), nullable=False)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    renewed_as: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
