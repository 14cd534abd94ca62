"""The audit log for administrators: events searched by authority, actor, action, outcome, target
and time, newest first, a page at a time, with the hash chain's verification.

Who sees which events is the access policy's (``access.visible_audit_events``): the province
administrator every event, an authority's administrator his authority's. Verifying the chain is
bounded: a page recomputes the newest :data:`CHAIN_WINDOW` events (and links the oldest of them to
the event before) and compares the newest signed checkpoint; older events are checked a window at a
time on request (``chain_below``), and ``flask audit verify`` walks the whole chain. Every view of
the log (it shows who did what to whom) is itself an audit event.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..db import get_session
from ..messages import EVENT_ACTIONS, event_name, name_of, text_for
from ..services import access, audit_checkpoints, audit_log, csv_export
from ..services.access import Area
from ..services.audit import check_window
from ..services.audit_log import OUTCOMES, AuditSearch
from ..services.container import services
from ..services.keys import SYSTEM_ACTOR, app_keystore
from .admin import reason_words
from .audited import record_view
from .guards import requires

bp = Blueprint("audit_pages", __name__, url_prefix="/admin/audit")


def may_read_audit(user: Any) -> bool:
    """Whether the navigation offers ``user`` the audit log (the policy's :class:`Area` rule)."""
    return access.may_enter(user, Area.AUDIT)


bp.add_app_template_global(may_read_audit, "may_read_audit")

CHAIN_WINDOW = 2000
"""Events a page verifies at once (0.1–0.4 s on a busy 2-core machine; ``make bench`` measures it)."""
EXPORT_LIMIT = 10000
"""Rows one CSV export holds at most (newest first; narrow the search for older ones)."""


def _date(name: str, problems: list[str]) -> dt.date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        problems.append(text_for("invalid_date") or "")
        return None
    return day


FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 31)
"""The days a search may name (beyond them lies no event, and the day after 9999-12-31 no date)."""
SEQ_MAX = 2**63 - 1
"""The largest sequence number an event can have (a BIGINT)."""


def _sequence(name: str) -> int | None:
    """The event number in argument ``name``, or ``None`` when absent or not one."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= SEQ_MAX else None


def _wanted() -> tuple[AuditSearch, list[str]]:
    """The search in the request's arguments, and what was wrong with them (in words)."""
    problems: list[str] = []
    action = request.args.get("action", "")
    outcome = request.args.get("outcome", "")
    wanted = AuditSearch(
        authority=request.args.get("authority", "").strip(),
        actor=request.args.get("actor", "").strip()[:128],
        action=action if action in EVENT_ACTIONS else "",
        outcome=outcome if outcome in OUTCOMES else "",
        target=request.args.get("target", "").strip()[:128],
        since=_date("since", problems),
        until=_date("until", problems),
    )
    return wanted, problems


@bp.get("/")
@requires(Area.AUDIT)
def index() -> Any:
    """One page of events and the chain's verification."""
    session = get_session()
    wanted, problems = _wanted()
    below = _sequence("below")
    page = audit_log.search(session, current_user, wanted, below=below)
    chain_below = _sequence("chain_below")
    if chain_below is not None and chain_below < 2:  # nothing lies below event 1: the newest window
        chain_below = None
    chain = check_window(session, below=chain_below, size=CHAIN_WINDOW)
    checkpoint = audit_checkpoints.check_newest(
        session,
        app_keystore(current_app).published(now=services().clock.timestamp()),
        Path(current_app.config["AUDIT_CHECKPOINT_DIR"]),
    )
    staff_names, authority_names = audit_log.names(session, page.events)
    context = {
        "wanted": wanted,
        "params": wanted.as_params(),
        "problems": problems,
        "page": page,
        "below": below,
        "chain": chain,
        "checkpoint": checkpoint,
        "checkpoint_time": _epoch(checkpoint.issued_at) if checkpoint and checkpoint.issued_at else None,
        "described": audit_log.describe(session, page.events),
        "staff_names": staff_names,
        "authority_names": authority_names,
        "authorities": audit_log.authorities_for(session, current_user),
        "actions": sorted(EVENT_ACTIONS, key=event_name),
        "chain_window": CHAIN_WINDOW,
        "broken": {p.seq for p in chain.problems}
        | ({checkpoint.problem.seq} if checkpoint and checkpoint.problem else set()),
    }
    paged = {"below": below} if below is not None else {}
    record_view("audit.view", "audit_log", "search", search=wanted.as_params(), **paged)
    return render_template("admin/audit.html", **context)


@bp.get("/events.csv")
@requires(Area.AUDIT)
def export() -> Response:
    """The current search as CSV (UTF-8 with a byte-order mark, for spreadsheet programs), newest
    first, at most :data:`EXPORT_LIMIT` events; the export is audited."""
    session = get_session()
    wanted, _problems = _wanted()
    page = audit_log.search(session, current_user, wanted, size=EXPORT_LIMIT)
    staff_names, authority_names = audit_log.names(session, page.events)
    described = audit_log.describe(session, page.events)
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(
        [_("Event"), _("Time"), _("Actor"), _("Authority"), _("Action"), _("Target"), _("Outcome")]
    )
    for event in page.events:
        about = described.get((event.target_type, event.target_id))
        writer.writerow(
            [
                event.seq,
                format_datetime(event.occurred_at, "yyyy-MM-dd HH:mm:ss"),
                _person(event.actor, staff_names),
                authority_names.get(event.authority or "", event.authority or ""),
                event_name(event.action),
                _target_words(event.target_type, event.target_id, about),
                _outcome_words(event.action, event.reason),
            ]
        )
    record_view("audit.export", "audit_log", "search", search=wanted.as_params(), rows=len(page.events))
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-events.csv"},
    )


def _epoch(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


LISTS = {"search": _l("search results"), "latest": _l("the newest")}
"""Targets of a view of a list rather than of one object, in words."""


def _person(actor: str, staff_names: dict[str, str]) -> str:
    if actor == SYSTEM_ACTOR:
        return str(_("The system (a command or the set-up)"))
    name = staff_names.get(actor)
    return f"{name} ({actor})" if name else actor


def _target_words(target_type: str, target_id: str, about: audit_log.Described | None) -> str:
    shown = about.number if about and about.number else LISTS.get(target_id, target_id)
    words = f"{name_of('target', target_type)} {shown}"
    return f"{words} · {about.holder}" if about and about.holder else words


def _outcome_words(action: str, reason: str | None) -> str:
    done = _("Refused") if action.endswith(".refused") else _("Done")
    return str(_("%(outcome)s: %(reason)s", outcome=done, reason=reason_words(reason))) if reason else done


@bp.app_context_processor
def _words() -> dict[str, Any]:
    """The words of a row (the page and the export say the same)."""
    return {
        "audit_person": _person,
        "audit_target": _target_words,
        "audit_outcome": _outcome_words,
        "audit_json": _json,
    }


def _json(data: Any) -> str:
    """Recorded values as they were written (names and words in their own script, not escaped)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True)
