"""The blob store, and a graduation push that fails at its commit leaving nothing behind."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import get_session
from app.models import GraduationCertificate, Practitioner
from app.services import graduation
from app.services.container import services
from app.storage import BlobStore, FileBlobStore, TooLarge
from tests.functional.partner_helpers import metadata, pdf
from tests.helpers import id_number


def test_receive_keep_and_dedupe(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    first = store.receive(io.BytesIO(b"hello" * 1000), limit=10_000)
    assert first.size == 5000 and len(first.sha256) == 64
    assert store.keep(first) is True
    again = store.receive(io.BytesIO(b"hello" * 1000), limit=10_000)
    assert store.keep(again) is False and not again.path.exists()
    assert list(store.hashes()) == [first.sha256]
    with store.open(first.sha256) as stored:
        assert stored.read() == b"hello" * 1000
    with pytest.raises(TooLarge):
        store.receive(io.BytesIO(bytes(10_001)), limit=10_000)
    assert list(store.incoming.iterdir()) == []  # the cut-off upload is gone
    with pytest.raises(ValueError):
        store.open("../../etc/passwd")


def _push(session: Session, store: BlobStore) -> graduation.Outcome:
    return graduation.receive(
        session,
        store,
        raw=metadata(),
        stream=io.BytesIO(pdf()),
        limit=1_000_000,
        types={"A2": "A2"},
        client=None,
        source="push",
        actor="test",
        today=dt.date(2026, 11, 22),
    )


def test_failed_commit_leaves_no_row_and_an_orphan_cleanup_removes(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        session, store = get_session(), services(app).blobs

        def crash() -> None:
            raise RuntimeError("the database went away")

        _push(session, store)
        monkeypatch.setattr(session, "commit", crash)
        with pytest.raises(RuntimeError):
            session.commit()  # the request's unit of work fails to commit
        monkeypatch.undo()
        session.rollback()
        assert session.scalar(select(func.count()).select_from(GraduationCertificate)) == 0
        assert session.scalar(select(func.count()).select_from(Practitioner)) == 0
        # the kept blob stays (a concurrent push of the same PDF might need it): an orphan that
        # cleanup removes once it is older than the grace period, and not before
        assert list(store.incoming.iterdir()) == []
        (orphan,) = store.hashes()
        assert graduation.cleanup(session, store).orphan_blobs == []
        assert graduation.cleanup(session, store, older_than=0).orphan_blobs == [orphan]
        assert list(store.hashes()) == []


def test_cleanup_removes_orphans_and_reports_missing_files(app: Flask) -> None:
    with app.app_context():
        session, store = get_session(), services(app).blobs
        kept = _push(session, store).certificate
        orphan = store.receive(io.BytesIO(b"left by a crash"), limit=100)
        store.keep(orphan)
        (store.incoming / "x.part").write_bytes(b"half")
        found = graduation.cleanup(session, store, older_than=0, dry_run=True)
        assert (
            found.orphan_blobs == [orphan.sha256] and len(found.leftovers) == 1 and found.missing_files == []
        )
        assert store.exists(orphan.sha256)
        graduation.cleanup(session, store, older_than=0)
        assert list(store.hashes()) == [kept.pdf_sha256] and list(store.incoming.iterdir()) == []
        store.delete(kept.pdf_sha256)
        assert graduation.cleanup(session, store).missing_files == [f"{kept.number}#1"]


def test_cleanup_keeps_the_materials_of_applications(app: Flask, province) -> None:  # type: ignore[no-untyped-def]
    """Reproduces a hole: the cleanup knew only graduation PDFs and deleted every application's
    materials (scans of ID cards, health certificates) as orphans."""
    from app.services import applications as apps
    from app.services.applications import materials

    with app.app_context():
        session, store = get_session(), services(app).blobs
        upload = materials.receive(
            store, io.BytesIO(b"%PDF-1.4 scan"), filename="id.pdf", kind="id_card", limit=1000
        )
        apps.open_at_window(
            session,
            province.context,
            store,
            province.actor(session, "jinan_admin"),
            apps.NewCase(
                item="issue",
                applicant={"name": "张三", "id_number": id_number(), "phone": "13800138000"},
                form={"categories": [9]},
                uploads=[upload],
            ),
        )
        assert graduation.cleanup(session, store, older_than=0).orphan_blobs == []
        assert store.exists(upload.received.sha256)
