"""Batch issuance jobs started from the web page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class BatchJob(Base):
    """One uploaded spreadsheet: its state, counts and the outcome of every row.

    ``checked``: read and checked (a dry run), nothing issued, waiting for the staff member to
    confirm (or dropped after a day: ``batch_jobs.CHECK_KEPT``). While ``running`` its certificates
    are written in short transactions as ``pending`` (seen by nobody) and published in one step at
    the end; ``worker`` and ``heartbeat_at`` tell whether the process running it is still alive
    (see :mod:`app.services.batch_jobs`)."""

    __tablename__ = "batch_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    all_or_nothing: Mapped[bool] = mapped_column(nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False)
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    issued: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column("errors", JSON, nullable=False, default=list)
    """What happens to every row (:class:`app.services.batch.RowOutcome`): while ``checked``, what
    would happen; once done, what did (issued, skipped, refused, with the reason). The column keeps
    its first name (it held only the refused rows)."""
    failure: Mapped[str | None] = mapped_column(Text)
    failure_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The values the failure's message names (a domain error's ``params``)."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    written: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    """Rows written so far (not yet published while running)."""
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    worker: Mapped[str | None] = mapped_column(String(80))
    """``host:pid`` of the process running it."""
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    upload: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    """The uploaded file, kept until the batch is done so that a failed one can be started again
    (for 30 days after it failed: ``batch_jobs.UPLOAD_KEPT``)."""
