"""Administration pages: staff accounts of an authority, and the province's service-item
configuration (一事项一实施主体) with its conflicts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import renew_session
from ..db import get_session
from ..messages import name_of
from ..models import Authority, ServiceItemAssignment, Staff
from ..models.enums import Role, ServiceItem, Stage
from ..services import access, authorities
from ..services.access import Area
from ..services.errors import DomainError
from ..services.passwords import check_password
from .forms import AssignmentForm, ConnectForm, PasswordForm, SelectChoice, StaffForm
from .guards import login_required, requires
from .messages import message_for

bp = Blueprint("administration", __name__, url_prefix="/admin")


@bp.route("/staff", methods=["GET", "POST"])
@requires(Area.STAFF)
def staff() -> Any:
    """Staff accounts (an authority administrator sees and adds their own authority's)."""
    session = get_session()
    form = StaffForm()
    form.role.choices = [
        SelectChoice(r.value, name_of("role", r)) for r in access.grantable_roles(current_user)
    ]
    bodies = access.managed_authorities(get_session(), current_user)
    form.authority_id.choices = [SelectChoice(a.id, a.name) for a in bodies]
    form.permissions.choices = [
        SelectChoice(f"{i.value}:{s.value}", f"{name_of('item', i)} · {name_of('stage', s)}")
        for i in ServiceItem
        for s in Stage
    ]
    status = 200
    if form.validate_on_submit():
        authority = next(a for a in bodies if a.id == form.authority_id.data)
        grants = [(ServiceItem(p.split(":")[0]), Stage(p.split(":")[1])) for p in form.permissions.data or []]
        try:
            authorities.create_staff(
                session,
                username=form.username.data or "",
                display_name=form.display_name.data or "",
                password=form.password.data or "",
                authority=authority,
                role=Role(form.role.data),
                permissions=grants,
                actor=current_user.username,
            )
        except DomainError as exc:
            flash(message_for(exc), "error")
            status = 422
        else:
            flash(_("Account %(name)s created.", name=form.username.data), "success")
            return redirect(url_for("administration.staff"))
    elif request.method == "POST":
        status = 422
    accounts = session.scalars(
        select(Staff)
        .where(Staff.authority_id.in_([a.id for a in bodies]))
        .order_by(Staff.authority_id, Staff.username)
    ).all()
    return render_template("admin/staff.html", form=form, accounts=accounts), status


@bp.route("/service-items", methods=["GET", "POST"])
@requires(Area.SERVICE_ITEMS)
def service_items() -> Any:
    """Which authority implements each service item in each region; conflicts first."""
    session = get_session()
    form = AssignmentForm()
    form.item.choices = [SelectChoice(i.value, name_of("item", i)) for i in ServiceItem]
    form.authority_id.choices = [
        SelectChoice(a.id, a.name) for a in session.scalars(select(Authority).order_by(Authority.region_code))
    ]
    if request.method == "POST":
        if not access.may_configure_items(current_user):
            abort(403)
        if form.validate_on_submit():
            authority = session.get_one(Authority, form.authority_id.data)  # one of the form's choices
            item = ServiceItem(form.item.data)
            try:
                change = authorities.unassign_item if form.remove.data else authorities.assign_item
                change(
                    session,
                    form.region_code.data or "",
                    item,
                    authority,
                    actor=current_user.username,
                )
            except DomainError as exc:
                flash(message_for(exc), "error")
            else:
                flash(_("Service item configuration saved."), "success")
            return redirect(url_for("administration.service_items"))
    rows = session.execute(
        select(
            ServiceItemAssignment.region_code,
            ServiceItemAssignment.item,
            Authority.name,
            ServiceItemAssignment.connected,
        )
        .join(Authority)
        .order_by(ServiceItemAssignment.region_code, ServiceItemAssignment.item)
    ).all()
    return render_template(
        "admin/service_items.html",
        rows=rows,
        conflicts=authorities.conflicts(session),
        form=form,
        connect_form=ConnectForm(formdata=None),
        can_edit=access.may_configure_items(current_user),
    )


@bp.post("/service-items/connected")
@requires(Area.SERVICE_ITEMS)
def service_item_connected() -> Any:
    """Connect a service item in a region to the government service platform, or disconnect it
    (the province administrator; cases already open keep the flag they came in with)."""
    if not access.may_configure_items(current_user):
        abort(403)
    form = ConnectForm()
    if not form.validate_on_submit() or form.item.data not in {i.value for i in ServiceItem}:
        abort(400)
    connected = form.connected.data == "1"
    try:
        authorities.set_connected(
            get_session(),
            form.region_code.data or "",
            ServiceItem(form.item.data),
            connected,
            actor=current_user.username,
        )
    except DomainError as exc:
        flash(message_for(exc), "error")
    else:
        words = {"region": form.region_code.data, "item": name_of("item", str(form.item.data))}
        flash(
            _("%(item)s in %(region)s is now connected to the platform.", **words)
            if connected
            else _("%(item)s in %(region)s is no longer connected to the platform.", **words),
            "success",
        )
    return redirect(url_for("administration.service_items"))


@bp.post("/staff/<id:staff_id>/active")
@requires(Area.STAFF)
def staff_active(staff_id: int) -> Any:
    """Deactivate or reactivate an account of one's own authority (the province: any)."""
    session = get_session()
    account = session.get(Staff, staff_id)
    if account is None or account.authority not in access.managed_authorities(get_session(), current_user):
        abort(404)
    if account.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("administration.staff"))
    active = request.form.get("active") == "1"
    authorities.set_active(session, account, active, actor=current_user.username)
    flash(
        _("Account %(name)s reactivated.", name=account.username)
        if active
        else _("Account %(name)s deactivated.", name=account.username),
        "success",
    )
    return redirect(url_for("administration.staff"))


@bp.get("/me")
@login_required
def mine() -> str:
    """The staff member's own service items and stages (what the pages will offer him), and
    whether his authority implements each item in its region."""
    if not isinstance(current_user._get_current_object(), Staff):
        abort(403)
    session = get_session()
    held: dict[ServiceItem, list[Stage]] = {}
    for item, stage in access.held_stages(current_user):
        held.setdefault(ServiceItem(item), []).append(Stage(stage))
    rows = [
        (item, [s for s in Stage if s in held[item]], _implements(session, current_user, item))
        for item in ServiceItem
        if item in held
    ]
    return render_template("admin/mine.html", rows=rows)


def _implements(session: Any, actor: Staff, item: ServiceItem) -> bool:
    """Whether ``actor``'s authority is the implementing body of ``item`` in its own region."""
    try:
        return (
            authorities.implementing_authority(session, actor.authority.region_code, item).id
            == actor.authority_id
        )
    except DomainError:  # unassigned or doubly assigned
        return False


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    """Change one's own password."""
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        session = get_session()
        if not check_password(current_user.password_hash, form.current.data or ""):
            flash(_("The current password is wrong."), "error")
            status = 422
        else:
            authorities.set_password(session, current_user, form.new.data or "", actor=current_user.username)
            renew_session(current_user._get_current_object())  # the other sessions have ended
            flash(_("Your password was changed."), "success")
            return redirect(url_for("admin.dashboard"))
    elif request.method == "POST":
        status = 422
    return render_template("password.html", form=form, layout="admin/layout.html"), status
