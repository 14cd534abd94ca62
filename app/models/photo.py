"""Holders' photos: uploaded from the phone, re-encoded, and shown only once staff approve them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class HolderPhoto(Base):
    """One uploaded photo (already re-encoded: JPEG, no metadata, fixed size)."""

    __tablename__ = "holder_photo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), nullable=False, index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reason_code: Mapped[str | None] = mapped_column(String(20))
    """Why it was rejected, one of ``app.services.photos.REJECT_REASONS`` (words in the catalogue)."""
    reason: Mapped[str | None] = mapped_column(Text)
    """The reviewer's own words beside the reason, if any."""
