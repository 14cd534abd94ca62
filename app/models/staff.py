"""Staff accounts and their per-item, per-stage permissions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .authority import Authority


class Staff(Base):
    """A person who logs in: administrators, clerks and inspectors of one authority."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(64), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # Moves on whenever every session of the account must end (sign-out, new password, …): a session
    # made in an earlier generation no longer loads its user.
    session_generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    authority: Mapped[Authority] = relationship()
    permissions: Mapped[list[StaffPermission]] = relationship(cascade="all, delete-orphan")

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        """Deactivated accounts cannot log in."""
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """The session identifier: the account and its session generation (see ``app.auth``)."""
        return f"staff:{self.id}:{self.session_generation}"


class StaffPermission(Base):
    """Staff ``staff_id`` may act at ``stage`` of ``item``."""

    __tablename__ = "staff_permission"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    item: Mapped[str] = mapped_column(String(20), primary_key=True)
    stage: Mapped[str] = mapped_column(String(10), primary_key=True)
