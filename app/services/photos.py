"""Holders' photos: checked, re-encoded with Pillow (orientation applied, metadata dropped,
resized to an ID-photo frame), held for staff approval, then shown on the certificate."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import HolderAccount, HolderPhoto, Staff
from .access import visible_photos
from .audit import record
from .errors import RuleViolation

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FRAME = (390, 567)
"""Pixels of the stored photo: the 26 x 32 mm (1:1.45) of a Chinese ID-style photo at 380 dpi."""
ACCEPTED = {"JPEG", "PNG"}


def reencode(data: bytes) -> bytes:
    """A clean JPEG of the uploaded image, or a rule violation saying what is wrong with it."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise RuleViolation(
            "the photo is too large", code="photo_too_large", megabytes=MAX_UPLOAD_BYTES // 2**20
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED:
                raise RuleViolation("not a JPEG or PNG photo", code="photo_not_image")
            if image.width * image.height > MAX_PIXELS:
                raise RuleViolation(
                    "the photo has too many pixels",
                    code="photo_too_large",
                    megabytes=MAX_UPLOAD_BYTES // 2**20,
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
            framed = ImageOps.fit(upright.convert("RGB"), FRAME, Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise RuleViolation("not a readable photo", code="photo_not_image") from exc
    out = io.BytesIO()
    framed.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def upload(session: Session, account: HolderAccount, data: bytes) -> HolderPhoto:
    """Store a re-encoded photo awaiting approval (a newer upload replaces a pending one)."""
    clean = reencode(data)
    for pending in session.scalars(
        select(HolderPhoto).filter_by(practitioner_id=account.practitioner_id, state="pending")
    ):
        session.delete(pending)
    photo = HolderPhoto(
        practitioner_id=account.practitioner_id,
        data=clean,
        sha256=hashlib.sha256(clean).hexdigest(),
        state="pending",
        uploaded_at=dt.datetime.now(dt.UTC),
    )
    session.add(photo)
    record(
        session,
        actor=f"holder:{account.id}",
        action="photo.upload",
        target_type="practitioner",
        target_id=str(account.practitioner_id),
        after={"sha256": photo.sha256, "bytes": len(clean)},
    )
    return photo


def review(
    session: Session, photo: HolderPhoto, actor: Staff, *, approve: bool, reason: str | None = None
) -> None:
    """Approve (the photo replaces the holder's current one) or reject a pending photo."""
    if photo.state != "pending":
        raise RuleViolation("this photo was reviewed already", code="photo_reviewed")
    if not approve and not (reason or "").strip():
        raise RuleViolation("give the reason for rejecting", code="reason_required")
    if approve:
        for old in session.scalars(
            select(HolderPhoto).filter_by(practitioner_id=photo.practitioner_id, state="approved")
        ):
            old.state = "replaced"
    photo.state = "approved" if approve else "rejected"
    photo.reviewed_by, photo.reviewed_at, photo.reason = actor.id, dt.datetime.now(dt.UTC), reason
    record(
        session,
        actor=actor.username,
        action=f"photo.{'approve' if approve else 'reject'}",
        target_type="practitioner",
        target_id=str(photo.practitioner_id),
        authority=actor.authority.credit_code,
        reason=reason,
        after={"sha256": photo.sha256},
    )


def approved(session: Session, practitioner_id: int) -> HolderPhoto | None:
    """The holder's approved photo, if any."""
    return session.scalars(
        select(HolderPhoto).filter_by(practitioner_id=practitioner_id, state="approved")
    ).first()


def approved_jpeg(session: Session, practitioner_id: int) -> bytes | None:
    """The bytes of the holder's approved photo (a JPEG), if any."""
    photo = approved(session, practitioner_id)
    return None if photo is None else photo.data


def pending_for(session: Session, actor: Staff) -> list[HolderPhoto]:
    """Photos awaiting review by ``actor``: of holders with a certificate from their authority
    (the province sees all), oldest first."""
    query = visible_photos(select(HolderPhoto).where(HolderPhoto.state == "pending"), actor)
    return list(session.scalars(query.order_by(HolderPhoto.id)))
