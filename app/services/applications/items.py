"""The service items one applies for: their platform codes (事项编码), promised time limits
(承诺时限, in working days) and forms. One table, :data:`ITEMS`; a new kind of application (a
filing, say) is a new row with its own form.

Each form checks everything it is given and reports every problem at once
(:class:`~app.services.errors.InvalidFields`), with codes from the one message catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from signing import FactsError, clean_categories, clean_holder_name

from ...models.enums import CancelReason, ServiceItem
from ..errors import InvalidFields

ACCEPT_LIMIT = 5
"""Working days to decide whether to accept (行政许可法 art. 32, counted in working days, art. 82)."""

FormCheck = Callable[[Mapping[str, Any], dt.date], dict[str, Any]]


def _text(raw: Mapping[str, Any], name: str, errors: dict[str, str], *, limit: int = 200) -> str:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[name] = "required"
        return ""
    if not isinstance(value, str):
        errors[name] = "not_a_string"
        return ""
    if len(value) > limit:
        errors[name] = "too_long"
        return ""
    return value.strip()


def _categories(raw: Mapping[str, Any], errors: dict[str, str], *, required: bool) -> list[int] | None:
    value = raw.get("categories")
    if value is None or value == [] or value == "":
        if required:
            errors["categories"] = "no_category"
        return None
    if isinstance(value, str):
        value = [part for part in value.replace("，", ",").split(",") if part.strip()]
    if not isinstance(value, list) or not all(
        isinstance(v, (int, str)) and not isinstance(v, bool) for v in value
    ):
        errors["categories"] = "invalid_categories"
        return None
    try:
        return list(clean_categories(value))
    except FactsError as exc:
        errors["categories"] = exc.code
        return None


def _certificate_number(raw: Mapping[str, Any], errors: dict[str, str]) -> str:
    number = _text(raw, "certificate_number", errors, limit=32)
    if number and not number.isascii():
        errors["certificate_number"] = "invalid_certificate_number"
    return number


def _finish(
    errors: dict[str, str], form: dict[str, Any], raw: Mapping[str, Any], known: set[str]
) -> dict[str, Any]:
    for name in raw:
        if name not in known and name not in errors:
            errors[str(name)[:40]] = "unknown_field"
    if errors:
        raise InvalidFields(errors)
    return form


def _issue_form(raw: Mapping[str, Any], _: dt.date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    categories = _categories(raw, errors, required=True)
    return _finish(errors, {"categories": categories}, raw, {"categories"})


def _certificate_form(raw: Mapping[str, Any], _: dt.date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    number = _certificate_number(raw, errors)
    return _finish(errors, {"certificate_number": number}, raw, {"certificate_number"})


def _reissue_form(raw: Mapping[str, Any], _: dt.date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    number = _certificate_number(raw, errors)
    reason = _text(raw, "reason", errors)
    return _finish(
        errors, {"certificate_number": number, "reason": reason}, raw, {"certificate_number", "reason"}
    )


def _change_form(raw: Mapping[str, Any], _: dt.date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    number = _certificate_number(raw, errors)
    name: str | None = None
    if raw.get("name"):
        try:
            name = clean_holder_name(raw["name"]) if isinstance(raw["name"], str) else None
            if name is None:
                errors["name"] = "not_a_string"
        except FactsError as exc:
            errors["name"] = exc.code
    categories = _categories(raw, errors, required=False)
    if name is None and categories is None and "name" not in errors and "categories" not in errors:
        errors["name"] = "no_change"
    form = {"certificate_number": number, "name": name, "categories": categories}
    return _finish(errors, form, raw, {"certificate_number", "name", "categories"})


def _cancel_form(raw: Mapping[str, Any], _: dt.date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    number = _certificate_number(raw, errors)
    reason = raw.get("cancel_reason")
    if reason not in {r.value for r in CancelReason}:
        errors["cancel_reason"] = "cancel_reason"
    return _finish(
        errors,
        {"certificate_number": number, "cancel_reason": reason},
        raw,
        {"certificate_number", "cancel_reason"},
    )


@dataclass(frozen=True)
class ItemSpec:
    """A service item one applies for."""

    item: ServiceItem
    platform_code: str
    """The item's code on the government service platform (事项编码)."""
    time_limit: int
    """The promised time limit (承诺时限) in working days from acceptance."""
    check_form: FormCheck
    materials: tuple[str, ...]
    """The kinds of material the applicant hands in (see ``MATERIAL_KINDS``)."""

    @property
    def on_certificate(self) -> bool:
        """Whether the application is about an existing certificate (its number is in the form)."""
        return self.item != ServiceItem.ISSUE


ITEMS: dict[ServiceItem, ItemSpec] = {
    spec.item: spec
    for spec in (
        ItemSpec(
            ServiceItem.ISSUE,
            "000117001000",
            5,
            _issue_form,
            ("application_form", "id_card", "photo", "driving_licence", "health_certificate"),
        ),
        ItemSpec(
            ServiceItem.RENEW,
            "000117001001",
            3,
            _certificate_form,
            ("application_form", "id_card", "health_certificate"),
        ),
        ItemSpec(ServiceItem.REISSUE, "000117001002", 3, _reissue_form, ("application_form", "id_card")),
        ItemSpec(
            ServiceItem.CHANGE,
            "000117001003",
            3,
            _change_form,
            ("application_form", "id_card", "proof_of_change"),
        ),
        ItemSpec(ServiceItem.CANCEL, "000117001004", 1, _cancel_form, ("application_form", "id_card")),
    )
}
"""Every item one may apply for, by item."""

BY_PLATFORM_CODE = {spec.platform_code: spec for spec in ITEMS.values()}

MATERIAL_KINDS = (
    "application_form",
    "id_card",
    "photo",
    "driving_licence",
    "health_certificate",
    "proof_of_change",
    "other",
)
"""What a material may be (shown in words through the message catalogue, ``material_<kind>``)."""


def spec_of(item: str) -> ItemSpec:
    """The spec of an item one applies for (``KeyError`` for any other)."""
    return ITEMS[ServiceItem(item)]
