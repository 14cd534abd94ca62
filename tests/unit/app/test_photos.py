"""Photo re-encoding: orientation applied, metadata dropped, fixed frame; bad files refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.services.errors import RuleViolation
from app.services.photos import FRAME, MAX_UPLOAD_BYTES, reencode


def jpeg_with_orientation(width: int, height: int, orientation: int) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestPhone"  # camera make: must not survive
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_orientation_applied_and_metadata_dropped() -> None:
    clean = reencode(jpeg_with_orientation(800, 400, 6))  # a phone held upright: rotate 90°
    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == "JPEG" and image.size == FRAME
        assert not image.getexif()
        assert "exif" not in image.info


def test_png_accepted() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (300, 400), (0, 0, 255, 128)).save(out, "PNG")
    with Image.open(io.BytesIO(reencode(out.getvalue()))) as image:
        assert image.mode == "RGB" and image.size == FRAME


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"this is not an image", "photo_not_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "photo_not_image"),
        (b"x" * (MAX_UPLOAD_BYTES + 1), "photo_too_large"),
    ],
)
def test_bad_uploads(data: bytes, code: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        reencode(data)
    assert caught.value.code == code


def test_gif_refused() -> None:
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    with pytest.raises(RuleViolation) as caught:
        reencode(out.getvalue())
    assert caught.value.code == "photo_not_image"


def test_too_many_pixels() -> None:
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG")  # tiny file, 81 megapixels
    with pytest.raises(RuleViolation) as caught:
        reencode(out.getvalue())
    assert caught.value.code == "photo_too_large"
