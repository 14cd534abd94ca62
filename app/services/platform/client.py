"""Talking to the government service platform over HTTP: a bearer token from its ``/oauth/token``
(OAuth 2.0 client credentials, kept until shortly before it expires), one event of a case
(``POST /api/cases/{case_number}/events`` with ``Idempotency-Key: <case_number>:<sequence>``), and
the platform's view of the cases (``GET /api/cases?since=``).

Each thread keeps its own kept-alive connection. An answer is sorted into an :class:`Outcome`:
delivered (any 2xx: the platform answers 200 ``{"duplicate": true}`` for a key it has seen);
refused for good (a 4xx other than 408, 409 and 429); or worth another try (408, 409, 429, 5xx, a
timeout, a reset or refused connection). The recorded error names what happened and never
carries the message's contents.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

RETRIED_4XX = frozenset({408, 409, 429})
"""Client errors that are worth another try (timeout, conflict, too many requests)."""
TOKEN_MARGIN = 30.0
"""Seconds before its expiry a token is no longer used (a request must not outlive it)."""
DETAIL_CHARS = 200
"""At most this much of the platform's own words is kept with a refusal."""


class Result(StrEnum):
    """What became of one attempt."""

    DELIVERED = "delivered"
    RETRY = "retry"
    REFUSED = "refused"


class ErrorKind(StrEnum):
    """Why an attempt failed (the first part of ``platform_message.last_error``; each has words in
    the message catalogue as ``platform_<kind>``)."""

    REFUSED = "refused"  # a 4xx for good
    BUSY = "busy"  # 408, 409, 429
    SERVER_ERROR = "server_error"  # 5xx (and anything else unexpected)
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    NO_TOKEN = "no_token"  # noqa: S105 - a name, not a secret
    GAVE_UP = "gave_up"  # too many attempts


@dataclass(frozen=True)
class Outcome:
    """The result of one attempt, with its error (``kind: detail``) when it failed."""

    result: Result
    error: str | None = None
    status: int | None = None


class PlatformUnavailable(Exception):
    """No token could be had (the platform is unreachable or refuses our credentials)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class Settings:
    """Where the platform is, our credentials there, and how hard the relay tries."""

    url: str
    client_id: str
    client_secret: str
    timeout: float = 10.0
    max_attempts: int = 60
    backoff: float = 1.0
    backoff_max: float = 1800.0
    senders: int = 8
    poll: float = 1.0
    """Seconds an idle relay waits before it looks for new messages again."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """The settings of the app's configuration (``RTC_PLATFORM_*``); ``ValueError`` without a URL."""
        if not config.get("PLATFORM_URL"):
            raise ValueError("RTC_PLATFORM_URL is not set")
        return cls(
            url=str(config["PLATFORM_URL"]).rstrip("/"),
            client_id=str(config.get("PLATFORM_CLIENT_ID") or ""),
            client_secret=str(config.get("PLATFORM_CLIENT_SECRET") or ""),
            timeout=float(config.get("PLATFORM_TIMEOUT", 10.0)),
            max_attempts=int(config.get("PLATFORM_MAX_ATTEMPTS", 60)),
            backoff=float(config.get("PLATFORM_BACKOFF", 1.0)),
            backoff_max=float(config.get("PLATFORM_BACKOFF_MAX", 1800.0)),
            senders=int(config.get("PLATFORM_SENDERS", 8)),
        )


def error(kind: ErrorKind, detail: str = "") -> str:
    """The stored form of an error: ``kind`` and, if any, ``: detail``."""
    return f"{kind}: {detail}" if detail else str(kind)


def split_error(stored: str | None) -> tuple[str, str]:
    """The kind and the detail of a stored error (see :func:`error`)."""
    kind, _, detail = (stored or "").partition(": ")
    return kind, detail


class PlatformClient:
    """The platform's API, for any number of threads (see the module)."""

    def __init__(self, settings: Settings, agent: str = "rtc-relay") -> None:
        self.settings = settings
        self.agent = agent
        url = urlsplit(settings.url)
        self._https = url.scheme == "https"
        self._host = url.hostname or "127.0.0.1"
        self._port = url.port
        self._prefix = url.path.rstrip("/")
        self._local = threading.local()
        self._token_lock = threading.Lock()
        self._token: tuple[str, float] | None = None
        self.tokens_fetched = 0

    # --- connections -------------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = kind(self._host, self._port, timeout=self.settings.timeout)
            self._local.conn = conn
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def close(self) -> None:
        """Close this thread's connection."""
        self._drop_connection()

    def _request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        """One request on this thread's connection (opened again once if the platform had closed
        a kept-alive one before we sent). Raises ``OSError`` / ``http.client`` errors."""
        headers = {"User-Agent": self.agent, **headers}
        for fresh in (False, True):
            conn = self._connection()
            try:
                conn.request(method, self._prefix + path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError) as exc:
                self._drop_connection()
                # A kept-alive connection the platform closed meanwhile: the request never got
                # there, so once more on a new one. Twice in a row is the platform's doing.
                if fresh or not getattr(conn, "_rtc_used", False):
                    raise exc from None
                continue
            except BaseException:
                self._drop_connection()
                raise
            conn._rtc_used = True  # type: ignore[attr-defined]
            if response.will_close:
                self._drop_connection()
            return response.status, data
        raise AssertionError("unreachable")  # pragma: no cover

    # --- the token ---------------------------------------------------------------------------

    def token(self) -> str:
        """A bearer token, fetched again only when the one held is near its expiry.
        Raises :class:`PlatformUnavailable`."""
        with self._token_lock:
            if self._token is not None and self._token[1] > time.monotonic():
                return self._token[0]
            basic = base64.b64encode(
                f"{quote(self.settings.client_id)}:{quote(self.settings.client_secret)}".encode()
            ).decode()
            try:
                status, data = self._request(
                    "POST",
                    "/oauth/token",
                    urlencode({"grant_type": "client_credentials"}).encode(),
                    {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"},
                )
            except (OSError, http.client.HTTPException) as exc:
                raise PlatformUnavailable(_network_error(exc)) from exc
            try:
                answer = json.loads(data)
                token, lifetime = str(answer["access_token"]), float(answer.get("expires_in", 300))
            except (ValueError, KeyError, TypeError):
                raise PlatformUnavailable(error(ErrorKind.NO_TOKEN, f"HTTP {status}")) from None
            if status != 200:
                raise PlatformUnavailable(error(ErrorKind.NO_TOKEN, f"HTTP {status}"))
            self._token = (token, time.monotonic() + max(lifetime - TOKEN_MARGIN, lifetime / 2))
            self.tokens_fetched += 1
            return token

    def _forget_token(self, token: str) -> None:
        with self._token_lock:
            if self._token is not None and self._token[0] == token:
                self._token = None

    # --- the calls ---------------------------------------------------------------------------

    def send(self, case_number: str, sequence: int, payload: Mapping[str, Any]) -> Outcome:
        """Deliver one event (see the module for what the answer means). Raises
        :class:`PlatformUnavailable` when no token can be had (the message is not to blame)."""
        token = self.token()
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            status, data = self._request(
                "POST",
                f"/api/cases/{quote(case_number, safe='')}/events",
                body,
                {
                    "Content-Type": "application/json; charset=utf-8",
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": f"{case_number}:{sequence}",
                },
            )
        except TimeoutError:
            return Outcome(Result.RETRY, error(ErrorKind.TIMEOUT, f"{self.settings.timeout:g} s"))
        except (OSError, http.client.HTTPException) as exc:
            return Outcome(Result.RETRY, _network_error(exc))
        if 200 <= status < 300:
            return Outcome(Result.DELIVERED, status=status)
        if status == 401:  # our token: fetch another and try again
            self._forget_token(token)
            return Outcome(Result.RETRY, error(ErrorKind.BUSY, "HTTP 401"), status)
        if 400 <= status < 500 and status not in RETRIED_4XX:
            return Outcome(Result.REFUSED, error(ErrorKind.REFUSED, _refusal(status, data)), status)
        kind = ErrorKind.BUSY if status in RETRIED_4XX else ErrorKind.SERVER_ERROR
        return Outcome(Result.RETRY, error(kind, f"HTTP {status}"), status)

    def cases_since(self, since: dt.date) -> list[dict[str, Any]]:
        """What the platform holds of the cases it heard of since ``since``: case number, last
        sequence, stage. Raises :class:`PlatformUnavailable` if it cannot tell."""
        token = self.token()
        try:
            status, data = self._request(
                "GET",
                f"/api/cases?{urlencode({'since': since.isoformat()})}",
                None,
                {"Authorization": f"Bearer {token}", "Accept": "application/json"},
            )
        except (OSError, http.client.HTTPException) as exc:
            raise PlatformUnavailable(_network_error(exc)) from exc
        if status != 200:
            raise PlatformUnavailable(error(ErrorKind.SERVER_ERROR, f"HTTP {status}"))
        try:
            cases = json.loads(data)["cases"]
            return [
                {
                    "case_number": str(c["case_number"]),
                    "last_sequence": int(c["last_sequence"]),
                    "stage": str(c.get("stage") or ""),
                }
                for c in cases
            ]
        except (ValueError, KeyError, TypeError):
            raise PlatformUnavailable(error(ErrorKind.SERVER_ERROR, "unreadable answer")) from None


def _network_error(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return error(ErrorKind.TIMEOUT)
    return error(ErrorKind.UNREACHABLE, exc.__class__.__name__)


def _refusal(status: int, data: bytes) -> str:
    """``HTTP 400`` and the platform's own code and words, if it gave any (shortened)."""
    try:
        answer = json.loads(data)
    except ValueError:
        answer = None
    words = ""
    if isinstance(answer, dict):
        words = " ".join(str(answer[k]) for k in ("error", "message") if answer.get(k))
    return f"HTTP {status} {words}".strip()[:DETAIL_CHARS]
