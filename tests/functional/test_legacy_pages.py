"""The paper and IC-card page: import with row errors, look-up, electronic renewal."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient

from ..helpers import id_number
from ..registry import Province
from .admin_client import csrf, login, post_form

A = id_number("37010219900307123")
HEADER = "证号,姓名,身份证号码,从业资格类别,发证日期,有效期至,发证机关,介质\n"


def upload(client: FlaskClient, body: str):  # type: ignore[no-untyped-def]
    token = csrf(client.get("/admin/legacy").get_data(as_text=True))
    return client.post(
        "/admin/legacy",
        data={"csrf_token": token, "confirm": "y", "file": (io.BytesIO(body.encode()), "old.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_import_lookup_and_renew(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    bad = upload(client, HEADER + f"P1,张三明,{A},cargo,2020-05-01,2019-04-30,济南市运管处,纸质\n")
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "未导入任何证书：发现 1 个问题，见下表。" in page and "有效期至不晚于发证日期。" in page
    good = upload(client, HEADER + f"P1,张三明,{A},cargo,2020-05-01,2099-04-30,济南市运管处,纸质\n")
    assert "已导入 1 本证书。" in good.get_data(as_text=True)
    assert "没有该证号和姓名的证书。" in client.get("/admin/legacy?number=P1&name=李四").get_data(
        as_text=True
    )
    found = client.get("/admin/legacy?number=p1&name=张三明").get_data(as_text=True)
    assert re.search(r'<p id="legacy-verdict" class="">\s*有效\s*</p>', found), found
    renew_url = re.search(r'action="(/admin/legacy/\d+/renew)"', found).group(1)  # type: ignore[union-attr]
    renewed = post_form(
        client,
        "/admin/legacy?number=P1&name=张三明",
        renew_url,
        {"confirm": "y", "expected_version": 0, "request_key": "L1"},
    ).get_data(as_text=True)
    assert f"证书 {A} 已核发。" in renewed and "2020年5月1日" in renewed
    after = client.get("/admin/legacy?number=P1&name=张三明").get_data(as_text=True)
    assert "已换发为电子证照" in after
