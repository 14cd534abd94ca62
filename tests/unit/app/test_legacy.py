"""Paper and IC-card certificates: import (all or nothing), check by number and name, renewal
into an electronic certificate."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import LegacyCertificate
from app.services import certificates as certs
from app.services import legacy

from ...helpers import id_number
from ...registry import Province

A, B = id_number("37010219900307123"), id_number("11010519491231002")
HEADER = "证号,姓名,身份证号码,从业资格类别,发证日期,有效期至,发证机关,介质\n"


def csv_of(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def test_import_check_and_renew(session: Session, province: Province) -> None:
    actor = province.actor(session, "jinan_admin")
    data = csv_of(
        f"P2020001,张三明,{A},经营性道路货物运输驾驶员、机动车驾驶培训教练员,2020-05-01,2026-04-30,济南市运管处,纸质",
        f"IC2019002,李四,{B},taxi,2019/01/01,2025/01/01,济南市运管处,IC卡",
    )
    result = legacy.import_file(session, province.context.clock, actor, "old.csv", data)
    assert result.imported == 2 and result.errors == []
    today = dt.date(2026, 1, 1)
    assert legacy.check(session, "p2020001", "张三明", today).verdict == "valid"
    assert legacy.check(session, "P2020001", "张三", today).verdict == "not_found"
    assert legacy.check(session, "IC2019002", "李四", today).verdict == "expired"
    old = session.scalars(select(LegacyCertificate).filter_by(number="P2020001")).one()
    renewed = legacy.renew_electronically(session, province.context, actor, old.id).certificate
    assert renewed.first_issued == dt.date(2020, 5, 1)
    assert certs.current_version(renewed).categories == [2]  # the instructor category is no longer issued
    assert legacy.check(session, "P2020001", "张三明", today).verdict == "renewed"


def test_one_bad_row_imports_nothing(session: Session, province: Province) -> None:
    actor = province.actor(session, "jinan_admin")
    data = csv_of(
        f"P1,张三明,{A},cargo,2020-05-01,2026-04-30,济南市运管处,纸质",
        f"P1,李四,{B},taxi,2020-01-01,2019-01-01,济南市运管处,磁卡",
    )
    result = legacy.import_file(session, province.context.clock, actor, "old.csv", data)
    assert result.imported == 0
    assert [(e.row, e.column, e.text()) for e in result.errors] == [
        (3, "介质", "The medium must be 纸质 or IC卡."),
        (3, "有效期至", "The expiry date is not after the issue date."),
        (3, "证号", "The same certificate number as row 2."),
    ]
    assert session.scalar(select(func.count()).select_from(LegacyCertificate)) == 0


def test_reimport_is_reported(session: Session, province: Province) -> None:
    actor = province.actor(session, "jinan_admin")
    data = csv_of(f"P1,张三明,{A},cargo,2020-05-01,2026-04-30,济南市运管处,纸质")
    assert legacy.import_file(session, province.context.clock, actor, "old.csv", data).imported == 1
    again = legacy.import_file(session, province.context.clock, actor, "old.csv", data)
    assert again.imported == 0 and again.errors[0].text() == "Certificate P1 was imported before."


def test_command_line_import(tmp_path, runner, province: Province) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "old.csv"
    path.write_bytes(csv_of(f"P1,张三明,{A},cargo,2020-05-01,2026-04-30,济南市运管处,纸质"))
    result = runner.invoke(args=["certificates", "import-legacy", str(path), "--as", "jinan_admin"])
    assert result.exit_code == 0 and "imported 1 legacy certificates; 0 problems" in result.output
