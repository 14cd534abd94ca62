"""The government service platform's side, served over HTTP (standard library only).

What we agreed with the platform, and what this server does:

* ``POST /oauth/token`` — OAuth 2.0 client credentials (HTTP Basic or form fields) → a bearer
  token that lives ``token_lifetime`` seconds.
* ``POST /api/cases/{case_number}/events`` — one step of a case, JSON, with the header
  ``Idempotency-Key: <case_number>:<sequence>``. 200 ``{"received": true, "duplicate": false}`` the
  first time, 200 ``{"received": true, "duplicate": true}`` for a key already seen (the ledger
  marks it). 400 for a body or key that is not what was agreed, 401 without a valid token.
* ``GET /api/cases?since=YYYY-MM-DD`` — what the platform holds of each case it heard of on or
  after that day (China time): case number, last sequence, stage.

For tests and demonstrations (no authentication; the server listens on 127.0.0.1 by default):

* ``GET /_admin/ledger`` — every request that reached the events endpoint (key, outcome, the
  client's ``User-Agent``, start and end on the server's monotonic clock) and every delivery the
  platform accepted (key, time received, whether it was a duplicate).
* ``GET``/``POST /_admin/faults`` — read or change the injected faults (:class:`Faults`).
* ``POST /_admin/down`` ``{"seconds": N}`` — "hours of downtime compressed": every request is
  answered 503 (or its connection reset, ``down_mode``) for the next N seconds; ``/_admin/up`` ends it.
* ``POST /_admin/reset`` — forget the ledger, the tokens and the faults.
* ``POST /_admin/push`` ``{"application": {...}, "files": {"name": "<base64>"}}`` — push an
  application to the service (see :mod:`simulator.push`; needs ``--push-to`` and its credentials).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import random
import re
import secrets
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import push

CHINA = dt.timezone(dt.timedelta(hours=8))
EVENTS = re.compile(r"^/api/cases/([^/]+)/events$")
MAX_BODY = 1024 * 1024


@dataclass
class Faults:
    """What goes wrong, and how often (each rate a fraction of the events requests, drawn once per
    request in this order: reset, error, then — for a request the platform accepted — timeout,
    slow, duplicate acknowledgement)."""

    reset_rate: float = 0.0
    """The connection is reset before the request is processed (no answer, nothing recorded)."""
    error_rate: float = 0.0
    """Answered 500 before the request is processed (nothing recorded)."""
    timeout_rate: float = 0.0
    """Processed, then answered only after ``timeout_seconds`` (past the client's timeout)."""
    timeout_seconds: float = 30.0
    slow_rate: float = 0.0
    """Processed, then answered after ``slow_seconds``."""
    slow_seconds: float = 0.5
    duplicate_ack_rate: float = 0.0
    """Processed, then acknowledged as a duplicate even the first time (the platform says it had it)."""
    reorder_seconds: float = 0.0
    """Each acknowledgement waits a random 0…N seconds, so the answers to requests sent together
    come back in another order than they were sent."""
    reject_cases: list[str] = field(default_factory=list)
    """Case numbers whose events are answered 400 (the platform refuses them for good)."""
    down_mode: str = "503"
    """While down: ``503`` answers, or ``reset`` connections."""
    token_lifetime: int = 3600

    def update(self, changes: dict[str, Any]) -> None:
        """Change the named faults (unknown names are an error)."""
        known = {f.name: f for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown fault {name!r}")
            current = getattr(self, name)
            if isinstance(current, list):
                setattr(self, name, [str(v) for v in value])
            elif isinstance(current, str):
                setattr(self, name, str(value))
            else:
                setattr(self, name, type(current)(value))


@dataclass
class Case:
    """What the platform holds of one case."""

    case_number: str
    last_sequence: int = 0
    stage: str = ""
    last_at: str = ""
    first_heard: str = ""


class Platform:
    """The platform's state: clients, tokens, the idempotency ledger, the cases, the faults."""

    def __init__(
        self,
        client_id: str = "rtc",
        client_secret: str = "rtc-secret",  # noqa: S107 - the simulator's made-up default
        faults: Faults | None = None,
        seed: int | None = None,
        push_target: push.Target | None = None,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.faults = faults or Faults()
        self.push_target = push_target
        self.random = random.Random(seed)  # noqa: S311 - dice for faults, not secrets
        self.lock = threading.Lock()
        self.reset(keep_faults=True)

    def reset(self, keep_faults: bool = False) -> None:
        """Forget everything received (and the faults, unless ``keep_faults``)."""
        with getattr(self, "lock", threading.Lock()):
            self.tokens: dict[str, float] = {}
            self.tokens_issued = 0
            self.seen: set[str] = set()
            self.deliveries: list[dict[str, Any]] = []
            self.requests: list[dict[str, Any]] = []
            self.cases: dict[str, Case] = {}
            self.down_until = 0.0
            if not keep_faults:
                self.faults = Faults()

    # --- what the handler asks -------------------------------------------------------------

    def down(self) -> bool:
        """Whether the platform is in a downtime window."""
        return time.monotonic() < self.down_until

    def issue_token(self, client_id: str, secret: str) -> str | None:
        """A new bearer token for the right credentials, else ``None``."""
        if not (
            secrets.compare_digest(client_id, self.client_id)
            and secrets.compare_digest(secret, self.client_secret)
        ):
            return None
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.monotonic() + self.faults.token_lifetime
            self.tokens_issued += 1
        return token

    def token_valid(self, token: str) -> bool:
        """Whether ``token`` was issued here and has not expired."""
        with self.lock:
            expires = self.tokens.get(token)
        return expires is not None and expires > time.monotonic()

    def draw(self) -> float:
        """A random number in [0, 1) (the faults' dice, seeded once)."""
        with self.lock:
            return self.random.random()

    def accept(self, key: str, case_number: str, payload: dict[str, Any], agent: str) -> bool:
        """Record a delivery; whether its key was seen before (a duplicate)."""
        with self.lock:
            duplicate = key in self.seen
            self.seen.add(key)
            now = dt.datetime.now(CHINA).isoformat()
            self.deliveries.append(
                {
                    "key": key,
                    "case_number": case_number,
                    "sequence": payload.get("sequence"),
                    "action": payload.get("action"),
                    "stage": payload.get("stage"),
                    "received_at": now,
                    "duplicate": duplicate,
                    "agent": agent,
                }
            )
            if not duplicate:
                case = self.cases.setdefault(case_number, Case(case_number, first_heard=now))
                sequence = int(payload.get("sequence") or 0)
                if sequence > case.last_sequence:
                    case.last_sequence = sequence
                    case.stage = str(payload.get("stage") or "")
                    case.last_at = str(payload.get("at") or now)
        return duplicate

    def note(self, entry: dict[str, Any]) -> None:
        """Record one request to the events endpoint and what became of it."""
        with self.lock:
            self.requests.append(entry)

    def cases_since(self, since: dt.date) -> list[dict[str, Any]]:
        """The cases heard of with a step on or after ``since`` (China time)."""
        start = dt.datetime.combine(since, dt.time(), CHINA)
        with self.lock:
            found = [c for c in self.cases.values() if _moment(c.last_at) >= start]
            return [
                {"case_number": c.case_number, "last_sequence": c.last_sequence, "stage": c.stage}
                for c in sorted(found, key=lambda c: c.case_number)
            ]

    def ledger(self) -> dict[str, Any]:
        """Everything received, as JSON."""
        with self.lock:
            return {
                "deliveries": list(self.deliveries),
                "requests": list(self.requests),
                "tokens_issued": self.tokens_issued,
                "down": self.down(),
                "faults": asdict(self.faults),
            }


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return dt.datetime.min.replace(tzinfo=CHINA)
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


class Handler(BaseHTTPRequestHandler):
    """One connection to the platform (HTTP/1.1, kept alive)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait for an ACK between them
    server: PlatformServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the ledger is the record."""

    @property
    def platform(self) -> Platform:
        """The platform this server serves."""
        return self.server.platform

    # --- plumbing --------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, body: dict[str, Any] | list[Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:  # the client gave up (its timeout) or is gone
            self.close_connection = True

    def _reset(self) -> None:
        """Close the connection with a TCP reset, answering nothing."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _json(self, raw: bytes) -> Any:
        return json.loads(raw.decode("utf-8")) if raw else {}

    # --- routes ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        """The cases endpoint and the admin reads."""
        url = urlsplit(self.path)
        if url.path == "/_admin/ledger":
            self._answer(200, self.platform.ledger())
        elif url.path == "/_admin/faults":
            self._answer(200, asdict(self.platform.faults))
        elif url.path == "/api/cases":
            if self._down_answered() or not self._authorised():
                return
            since_text = (parse_qs(url.query).get("since") or [""])[0]
            try:
                since = dt.date.fromisoformat(since_text)
            except ValueError:
                self._answer(400, {"error": "invalid_since", "message": "since=YYYY-MM-DD"})
                return
            self._answer(200, {"cases": self.platform.cases_since(since)})
        else:
            self._answer(404, {"error": "not_found"})

    def do_POST(self) -> None:
        """The token, the events and the admin changes."""
        try:
            raw = self._body()
        except ValueError:
            self._answer(413, {"error": "too_large"})
            self.close_connection = True
            return
        path = urlsplit(self.path).path
        events = EVENTS.match(path)
        if path == "/oauth/token":
            self._token(raw)
        elif events:
            self._event(unquote(events.group(1)), raw)
        elif path.startswith("/_admin/"):
            self._admin(path, raw)
        else:
            self._answer(404, {"error": "not_found"})

    def _down_answered(self) -> bool:
        if not self.platform.down():
            return False
        if self.platform.faults.down_mode == "reset":
            self._reset()
        else:
            self._answer(503, {"error": "unavailable", "message": "平台维护中"})
        return True

    def _token(self, raw: bytes) -> None:
        if self._down_answered():
            return
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            self._answer(400, {"error": "unsupported_grant_type"})
            return
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        header = self.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            given_id, _, given_secret = decoded.partition(":")
            client_id, secret = unquote(given_id), unquote(given_secret)
        token = self.platform.issue_token(client_id, secret)
        if token is None:
            self._answer(401, {"error": "invalid_client"})
            return
        self._answer(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.platform.faults.token_lifetime,
            },
        )

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        if header.lower().startswith("bearer ") and self.platform.token_valid(header[7:].strip()):
            return True
        self._answer(401, {"error": "invalid_token"})
        return False

    def _event(self, case_number: str, raw: bytes) -> None:
        platform, faults = self.platform, self.platform.faults
        key = self.headers.get("Idempotency-Key", "")
        agent = self.headers.get("User-Agent", "")
        entry: dict[str, Any] = {"key": key, "agent": agent, "started": time.monotonic()}

        def done(outcome: str) -> None:
            entry.update(outcome=outcome, ended=time.monotonic())
            platform.note(entry)

        if platform.down():
            done("down")
            self._down_answered()
            return
        if not self._authorised():
            done("unauthorised")
            return
        if platform.draw() < faults.reset_rate:
            done("reset")
            self._reset()
            return
        if platform.draw() < faults.error_rate:
            done("error")
            self._answer(500, {"error": "internal", "message": "系统繁忙"})
            return
        try:
            payload = self._json(raw)
            sequence = int(payload["sequence"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            done("bad_request")
            self._answer(400, {"error": "invalid_body", "message": "事件格式不正确"})
            return
        if key != f"{case_number}:{sequence}" or payload.get("case_number") != case_number:
            done("bad_key")
            self._answer(400, {"error": "invalid_idempotency_key", "message": "幂等键与办件不符"})
            return
        if case_number in faults.reject_cases:
            done("rejected")
            self._answer(400, {"error": "rejected", "message": "办件信息校验不通过"})
            return
        duplicate = platform.accept(key, case_number, payload, agent)
        delay = 0.0
        outcome = "duplicate" if duplicate else "accepted"
        if platform.draw() < faults.timeout_rate:
            delay, outcome = faults.timeout_seconds, f"{outcome}+timeout"
        elif platform.draw() < faults.slow_rate:
            delay, outcome = faults.slow_seconds, f"{outcome}+slow"
        if faults.reorder_seconds:
            delay += platform.draw() * faults.reorder_seconds
        said_duplicate = duplicate or platform.draw() < faults.duplicate_ack_rate
        if delay:
            time.sleep(delay)
        done(outcome)
        self._answer(200, {"received": True, "duplicate": said_duplicate})

    def _admin(self, path: str, raw: bytes) -> None:
        platform = self.platform
        try:
            body = self._json(raw)
        except (ValueError, UnicodeDecodeError):
            self._answer(400, {"error": "invalid_json"})
            return
        if path == "/_admin/faults":
            try:
                platform.faults.update(body)
            except (ValueError, TypeError) as exc:
                self._answer(400, {"error": str(exc)})
                return
            self._answer(200, asdict(platform.faults))
        elif path == "/_admin/down":
            platform.down_until = time.monotonic() + float(body.get("seconds", 0))
            self._answer(200, {"down": platform.down()})
        elif path == "/_admin/up":
            platform.down_until = 0.0
            self._answer(200, {"down": False})
        elif path == "/_admin/reset":
            platform.reset()
            self._answer(200, {"reset": True})
        elif path == "/_admin/push":
            self._push(body)
        else:
            self._answer(404, {"error": "not_found"})

    def _push(self, body: dict[str, Any]) -> None:
        target = self.platform.push_target
        if target is None:
            self._answer(409, {"error": "no_push_target", "message": "start with --push-to"})
            return
        try:
            files = {name: base64.b64decode(data) for name, data in (body.get("files") or {}).items()}
            status, answer = push.push_application(target, body["application"], files)
        except (KeyError, ValueError, binascii.Error) as exc:
            self._answer(400, {"error": "invalid_push", "message": str(exc)})
            return
        except push.PushFailed as exc:
            self._answer(502, {"error": "push_failed", "message": str(exc)})
            return
        self._answer(200, {"status": status, "answer": answer})


class PlatformServer(ThreadingHTTPServer):
    """The HTTP server (a thread per connection; a sleeping answer never holds up shutting down)."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], platform: Platform) -> None:
        super().__init__(address, Handler)
        self.platform = platform

    @property
    def url(self) -> str:
        """The base URL the server answers on."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


@contextmanager
def running(
    platform: Platform | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[PlatformServer]:
    """Serve ``platform`` on a thread (``port`` 0: one the system picks) until the block ends."""
    server = PlatformServer((host, port), platform or Platform())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
