"""Practitioners' own accounts, opened with an activation code handed over at issue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .certificate import Practitioner


class HolderAccount(Base):
    """A practitioner's login: a password once activated, or a pending activation code."""

    __tablename__ = "holder_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), nullable=False, unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    activation_hash: Mapped[str | None] = mapped_column(String(255))
    activation_expires: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    activated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # Moves on whenever every session of the account must end (sign-out, new password, …): a session
    # made in an earlier generation no longer loads its user.
    session_generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    practitioner: Mapped[Practitioner] = relationship()

    role = "holder"
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Only activated accounts can sign in."""
        return self.password_hash is not None

    def get_id(self) -> str:
        """The session identifier: the account and its session generation (see ``app.auth``)."""
        return f"holder:{self.id}:{self.session_generation}"
