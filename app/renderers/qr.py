"""QR codes for presentation links: a byte-mode segment for the URL prefix and a numeric-mode
segment for the payload digits, at error-correction level M."""

from __future__ import annotations

import io

import segno
from segno import consts

ERROR_LEVEL = "m"


def presentation_qr(url: str) -> segno.QRCode:
    """The QR code for ``https://<host>/v/<digits>`` (any other text is encoded as is)."""
    prefix, sep, payload = url.rpartition("/v/")
    if sep and payload.isascii() and payload.isdigit():
        content: list[tuple[str, int]] | str = [
            (prefix + sep, consts.MODE_BYTE),
            (payload, consts.MODE_NUMERIC),
        ]
    else:
        content = url
    # segno takes a list of (text, mode) segments (segno.encoder.prepare_data), which its stub leaves out.
    return segno.make(content, error=ERROR_LEVEL, boost_error=False, micro=False)  # type: ignore[arg-type]


def png(code: segno.QRCode, *, scale: int = 6, border: int = 4) -> bytes:
    """The QR code as a PNG image (black on white, quiet zone of ``border`` modules)."""
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=border)
    return out.getvalue()
