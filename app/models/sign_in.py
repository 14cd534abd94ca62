"""Failed sign-ins counted per account name, in the database: shared by every worker and instance."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class SignInLock(Base):
    """The failed sign-ins of one account name (a staff user name or a holder's ID number, tried on
    the sign-in form whether or not such an account exists) and how long it is locked. The name is
    kept only as a keyed hash; the row goes when a sign-in succeeds or a day after the last try."""

    __tablename__ = "sign_in_lock"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """HMAC-SHA256 (hex) of ``kind:name`` under the service's secret key."""
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    """Tries counted since the last successful sign-in (a try refused during a lock does not count)."""
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_try: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
