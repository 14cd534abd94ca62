"""Structured logging: one JSON object a line, each with the request id.

The request id comes from a well-formed ``X-Request-ID`` header or is made here; it is echoed in
the response so a user's report can be matched to the log.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import secrets
import time
from functools import lru_cache

from flask import Flask, Response, g, has_request_context, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _byte_class(byte: int) -> int:
    char = chr(byte)
    if "0" <= char <= "9":
        return ord("0")
    if char in "Xx":
        return ord("x")
    return ord("a") if char.isascii() and char.isalpha() else ord(" ")


# An ID-card number: 17 digits, then a digit or X, not inside a longer run of ASCII letters and
# digits. It is found on the line's UTF-8 bytes with each byte replaced by its class (a regular
# expression tried at every position cost 150 instructions a character, and a verification
# page's path is 500 digits long).
_CLASSES = bytes(_byte_class(byte) for byte in range(256))
_SEVENTEEN_DIGITS = b"0" * 17
_LAST = b"0x"
_OTHER = ord(" ")
_MASK = b"*" * 10


def redact(text: str) -> str:
    """``text`` with every ID-card number masked (3701**********123X): no log line carries one,
    even inside a database error's message (PostgreSQL's ``DETAIL: Key (number)=(…)``). Query
    strings are never logged and SQL parameters are hidden by the engine (``hide_parameters``)."""
    data = text.encode("utf-8", "surrogatepass")
    classes = data.translate(_CLASSES)
    start = classes.find(_SEVENTEEN_DIGITS)
    if start < 0:
        return text
    masked = bytearray(data)
    end = len(classes)
    while start >= 0:
        after = start + 18
        if (
            (start == 0 or classes[start - 1] == _OTHER)
            and after <= end
            and classes[after - 1] in _LAST
            and (after == end or classes[after] == _OTHER)
        ):
            masked[start + 4 : start + 14] = _MASK
            start = classes.find(_SEVENTEEN_DIGITS, after)
        else:  # no number starts later within this run of letters and digits
            run_end = classes.find(b" ", start)
            start = -1 if run_end < 0 else classes.find(_SEVENTEEN_DIGITS, run_end)
    return masked.decode("utf-8", "surrogatepass")


class RedactingFormatter(logging.Formatter):
    """A plain-text formatter that masks ID-card numbers (see :func:`redact`)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, masked."""
        return redact(super().format(record))


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach the request id, unless the record came with one; never drops a record."""
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


@lru_cache(maxsize=4)
def _utc_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


_JSON = json.JSONEncoder(ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON object."""
        data = {
            "time": f"{_utc_second(int(record.created))}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return redact(_JSON.encode(data))


class RequestIds:
    """Made request ids: 32 hexadecimal characters, a random prefix and a counter, unique across
    processes (a forked worker draws its own prefix) without a system call per request."""

    def __init__(self) -> None:
        self.reseed()
        os.register_at_fork(after_in_child=self.reseed)

    def reseed(self) -> None:
        """Start a new prefix (and count)."""
        self._prefix = secrets.token_hex(8)
        self._count = itertools.count()

    def __call__(self) -> str:
        """A new request id."""
        return f"{self._prefix}{next(self._count):016x}"


new_request_id = RequestIds()


def init_app(app: Flask) -> None:
    """Install the handler and the per-request id and access log."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if app.config["LOG_JSON"]:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s [%(request_id)s] %(message)s"))
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(logging.INFO)
    app.logger.propagate = False

    logger = app.logger

    @app.before_request
    def _start() -> None:
        incoming = request.environ.get("HTTP_X_REQUEST_ID", "")
        g.request_id = incoming if incoming and _REQUEST_ID.match(incoming) else new_request_id()
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id", "-")
        response.headers["X-Request-ID"] = request_id
        if logger.isEnabledFor(logging.INFO):
            started = g.get("request_started")
            access = {
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
            }
            # Made and handled directly: ``logger.info`` would also walk the stack for the calling
            # line, which no access line shows.
            logger.handle(
                logger.makeRecord(logger.name, logging.INFO, __file__, 0, "request", (), None, None, access)
            )
        return response
