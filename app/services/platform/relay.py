"""The relay: it delivers the platform's messages (``platform_message``, the outbox each step writes
in its own transaction) over HTTP, in order per case, at least once.

**Which message may go.** Only the lowest-sequence message of a case that is not yet sent, when it
is pending and due (``next_attempt_at``). A message that fails holds back the later ones of its
case, and only of its case; a dead one blocks its case until staff send it again.

**Never twice at once.** On PostgreSQL a sender claims one message with ``SELECT … FOR UPDATE SKIP
LOCKED`` and keeps the row lock through the HTTP call, until the result is committed: another
sender, in this relay or in any other, skips a locked row, and a later message of the same case
is not claimable while its predecessor is unsent. The lock is the lease: a relay killed with
SIGKILL drops its connection, the database ends its transaction, and the message is pending as
before (it is sent again: at least once; the platform drops the duplicate by its idempotency key).
The HTTP call is bounded by ``PLATFORM_TIMEOUT``, so no lock is held longer. On SQLite, which has
no row locks, the senders of one relay process keep out of each other's way through the set of
messages in flight in the process; run one relay at a time there.

**Retries.** A failure worth another try (5xx, 408/409/429, a timeout, a reset connection) counts
an attempt and sets ``next_attempt_at`` by exponential backoff with jitter (tenacity's wait
strategies), stored in the row, so a killed relay loses nothing of it; the case's later messages
wait at least as long. A refusal (another 4xx) or the ``PLATFORM_MAX_ATTEMPTS``-th failed attempt
makes the message dead, with its error. When the platform answers again after failures in a row,
the relay brings forward the messages waiting out their backoff (it is back: no need to wait up to
half an hour more).

No personal data goes into the log: a line names the case number, the sequence, the kind and the
HTTP status, never the payload or the platform's words.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from tenacity import RetryCallState, wait_exponential, wait_random_exponential
from tenacity.wait import wait_base

from ...db import WRITE_OPTION
from ...models import PlatformMessage
from ...models.enums import MessageState
from .client import ErrorKind, Outcome, PlatformClient, PlatformUnavailable, Result, Settings, error

MESSAGES = PlatformMessage.__table__
PENDING, SENT, DEAD = MessageState.PENDING.value, MessageState.SENT.value, MessageState.DEAD.value
RECOVERY_AFTER = 3
"""Failed attempts in a row after which a success means the platform is back (see the module)."""


def backoff(settings: Settings) -> wait_base:
    """The wait before attempt n+1: half of it exponential (``backoff`` × 2ⁿ⁻¹, at most
    ``backoff_max``), half of it the same at random ("equal jitter"), so relays that failed together
    do not all come back at the same moment, and no wait is shorter than half its step."""
    half, cap = settings.backoff / 2, settings.backoff_max / 2
    return wait_exponential(multiplier=half, max=cap) + wait_random_exponential(multiplier=half, max=cap)


def wait_after(strategy: wait_base, attempts: int) -> float:
    """Seconds ``strategy`` waits after ``attempts`` failed attempts."""
    state = RetryCallState(None, None, (), {})  # type: ignore[arg-type]
    state.attempt_number = attempts
    return float(strategy(state))


@dataclass
class Summary:
    """What one run of the relay did."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0
    no_token: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> None:
        """Count one attempt's outcome."""
        if outcome.result == Result.DELIVERED:
            self.delivered += 1
            return
        if outcome.result == Result.REFUSED:
            self.dead += 1
        else:
            self.retried += 1
        kind = (outcome.error or "").split(":", 1)[0]
        self.errors[kind] = self.errors.get(kind, 0) + 1


@dataclass(frozen=True)
class Claimed:
    """A message a sender holds."""

    id: int
    case_number: str
    sequence: int
    kind: str
    payload: dict[str, Any]
    attempts: int


class Relay:
    """Delivers due messages with ``settings.senders`` threads (see the module)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        client: PlatformClient | None = None,
        now: Callable[[], dt.datetime] | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.client = client or PlatformClient(settings, agent=f"rtc-relay/{os.getpid()}")
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.log = log or logging.getLogger(__name__)
        self.wait = backoff(settings)
        self.locks = engine.dialect.name == "postgresql"
        self.summary = Summary()
        self._mutex = threading.Condition()
        self._in_flight: set[int] = set()
        self._failures_in_row = 0
        self._without_token = False

    # --- running -----------------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None, *, once: bool = False) -> Summary:
        """Deliver until ``stop`` is set, or — ``once`` — until nothing is due any more."""
        stop = stop or threading.Event()
        senders = [
            threading.Thread(target=self._sender, args=(stop, once), name=f"relay-{n}", daemon=True)
            for n in range(max(1, self.settings.senders if self.locks else min(self.settings.senders, 4)))
        ]
        for sender in senders:
            sender.start()

        def wake_on_stop() -> None:  # idle senders wait on the condition, not on ``stop``
            stop.wait()
            with self._mutex:
                self._mutex.notify_all()

        threading.Thread(target=wake_on_stop, name="relay-stop", daemon=True).start()
        for sender in senders:
            sender.join()
        stop.set()
        return self.summary

    def _sender(self, stop: threading.Event, once: bool) -> None:
        try:
            while not stop.is_set():
                try:
                    with self.engine.connect() as conn:
                        if self._loop(conn, stop, once):
                            return
                except SQLAlchemyError:  # the database went away or stayed locked: again shortly
                    self.log.exception("platform relay: database error; trying again")
                    stop.wait(self.settings.poll)
        finally:
            self.client.close()

    def _loop(self, conn: Connection, stop: threading.Event, once: bool) -> bool:
        """Send until stopped; whether the run is over (``once``: nothing due, nothing in flight)."""
        while not stop.is_set():
            if self._one(conn, stop):
                continue
            with self._mutex:
                if once and not self._in_flight:
                    self._mutex.notify_all()
                    return True
                # nothing due for this sender now: wait for another sender to finish (its case's
                # next message may be due then) or for the poll interval
                self._mutex.wait(0.05 if once else self.settings.poll)
        return True

    def _one(self, conn: Connection, stop: threading.Event) -> bool:
        """Claim, send and record one message; whether there was one."""
        try:
            self.client.token()
        except PlatformUnavailable as exc:
            return self._no_token(exc, stop)
        self._without_token = False
        claimed: Claimed | None = None
        if not self.locks:  # SQLite: the claim only reads (no write lock, no commit to wait for)
            conn.execution_options(**{WRITE_OPTION: False})
        transaction = conn.begin()
        try:
            claimed = self._claim(conn)
            if claimed is None:
                transaction.rollback()
                return False
            if not self.locks:  # SQLite: no lock to keep; the in-flight set keeps the others off
                transaction.commit()
            outcome = self._send(claimed)
            if not self.locks:
                conn.execution_options(**{WRITE_OPTION: True})
                transaction = conn.begin()
            outcome = self._record(conn, claimed, outcome)
            transaction.commit()
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            raise
        finally:
            if claimed is not None:
                with self._mutex:
                    self._in_flight.discard(claimed.id)
                    self._mutex.notify_all()
        self._after(claimed, outcome, conn)
        return True

    def _send(self, claimed: Claimed) -> Outcome:
        try:
            return self.client.send(claimed.case_number, claimed.sequence, claimed.payload)
        except PlatformUnavailable as exc:  # the token ran out and no new one came
            return Outcome(Result.RETRY, exc.error)

    def _no_token(self, exc: PlatformUnavailable, stop: threading.Event) -> bool:
        """No token: nothing is sent and no message is blamed; wait a little, then try again
        (``once`` ends here: the platform is not there)."""
        with self._mutex:
            self.summary.no_token += 1
            first = not self._without_token
            self._without_token = True
        if first:
            self.log.warning("platform relay: no token from the platform (%s)", exc.error)
        stop.wait(min(self.settings.poll, 1.0))
        return False

    # --- the database ------------------------------------------------------------------------

    def _claim(self, conn: Connection) -> Claimed | None:
        earlier = MESSAGES.alias("earlier")
        blocked = exists().where(
            earlier.c.case_number == MESSAGES.c.case_number,
            earlier.c.sequence < MESSAGES.c.sequence,
            earlier.c.state != SENT,
        )
        query = (
            select(
                MESSAGES.c.id,
                MESSAGES.c.case_number,
                MESSAGES.c.sequence,
                MESSAGES.c.kind,
                MESSAGES.c.payload,
                MESSAGES.c.attempts,
            )
            .where(MESSAGES.c.state == PENDING, MESSAGES.c.next_attempt_at <= self.now(), ~blocked)
            .order_by(MESSAGES.c.next_attempt_at, MESSAGES.c.id)
            .limit(1)
        )
        if self.locks:  # the row lock keeps every other sender off: senders claim side by side
            row = conn.execute(query.with_for_update(skip_locked=True, of=MESSAGES)).first()
            if row is None:
                return None
            with self._mutex:
                self._in_flight.add(row.id)
        else:  # no row locks: one claim at a time, past the messages in flight in this process
            with self._mutex:
                if self._in_flight:
                    query = query.where(MESSAGES.c.id.not_in(self._in_flight))
                row = conn.execute(query).first()
                if row is None:
                    return None
                self._in_flight.add(row.id)
        return Claimed(row.id, row.case_number, row.sequence, row.kind, row.payload, row.attempts)

    def _record(self, conn: Connection, claimed: Claimed, outcome: Outcome) -> Outcome:
        """Write what became of the attempt; the outcome as counted (too many attempts: dead)."""
        now = self.now()
        attempts = claimed.attempts + 1
        mine = MESSAGES.c.id == claimed.id
        if outcome.result == Result.DELIVERED:
            conn.execute(
                update(MESSAGES)
                .where(mine)
                .values(state=SENT, sent_at=now, attempts=attempts, last_error=None)
            )
        elif outcome.result == Result.REFUSED or attempts >= self.settings.max_attempts:
            gave_up = outcome.result != Result.REFUSED
            last = error(ErrorKind.GAVE_UP, outcome.error or "") if gave_up else outcome.error
            conn.execute(
                update(MESSAGES)
                .where(mine)
                .values(state=DEAD, attempts=attempts, last_error=last, next_attempt_at=now)
            )
            if gave_up:
                outcome = Outcome(Result.REFUSED, last, outcome.status)
        else:
            later = now + dt.timedelta(seconds=wait_after(self.wait, attempts))
            conn.execute(
                update(MESSAGES)
                .where(mine)
                .values(attempts=attempts, next_attempt_at=later, last_error=outcome.error)
            )
            # the case's later messages cannot go before this one: they wait as long
            conn.execute(
                update(MESSAGES)
                .where(
                    MESSAGES.c.case_number == claimed.case_number,
                    MESSAGES.c.sequence > claimed.sequence,
                    MESSAGES.c.state == PENDING,
                    MESSAGES.c.next_attempt_at < later,
                )
                .values(next_attempt_at=later)
            )
        with self._mutex:
            self.summary.count(outcome)
        return outcome

    def _after(self, claimed: Claimed, outcome: Outcome, conn: Connection) -> None:
        """Log the attempt (no personal data) and notice the platform coming back."""
        status = outcome.status if outcome.status is not None else "-"
        if outcome.result == Result.DELIVERED:
            self.log.debug(
                "platform message %s:%s (%s) delivered", claimed.case_number, claimed.sequence, claimed.kind
            )
        else:
            kind = (outcome.error or "").split(":", 1)[0]
            self.log.warning(
                "platform message %s:%s (%s) %s: %s, HTTP %s",
                claimed.case_number,
                claimed.sequence,
                claimed.kind,
                "dead" if outcome.result == Result.REFUSED else "to retry",
                kind,
                status,
            )
        with self._mutex:
            if outcome.result == Result.RETRY:
                self._failures_in_row += 1
                return
            back = outcome.result == Result.DELIVERED and self._failures_in_row >= RECOVERY_AFTER
            self._failures_in_row = 0
        if back:
            self._bring_forward(conn)

    def _bring_forward(self, conn: Connection) -> None:
        """The platform answers again: every pending message waiting out a backoff (and the later
        messages of its case, held back behind it) is due now. Rows other senders hold are
        skipped, never waited for."""
        now = self.now()
        waiting = select(MESSAGES.c.id).where(MESSAGES.c.state == PENDING, MESSAGES.c.next_attempt_at > now)
        if self.locks:
            waiting = waiting.with_for_update(skip_locked=True)
        with conn.begin():
            moved = conn.execute(
                update(MESSAGES).where(MESSAGES.c.id.in_(waiting)).values(next_attempt_at=now)
            ).rowcount
        self.log.info("platform relay: the platform answers again; %s waiting messages are due now", moved)
