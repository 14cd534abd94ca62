"""QR codes for presentation links: a byte-mode segment for the URL prefix and a numeric-mode
segment for the payload digits, at error-correction level M, drawn with qrcode and Pillow.

The mask is fixed (pattern 2) instead of searched: the search (qrcode scores all eight masks in
pure Python) made a third as many images a second, and across 40 presentations the largest blur
at which zxing-cpp still decoded the image was the same for both (bench/qr_size.py measures it)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

import qrcode
import qrcode.constants
import qrcode.util
from PIL import Image

ERROR_LEVEL = "M"
MASK = 2
"""The fixed mask pattern; ``None`` would let qrcode search all eight (see the module docstring)."""
# qrcode.util.MODE_8BIT_BYTE and MODE_NUMBER: its stub types them int, QRData wants the literal.
BYTE_MODE: Literal[4] = 4
NUMERIC_MODE: Literal[1] = 1


@dataclass(frozen=True)
class Symbol:
    """A QR symbol: its version, level, mask and dark modules (rows of booleans, no quiet zone)."""

    version: int
    error: str
    mask: int
    modules: tuple[tuple[bool, ...], ...]


def segments(url: str) -> list[qrcode.util.QRData]:
    """``https://<host>/v/<digits>`` as a byte segment and a numeric one (other text: one byte segment)."""
    prefix, sep, payload = url.rpartition("/v/")
    if sep and payload.isascii() and payload.isdigit():
        return [
            qrcode.util.QRData((prefix + sep).encode(), mode=BYTE_MODE),
            qrcode.util.QRData(payload, mode=NUMERIC_MODE),
        ]
    return [qrcode.util.QRData(url.encode(), mode=BYTE_MODE)]


def presentation_qr(url: str, *, mask: int | None = MASK) -> Symbol:
    """The smallest QR symbol at level M for ``url`` (see :func:`segments`)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=mask)
    for segment in segments(url):
        code.add_data(segment)
    code.best_fit()
    chosen: int = code.best_mask_pattern() if mask is None else mask
    code.mask_pattern = chosen
    code.make(fit=False)
    return Symbol(
        version=code.version,
        error=ERROR_LEVEL,
        mask=chosen,
        modules=tuple(tuple(bool(dark) for dark in row) for row in code.modules),
    )


def png(code: Symbol, *, scale: int = 6, border: int = 4) -> bytes:
    """The QR code as a 1-bit PNG image (black on white, quiet zone of ``border`` modules)."""
    count = len(code.modules)
    side = count + 2 * border
    pixels = bytearray(b"\xff") * (side * side)
    for r, row in enumerate(code.modules):
        start = (r + border) * side + border
        pixels[start : start + count] = bytes(0 if dark else 255 for dark in row)
    small = Image.frombytes("L", (side, side), bytes(pixels)).convert("1")
    out = io.BytesIO()
    small.resize((side * scale, side * scale), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()
