"""Command-line tools: ``flask --app forum users create``, ``seed-demo``, ``reindex``,
``worker``, ``backup``, ``restore``, ``send-digests``, ``send-reminders``."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from forum.errors import ForumError

users_cli = AppGroup("users", help="Manage people.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(["admin", "manager", "member"]), default="member")
def create_user_command(email: str, name: str, password: str, role: str) -> None:
    """Create a user and print the new id."""
    from forum.services import accounts

    try:
        new = accounts.create_user(None, email=email, name=name, role=role, password=password)
    except ForumError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(new.user.id)


@click.command("seed-demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="When the database already has data: succeed, and print the demo logins if any.",
)
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo: people across the roles, modules, cohorts with schedules, discussions.

    With --if-empty (what `make run` uses on every start) a database that already has data
    is left alone, and the demo logins are printed again when the demo is in it.
    """
    from forum import demo

    if demo.database_is_empty():
        try:
            logins = demo.seed()
        except ForumError as exc:
            raise click.ClickException(exc.message) from None
        _rebuild_index("Indexing the demo for search")
        _print_logins("Demo loaded.", logins)
        return
    if if_empty:
        logins = demo.logins()
        if logins:
            _print_logins("Demo already loaded.", logins)
        else:
            click.echo("The database already has data; demo not loaded.")
        return
    # Never mix the demo's well-known password into a database with real people in it.
    if demo.is_loaded():
        raise click.ClickException("The demo is already loaded; nothing was changed.")
    raise click.ClickException(
        "The database already has data; seed-demo loads only into an empty database."
    )


def _print_logins(heading: str, logins: list[tuple[str, str]]) -> None:
    from forum import demo

    click.echo(f"{heading} Sign in with any of these (password for all: {demo.PASSWORD}):")
    for role, email in logins:
        click.echo(f"  {role:<12} {email}")


def _rebuild_index(label: str) -> None:
    from sqlalchemy import func, select

    from forum.extensions import db
    from forum.models import Module, Post
    from forum.search.indexing import rebuild_index

    # Every module and post is a document at most (opening posts count as their thread).
    total = sum(db.session.scalar(select(func.count()).select_from(m)) or 0 for m in (Module, Post))
    with click.progressbar(length=total, label=label, show_pos=True) as bar:
        done = 0

        def progress(n: int) -> None:
            nonlocal done
            bar.update(max(0, n - done))
            done = n

        rebuild_index(progress)


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database; search keeps answering meanwhile."""
    _rebuild_index("Rebuilding the search index")
    click.echo("The search index is rebuilt.")


@click.command("worker")
@click.option("--once", is_flag=True, help="Carry out what is due now, then stop.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Carry out queued side effects (mail, search indexing) until stopped."""
    from forum.background import run_until_idle

    if once:
        run_until_idle()
        return
    worker = current_app.extensions["forum.worker"]
    click.echo("Worker started; Ctrl+C stops it.")
    try:
        while True:
            # Commits in other processes wake nothing here: look again every 2 s at most.
            time.sleep(min(worker.drain(), 2.0))
    except KeyboardInterrupt:
        click.echo("Worker stopped.")


def _busy_timeout() -> float:
    return current_app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write a consistent copy of the SQLite database to FILE while the service runs.

    FILE is readable by its owner only. On PostgreSQL, use pg_dump instead.
    """
    from forum import backup

    try:
        database = backup.sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"], "pg_dump")
        size = backup.backup(database, file, _busy_timeout())
    except ForumError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Backup written to {file} ({size / 1e6:.1f} MB).")
    click.echo("Keep the secret key (FORUM_SECRET_KEY or instance/secret_key) with it.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a database that already holds data.")
@with_appcontext
def restore_command(file: Path, replace: bool) -> None:
    """Put the backup FILE into this instance, upgrade it, and rebuild the search index.

    The instance's database must be empty or absent, unless --replace is given; stop the
    service first. On PostgreSQL, use pg_restore instead.
    """
    from flask_migrate import upgrade

    from forum import backup
    from forum.extensions import db

    try:
        database = backup.sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"], "pg_restore")
        db.session.remove()
        db.engine.dispose()  # no pooled connection may keep reading what is replaced
        revision = backup.restore(file, database, _busy_timeout(), replace=replace)
    except ForumError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Restored {file} (schema {revision}); upgrading it to the current schema.")
    upgrade()
    db.engine.dispose()
    _rebuild_index("Rebuilding the search index")
    click.echo("Restored. Start the service with the secret key that was kept with the backup.")


@click.command("send-digests")
@with_appcontext
def send_digests_command() -> None:
    """Send each person on the daily digest their unread notifications (once a day, in their
    own time zone); safe to run every hour, and twice."""
    from forum.services.digests import send_digests

    counts = send_digests()
    click.echo(f"Digests: {counts.sent} sent, {counts.failed} failed.")
    if counts.failed:
        click.echo("The failed ones are tried again on the next run.")


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Send the reminders now due, by e-mail and in-app: due_soon within 3 days of a due
    date, overdue a day after it and weekly while late. For cron; safe to run again, and
    twice at once."""
    from forum.services.reminders import send_reminders

    counts = send_reminders()
    click.echo(
        f"Reminders: {counts.reminded} new; e-mails: {counts.sent} sent, {counts.failed} failed."
    )
    if counts.failed:
        click.echo("The failed ones are tried again on the next run.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(reindex_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(send_digests_command)
    app.cli.add_command(send_reminders_command)
