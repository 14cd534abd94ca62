"""Small, strict encoders shared by the formats: base64url (JWS), decimal (QR numeric mode) and
base-36 packing of 18-character codes."""

from __future__ import annotations

import base64
import re
from functools import lru_cache

from .errors import Malformed

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def b64url_encode(data: bytes) -> str:
    """Encode ``data`` as unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url text, raising :class:`Malformed` on any other character."""
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise Malformed("not base64url text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decimal_encode(data: bytes) -> str:
    """``data`` (whose first byte is not zero) as the decimal digits of one big-endian integer:
    QR numeric mode stores 3 digits in 10 bits, about 8.03 bits a byte."""
    if not data or data[0] == 0:
        raise ValueError("data must start with a non-zero byte")
    return str(int.from_bytes(data, "big"))


def decimal_decode(text: str) -> bytes:
    """Inverse of :func:`decimal_encode`; :class:`Malformed` for anything but ASCII digits
    without a leading zero."""
    # int() alone would also take "_" separators, a sign, surrounding spaces and non-ASCII
    # digits; these checks shut those out without a per-character scan in Python.
    if not text.isascii() or text[:1] not in _LEADING or text[-1] not in _DIGITS or "_" in text:
        raise Malformed("the payload must be ASCII digits without a leading zero")
    try:
        value = int(text)
    except ValueError:
        raise Malformed("the payload must be ASCII digits without a leading zero") from None
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


_LEADING = frozenset("123456789")
_DIGITS = frozenset("0123456789")
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CODE_LENGTH = 18
_CODE = re.compile(r"^[0-9A-Z]{18}$")
PACKED_CODE_BYTES = 12
"""36**18 < 2**96: an 18-character code of 0-9A-Z packs into 12 bytes."""


def pack_code(code: str) -> bytes | str:
    """An 18-character ``0-9A-Z`` code as 12 bytes; anything else stays text."""
    if _CODE.match(code):
        return int(code, 36).to_bytes(PACKED_CODE_BYTES, "big")
    return code


def unpack_code(value: bytes | str) -> str:
    """Inverse of :func:`pack_code`."""
    if isinstance(value, str):
        return value
    return _unpack(value)


@lru_cache(maxsize=4096)
def _unpack(value: bytes) -> str:
    # Cached: a province has a few hundred issuer codes and one type code.
    if len(value) != PACKED_CODE_BYTES:
        raise Malformed("a packed code is 12 bytes")
    number = int.from_bytes(value, "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, 36)
        chars.append(_B36[digit])
    if number:
        raise Malformed("a packed code is out of range")
    return "".join(reversed(chars))
