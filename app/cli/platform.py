"""``flask platform relay|status|reconcile``: deliver the messages for the government service
platform, see how the outbox stands, and compare our connected cases with what the platform holds."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_session
from ..services.container import services
from ..services.platform import outbox
from ..services.platform.client import PlatformClient, PlatformUnavailable, Settings
from ..services.platform.relay import Relay

platform_cli = click.Group(
    "platform", help="The government service platform: deliver its messages, see the outbox, reconcile."
)


def _settings() -> Settings:
    try:
        return Settings.from_config(current_app.config)
    except ValueError as exc:
        raise click.ClickException(f"{exc}: set RTC_PLATFORM_URL and the client credentials") from exc


def _age(delta: dt.timedelta | None) -> str:
    if delta is None:
        return "none waiting"
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours or days else []
    parts += [f"{minutes}m", f"{seconds}s"] if not days else [f"{minutes}m"]
    return " ".join(parts)


@platform_cli.command("relay")
@click.option("--once", is_flag=True, help="deliver what is due now, then exit")
@with_appcontext
def relay_command(once: bool) -> None:
    """Deliver the platform's messages, in order per case, until SIGTERM or SIGINT (or, with
    --once, until nothing is due). Several relays may run at once on PostgreSQL; on SQLite run one."""
    settings = _settings()
    stop = threading.Event()

    def stopping(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"signal {signum}: finishing the messages in flight", err=True)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stopping)
        signal.signal(signal.SIGINT, stopping)
    relay = Relay(
        current_app.extensions["db_engine"], settings, now=services().clock.now, log=current_app.logger
    )
    summary = relay.run(stop, once=once)
    errors = ", ".join(f"{kind} {n}" for kind, n in sorted(summary.errors.items())) or "none"
    click.echo(
        f"delivered {summary.delivered}, to retry {summary.retried}, dead {summary.dead}; errors: {errors}"
    )
    if summary.no_token:
        click.echo("the platform gave no token (unreachable, or the client credentials are wrong)")


@platform_cli.command("status")
@with_appcontext
def status_command() -> None:
    """Messages waiting and dead, and how long the oldest has waited."""
    found = outbox.status(get_session())
    click.echo(f"pending: {found.pending}")
    click.echo(f"dead:    {found.dead}")
    click.echo(f"sent:    {found.sent}")
    click.echo(f"oldest pending: {_age(found.oldest_age(services().clock.now()))}")
    if found.dead:
        click.echo("dead messages wait for staff: admin page 平台消息 (Platform messages), button 重新发送")


@platform_cli.command("reconcile")
@click.option(
    "--since",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="first day (China time), YYYY-MM-DD",
)
@with_appcontext
def reconcile_command(since: dt.datetime) -> None:
    """Compare our connected cases changed since a day with what the platform holds; list the
    differences (exit status 1 if there are any)."""
    client = PlatformClient(_settings(), agent="rtc-reconcile")
    try:
        theirs = client.cases_since(since.date())
    except PlatformUnavailable as exc:
        raise click.ClickException(f"the platform did not answer: {exc.error}") from exc
    finally:
        client.close()
    differences = outbox.reconcile(get_session(), since.date(), theirs)
    if not differences:
        click.echo(f"no differences since {since.date()} ({len(theirs)} cases at the platform)")
        return
    words = {
        "missing_there": "missing at the platform",
        "behind": "platform behind",
        "ahead": "platform ahead",
        "unknown_here": "unknown here",
        "stage_differs": "stage differs",
    }
    click.echo(f"{len(differences)} differences since {since.date()}:")
    for d in differences:
        waiting = f", {d.waiting} not yet delivered" if d.waiting else ""
        click.echo(
            f"{d.case_number}  {words[d.kind]}: ours {d.ours if d.ours is not None else '-'}"
            f" ({d.our_stage or '-'}), theirs {d.theirs if d.theirs is not None else '-'}"
            f" ({d.their_stage or '-'}){waiting}"
        )
    raise click.exceptions.Exit(1)
