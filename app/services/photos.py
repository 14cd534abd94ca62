"""Holders' photos: checked, re-encoded with Pillow (orientation applied, metadata dropped,
resized to an ID-photo frame), held for staff approval, then shown on the certificate."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from ..models import Certificate, HolderAccount, HolderPhoto, Practitioner, Staff
from .access import visible_certificates, visible_photos
from .audit import record
from .errors import RuleViolation
from .queries import Page, paginate

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FRAME = (390, 567)
"""Pixels of the stored photo: the 26 x 32 mm (1:1.45) of a Chinese ID-style photo at 380 dpi."""
ACCEPTED = {"JPEG", "PNG"}
REJECT_REASONS = ("too_dark", "blurred", "not_a_face", "face_covered", "background", "framing", "other")
"""Why a reviewer rejects a photo (words: ``photo_reason_<code>`` in the catalogue); ``other``
needs the reviewer's own words."""
NOTE_MAX = 200


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
    session: Session,
    photo: HolderPhoto,
    actor: Staff,
    *,
    approve: bool,
    reason_code: str | None = None,
    note: str | None = None,
) -> None:
    """Approve (the photo replaces the holder's current one) or reject a pending photo; a rejection
    names one of :data:`REJECT_REASONS` (``other`` with a ``note`` saying what is wrong)."""
    if photo.state != "pending":
        raise RuleViolation("this photo was reviewed already", code="photo_reviewed")
    note = (note or "").strip()[:NOTE_MAX] or None
    if not approve and reason_code not in REJECT_REASONS:
        raise RuleViolation("choose why the photo is rejected", code="photo_reason_required")
    if not approve and reason_code == "other" and note is None:
        raise RuleViolation("say what is wrong with the photo", code="photo_note_required")
    if approve:
        reason_code = None
        for old in session.scalars(
            select(HolderPhoto).filter_by(practitioner_id=photo.practitioner_id, state="approved")
        ):
            old.state = "replaced"
    photo.state = "approved" if approve else "rejected"
    photo.reviewed_by, photo.reviewed_at = actor.id, dt.datetime.now(dt.UTC)
    photo.reason_code, photo.reason = reason_code, note
    record(
        session,
        actor=actor.username,
        action=f"photo.{'approve' if approve else 'reject'}",
        target_type="practitioner",
        target_id=str(photo.practitioner_id),
        authority=actor.authority.credit_code,
        reason=reason_code,
        after={"photo": photo.id, "sha256": photo.sha256, **({"note": note} if note else {})},
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


def latest(session: Session, practitioner_id: int) -> HolderPhoto | None:
    """The holder's latest upload (pending, rejected or approved), which says where his photo
    stands: waiting for review, rejected (with the reason) or on the certificate."""
    return session.scalars(
        select(HolderPhoto)
        .filter_by(practitioner_id=practitioner_id)
        .where(HolderPhoto.state != "replaced")
        .order_by(HolderPhoto.uploaded_at.desc(), HolderPhoto.id.desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class ForReview:
    """A pending photo with what a reviewer decides on: whose it is, his certificates from the
    reviewer's authority, and the photo approved before (``None``: none yet)."""

    photo: HolderPhoto
    holder: Practitioner
    certificates: list[Certificate]
    previous: HolderPhoto | None


def _pending(actor: Staff) -> Select[tuple[HolderPhoto]]:
    return visible_photos(select(HolderPhoto).where(HolderPhoto.state == "pending"), actor)


def queue(session: Session, actor: Staff, page: int = 1) -> Page[ForReview]:
    """Page ``page`` of the photos ``actor`` may decide on (of holders with a certificate from
    their authority; the province: all), oldest first."""
    found = paginate(session, _pending(actor), page, HolderPhoto.uploaded_at, HolderPhoto.id)
    items = []
    for photo in found.items:
        holder = session.get_one(Practitioner, photo.practitioner_id)
        certificates = session.scalars(
            visible_certificates(select(Certificate), actor)
            .where(Certificate.practitioner_id == holder.id, Certificate.published())
            .order_by(Certificate.id)
        )
        items.append(ForReview(photo, holder, list(certificates), approved(session, holder.id)))
    return Page(items, found.page, found.pages, found.total)


def pending_for(session: Session, actor: Staff, photo_id: int) -> HolderPhoto | None:
    """The pending photo ``photo_id`` if ``actor`` may decide on it, else ``None``."""
    return session.scalars(_pending(actor).where(HolderPhoto.id == photo_id)).first()


def shown_to_reviewer(session: Session, actor: Staff, photo_id: int) -> HolderPhoto | None:
    """Photo ``photo_id`` if ``actor``'s review queue shows it: a pending photo they may decide on,
    or the approved photo beside it; else ``None``."""
    waiting = aliased(HolderPhoto)
    beside_a_pending_one = and_(
        HolderPhoto.state == "approved",
        exists().where(waiting.practitioner_id == HolderPhoto.practitioner_id, waiting.state == "pending"),
    )
    query = select(HolderPhoto).where(
        HolderPhoto.id == photo_id, or_(HolderPhoto.state == "pending", beside_a_pending_one)
    )
    return session.scalars(visible_photos(query, actor)).first()
